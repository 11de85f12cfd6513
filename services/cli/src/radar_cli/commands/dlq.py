"""``radar dlq``: inspect dead letters with their reasons and replay them after a fix."""

from __future__ import annotations

import asyncio
import json

import typer
from rich.console import Console
from rich.table import Table

from radar_cli.commands.status import NatsUrlOption, PrefixOption, SubjectOption, connect, target
from radar_common.bus.dead_letters import (
    DeadLetterNotFound,
    DeadLetters,
    Replayed,
    StoredDeadLetter,
    describe,
)
from radar_common.bus.topology import Topology
from radar_common.tasks import TaskStore

app = typer.Typer(help="Dead letters: list, show, replay.", no_args_is_help=True)
REASON_WIDTH = 80


async def _list(url: str, topology: Topology, limit: int) -> list[StoredDeadLetter]:
    bus = await connect(url, topology)
    try:
        return [s async for s in DeadLetters(bus).list(limit=limit)]
    finally:
        await bus.close()


async def _show(url: str, topology: Topology, letter_id: int) -> StoredDeadLetter:
    bus = await connect(url, topology)
    try:
        return await DeadLetters(bus).get(letter_id)
    finally:
        await bus.close()


async def _replay(url: str, topology: Topology, ids: list[int] | None) -> list[Replayed]:
    bus = await connect(url, topology)
    try:
        tasks = await TaskStore.open(bus.js, topology.tasks_bucket)
        letters = DeadLetters(bus, tasks)
        return [await letters.replay(i) for i in (ids if ids is not None else await letters.ids())]
    finally:
        await bus.close()


@app.command("list")
def list_(
    limit: int = typer.Option(100, "--limit", min=1, help="Show at most this many."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
    nats_url: str | None = NatsUrlOption,
    stream_prefix: str | None = PrefixOption,
    subject_prefix: str | None = SubjectOption,
) -> None:
    """List dead letters, oldest first, with their stage and reason."""
    url, topology = target(nats_url, stream_prefix, subject_prefix)
    stored = asyncio.run(_list(url, topology, limit))
    if as_json:
        for s in stored:
            doc = describe(topology, s)
            doc.pop("payload")
            typer.echo(json.dumps(doc))
        return
    table = Table(title=f"Dead letters in {topology.dlq_stream.name}")
    for column in ("id", "stage", "failed at", "deliveries", "task", "trace", "reason"):
        table.add_column(column)
    for s in stored:
        letter, failed_at = s.letter, s.failed_at
        table.add_row(
            str(s.id),
            letter.stage,
            failed_at.strftime("%Y-%m-%d %H:%M:%S") if failed_at else "",
            str(letter.deliveries),
            letter.task_id,
            letter.trace_id,
            letter.reason[:REASON_WIDTH],
        )
    Console().print(table)
    if not stored:
        typer.echo("no dead letters")


@app.command("show")
def show(
    letter_id: int = typer.Argument(..., help="Id from `radar dlq list`."),
    nats_url: str | None = NatsUrlOption,
    stream_prefix: str | None = PrefixOption,
    subject_prefix: str | None = SubjectOption,
) -> None:
    """Print one dead letter: reason, ids, headers and the decoded payload (JSON)."""
    url, topology = target(nats_url, stream_prefix, subject_prefix)
    try:
        stored = asyncio.run(_show(url, topology, letter_id))
    except DeadLetterNotFound:
        typer.echo(f"no dead letter {letter_id}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(describe(topology, stored), indent=2))


@app.command("replay")
def replay(
    letter_id: int | None = typer.Argument(None, help="Id from `radar dlq list`."),
    replay_all: bool = typer.Option(False, "--all", help="Replay every dead letter."),
    nats_url: str | None = NatsUrlOption,
    stream_prefix: str | None = PrefixOption,
    subject_prefix: str | None = SubjectOption,
) -> None:
    """Send dead letters back through the pipeline (same task and trace ids), then drop them."""
    if (letter_id is None) == (not replay_all):
        raise typer.BadParameter("give one dead letter id, or --all")
    url, topology = target(nats_url, stream_prefix, subject_prefix)
    try:
        done = asyncio.run(_replay(url, topology, None if replay_all else [letter_id or 0]))
    except DeadLetterNotFound:
        typer.echo(f"no dead letter {letter_id}", err=True)
        raise typer.Exit(1) from None
    for r in done:
        reopened = " (task back to RUNNING)" if r.task_reopened else ""
        typer.echo(f"replayed {r.id} to {r.subject}: task {r.task_id} trace {r.trace_id}{reopened}")
    typer.echo(f"{len(done)} dead letter(s) replayed")
