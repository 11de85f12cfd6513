"""Catalog uploads as people have them: header finding, column mapping, EDA BOMs, every error."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from radar_common.catalog.files import parse_bom, parse_products
from radar_common.catalog.sources import (
    KINDS,
    FileMapping,
    SourceFileError,
    convert,
    count_designators,
    guess_kind,
    header_score,
    normalize_header,
    propose_mapping,
    read_table,
)

# The layout of KiCad's "bom_csv_grouped_extra" plugin: a banner, then the columns, with the
# user's MPN and Manufacturer fields appended.
KICAD = b"""\
"Source:","/home/me/sensor.kicad_sch"
"Date:","2025-03-02"
"Tool:","Eeschema 8.0.4"
"Generator:","bom_csv_grouped_extra.py"
"Component Count:","10"
"Ref","Qnty","Value","Cmp name","Footprint","Description","Vendor","MPN","Manufacturer"
"C1, C2, C5, ","3","100n","C","Capacitor_SMD:C_0603","Capacitor","","GRM188R71H104KA93D","Murata"
"U1, ","1","LM358","LM358","Package_SO:SOIC-8","Dual op amp","","LM358DR","Texas Instruments"
"R1-R4, R9","","10k","R","Resistor_SMD:R_0603","Resistor","","RC0603FR-0710KL","Yageo"
"""
# KiCad's built-in exporter (Symbol Fields Table / kicad-cli): ranges and a DNP column.
KICAD_BUILTIN = b"""\
"Refs","Value","Footprint","Qty","DNP","MPN","Manufacturer"
"C103-C105,C109","100n","Capacitor_SMD:C_0603","4","","GRM188R71H104KA93D","Murata"
"J1","CONN","Connector:USB_C","1","DNP","USB4105-GF-A","GCT"
"""


def altium_xlsx() -> bytes:
    """Altium's BOM report through an Excel template: a title block above the columns."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Bill of Materials", None, "Project: Sensor.PrjPcb"])
    sheet.append(["Report Date: 02/03/2025"])
    sheet.append([])
    sheet.append(
        [
            "Comment",
            "Description",
            "Designator",
            "Footprint",
            "LibRef",
            "Quantity",
            "Manufacturer 1",
            "Manufacturer Part Number 1",
            "Manufacturer 2",
            "Manufacturer Part Number 2",
        ]
    )
    sheet.append(
        [
            "10uF",
            "Capacitor",
            "C1, C2",
            "0805",
            "CAP",
            2,
            "Murata",
            "GRM21BR61E106KA73L",
            None,
            None,
        ]
    )
    sheet.append(
        ["STM32", "MCU", "U3", "LQFP48", "MCU", 1, "STMicro", "STM32F103C8T6", "GigaDevice", "GD32"]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_header_names_compare_loosely() -> None:
    assert normalize_header("Mfr. Part #") == "mfr part number"
    assert normalize_header("unit_price") == normalize_header("Unit Price")


def test_designators_count_lists_and_ranges() -> None:
    assert count_designators("C1, C2, C5, ") == 3
    assert count_designators("C103-C105,C109") == 4
    assert count_designators("R1 - R4 R9") == 5


def test_kicad_plugin_bom_maps_onto_bom_rows() -> None:
    table = read_table("sensor-bom.csv", KICAD, header_score)
    assert table.header_line == 6
    assert table.skipped_lines == 5
    kind = guess_kind(table.file, table.header)
    assert kind.name == "bom"
    mapping = propose_mapping(kind, table.header)
    named = {f: table.header[i] for f, i in mapping.items() if i is not None}
    assert named == {
        "mpn": "MPN",
        "manufacturer": "Manufacturer",
        "quantity": "Qnty",
        "references": "Ref",
    }
    result = convert([table], [FileMapping("bom", mapping, assembly="SNS-10")])
    assert result.errors == []
    lines = parse_bom(result.texts["bom.csv"])
    assert [(b.parent_sku, b.mpn, b.manufacturer, b.quantity) for b in lines] == [
        ("SNS-10", "GRM188R71H104KA93D", "Murata", Decimal(3)),
        ("SNS-10", "LM358DR", "Texas Instruments", Decimal(1)),
        ("SNS-10", "RC0603FR-0710KL", "Yageo", Decimal(5)),  # no Qnty: the designators are counted
    ]


def test_kicad_builtin_export_leaves_out_dnp_rows() -> None:
    table = read_table("board.csv", KICAD_BUILTIN, header_score)
    mapping = propose_mapping(KINDS["bom"], table.header)
    result = convert([table], [FileMapping("bom", mapping, assembly="BRD-1")])
    assert result.ok
    assert result.skipped == {"board.csv": 1}
    assert [b.quantity for b in parse_bom(result.texts["bom.csv"])] == [Decimal(4)]


def test_altium_workbook_maps_and_reports_the_second_manufacturer() -> None:
    table = read_table("Sensor BOM.xlsx", altium_xlsx(), header_score)
    assert table.header_line == 4
    assert table.spreadsheet
    mapping = propose_mapping(KINDS["bom"], table.header)
    assert table.header[mapping["mpn"] or 0] == "Manufacturer Part Number 1"
    assert table.header[mapping["manufacturer"] or 0] == "Manufacturer 1"
    result = convert([table], [FileMapping("bom", mapping, assembly="SNS-10")])
    assert result.ok, result.errors
    assert [(b.mpn, b.quantity) for b in parse_bom(result.texts["bom.csv"])] == [
        ("GRM21BR61E106KA73L", Decimal(2)),
        ("STM32F103C8T6", Decimal(1)),
    ]
    assert len(result.warnings) == 2
    assert "Manufacturer Part Number 2 (J)" in " ".join(result.warnings)


def test_every_bad_row_is_reported_in_the_users_terms() -> None:
    data = (
        b"Product;Description;Price;Demand\n"
        b"GW-200;Gateway;1450.00;120\n"
        b"PLC-40;PLC;lots;200\n"
        b"SNS-10;Sensor;240;-3\n"
        b"GW-200;Gateway again;1;1\n"
    )
    table = read_table("erp-products.csv", data, header_score)
    mapping = propose_mapping(KINDS["products"], table.header)
    result = convert([table], [FileMapping("products", mapping)])
    assert not result.ok
    assert result.texts == {}
    assert [(e.file, e.line, e.column) for e in result.errors] == [
        ("erp-products.csv", 3, "Price (3)"),
        ("erp-products.csv", 4, "Demand (4)"),
        ("erp-products.csv", 5, "Product (1)"),
    ]
    assert "'lots' is not a number" in result.errors[0].message
    assert "already given on line" in result.errors[2].message


def test_unmapped_required_columns_are_errors() -> None:
    table = read_table("products.csv", b"sku,name\nA,B\n", header_score)
    result = convert(
        [table], [FileMapping("products", propose_mapping(KINDS["products"], table.header))]
    )
    assert {e.column for e in result.errors} == {"Unit price", "Monthly demand"}
    assert all(e.line == 1 for e in result.errors)


def test_an_eda_bom_without_assembly_or_part_numbers_says_so() -> None:
    table = read_table("b.csv", b"Ref,Qty,Value,MPN\nR1,1,10k,\n", header_score)
    mapping = propose_mapping(KINDS["bom"], table.header)
    missing = convert([table], [FileMapping("bom", mapping)])
    assert [e.column for e in missing.errors] == ["Parent assembly"]
    given = convert([table], [FileMapping("bom", mapping, assembly="X")])
    assert [(e.line, e.column, e.message) for e in given.errors] == [
        (2, "MPN (4)", "no manufacturer part number")
    ]


def test_files_of_one_kind_are_combined_and_checked_together() -> None:
    one = read_table("a.csv", b"sku,name,unit_price,monthly_demand\nA,Alpha,1,1\n", header_score)
    two = read_table("b.csv", b"sku,name,unit_price,monthly_demand\nA,Again,1,1\n", header_score)
    maps = [
        FileMapping("products", propose_mapping(KINDS["products"], t.header)) for t in (one, two)
    ]
    result = convert([one, two], maps)
    assert [(e.file, e.line) for e in result.errors] == [("b.csv", 2)]
    ok = convert([one], maps[:1])
    assert [p.sku for p in parse_products(ok.texts["products.csv"])] == ["A"]


def test_unreadable_files_are_refused_with_the_reason() -> None:
    with pytest.raises(SourceFileError, match="empty"):
        read_table("empty.csv", b"\n\n", header_score)
    with pytest.raises(SourceFileError, match="XLSX"):
        read_table("broken.xlsx", b"PK\x03\x04 not really a zip", header_score)
    with pytest.raises(SourceFileError, match="not a text file"):
        read_table("binary.csv", b"\x00\x01\x02", header_score)
