"""``radar watch``: the lifecycle watcher by hand.

``radar watch --once`` runs one cycle of every source now (the catalog, and the providers named
in ``RADAR_WATCHER_SOURCES``) with a progress bar per source, then sends the changes it found
to ingestion and lists them. Without ``--once`` it runs the watcher service in the foreground.
The database, API URL and key come from the options, else the environment, else the
``.radar/dev.env`` file that ``radar dev`` writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import os
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import asyncpg
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from radar_cli.commands.catalog import demo_catalog_dir
from radar_cli.devenv import setting
from radar_cli.outcome import run_or_exit
from radar_common.catalog.directory import import_directory_sync
from radar_common.service import run_main
from radar_watcher import records
from radar_watcher.catalog import CATALOG_SOURCE
from radar_watcher.main import serve
from radar_watcher.once import LeaseBusy, OnceResult, run_once
from radar_watcher.settings import WatcherSettings

console = Console(highlight=False)
REDRAW_SECONDS = 0.5


def settings_from(
    database_url: str | None, api_url: str | None, api_key: str | None
) -> WatcherSettings:
    """The watcher's settings; ``radar dev``'s file fills what the environment leaves out."""
    values: dict[str, str] = {}
    for field, name, given in (
        ("database_url", "RADAR_DATABASE_URL", database_url),
        ("ingest_url", "RADAR_API_URL", api_url),
        ("watcher_api_key", "RADAR_API_KEY", api_key),
    ):
        own = f"RADAR_{field.upper()}"
        value = given or os.environ.get(own) or setting(name)
        if value:
            values[field] = value
    return WatcherSettings(**values)  # type: ignore[arg-type]  # pydantic coerces the secret


def _report(result: OnceResult) -> None:
    table = Table(title="Lifecycle check")
    for column in ("source", "cycle", "parts checked", "changes"):
        table.add_column(column, justify="right" if column != "source" else "left")
    for cycle in result.cycles:
        table.add_row(cycle.source, str(cycle.cycle), f"{cycle.checked:,}", str(cycle.changes))
    for source in result.failed:
        table.add_row(source, "—", "[red]failed[/]", "—")
    console.print(table)
    for source, reason in result.failed.items():
        console.print(f"[red]{source} failed:[/] {reason}")
    for done in result.delivered:
        replay = " (replay)" if done.replayed else ""
        console.print(f"[green]→[/] change {done.change_id} sent: task {done.task_id}{replay}")
    if result.undelivered:
        console.print(f"[yellow]changes kept to send later:[/] {result.undelivered}")


def watch(
    once: Annotated[bool, typer.Option("--once", help="One cycle of every source, now.")] = False,
    database_url: Annotated[str | None, typer.Option(help="PostgreSQL URL.")] = None,
    api_url: Annotated[str | None, typer.Option(help="Ingestion's base URL.")] = None,
    api_key: Annotated[str | None, typer.Option(help="API key for ingestion.")] = None,
) -> None:
    """Check the lifecycle status of every catalog part (``--once``), or run the watcher."""
    try:
        settings = settings_from(database_url, api_url, api_key)
    except ValidationError as exc:
        console.print(f"[red]settings refused:[/] {exc.errors()[0]['msg']}")
        raise typer.Exit(2) from exc
    if not once:
        run_main(lambda stop: serve(settings, stop))
        return
    # Drawn when a page is recorded, at most every REDRAW_SECONDS: rich's own refresh thread
    # redraws ten times a second for as long as the cycle lasts, and a cycle paced by the
    # providers' limits lasts hours (its CPU grew with the wall time, not with the parts).
    with Progress(
        TextColumn("{task.description:>14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        auto_refresh=False,
    ) as bars:
        tasks: dict[str, TaskID] = {}
        drawn = [0.0]

        def progress(source: str, checked: int, total: int) -> None:
            if source not in tasks:
                tasks[source] = bars.add_task(source, total=total)
            bars.update(tasks[source], completed=checked, total=max(total, checked))
            now = time.monotonic()
            if now - drawn[0] >= REDRAW_SECONDS or checked >= total:
                drawn[0] = now
                bars.refresh()

        result = run_or_exit(
            console, run_once(settings, progress), refused=LeaseBusy, refused_label="not run"
        )
        for cycle in result.cycles:  # a finished cycle's bar ends full
            if cycle.source in tasks:
                task = tasks[cycle.source]
                bars.update(task, completed=bars.tasks[task].total or 0)
        bars.refresh()
    _report(result)
    if result.failed:
        raise typer.Exit(1)


# ---- the `radar dev` demo: a catalog import that makes one part end-of-life ----------------

DEMO_PART = "MCP2515-I/SO"


def demo_catalog_variant(folder: Path, statuses: dict[str, str]) -> Path:
    """A copy of the demo catalog in ``folder`` with some parts' lifecycle_status changed."""
    shutil.copytree(demo_catalog_dir(), folder, dirs_exist_ok=True)
    parts = folder / "parts.csv"
    with parts.open(newline="") as handle:
        rows = list(csv.reader(handle))
    status_at = rows[0].index("lifecycle_status")
    for row in rows[1:]:
        if row and row[0] in statuses:
            row[status_at] = statuses[row[0]]
    with parts.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return folder


Check = Callable[[asyncpg.Connection], Awaitable[Any]]


async def _poll(database_url: str, check: Check) -> Any:
    """``check`` every half second until it answers something (cancel it to stop)."""
    conn = await asyncpg.connect(database_url)
    try:
        while True:
            with contextlib.suppress(asyncpg.UndefinedTableError):
                value = await check(conn)
                if value:
                    return value
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


def _wait_for(
    database_url: str, check: Callable[[asyncpg.Connection], Awaitable[Any]], seconds: float
) -> Any:
    async def bounded() -> Any:
        try:
            async with asyncio.timeout(seconds):
                return await _poll(database_url, check)
        except TimeoutError:
            return None

    return asyncio.run(bounded())


def demo_status_change(database_url: str, state_dir: Path, timeout: float = 60.0) -> str | None:
    """Re-import the demo catalog with DEMO_PART end-of-life once the watcher has its baseline;
    return the task of the change the watcher sends (None if it did not in time)."""

    async def baseline(conn: asyncpg.Connection) -> bool:
        return await records.finished_cycles(conn, CATALOG_SOURCE) >= 1

    async def delivered(conn: asyncpg.Connection) -> str | None:
        change = await records.latest_change(conn, DEMO_PART)
        return change.task_id if change and change.state == "delivered" else None

    if not _wait_for(database_url, baseline, timeout):
        console.print("[yellow]the watcher has not read the catalog yet; demo import skipped[/]")
        return None
    folder = demo_catalog_variant(state_dir / "demo-catalog-eol", {DEMO_PART: "eol"})
    import_directory_sync(database_url, folder)
    console.print(
        f"[green]→[/] re-imported the demo catalog with {DEMO_PART} marked eol "
        "(no notice sent): the watcher notices the change"
    )
    task_id: str | None = _wait_for(database_url, delivered, timeout)
    if task_id:
        console.print(f"[green]→[/] watcher sent the {DEMO_PART} change: task {task_id}")
    else:
        console.print(f"[yellow]no change for {DEMO_PART} delivered within {timeout:.0f}s[/]")
    return task_id
