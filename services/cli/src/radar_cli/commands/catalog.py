"""``radar import DIR``: load a catalog (products, BOM, parts, alternates) into PostgreSQL.

The database is ``--database-url``, else ``RADAR_DATABASE_URL``, else the ``.radar/dev.env``
file that ``radar dev`` writes. The import is one transaction: a bad file changes nothing and
the error names the file, line and column.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from radar_cli.devenv import setting
from radar_cli.outcome import run_or_exit
from radar_common.catalog import CatalogError, ImportReport
from radar_common.catalog.directory import import_directory

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/radar"


def demo_catalog_dir() -> Path:
    """The demo catalog shipped with the CLI (what ``radar dev`` imports)."""
    return Path(str(resources.files("radar_cli") / "demo" / "catalog"))


def report_table(report: ImportReport) -> Table:
    table = Table(title="Catalog imported")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in (
        ("products", report.products),
        ("bom_lines", report.bom_lines),
        ("parts", report.parts),
        ("alternates", report.alternates),
    ):
        table.add_row(name, "unchanged" if count is None else str(count))
    return table


def import_dir(
    directory: Annotated[
        Path, typer.Argument(help="Folder with products.csv, bom.csv, parts.csv, alternates.csv")
    ],
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="PostgreSQL (default: RADAR_DATABASE_URL)")
    ] = None,
) -> None:
    """Import a catalog folder; each file given replaces its table, all or nothing."""
    console = Console()
    url = setting("RADAR_DATABASE_URL", database_url, DEFAULT_DATABASE_URL) or DEFAULT_DATABASE_URL
    report = run_or_exit(
        console,
        import_directory(url, directory),
        refused=CatalogError,
        refused_label="import refused, nothing changed",
    )
    console.print(report_table(report))
    if report.parts_without_stock:
        console.print(
            f"[yellow]{len(report.parts_without_stock)} BOM part(s) have no row in parts.csv "
            f"(no stock, no price):[/yellow] {', '.join(report.parts_without_stock[:10])}"
        )
