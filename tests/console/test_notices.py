"""The inbox, the assessment page, the review queue and products in a real Chromium, against
the whole of Radar: notices go in through the API, the pipeline reads and assesses them, and
the console shows and changes them through the same domain operations as the API."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.async_api import BrowserContext, Page, expect

from radar_cli.infra import NatsServer, PostgresServer
from radar_console.web.formatting import money, quantity
from tests.console.browser import Screenshots, chromium
from tests.console.stack import (
    LTB,
    TODAY,
    Radar,
    ambiguous_email,
    siliconexpert,
    start_radar,
)
from tests.records.test_pipeline import wait
from tests.support.receiver import Receiver

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.slow]

NOTICES = (
    ("LM358DR", "Texas Instruments", "PDN 26_0101"),
    ("STM32F103C8T6", "STMicroelectronics", "PDN 26_0102"),
    ("MCP2515-I/SO", "Microchip", "PCN-2026-0103"),
    ("ADXL355BEZ", "Analog Devices", "PDN 26_0104"),
    ("LPC1768FBD100", "NXP", "PDN 26_0105"),
)
REVIEWED = "TPS7A4700RGWR"
ENGINEER = "engineer@radar.dev"
VIEWER = "viewer@radar.dev"


@pytest.fixture(scope="module")
def radar(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Radar]:
    workdir = tmp_path_factory.mktemp("radar")
    nats = NatsServer(workdir / "nats", log_file=workdir / "nats.log").start()
    database_url = postgres_server.create_database("radar_console_notices")
    try:
        with Receiver() as receiver:
            radar = start_radar(nats, database_url, workdir, receiver)
            try:
                tasks = [radar.send("/v1/events/ingest", siliconexpert(*n)) for n in NOTICES]
                tasks.append(
                    radar.send(
                        "/v1/ingest/email-forward",
                        ambiguous_email(REVIEWED, "PDN 26_0106", "05/06/2027"),
                    )
                )
                for task_id in tasks:
                    assert radar.task(task_id)["state"] == "SUCCESS", radar.task(task_id)
                wait(lambda: all(n["assessment_id"] for n in radar.notices()), 90)
                yield radar
            finally:
                radar.api.close()
                radar.stack.stop_all()
    finally:
        nats.stop()


async def sign_in(page: Page, radar: Radar, email: str, next_path: str = "/inbox") -> None:
    await page.goto(f"{radar.dev_link}&next={next_path}")
    await page.get_by_role("button", name=re.compile(f"Sign in as {re.escape(email)}")).click()
    await expect(page.get_by_role("heading", level=1)).to_be_visible()


def notice_of(radar: Radar, mpn: str) -> dict[str, Any]:
    (found,) = [n for n in radar.notices() if n["mpn"] == mpn]
    return radar.notice(found["record_id"])


async def inbox_mpns(page: Page) -> list[str]:
    return [
        (await cell.inner_text()).split()[0]
        for cell in await page.locator("table.notices tbody tr td:nth-child(2)").all()
    ]


async def test_unauthenticated_visitors_see_sign_in_and_no_data(
    radar: Radar, browser: BrowserContext
) -> None:
    record_id = notice_of(radar, "LM358DR")["record_id"]
    page = await browser.new_page()
    for path in ("/inbox", f"/notices/{record_id}", "/review", "/products", "/inbox.csv"):
        await page.goto(radar.console_url + path)
        assert re.search(r"/sign-in\?next=", page.url), path
        await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        body = await page.content()
        for mpn, _, _ in NOTICES:
            assert mpn not in body, (path, mpn)
    refused = await page.request.post(
        f"{radar.console_url}/notices/{record_id}/decision",
        form={"action": "acknowledge"},
        max_redirects=0,
    )
    assert refused.status in (401, 403)
    assert notice_of(radar, "LM358DR")["state"] == "new"


async def test_sign_in_filter_the_inbox_and_open_an_assessment(
    radar: Radar, browser: BrowserContext, screenshots: Screenshots
) -> None:
    page = await browser.new_page()
    await sign_in(page, radar, ENGINEER)
    await expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    listed = await inbox_mpns(page)
    expected = [n["mpn"] for n in radar.notices()]  # the API's order: newest first
    assert listed == expected
    lm = notice_of(radar, "LM358DR")
    row = page.locator("table.notices tbody tr", has_text="LM358DR")
    await expect(row).to_contain_text(money(lm["ltb_cost"], lm["assessment"]["currency"]))
    await expect(row).to_contain_text(lm["severity"])
    await expect(row).to_contain_text(str((LTB - TODAY).days))
    await screenshots.shoot(page, "inbox")

    # Filters: manufacturer, then an MPN search, each a plain GET form.
    await page.get_by_label("Manufacturer").fill("STMicroelectronics")
    await page.get_by_role("button", name="Filter").click()
    assert await inbox_mpns(page) == ["STM32F103C8T6"]
    assert "manufacturer=STMicroelectronics" in page.url
    await page.get_by_role("link", name="Clear").click()
    await page.get_by_label("MPN").fill("lm35")
    await page.get_by_role("button", name="Filter").click()
    assert await inbox_mpns(page) == ["LM358DR"]
    await page.get_by_label("MPN").fill("")
    await page.get_by_label("Severity").select_option(lm["severity"])
    await page.get_by_role("button", name="Filter").click()
    assert sorted(await inbox_mpns(page)) == sorted(
        n["mpn"] for n in radar.notices(severity=lm["severity"])
    )
    # A product: exactly the notices whose assessment finds the part in its BOM.
    sku = lm["assessment"]["where_used"][0]["sku"]
    await page.goto(f"{radar.console_url}/inbox?product={sku}")
    using = sorted(
        n["mpn"]
        for n in radar.notices()
        if any(w["sku"] == sku for w in radar.notice(n["record_id"])["assessment"]["where_used"])
    )
    assert sorted(await inbox_mpns(page)) == using
    assert "LM358DR" in using

    # The assessment: where-used tree with its paths, and the LTB working line by line.
    await page.get_by_role("link", name="LM358DR").click()
    await expect(page.get_by_role("heading", name=re.compile("LM358DR"))).to_be_visible()
    tree = page.locator("#where-used")
    for w in lm["assessment"]["where_used"]:
        await expect(tree).to_contain_text(w["sku"])
        for p in w["paths"]:
            await expect(tree).to_contain_text(" → ".join(p["nodes"]))
    working = page.locator("#ltb-working")
    currency = lm["assessment"]["currency"]
    await expect(working.locator("#line-ltb_quantity")).to_contain_text(
        quantity(lm["ltb_quantity"])
    )
    await expect(working.locator("#line-ltb_cost")).to_contain_text(money(lm["ltb_cost"], currency))
    await expect(working.locator("#line-need_after_ltb")).to_contain_text(
        quantity(lm["assessment"]["need_after_ltb"])
    )
    await expect(page.locator("#evidence-heading")).to_be_visible()
    await expect(page.locator("#history")).to_contain_text("recorded")
    await screenshots.shoot(page, "assessment")


async def test_the_csv_and_xlsx_exports_equal_the_filter(
    radar: Radar, browser: BrowserContext
) -> None:
    page = await browser.new_page()
    await sign_in(page, radar, VIEWER)
    severity = notice_of(radar, "MCP2515-I/SO")["severity"]
    await page.goto(f"{radar.console_url}/inbox?severity={severity}")
    href = await page.get_by_role("link", name="CSV").get_attribute("href")
    assert href == f"/inbox.csv?severity={severity}"
    answer = await page.request.get(radar.console_url + href)
    assert answer.ok
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO((await answer.body()).decode("utf-8-sig"))))
    expected = radar.notices(severity=severity)
    assert [r["record_id"] for r in rows] == [n["record_id"] for n in expected]
    assert [r["mpn"] for r in rows] == await inbox_mpns(page)
    for r, n in zip(rows, expected, strict=True):
        assert Decimal(r["ltb_cost"]) == Decimal(n["ltb_cost"])
        assert int(r["ltb_quantity"]) == n["ltb_quantity"]
    xlsx_href = await page.get_by_role("link", name="XLSX").get_attribute("href")
    book = await page.request.get(radar.console_url + (xlsx_href or ""))
    sheet = load_workbook(io.BytesIO(await book.body()), read_only=True).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    assert [str(v[header.index("record_id")]) for v in values[1:]] == [r["record_id"] for r in rows]


async def test_a_viewer_cannot_decide_and_a_form_without_its_token_is_refused(
    radar: Radar, browser: BrowserContext, tmp_path: Path
) -> None:
    notice = notice_of(radar, "ADXL355BEZ")
    url = f"{radar.console_url}/notices/{notice['record_id']}"
    page = await browser.new_page()
    await sign_in(page, radar, VIEWER, f"/notices/{notice['record_id']}")
    await expect(page.get_by_text("engineers review and decide")).to_be_visible()
    assert await page.get_by_role("button", name="Record decision").count() == 0
    token = await page.locator("form.whoami input[name=csrftoken]").input_value()
    refused = await page.request.post(
        url + "/decision", form={"csrftoken": token, "action": "accept"}, max_redirects=0
    )
    assert refused.status == 403
    # An engineer's form without its CSRF token changes nothing either.
    async with chromium(tmp_path / "engineer") as engineer:
        other = await engineer.new_page()
        await sign_in(other, radar, ENGINEER, f"/notices/{notice['record_id']}")
        no_token = await other.request.post(
            url + "/decision", form={"action": "accept"}, max_redirects=0
        )
        assert no_token.status == 403
        assert "nothing was changed" in (await no_token.text()).lower()
    after = notice_of(radar, "ADXL355BEZ")
    assert (after["state"], after["version"]) == (notice["state"], notice["version"])


async def test_products_show_what_is_at_risk_with_a_drill_down(
    radar: Radar, browser: BrowserContext, screenshots: Screenshots
) -> None:
    page = await browser.new_page()
    await sign_in(page, radar, VIEWER, "/products")
    lm = notice_of(radar, "LM358DR")
    sku = lm["assessment"]["where_used"][0]["sku"]
    at_risk = [
        n
        for n in radar.notices()
        if any(w["sku"] == sku for w in radar.notice(n["record_id"])["assessment"]["where_used"])
    ]
    row = page.locator("#products tbody tr", has_text=sku)
    total = sum(Decimal(n["ltb_cost"]) for n in at_risk)
    await expect(row).to_contain_text(money(total, lm["assessment"]["currency"]))
    await expect(row.locator("td").nth(2)).to_have_text(str(len(at_risk)))
    await screenshots.shoot(page, "products")
    await row.get_by_role("link", name=sku).click()
    await expect(page.get_by_role("heading", name=re.compile(sku))).to_be_visible()
    assert sorted(await inbox_mpns(page)) == sorted(n["mpn"] for n in at_risk)
    await screenshots.shoot(page, "product")


async def test_a_correction_in_the_review_queue_reassesses_and_the_numbers_change(
    radar: Radar, browser: BrowserContext, screenshots: Screenshots
) -> None:
    before = notice_of(radar, REVIEWED)
    assert before["review"] == "pending", before["review_reasons"]
    page = await browser.new_page()
    await sign_in(page, radar, ENGINEER, "/review")
    await expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    await page.get_by_role("link", name=REVIEWED).click()
    await expect(page.get_by_role("heading", name="What the source says")).to_be_visible()
    await expect(page.locator(".snippet").first).to_be_visible()
    await screenshots.shoot(page, "review")
    corrected = TODAY + timedelta(days=500)
    await page.get_by_label("Last-time-buy date").fill(corrected.isoformat())
    await page.get_by_label("Note").fill("the vendor writes day/month")
    await page.get_by_role("button", name="Save review").click()
    await expect(page.get_by_role("status")).to_contain_text("review saved")
    # The pipeline re-assesses; the page shows the new numbers once it has.
    after = wait(
        lambda: (n := notice_of(radar, REVIEWED))["assessment_id"] != before["assessment_id"] and n,
        90,
    )
    assert after["effective_last_time_buy_date"] == corrected.isoformat()
    assert after["ltb_cost"] != before["ltb_cost"]
    await page.reload()
    currency = after["assessment"]["currency"]
    await expect(page.locator("#ltb-cost")).to_have_text(money(after["ltb_cost"], currency))
    await expect(page.locator("#history")).to_contain_text("reviewed")
    await expect(page.locator("#history")).to_contain_text(ENGINEER)
    await screenshots.shoot(page, "assessment-after-review")


async def test_reading_works_without_javascript_with_the_keyboard_and_on_a_phone(
    radar: Radar, tmp_path: Path, phone: BrowserContext, screenshots: Screenshots
) -> None:
    async with chromium(tmp_path / "no-js", javascript=False) as plain:
        page = await plain.new_page()
        await sign_in(page, radar, VIEWER)
        assert await inbox_mpns(page) == [n["mpn"] for n in radar.notices()]
        # Keyboard only: from the top of the page to the first notice and into it.
        first = radar.notices()[0]
        await page.keyboard.press("Tab")
        await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
        link = page.get_by_role("link", name=first["mpn"], exact=True)
        for _ in range(60):
            await page.keyboard.press("Tab")
            if await link.evaluate("e => e === document.activeElement"):
                break
        await page.keyboard.press("Enter")
        await expect(page).to_have_url(re.compile(first["record_id"]))
        await expect(page.locator("#ltb-working")).to_be_visible()
    page = await phone.new_page()
    await sign_in(page, radar, ENGINEER)
    for path in ("/inbox", f"/notices/{first['record_id']}", "/products", "/review"):
        await page.goto(radar.console_url + path)
        overflow = await page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, (path, overflow)
    await page.goto(radar.console_url + "/inbox")
    await screenshots.shoot(page, "inbox-phone")


async def test_alerts_link_to_the_assessment_page(radar: Radar) -> None:
    alerts = wait(lambda: [a for a in radar.alerts() if a["data"]["mpn"] == "LM358DR"], 60)
    record_id = alerts[0]["data"]["record_id"]
    assert alerts[0]["alert"]["notice_url"] == f"{radar.console_url}/notices/{record_id}"


async def test_deciding_records_the_person_and_stops_the_reminders(
    radar: Radar, browser: BrowserContext, screenshots: Screenshots
) -> None:
    # Two notices that ask for a last-time buy: one is decided, the other is the control.
    buying = [
        n
        for n in radar.notices(state=["new", "acknowledged"])
        if n["ltb_quantity"] > 0
        and n["severity"] not in ("", "info")
        and not n["ltb_passed"]
        and n["mpn"] != REVIEWED
    ]
    assert len(buying) >= 2, buying
    decided, control = buying[0], buying[1]
    page = await browser.new_page()
    await sign_in(page, radar, ENGINEER, f"/notices/{decided['record_id']}")
    await expect(page.locator("#reminders")).to_contain_text("Next reminders")
    await page.get_by_label("Action").select_option("last_time_buy")
    await page.get_by_label("Quantity bought (last-time buy)").fill("1,200")
    await page.locator("#d-note").fill("PO 4711")
    await page.get_by_role("button", name="Record decision").click()
    await expect(page.get_by_role("status")).to_contain_text("Recorded")
    await expect(page.locator("#notice-decision")).to_contain_text(
        f"Last-time buy of 1,200 by {ENGINEER}"
    )
    first_entry = page.locator("#history tbody tr").first
    await expect(first_entry).to_contain_text("decided")
    await expect(first_entry).to_contain_text(ENGINEER)
    await expect(first_entry).to_contain_text("PO 4711")
    await expect(page.locator("#reminders")).to_contain_text(
        f"Reminders stopped: decided by {ENGINEER}"
    )
    await screenshots.shoot(page, "assessment-decided")
    history = radar.api.get(f"/v1/notices/{decided['record_id']}/history").json()["entries"]
    assert (history[-1]["action"], history[-1]["actor"]) == ("decided", ENGINEER)
    # A month before the LTB date the scheduler reminds about the undecided notice only.
    radar.set_today(LTB - timedelta(days=25))

    def reminders_for(mpn: str) -> list[dict[str, Any]]:
        return [
            a
            for a in radar.alerts()
            if a["data"].get("alert_kind") == "reminder" and a["data"]["mpn"] == mpn
        ]

    wait(lambda: reminders_for(control["mpn"]), 90)
    assert reminders_for(decided["mpn"]) == []
    await page.goto(f"{radar.console_url}/notices/{control['record_id']}")
    await expect(page.locator("#reminders-sent")).to_contain_text("Sent: 30 days before")
    await page.goto(f"{radar.console_url}/notices/{decided['record_id']}")
    await expect(page.locator("#reminders")).to_contain_text("Reminders stopped")
