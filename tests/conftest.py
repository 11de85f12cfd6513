"""Fixtures that start real infrastructure: nats-server and PostgreSQL on free ports.

- ``nats_server``: a fresh nats-server (JetStream, monitoring) per test, in a temp store.
- ``postgres_server``: one PostgreSQL cluster per test session; ``database_url`` gives each test
  its own empty database in it.
- ``receiver``: a loopback HTTP receiver standing in for Slack, Teams or a webhook endpoint
  (``tests.support.receiver``); the fault suite overrides it with its ``HookReceiver``.
Nothing here touches the machine's own NATS (4222) or PostgreSQL (5432).
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from radar_cli.infra import NatsServer, PostgresServer
from tests.support.receiver import Receiver

_db_counter = itertools.count()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path / "nats", log_file=tmp_path / "nats.log").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    # Not under pytest's tmp dir: the unprivileged postgres user must be able to reach it.
    root = Path(tempfile.mkdtemp(prefix="radar-pg-"))
    server = PostgresServer(root / "data").start()
    try:
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def database_url(postgres_server: PostgresServer) -> str:
    """An empty database of its own for this test."""
    return postgres_server.create_database(f"radar_test_{next(_db_counter)}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r
