"""How a command that works on the database ends: its result, or an exit code with the reason.

Exit codes: 1 when the work was refused (nothing changed), 2 when the database is unreachable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import typer
from rich.console import Console

T = TypeVar("T")


def run_or_exit(
    console: Console,
    work: Coroutine[Any, Any, T],
    *,
    refused: type[Exception],
    refused_label: str,
) -> T:
    """Run ``work``; ``refused`` errors exit 1 and an unreachable database exits 2."""
    try:
        return asyncio.run(work)
    except refused as exc:
        console.print(f"[red]{refused_label}:[/red] {exc}")
        raise typer.Exit(1) from exc
    except ConnectionError as exc:
        console.print(f"[red]cannot reach the database:[/red] {exc}")
        raise typer.Exit(2) from exc
