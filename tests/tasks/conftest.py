"""Fixtures for the task tests: one nats-server per module, the ingestion API served for real."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
import uvicorn

from radar_cli.infra import NatsServer, free_port
from radar_common.bus.connection import Bus
from radar_common.bus.topology import Topology
from radar_common.tasks import Task, TaskStore
from radar_ingestion.app import create_app
from radar_ingestion.settings import IngestionSettings

API_KEY = "task-test-key"
# Nothing in these tests reaches PostgreSQL: ingestion opens its pool lazily.
UNUSED_DATABASE = "postgresql://postgres@127.0.0.1:1/unused"
_prefixes = itertools.count()


@pytest.fixture(scope="module")
def nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    root = tmp_path_factory.mktemp("nats")
    server = NatsServer(root / "store", log_file=root / "nats.log").start()
    try:
        yield server
    finally:
        server.stop()


def unique_prefix() -> str:
    return f"T{next(_prefixes)}{uuid.uuid4().hex[:6].upper()}"


def ingestion_settings(nats_url: str, prefix: str) -> IngestionSettings:
    return IngestionSettings(
        nats_url=nats_url,
        database_url=UNUSED_DATABASE,
        api_keys=API_KEY,
        stream_prefix=prefix,
        subject_prefix=prefix.lower(),
        log_json=False,
    )


@dataclass
class ServedApi:
    url: str
    prefix: str


@pytest.fixture(scope="module")
def served_api(nats: NatsServer) -> Iterator[ServedApi]:
    """The ingestion app under uvicorn in a thread: real streaming, unlike TestClient."""
    prefix = unique_prefix()
    port = free_port()
    config = uvicorn.Config(
        create_app(ingestion_settings(nats.url, prefix)),
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("ingestion API did not start")
        time.sleep(0.05)
    try:
        yield ServedApi(f"http://127.0.0.1:{port}", prefix)
    finally:
        server.should_exit = True
        thread.join(timeout=20)


async def open_store(nats_url: str, prefix: str) -> tuple[Bus, TaskStore]:
    """A task store on its own connection, as a separate replica would have."""
    topology = Topology(stream_prefix=prefix, subject_prefix=prefix.lower())
    bus = await Bus.connect(nats_url, topology, name=f"test-{uuid.uuid4().hex[:6]}")
    return bus, await TaskStore.open(bus.js, topology.tasks_bucket)


@pytest.fixture
async def api_store(nats: NatsServer, served_api: ServedApi) -> AsyncIterator[TaskStore]:
    """A task store on the served API's bucket."""
    bus, store = await open_store(nats.url, served_api.prefix)
    try:
        yield store
    finally:
        await bus.close()


async def new_task(store: TaskStore) -> Task:
    task = Task.new(uuid.uuid4().hex, uuid.uuid4().hex, source="test")
    await store.create(task)
    return task
