"""Sign-in, sessions, roles, CSRF and security headers, in Debian's headless Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import BrowserContext, Page, expect

from tests.console.browser import Screenshots
from tests.console.conftest import Console

pytestmark = [pytest.mark.integration, pytest.mark.browser]


async def dev_sign_in(page: Page, console: Console, email: str, next_path: str = "/") -> None:
    await page.goto(f"{console.dev_link}&next={next_path}")
    await page.get_by_role("button", name=re.compile(f"Sign in as {re.escape(email)}")).click()


async def test_unauthenticated_visitors_see_the_sign_in_page_and_no_data(
    console: Console, browser: BrowserContext, screenshots: Screenshots
) -> None:
    page = await browser.new_page()
    for path in ("/", "/catalog", "/operations", "/catalog/import"):
        answer = await page.goto(console.url + path)
        assert answer is not None
        assert answer.status == 401, path
        assert re.search(r"/sign-in\?next=", page.url), page.url
        await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        body = await page.content()
        for data in ("Products", "Dead letters", "Latest tasks", "BOM lines"):
            assert data not in body, (path, data)
    await expect(page.get_by_role("link", name="Sign in with your organisation")).to_be_visible()
    await screenshots.shoot(page, "sign-in")
    # Nor do the task events or a dead letter answer without a session.
    events = await page.request.get(
        console.url + "/operations/tasks/" + "0" * 32 + "/events", max_redirects=0
    )
    assert events.status == 303
    assert events.headers["location"].startswith("/sign-in")


async def test_oidc_sign_in_with_pkce_maps_the_group_claim_to_a_role(
    console: Console, browser: BrowserContext, screenshots: Screenshots
) -> None:
    page = await browser.new_page()
    authorize_urls: list[str] = []
    page.on(
        "request",
        lambda r: authorize_urls.append(r.url) if "/oauth2/authorize" in r.url else None,
    )
    await page.goto(console.url + "/catalog")
    await page.get_by_role("link", name="Sign in with your organisation").click()
    await expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    assert "code_challenge_method=S256" in authorize_urls[0]
    assert "code_challenge=" in authorize_urls[0]
    await page.locator("input[name=sub]").fill("ada")
    await page.get_by_role("button", name="Authorize").click()
    # Back on the page first asked for, signed in as an admin.
    await expect(page).to_have_url(console.url + "/catalog")
    await expect(page.get_by_text("Ada Admin")).to_be_visible()
    await expect(page.locator(".whoami .role")).to_have_text("admin")
    await expect(page.get_by_role("link", name="Import catalog files")).to_be_visible()
    cookies = {c["name"]: c for c in await browser.cookies()}
    session = cookies["radar_console_session"]
    assert session["httpOnly"] is True
    assert session["sameSite"] == "Lax"
    await screenshots.shoot(page, "catalog-empty")
    # Signing out ends the session: the next page asks to sign in again.
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await page.goto(console.url + "/catalog")
    await expect(page).to_have_url(re.compile(r"/sign-in"))


async def test_oidc_person_without_a_role_is_not_signed_in(
    console: Console, browser: BrowserContext
) -> None:
    page = await browser.new_page()
    await page.goto(console.url + "/auth/oidc")
    await page.locator("input[name=sub]").fill("nobody")
    await page.get_by_role("button", name="Authorize").click()
    await expect(page.get_by_role("alert")).to_contain_text("nobody@example.com has no Radar role")
    assert "radar_console_session" not in {
        c["name"] for c in await browser.cookies() if "user" in c.get("value", "")
    }
    answer = await page.goto(console.url + "/catalog")
    assert answer is not None
    assert answer.status == 401


async def test_dev_sign_in_needs_its_token(
    console: Console, browser: BrowserContext, screenshots: Screenshots
) -> None:
    page = await browser.new_page()
    wrong = await page.goto(console.url + "/auth/dev?token=not-the-token")
    assert wrong is not None
    assert wrong.status == 403
    await page.goto(console.dev_link)
    await expect(page.get_by_role("heading", name="Development sign-in")).to_be_visible()
    await screenshots.shoot(page, "dev-sign-in")
    await page.get_by_role("button", name=re.compile("Sign in as engineer@radar.dev")).click()
    await expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    await expect(page.locator(".whoami .role")).to_have_text("engineer")
    await screenshots.shoot(page, "overview")


async def test_viewer_cannot_import_and_forms_need_their_csrf_token(
    console: Console, browser: BrowserContext, screenshots: Screenshots
) -> None:
    page = await browser.new_page()
    await dev_sign_in(page, console, "viewer@radar.dev", "/catalog")
    await expect(page.get_by_role("heading", name="Catalog")).to_be_visible()
    await expect(page.get_by_role("link", name="Import catalog files")).to_have_count(0)
    # Operations is for engineers: not in a viewer's navigation, 403 when asked for.
    await expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Operations")
    ).to_have_count(0)
    refused = await page.goto(console.url + "/catalog/import")
    assert refused is not None
    assert refused.status == 403
    await expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    await screenshots.shoot(page, "not-allowed")
    # Even with a valid CSRF token, a viewer's upload is refused.
    token = await page.locator("input[name=csrftoken]").first.get_attribute("value")
    assert token
    upload = await page.request.post(
        console.url + "/catalog/import",
        multipart={
            "csrftoken": token,
            "files": {"name": "p.csv", "mimeType": "text/csv", "buffer": b"sku\nA\n"},
        },
        max_redirects=0,
    )
    assert upload.status == 403
    # Without its token, any form is refused before the page runs: here, signing out.
    forged = await page.request.post(console.url + "/sign-out", form={"x": "1"}, max_redirects=0)
    assert forged.status == 403
    assert "security token" in await forged.text()
    still = await page.goto(console.url + "/catalog")
    assert still is not None
    assert still.status == 200, "the forged sign-out changed nothing"


async def test_every_page_carries_the_security_headers(
    console: Console, browser: BrowserContext
) -> None:
    page = await browser.new_page()
    csp_violations: list[str] = []
    page.on(
        "console",
        lambda m: csp_violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    await dev_sign_in(page, console, "admin@radar.dev")
    for path in ("/", "/catalog", "/catalog/import", "/operations", "/sign-in"):
        answer = await page.goto(console.url + path)
        assert answer is not None
        headers = await answer.all_headers()
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["cache-control"] == "no-store"
    # htmx loaded (integrity checked by the browser) and no policy violation happened.
    assert await page.evaluate("typeof window.htmx") == "object"
    assert csp_violations == []
