"""``radar status``: streams, consumers, their lag and the dead-letter depth at a glance.

The NATS server is found from ``--nats-url``, else ``RADAR_NATS_URL``, else the
``.radar/dev.env`` file that ``radar dev`` writes, else the default local server.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from radar_common.bus.connection import Bus
from radar_common.bus.credentials import NatsCredentials, redact_url
from radar_common.bus.lag import Backlog, read_backlog
from radar_common.bus.topology import Topology
from radar_common.settings import RadarSettings

DEV_ENV = Path(".radar/dev.env")
DEFAULT_NATS_URL = "nats://127.0.0.1:4222"

NatsUrlOption = typer.Option(None, "--nats-url", help="NATS server (default: RADAR_NATS_URL).")
PrefixOption = typer.Option(
    None, "--stream-prefix", help="Stream prefix (default: RADAR_STREAM_PREFIX or RADAR)."
)
SubjectOption = typer.Option(
    None, "--subject-prefix", help="Subject prefix (default: RADAR_SUBJECT_PREFIX or radar)."
)


def dev_env(path: Path = DEV_ENV) -> dict[str, str]:
    """KEY=VALUE lines of the file ``radar dev`` writes (empty when there is none)."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            values[key.strip()] = value.strip().strip('"')
    return values


def setting(name: str, given: str | None, default: str) -> str:
    """An option if given, else the environment, else ``.radar/dev.env``, else the default."""
    return given or os.environ.get(name) or dev_env().get(name) or default


def target(
    nats_url: str | None, stream_prefix: str | None, subject_prefix: str | None
) -> tuple[str, Topology]:
    """The NATS URL and topology the command works on."""
    url = setting("RADAR_NATS_URL", nats_url, DEFAULT_NATS_URL)
    topology = Topology(
        stream_prefix=setting("RADAR_STREAM_PREFIX", stream_prefix, "RADAR"),
        subject_prefix=setting("RADAR_SUBJECT_PREFIX", subject_prefix, "radar"),
    )
    return url, topology


async def connect(url: str, topology: Topology) -> Bus:
    """Connect once (no retry loop: an operator wants to know at once)."""
    # Credentials and TLS as the services read them (RADAR_NATS_USER, RADAR_NATS_TLS_CA_FILE...).
    credentials = NatsCredentials.from_settings(RadarSettings())
    try:
        return await Bus.connect(
            url, topology, name="radar-cli", connect_timeout=3.0, credentials=credentials
        )
    except Exception as exc:
        raise typer.BadParameter(
            f"cannot reach NATS at {redact_url(url)}: {redact_url(repr(exc))}"
        ) from exc


def render(backlog: Backlog, console: Console) -> None:
    """Print the backlog as two tables and a DLQ line."""
    streams = Table(title="Streams")
    streams.add_column("stream")
    streams.add_column("messages", justify="right")
    for name, messages in backlog.streams.items():
        streams.add_row(name, str(messages))
    consumers = Table(title="Consumers")
    for column in ("stream", "consumer", "pending", "ack pending", "redelivered"):
        consumers.add_column(
            column, justify="left" if column in ("stream", "consumer") else "right"
        )
    for c in backlog.consumers:
        consumers.add_row(
            c.stream, c.consumer, str(c.pending), str(c.ack_pending), str(c.redelivered)
        )
    console.print(streams)
    console.print(consumers)
    style = "bold red" if backlog.dlq_depth else "green"
    console.print(
        f"Dead letters in {backlog.dlq_stream}: [{style}]{backlog.dlq_depth}[/{style}]"
        + ("  (see `radar dlq list`)" if backlog.dlq_depth else "")
    )


async def _status(url: str, topology: Topology) -> Backlog:
    bus = await connect(url, topology)
    try:
        return await read_backlog(bus.js, topology)
    finally:
        await bus.close()


def status(
    nats_url: str | None = NatsUrlOption,
    stream_prefix: str | None = PrefixOption,
    subject_prefix: str | None = SubjectOption,
) -> None:
    """Print streams, consumers with their lag (pending, ack pending) and the DLQ depth."""
    url, topology = target(nats_url, stream_prefix, subject_prefix)
    backlog = asyncio.run(_status(url, topology))
    console = Console()
    console.print(f"NATS {url}")
    render(backlog, console)
