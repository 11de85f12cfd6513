"""Fixtures of the fault suite: a loopback alert receiver and a pipeline built around it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from radar_cli.infra import NatsServer
from tests.faults.harness import (
    LEDGERS,
    ROUTE_EVERYTHING,
    Pipeline,
    channel_env,
    notifier_channels,
)
from tests.faults.hooks import HookReceiver

PipelineFactory = Callable[..., Pipeline]


@pytest.fixture
def receiver() -> Iterator[HookReceiver]:
    with HookReceiver() as r:
        yield r


@pytest.fixture
def make_pipeline(
    nats_server: NatsServer, receiver: HookReceiver, tmp_path: Path
) -> Iterator[PipelineFactory]:
    """Build (and afterwards stop) a pipeline: ``make_pipeline(database_url, **env)``."""
    made: list[Pipeline] = []

    channels = notifier_channels()
    routes = tmp_path / "routes.yaml"
    routes.write_text(ROUTE_EVERYTHING.format(channels=", ".join(channels)))

    def make(database_url: str, **env: str) -> Pipeline:
        pipeline = Pipeline(
            nats_url=nats_server.url,
            database_url=database_url,
            log_dir=tmp_path / "logs",
            env={**channel_env(receiver, channels), "RADAR_ROUTES_FILE": str(routes), **env},
        )
        made.append(pipeline)
        return pipeline.start()

    yield make
    for pipeline in made:
        pipeline.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if LEDGERS:
        terminalreporter.section("fault-injection accounting")
        for ledger in LEDGERS:
            terminalreporter.write_line(ledger.table())
