"""``radar watch``: the lifecycle watcher by hand.

``radar watch --once`` runs one cycle of every source now (the catalog, and the providers named
in ``RADAR_WATCHER_SOURCES``) with a progress bar per source, then sends the changes it found
to ingestion and lists them. Without ``--once`` it runs the watcher service in the foreground.
The database, API URL and key come from the options, else the environment, else the
``.radar/dev.env`` file that ``radar dev`` writes.
"""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

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

from radar_cli.devenv import setting
from radar_common.service import run_main
from radar_watcher.main import serve
from radar_watcher.once import LeaseBusy, OnceResult, run_once
from radar_watcher.settings import WatcherSettings

console = Console(highlight=False)


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
    with Progress(
        TextColumn("{task.description:>14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bars:
        tasks: dict[str, TaskID] = {}

        def progress(source: str, checked: int, total: int) -> None:
            if source not in tasks:
                tasks[source] = bars.add_task(source, total=total)
            bars.update(tasks[source], completed=checked, total=max(total, checked))

        try:
            result = asyncio.run(run_once(settings, progress))
        except LeaseBusy as exc:
            console.print(f"[red]not run:[/] {exc}")
            raise typer.Exit(1) from exc
        except ConnectionError as exc:
            console.print(f"[red]cannot reach the database:[/] {exc}")
            raise typer.Exit(2) from exc
        for cycle in result.cycles:  # a finished cycle's bar ends full
            if cycle.source in tasks:
                task = tasks[cycle.source]
                bars.update(task, completed=bars.tasks[task].total or 0)
    _report(result)
    if result.failed:
        raise typer.Exit(1)
