"""The shared manufacturer table: data, aliases, domains, an extra file, and review thresholds."""

from __future__ import annotations

from pathlib import Path

import pytest

from radar_common import manufacturers
from radar_common.manufacturers import (
    ManufacturerTable,
    canonical_manufacturer,
    manufacturer_from_domain,
    parse_table,
)
from radar_normalizer.extract import extract_notices
from tests.normalizer.notices import mail


def test_the_shipped_table_is_broad() -> None:
    table = manufacturers.table()
    assert len(table.makers) >= 50
    names = {m.name for m in table.makers}
    assert {
        "Allegro MicroSystems",
        "Littelfuse",
        "Winbond Electronics",
        "Lattice Semiconductor",
    } <= names
    assert {"Nordic Semiconductor", "TE Connectivity", "Murata", "KEMET"} <= names


@pytest.mark.parametrize(
    ("address", "maker"),
    [
        ("pcn@allegromicro.com", "Allegro MicroSystems"),
        ("PCN <pcn@list.littelfuse.com>", "Littelfuse"),
        ("notices@atmel.com", "Microchip Technology"),
        ("https://www.latticesemi.com/pcn", "Lattice Semiconductor"),
        ("someone@gmail.com", ""),
    ],
)
def test_domains(address: str, maker: str) -> None:
    assert manufacturer_from_domain(address) == maker


def test_a_table_grows_without_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "makers.csv"
    extra.write_text(
        "# local additions\ncanonical,aliases,domains,prefixes\n"
        "Quazar Microdevices,Quazar;QZR,quazarmicro.com,QZR\n"
    )
    monkeypatch.setenv("RADAR_MANUFACTURERS_FILE", str(extra))
    manufacturers.table.cache_clear()
    try:
        assert canonical_manufacturer("QZR") == "Quazar Microdevices"
        assert manufacturer_from_domain("pcn@quazarmicro.com") == "Quazar Microdevices"
    finally:
        monkeypatch.delenv("RADAR_MANUFACTURERS_FILE")
        manufacturers.table.cache_clear()
    assert canonical_manufacturer("QZR") == "QZR"


def test_parsing_keeps_lists_and_skips_comments() -> None:
    [maker] = parse_table("# x\ncanonical,aliases,domains,prefixes\nAcme,A1;A2,acme.io,AC;AX\n")
    assert (maker.aliases, maker.domains, maker.prefixes) == (
        ("A1", "A2"),
        ("acme.io",),
        ("AC", "AX"),
    )
    assert ManufacturerTable([maker]).in_text("Regards, Acme") == ("Acme", "Acme")


def test_the_review_threshold_is_a_setting() -> None:
    event = mail("Product discontinuance notice PDN-2026-080\nAffected parts: EXT7001QA\n")
    [strict] = extract_notices(event, review_threshold=0.99)
    [lenient] = extract_notices(event, review_threshold=0.1)
    assert strict.review == "pending"
    assert strict.review_reasons
    assert lenient.review == ""
    assert strict.mpn == lenient.mpn == "EXT7001QA"
