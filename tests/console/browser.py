"""Debian's headless Chromium driven by Playwright, and screenshots saved as test artifacts.

The browser is ``/usr/bin/chromium`` (``scripts/install-tools.sh`` installs Debian's package);
Playwright never downloads one. Screenshots go to ``$RADAR_CONSOLE_ARTIFACTS`` when set (the
committed copies in ``docs/screenshots/console`` are made that way), else to
``console-artifacts/`` under pytest's base temporary directory.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import BrowserContext, Page, ViewportSize, async_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)


@asynccontextmanager
async def chromium(
    profile: Path, *, phone: bool = False, javascript: bool = True
) -> AsyncIterator[BrowserContext]:
    """A fresh browser profile in ``profile`` (a new user-data dir each time)."""
    async with async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=PHONE if phone else LAPTOP,
            is_mobile=phone,
            has_touch=phone,
            java_script_enabled=javascript,
        )
        context.set_default_timeout(20_000)
        try:
            yield context
        finally:
            await context.close()


class Screenshots:
    """Saves one full-page PNG per page state, named for what it shows."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.taken: list[Path] = []

    async def shoot(self, page: Page, name: str) -> Path:
        safe = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
        path = self.directory / f"{safe}.png"
        await page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


def artifacts_dir(base: Path) -> Path:
    configured = os.environ.get("RADAR_CONSOLE_ARTIFACTS")
    return Path(configured) if configured else base / "console-artifacts"
