"""An in-process ingestion app against a real nats-server, and ways to look at what it stored.

One nats-server serves the whole test session (starting one costs ~0.3 s); every test gets
its own stream prefix, so streams, buckets and the object store are its own. Tests that stop
NATS use the per-test ``nats_server`` fixture instead.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nats
import pytest
from fastapi.testclient import TestClient

from radar_cli.infra import NatsServer
from radar_common.bus.topology import Topology
from radar_common.contracts import RawEvent
from radar_ingestion.app import create_app
from radar_ingestion.settings import IngestionSettings

API_KEY = "test-key-0123456789"
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MAILGUN_KEY = "key-mailgun-signing-0123"
# Ingestion opens its PostgreSQL pool lazily; the ingest endpoints never touch it.
UNUSED_DATABASE = "postgresql://postgres@127.0.0.1:9/unused"
_prefixes = itertools.count()


def make_settings(nats_url: str, prefix: str, **overrides: Any) -> IngestionSettings:
    values: dict[str, Any] = {
        "nats_url": nats_url,
        "database_url": UNUSED_DATABASE,
        "api_keys": API_KEY,
        "webhook_secret": WEBHOOK_SECRET,
        "mailgun_signing_key": MAILGUN_KEY,
        "stream_prefix": prefix.upper(),
        "subject_prefix": prefix.lower(),
        "publish_timeout_seconds": 1.0,
        "accept_timeout_seconds": 2.0,
    }
    values.update(overrides)
    return IngestionSettings(**values)


async def _stream_events(nats_url: str, topology: Topology) -> list[RawEvent]:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(topology.events_stream.name)
        events = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            if info.state.messages == 0:
                break
            msg = await js.get_msg(topology.events_stream.name, seq)
            event = RawEvent()
            event.ParseFromString(msg.data or b"")
            events.append(event)
        return events
    finally:
        await nc.close()


async def _blob(nats_url: str, topology: Topology, name: str) -> bytes:
    nc = await nats.connect(nats_url)
    try:
        store = await nc.jetstream().object_store(topology.object_store)
        return bytes((await store.get(name)).data or b"")
    finally:
        await nc.close()


@dataclass
class Ingest:
    """A running app and the NATS it stores into."""

    client: TestClient
    settings: IngestionSettings

    @property
    def topology(self) -> Topology:
        return Topology(self.settings.stream_prefix, self.settings.subject_prefix)

    def events(self) -> list[RawEvent]:
        """Every raw event on the stream, in order."""
        return asyncio.run(_stream_events(self.settings.nats_url, self.topology))

    def blob(self, name: str) -> bytes:
        return asyncio.run(_blob(self.settings.nats_url, self.topology, name))


@pytest.fixture(scope="session")
def shared_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    root: Path = tmp_path_factory.mktemp("ingestion-nats")
    server = NatsServer(root / "store", log_file=root / "nats.log").start()
    try:
        yield server
    finally:
        server.stop()


def start_ingest(nats_url: str, **overrides: Any) -> Iterator[Ingest]:
    settings = make_settings(nats_url, f"ing{next(_prefixes)}", **overrides)
    with TestClient(create_app(settings), headers={"X-API-Key": API_KEY}) as client:
        yield Ingest(client, settings)


@pytest.fixture
def shared_nats_url(shared_nats: NatsServer) -> str:
    return shared_nats.url


@pytest.fixture
def ingest(shared_nats_url: str) -> Iterator[Ingest]:
    yield from start_ingest(shared_nats_url)
