"""One real ingestion process for the hostile-input tests, with every kind of credential."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from radar_cli.infra import NatsServer, PostgresServer
from radar_cli.stack import Stack

_dbs = itertools.count()


@dataclass(frozen=True)
class Secrets:
    api_key: str = "hostile-key-5f0c2a9e7d41b8"
    webhook_key: bytes = b"hostile-webhook-secret-bytes-0123"
    mailgun_key: str = "hostile-mailgun-signing-key-77aa"

    @property
    def webhook_secret(self) -> str:
        return "whsec_" + base64.b64encode(self.webhook_key).decode()

    def all(self) -> tuple[str, ...]:
        return (self.api_key, self.webhook_secret, self.mailgun_key)


@dataclass(frozen=True)
class Ingestion:
    url: str
    secrets: Secrets
    log: Path


@pytest.fixture(scope="package")
def ingestion(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer
) -> Iterator[Ingestion]:
    """A real ingestion process (DEBUG logs) on its own nats-server, shared by the package."""
    root = tmp_path_factory.mktemp("hostile")
    nats = NatsServer(root / "nats").start()
    secrets = Secrets()
    stack = Stack(
        nats_url=nats.url,
        database_url=postgres_server.create_database(f"radar_hostile_{next(_dbs)}"),
        log_dir=root / "logs",
        extra_env={
            "RADAR_API_KEYS": secrets.api_key,
            "RADAR_WEBHOOK_SECRET": secrets.webhook_secret,
            "RADAR_MAILGUN_SIGNING_KEY": secrets.mailgun_key,
            "RADAR_LOG_LEVEL": "DEBUG",
            # A connection must have sent its headers within this (test_hostile_limits).
            "RADAR_HTTP_HEADER_TIMEOUT_SECONDS": "2",
            "OTEL_SDK_DISABLED": "true",
        },
    )
    try:
        stack.start(("ingestion",))
        yield Ingestion(stack.api_url, secrets, root / "logs" / "ingestion.log")
    finally:
        stack.stop_all()
        nats.stop()


@pytest.fixture(scope="package")
def hostile_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A nats-server for the in-process apps of this package (each app has its own streams)."""
    root = tmp_path_factory.mktemp("hostile-inproc")
    server = NatsServer(root / "nats", log_file=root / "nats.log").start()
    try:
        yield server
    finally:
        server.stop()
