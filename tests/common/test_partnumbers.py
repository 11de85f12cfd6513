"""The one part-number module: folding, grammar, and each vendor's documented suffixes."""

from __future__ import annotations

import time

import asyncpg
import pytest

from radar_common.catalog import CatalogError
from radar_common.catalog.files import parse_parts
from radar_common.db import connect_pool, migrate
from radar_common.db.base_numbers import refresh_base_numbers, rules_marker
from radar_common.partnumbers import (
    CONVENTIONS,
    TOKEN,
    base_mpn,
    clean_mpn,
    fold_text,
    looks_like_mpn,
    normalize_mpn,
)

# --- folding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "clean"),
    [
        ("LM2937IMP\u20113.3/NOPB", "LM2937IMP-3.3/NOPB"),  # non-breaking hyphen
        ("TLC2272\u2010AIDR", "TLC2272-AIDR"),  # hyphen
        ("BCX56\u201316,115", "BCX56-16,115"),  # en dash
        ("BCX56\u221216", "BCX56-16"),  # minus sign
        (" AD8605\u00a0ARZ, ", "AD8605ARZ"),  # no-break space, trailing comma
        ("LM358\u200bDR", "LM358DR"),  # zero-width space
        ("LM3\u200d58DR", "LM358DR"),  # zero-width joiner
        ("\ufeffLM358DR", "LM358DR"),  # byte-order mark
        ("LM358\u202eRD", "LM358RD"),  # right-to-left override: removed, order as stored
        ("LM358\u00adDR", "LM358DR"),  # soft hyphen
        ("\uff2c\uff2d\uff13\uff15\uff18\uff24\uff32", "LM358DR"),  # fullwidth forms
        ("\u0412\u0421547", "BC547"),  # Cyrillic VE and ES
        ("\u041c\u0421\u0437805", "MC\u0437805"),  # Cyrillic ZE has no Latin twin: kept
        ("\u0392\u0391\u03a416", "BAT16"),  # Greek BETA ALPHA TAU
        ("lm358dr", "lm358dr"),  # case is evidence: kept
        ("LM358D\u0301R", "LM358DR"),  # a combining accent
        ("LM\u0663\u0665\u0668DR", "LM358DR"),  # Arabic-Indic digits
    ],
)
def test_clean_mpn_folds_what_looks_alike_and_drops_what_is_invisible(
    written: str, clean: str
) -> None:
    assert clean_mpn(written) == clean


def test_a_spoofed_number_matches_the_catalog_key_and_shows_plain_ascii() -> None:
    spoofed = "\u202eL\u041c358\u200dDR"  # right-to-left override, Cyrillic EM, zero-width joiner
    assert normalize_mpn(spoofed) == "LM358DR"
    assert base_mpn(spoofed, "Texas Instruments") == "LM358D"
    assert normalize_mpn("\u0420\u0421\u0410") == "PCA"  # Cyrillic ER is drawn as P, not R


def test_mixed_scripts_with_no_latin_twin_are_not_part_numbers() -> None:
    mixed = "LM358\u0416R"  # Cyrillic ZHE
    assert not looks_like_mpn(mixed)
    assert normalize_mpn(mixed) == "LM358\u0416R"  # kept: it can never equal an ASCII key
    assert normalize_mpn(mixed) != normalize_mpn("LM358DR")
    with pytest.raises(CatalogError, match=r"column mpn \(1\).*no Latin twin"):
        parse_parts(f"mpn,manufacturer,unit_price,on_hand,on_order\n{mixed},TI,1,0,0\n")


def test_fold_text_folds_part_numbers_but_leaves_prose_in_other_scripts() -> None:
    word = "\u0434\u0435\u0442\u0430\u043b\u044c"  # Russian "part", no digit
    text = f"Betroffen f\u00fcr: \u0412\u0421547\u200b, LM358\u2013DR \u2014 {word}"
    assert fold_text(text) == f"Betroffen f\u00fcr: BC547, LM358-DR - {word}"
    assert fold_text("plain ASCII stays as it is") == "plain ASCII stays as it is"
    spoofed = "parts: L\u041c358DR"
    assert "LM358DR" not in TOKEN.findall(spoofed)
    assert "LM358DR" in TOKEN.findall(fold_text(spoofed))


def test_fold_text_is_linear_in_hostile_lines() -> None:
    # A quadratic scan would need minutes for these; each is read once.
    lines = ["x" * 300_000 + " \u00e9", "\u00e9" + "y" * 300_000, "a1\u0412 " * 20_000]
    started = time.monotonic()
    folded = [fold_text(line) for line in lines]
    assert time.monotonic() - started < 10
    assert folded[2].startswith("a1B a1B")


# --- grammar ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token", ["LM358DR", "AD8605ARTZ-REEL7", "BSC010N04LSIATMA1", "1N4148W", "BAS16,215"]
)
def test_part_numbers(token: str) -> None:
    assert looks_like_mpn(token)


@pytest.mark.parametrize(
    "token",
    [
        "SOT-89",
        "SOT23",
        "QFN-32",
        "TSSOP-20",
        "J-STD-048",
        "AEC-Q100",
        "2024-09-20",
        "3.3V",
        "100mA",
        "Rev1.2",
        "PDN",
        "ISO9001",
        "x86-based",
        "WK12",
    ],
)
def test_look_alikes_are_not_part_numbers(token: str) -> None:
    assert not looks_like_mpn(token)


def test_strictness_is_for_prose_only() -> None:
    assert not looks_like_mpn("555")
    assert looks_like_mpn("555", strict=False)
    assert not looks_like_mpn("12", strict=False)


# --- base numbers: each vendor's documented suffixes -----------------------------------------


@pytest.mark.parametrize(
    ("mpn", "manufacturer", "base"),
    [
        # Texas Instruments: R (large reel) / T (small reel) after the package, finishes E4/G4,
        # /NOPB (National heritage), reel inside an automotive Q1 number.
        ("LM358DR", "Texas Instruments", "LM358D"),
        ("LM358DRG4", "Texas Instruments", "LM358D"),
        ("SN74HC595NE4", "Texas Instruments", "SN74HC595N"),
        ("SN74LVC1G14DBVT", "Texas Instruments", "SN74LVC1G14DBV"),
        ("TPS62110RGTT", "Texas Instruments", "TPS62110RGT"),
        ("TPS62110RGTR", "Texas Instruments", "TPS62110RGT"),
        ("TPS62110RGT", "Texas Instruments", "TPS62110RGT"),  # RGT is the package
        ("TPS7A4700RGWR", "TI", "TPS7A4700RGW"),
        ("LM2937IMP-3.3/NOPB", "Texas Instruments", "LM2937IMP-3.3"),
        ("TPS7B6933QDBVRQ1", "Texas Instruments", "TPS7B6933QDBVQ1"),
        ("LM7805CT", "Texas Instruments", "LM7805CT"),  # T is TO-220 here
        ("LM317KCT", "Texas Instruments", "LM317KCT"),  # KCT is the package
        # Analog Devices (and Linear, Maxim): reels, #PBF, +/+T.
        ("AD8605ARTZ-REEL7", "Analog Devices", "AD8605ARTZ"),
        ("AD8605ARTZ-REEL", "Analog Devices", "AD8605ARTZ"),
        ("ADP3338AKCZ-3.3-RL7", "Analog Devices", "ADP3338AKCZ-3.3"),
        ("ADP3338AKCZ-3.3-RL", "Analog Devices", "ADP3338AKCZ-3.3"),
        ("ADP150AUJZ-3.3-R7", "Analog Devices", "ADP150AUJZ-3.3"),
        ("LT1763CS8-3.3#PBF", "Analog Devices", "LT1763CS8-3.3"),
        ("LT1763CS8-3.3#TRPBF", "Linear Technology", "LT1763CS8-3.3"),
        ("MAX232CPE+", "Maxim Integrated", "MAX232CPE"),
        ("MAX3232ECUE+T", "Analog Devices", "MAX3232ECUE"),
        # Infineon: the five-character OPN suffix; International Rectifier's TR/PBF.
        ("BSC010N04LSIATMA1", "Infineon Technologies", "BSC010N04LSI"),
        ("TLE4250GNTSA1", "Infineon", "TLE4250G"),
        ("TLE4250GNTMA1", "Infineon", "TLE4250G"),
        ("BTS5090-1EJAXUMA1", "Infineon Technologies", "BTS5090-1EJA"),
        ("IRF7341TRPBF", "Infineon Technologies", "IRF7341"),
        # Murata: the last character is the packaging.
        ("GRM188R71H104KA93D", "Murata", "GRM188R71H104KA93"),
        ("GRM188R71H104KA93J", "Murata Manufacturing Co., Ltd.", "GRM188R71H104KA93"),
        ("BLM18AG102SN1D", "Murata", "BLM18AG102SN1"),
        # NXP / Nexperia: the 12NC packing code.
        ("BAS16,215", "NXP Semiconductors", "BAS16"),
        ("PCA9555PW,118", "NXP", "PCA9555PW"),
        ("PCA9555PW,518", "", "PCA9555PW"),
        # onsemi: G (Pb-free), R2G / T1G / T3G / RKG reels; T of a TO-220 stays.
        ("MC7805CTG", "onsemi", "MC7805CT"),
        ("MC7805CT", "onsemi", "MC7805CT"),
        ("MC33269DR2G", "ON Semiconductor", "MC33269D"),
        ("MMBT3904LT1G", "onsemi", "MMBT3904L"),
        ("NCP1117ST33T3G", "onsemi", "NCP1117ST33"),
        ("MC7805BDTRKG", "onsemi", "MC7805BDT"),
        # Microchip: T before the temperature/package, trailing -T (Atmel heritage).
        ("MCP1700T-3302E/TT", "Microchip Technology", "MCP1700-3302E/TT"),
        ("PIC16F1829T-I/SS", "Microchip", "PIC16F1829-I/SS"),
        ("AT24C02D-SSHM-T", "Atmel", "AT24C02D-SSHM"),
        # STMicroelectronics: TR.
        ("STM32F103C8T6TR", "STMicroelectronics", "STM32F103C8T6"),
        ("STM32F103C8T6", "STMicroelectronics", "STM32F103C8T6"),
        ("L6562ADTR", "ST", "L6562AD"),
        ("L7805CD2T-TR", "STMicroelectronics", "L7805CD2T"),
        # Anything: only the codes whose spelling cannot mean anything else.
        ("EXA100-QFN-TR", "", "EXA100-QFN"),
        ("QPA2212D", "Qorvo", "QPA2212D"),
    ],
)
def test_base_numbers_per_vendor(mpn: str, manufacturer: str, base: str) -> None:
    assert base_mpn(mpn, manufacturer) == base


@pytest.mark.parametrize(
    ("mpn", "base"),
    [
        ("STM32F103C8T6TR", "STM32F103C8T6TR"),  # TR without a dash is ST's, not anyone's
        ("MC7805CT", "MC7805CT"),
        ("LM358DR", "LM358DR"),
        ("MC7805CTG", "MC7805CTG"),
        ("QPA2212DR", "QPA2212DR"),
        ("lm2596s-5.0/nopb", "LM2596S-5.0"),
    ],
)
def test_without_a_manufacturer_only_unambiguous_codes_are_stripped(mpn: str, base: str) -> None:
    assert base_mpn(mpn) == base


def test_vendor_rules_apply_only_to_their_vendor() -> None:
    assert base_mpn("QPA2212DR", "Qorvo") == "QPA2212DR"
    assert base_mpn("MC7805CTG", "Texas Instruments") == "MC7805CTG"
    assert base_mpn("LM358DR", "onsemi") == "LM358DR"


def test_manufacturer_names_are_recognised_as_written() -> None:
    for written in ("Texas Instruments Inc.", "TEXAS INSTRUMENTS", "texas-instruments", "TI"):
        assert base_mpn("LM358DR", written) == "LM358D", written
    assert base_mpn("MMBT3904LT1G", "ON Semiconductor Corp.") == "MMBT3904L"


def test_a_rule_never_leaves_a_stub() -> None:
    assert base_mpn("AB,118") == "AB,118"
    assert base_mpn("XR", "Texas Instruments") == "XR"


def test_every_convention_documents_its_suffixes() -> None:
    for convention in CONVENTIONS:
        assert convention.vendor in convention.brands
        assert all(meaning for _, meaning in convention.suffixes)


# --- stored base numbers follow the rules ----------------------------------------------------


@pytest.mark.integration
async def test_stale_stored_base_numbers_are_recomputed_once_per_rules_version(
    database_url: str,
) -> None:
    pool = await connect_pool(database_url, attempts=5)
    try:
        await migrate(pool)
        async with pool.acquire() as conn:
            # As the old rules stored them: TR and T stripped from the wrong places.
            await conn.execute(
                "INSERT INTO parts (mpn, base_mpn, manufacturer, unit_price, on_hand, on_order)"
                " VALUES ('STM32F103C8T6TR', 'STM32F103C8T6T', 'STMicroelectronics', 1, 0, 0),"
                " ('MC7805CT', 'MC7805C', 'onsemi', 1, 0, 0)"
            )
            await conn.execute(
                "INSERT INTO bom_lines (parent_sku, mpn, base_mpn, manufacturer, quantity)"
                " VALUES ('P1', 'MC7805CT', 'MC7805C', 'onsemi', 1)"
            )
            await conn.execute("DELETE FROM schema_migrations WHERE version = $1", rules_marker())
        await migrate(pool)  # the next start of any service
        async with pool.acquire() as conn:
            parts = dict(await conn.fetch("SELECT mpn, base_mpn FROM parts"))
            assert parts == {"STM32F103C8T6TR": "STM32F103C8T6", "MC7805CT": "MC7805CT"}
            assert await conn.fetchval("SELECT base_mpn FROM bom_lines") == "MC7805CT"
            await conn.execute("UPDATE parts SET base_mpn = 'X' WHERE mpn = 'MC7805CT'")
            assert await refresh_base_numbers(conn) == 0  # done once for this rules version
            assert await conn.fetchval("SELECT base_mpn FROM parts WHERE mpn = 'MC7805CT'") == "X"
    finally:
        await pool.close()


@pytest.mark.integration
async def test_refresh_without_catalog_tables_only_records_the_version(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("CREATE TABLE schema_migrations (version text PRIMARY KEY)")
        assert await refresh_base_numbers(conn) == 0
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == 1
    finally:
        await conn.close()
