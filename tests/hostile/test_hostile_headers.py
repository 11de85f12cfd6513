"""Hostile header values and failing dependencies never give a 500, nor leak internals.

A ``Last-Event-ID`` that is not a plain decimal revision (5,000 digits, or a character such as
``²`` that ``str.isdigit`` accepts but ``int`` refuses) is a malformed request: 400 problem+json.
A 503 says the service cannot answer now; its body never carries the text of the internal
exception (connection strings, hosts, class names): that goes to the log only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from radar_cli.infra import NatsServer
from tests.hostile.conftest import Ingestion
from tests.ingestion.conftest import Ingest, start_ingest

pytestmark = pytest.mark.integration

# What an exception's text looks like: a class name, a repr, an address with a port.
INTERNALS = re.compile(r"\w+(Error|Exception|Timeout)\b|\w+\(|\d+\.\d+\.\d+\.\d+:\d+|postgresql://")


@pytest.mark.parametrize("last_event_id", ["9" * 5000, "²", "1²", "-1", "1e3"])
def test_a_hostile_last_event_id_is_400(ingestion: Ingestion, last_event_id: str) -> None:
    answer = httpx.get(
        f"{ingestion.url}/v1/tasks/{'0' * 32}/events",
        # As bytes: a server reads header bytes as latin-1, so b"\xb2" arrives as "²".
        headers={
            b"X-API-Key": ingestion.secrets.api_key.encode(),
            b"Last-Event-ID": last_event_id.encode("latin-1"),
        },
    )
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("/malformed")


def test_a_plain_last_event_id_is_still_read(ingestion: Ingestion) -> None:
    answer = httpx.get(
        f"{ingestion.url}/v1/tasks/{'0' * 32}/events",
        headers={"X-API-Key": ingestion.secrets.api_key, "Last-Event-ID": "12"},
    )
    assert answer.status_code == 404  # no such task: the header itself was fine


@pytest.fixture
def no_database(hostile_nats: NatsServer) -> Iterator[Ingest]:
    # The database URL points at a port nobody listens on.
    yield from start_ingest(hostile_nats.url)


def test_a_503_from_the_database_hides_the_exception(no_database: Ingest) -> None:
    answer = no_database.client.get("/v1/assessments")
    assert answer.status_code == 503, answer.text
    body = answer.json()
    assert answer.headers["Retry-After"]
    assert not INTERNALS.search(answer.text), body


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[tuple[NatsServer, Ingest]]:
    server = NatsServer(tmp_path / "nats").start()
    try:
        for ingest in start_ingest(server.url):
            yield server, ingest
    finally:
        server.stop()


def test_a_503_from_nats_hides_the_exception(own_nats: tuple[NatsServer, Ingest]) -> None:
    server, ingest = own_nats
    server.stop()
    event = {"source": "nexar", "raw_data": {"mpn": "LM358DR"}}
    stored = ingest.client.post("/v1/events/ingest", json=event)
    assert stored.status_code == 503, stored.text
    assert not INTERNALS.search(stored.text), stored.json()
    task = ingest.client.get(f"/v1/tasks/{'0' * 32}")
    assert task.status_code == 503, task.text
    assert not INTERNALS.search(task.text), task.json()
