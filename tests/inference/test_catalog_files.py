"""Parsing the catalog CSV files: errors name the file, line and column; cycles are refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from radar_cli.commands.catalog import demo_catalog_dir
from radar_common.catalog import CatalogError, read_directory
from radar_common.catalog.files import parse_bom, parse_catalog, parse_parts, parse_products
from radar_common.partnumbers import base_mpn

BOM_HEADER = "parent_sku,child_sku,mpn,manufacturer,quantity\n"


def test_the_demo_catalog_parses() -> None:
    files = parse_catalog(read_directory(demo_catalog_dir()))
    assert files.products
    assert files.bom
    assert files.parts
    assert files.alternates
    assert len(files.parts) >= 20
    assert any(p.mpn == "BSS138,215" for p in files.parts)  # a quoted comma survives


def test_products_types_and_optional_end_of_support() -> None:
    text = (
        "\ufeffsku,name,unit_price,monthly_demand,end_of_support\n"
        "A,Alpha,10.50,3,2030-01-31\n\nB,Beta,1,0,\n"
    )
    a, b = parse_products(text)
    assert (a.unit_price, a.monthly_demand, a.end_of_support) == (
        Decimal("10.50"),
        Decimal(3),
        date(2030, 1, 31),
    )
    assert b.end_of_support is None


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("sku,name,unit_price,monthly_demand\nA,Alpha,x,3\n", 2, "unit_price (3)", "not a number"),
        (
            "sku,name,unit_price,monthly_demand\nA,Alpha,1,-3\n",
            2,
            "monthly_demand (4)",
            "at least 0",
        ),
        (
            "sku,name,unit_price,monthly_demand,end_of_support\nA,Alpha,1,3,31/12/2030\n",
            2,
            "end_of_support (5)",
            "not a date",
        ),
        (
            "sku,name,unit_price,monthly_demand\nA,Alpha,1,3\nA,Again,1,3\n",
            3,
            "sku (1)",
            "already given on line 2",
        ),
        ("sku,name,unit_price\nA,Alpha,1\n", 1, "", "missing column"),
        ("sku,name,unit_price,monthly_demand\n,Alpha,1,3\n", 2, "sku (1)", "required"),
    ],
)
def test_product_errors_say_where(text: str, line: int, column: str, words: str) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_products(text)
    assert (caught.value.file, caught.value.line, caught.value.column) == (
        "products.csv",
        line,
        column,
    )
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"products.csv, line {line}")


def test_bom_line_needs_exactly_one_of_child_and_mpn() -> None:
    with pytest.raises(CatalogError, match=r"line 2, column child_sku \(2\): give either"):
        parse_bom(BOM_HEADER + "A,B,X1,,1\n")
    with pytest.raises(CatalogError, match=r"line 3, column child_sku"):
        parse_bom(BOM_HEADER + "A,B,,,1\nA,,,,1\n")
    with pytest.raises(CatalogError, match=r"quantity \(5\): 0 must be greater than 0"):
        parse_bom(BOM_HEADER + "A,,X1,,0\n")


def test_bom_cycles_are_refused_with_the_path() -> None:
    with pytest.raises(CatalogError, match="contains itself"):
        parse_bom(BOM_HEADER + "A,A,,,1\n")
    text = BOM_HEADER + "A,B,,,1\nB,C,,,2\nC,,X1,,1\nC,A,,,1\n"
    with pytest.raises(CatalogError) as caught:
        parse_bom(text)
    assert caught.value.line == 5
    assert "cycle in the BOM: A -> B -> C -> A" in str(caught.value)


def test_a_deep_acyclic_bom_with_shared_sub_assemblies_passes() -> None:
    rows = [f"L{i},L{i + 1},,,1" for i in range(3000)] + ["L3000,,X1,,1", "L0,L2,,,1"]
    lines = parse_bom(BOM_HEADER + "\n".join(rows) + "\n")
    assert len(lines) == 3002


def test_parts_normalise_mpns_and_keep_the_base_number() -> None:
    text = (
        "mpn,manufacturer,unit_price,on_hand,on_order,lifecycle_status\n lm358dr ,TI,0.18,10,,EOL\n"
    )
    (part,) = parse_parts(text)
    assert (part.mpn, part.base_mpn, part.on_order, part.lifecycle_status) == (
        "LM358DR",
        "LM358D",
        0,
        "eol",
    )
    with pytest.raises(CatalogError, match=r"on_hand \(4\): 1.5 is not a whole number"):
        parse_parts(text.replace(",10,", ",1.5,"))


def test_unknown_or_no_files_are_refused() -> None:
    with pytest.raises(CatalogError, match="unknown catalog file"):
        parse_catalog({"stuff.csv": ""})
    with pytest.raises(CatalogError, match="no catalog file"):
        parse_catalog({})


@pytest.mark.parametrize(
    ("orderable", "manufacturer", "base"),
    [
        ("LM358DR", "TI", "LM358D"),
        ("LM358DR", "", "LM358DR"),  # a single-letter reel code needs its vendor
        ("AD8605ARTZ-REEL7", "", "AD8605ARTZ"),
        ("LT1763CS8-3.3#PBF", "", "LT1763CS8-3.3"),
        ("BSS138,215", "", "BSS138"),
        ("LM2596S-5.0/NOPB", "", "LM2596S-5.0"),
        ("TPS7A4700RGWR", "Texas Instruments", "TPS7A4700RGW"),
        ("STM32F103C8T6", "STMicroelectronics", "STM32F103C8T6"),
    ],
)
def test_base_numbers(orderable: str, manufacturer: str, base: str) -> None:
    text = f'mpn,manufacturer,unit_price,on_hand,on_order\n"{orderable}",{manufacturer},1,0,0\n'
    (part,) = parse_parts(text)
    assert part.base_mpn == base_mpn(orderable, manufacturer) == base


def test_duplicates_name_the_column_where_it_is_and_huge_numbers_are_refused() -> None:
    text = "name,sku,unit_price,monthly_demand\nAlpha,A,1,3\nAgain,A,1,3\n"
    with pytest.raises(CatalogError, match=r"line 3, column sku \(2\): A already given on line 2"):
        parse_products(text)
    with pytest.raises(CatalogError, match=r"unit_price \(3\): '1e12' is not a plausible number"):
        parse_products("sku,name,unit_price,monthly_demand\nA,Alpha,1e12,3\n")
