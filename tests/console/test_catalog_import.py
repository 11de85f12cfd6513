"""Catalog import in the browser: every error before anything is written, EDA BOMs mapped."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import asyncpg
import pytest
from playwright.async_api import BrowserContext, FilePayload, Page, expect

from radar_cli.commands.catalog import demo_catalog_dir
from radar_common.catalog import import_texts, read_directory
from radar_common.db import connect_pool
from tests.console.browser import Screenshots
from tests.console.conftest import Console
from tests.console.test_sign_in import dev_sign_in

pytestmark = [pytest.mark.integration, pytest.mark.browser]

BAD_PRODUCTS = (
    b"Product;Description;Price;Demand per month\n"
    b"GW-200;Industrial IoT gateway;1450.00;120\n"
    b"PLC-40;Compact PLC controller;eight hundred;200\n"
    b"SNS-10;Vibration sensor node;240.00;450\n"
)
# KiCad's python BOM plugin output, with the user's part-number field named in-house style.
KICAD_BOM = b"""\
"Source:","/home/me/sensor.kicad_sch"
"Date:","2025-03-02"
"Tool:","Eeschema 8.0.4"
"Generator:","bom_csv_grouped_extra.py"
"Component Count:","8"
"Ref","Qnty","Value","Cmp name","Footprint","Description","Vendor","PN_ORDER","Manufacturer"
"C1, C2, C5, ","3","100n","C","Capacitor_SMD:C_0603","Capacitor","","GRM188R71H104KA93D","Murata"
"U1, ","1","LM358","LM358","Package_SO:SOIC-8","Dual op amp","","LM358DR","Texas Instruments"
"R1-R4","4","10k","R","Resistor_SMD:R_0603","Resistor","","RC0603FR-0710KL","Yageo"
"""


async def table_counts(pool: asyncpg.Pool) -> tuple[int, ...]:
    return tuple(
        [
            int(await pool.fetchval(f"SELECT count(*) FROM {t}"))
            for t in ("products", "bom_lines", "parts", "alternates")
        ]
    )


@pytest.fixture
async def pool(console: Console) -> AsyncIterator[asyncpg.Pool]:
    db = await connect_pool(console.database_url, attempts=3)
    try:
        await import_texts(db, read_directory(demo_catalog_dir()))
        yield db
    finally:
        await db.close()


async def upload(page: Page, console: Console, name: str, data: bytes, mime: str) -> None:
    await page.goto(console.url + "/catalog/import")
    await page.get_by_label("Files (CSV or XLSX; several at once)").set_input_files(
        [FilePayload(name=name, mimeType=mime, buffer=data)]
    )
    await page.get_by_role("button", name="Upload and map columns").click()
    await expect(page.get_by_role("heading", name="Map columns and preview")).to_be_visible()


async def test_a_bad_row_is_shown_with_file_line_and_column_and_nothing_changes(
    console: Console, browser: BrowserContext, pool: asyncpg.Pool, screenshots: Screenshots
) -> None:
    before = await table_counts(pool)
    page = await browser.new_page()
    await dev_sign_in(page, console, "admin@radar.dev", "/catalog/import")
    await screenshots.shoot(page, "catalog-import-upload")
    await upload(page, console, "erp-products.csv", BAD_PRODUCTS, "text/csv")
    # The proposed mapping reads the ERP's own column names.
    await expect(page.get_by_label("This file holds")).to_have_value("products")
    await expect(page.get_by_label(re.compile("^Unit price"))).to_have_value("2")
    errors = page.locator("table.errors tbody tr")
    await expect(errors).to_have_count(1)
    await expect(errors.first.locator("td")).to_have_text(
        ["erp-products.csv", "3", "Price (3)", "'eight hundred' is not a number"]
    )
    await expect(page.get_by_role("alert").first).to_contain_text("nothing will be imported")
    await expect(page.get_by_role("button", name="Import", exact=True)).to_have_count(0)
    await screenshots.shoot(page, "catalog-import-errors")
    # Sending the import anyway (token and mapping included) is refused the same way.
    draft = page.url.split("/catalog/import/")[1].split("?")[0]
    token = await page.locator("input[name=csrftoken]").first.get_attribute("value")
    assert token
    forced = await page.request.post(
        f"{console.url}/catalog/import/{draft}", form={"csrftoken": token, "mapped": "1"}
    )
    assert forced.status == 422
    assert "Price (3)" in await forced.text()
    assert await table_counts(pool) == before


async def test_a_kicad_bom_export_is_mapped_and_imported(
    console: Console, browser: BrowserContext, pool: asyncpg.Pool, screenshots: Screenshots
) -> None:
    page = await browser.new_page()
    await dev_sign_in(page, console, "admin@radar.dev", "/catalog/import")
    await upload(page, console, "sensor-bom.csv", KICAD_BOM, "text/csv")
    await expect(page.get_by_label("This file holds")).to_have_value("bom")
    await expect(page.get_by_text("5 line(s) above the header skipped")).to_be_visible()
    # Proposed from KiCad's names: designators and quantity; the part number needs the user.
    await expect(page.get_by_label(re.compile("^Designators"))).to_have_value("0")
    await expect(page.get_by_label(re.compile("^Quantity"))).to_have_value("1")
    mpn = page.get_by_label(re.compile("^Manufacturer part number"))
    await expect(mpn).to_have_value("")
    await mpn.select_option(label="PN_ORDER (8)")
    await page.get_by_label("Assembly (product SKU) of this BOM").fill("SNS-10")
    await page.get_by_label("Assembly (product SKU) of this BOM").press("Tab")  # change event
    await expect(page.locator("table.errors")).to_have_count(0)
    summary = page.get_by_role("table", name="What the import will do")
    await expect(summary.locator("tbody tr").first.locator("td")).to_have_text(["31", "3"])
    await screenshots.shoot(page, "catalog-import-mapping")
    await page.get_by_role("button", name="Import", exact=True).click()
    await expect(page.get_by_role("heading", name="Catalog imported")).to_be_visible()
    await screenshots.shoot(page, "catalog-imported")
    rows = await pool.fetch(
        "SELECT parent_sku, mpn, manufacturer, quantity FROM bom_lines ORDER BY mpn"
    )
    assert [(r["parent_sku"], r["mpn"], r["manufacturer"], int(r["quantity"])) for r in rows] == [
        ("SNS-10", "GRM188R71H104KA93D", "Murata", 3),
        ("SNS-10", "LM358DR", "Texas Instruments", 1),
        ("SNS-10", "RC0603FR-0710KL", "Yageo", 4),
    ]
    # Noted for the scheduler, which re-assesses the open notices the import touched.
    origins = await pool.fetch("SELECT origin FROM notice_catalog_changes")
    assert [r["origin"] for r in origins] == ["console"]
    # The catalog page shows it, money and quantities with separators and currency.
    await page.get_by_role("link", name="See the catalog").click()
    await expect(page.get_by_role("cell", name="USD 1,450.00")).to_be_visible()
    await expect(page.get_by_role("cell", name="45,000")).to_be_visible()
    await screenshots.shoot(page, "catalog")


async def test_pages_fit_a_phone_and_work_with_the_keyboard(
    console: Console, phone: BrowserContext, pool: asyncpg.Pool, screenshots: Screenshots
) -> None:
    page = await phone.new_page()
    await dev_sign_in(page, console, "admin@radar.dev", "/catalog")
    await expect(page.get_by_role("heading", name="Catalog")).to_be_visible()
    # Nothing wider than the screen but the scrollable table regions.
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    await screenshots.shoot(page, "catalog-phone")
    # The first Tab reaches the skip link; following it moves focus to the content.
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    await expect(skip).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("#main")).to_be_focused()
