from __future__ import annotations

import pytest

from radar_normalizer.parts import base_mpn, clean_mpn, looks_like_mpn


def test_unicode_dashes_and_spaces_are_cleaned() -> None:
    assert clean_mpn("LM2937IMP\u20113.3/NOPB") == "LM2937IMP-3.3/NOPB"
    assert clean_mpn("TLC2272\u2010AIDR") == "TLC2272-AIDR"
    assert clean_mpn("BCX56\u201316,115") == "BCX56-16,115"
    assert clean_mpn(" AD8605\u00a0ARZ, ") == "AD8605ARZ"


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
    ],
)
def test_look_alikes_are_not_part_numbers(token: str) -> None:
    assert not looks_like_mpn(token)


@pytest.mark.parametrize(
    ("mpn", "manufacturer", "base"),
    [
        ("LM358DR", "Texas Instruments", "LM358D"),
        ("LM358DRG4", "Texas Instruments", "LM358D"),
        ("LM2937IMP-3.3/NOPB", "Texas Instruments", "LM2937IMP-3.3"),
        ("AD8605ARTZ-REEL7", "Analog Devices", "AD8605ARTZ"),
        ("LT1763CS8-3.3#TRPBF", "Analog Devices", "LT1763CS8-3.3"),
        ("BSC010N04LSIATMA1", "Infineon Technologies", "BSC010N04LSI"),
        ("BAS16,215", "NXP Semiconductors", "BAS16"),
        ("L6562ADTR", "STMicroelectronics", "L6562AD"),
        ("MC7805CTG", "onsemi", "MC7805CT"),
        ("MCP1700T-3302E/TT", "Microchip Technology", "MCP1700-3302E/TT"),
        ("GRM188R71H104KA93D", "Murata", "GRM188R71H104KA93"),
        ("MAX232CPE+", "Maxim Integrated", "MAX232CPE"),
        ("EXA100-QFN-TR", "", "EXA100-QFN"),
        ("QPA2212D", "Qorvo", "QPA2212D"),
    ],
)
def test_base_numbers_per_vendor(mpn: str, manufacturer: str, base: str) -> None:
    assert base_mpn(mpn, manufacturer) == base


def test_vendor_rules_apply_only_to_their_vendor() -> None:
    assert base_mpn("QPA2212DR", "Qorvo") == "QPA2212DR"
