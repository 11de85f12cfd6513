"""The console started for real (``python -m radar_console``) against real NATS and PostgreSQL,
an OpenID Connect provider on loopback (oidc-provider-mock), and a browser to drive it."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext

from radar_cli.infra import NatsServer, free_port, wait_for_port
from radar_cli.stack import ServiceProcess, Stack
from tests.console.browser import Screenshots, artifacts_dir, chromium

OIDC_CLIENT_ID = "radar-console-test"
# People the loopback provider knows, with the group claim the console maps to roles.
OIDC_PEOPLE = (
    {"sub": "ada", "email": "ada@example.com", "name": "Ada Admin", "groups": ["radar-admins"]},
    {"sub": "vic", "email": "vic@example.com", "name": "Vic Viewer", "groups": ["staff"]},
    {"sub": "nobody", "email": "nobody@example.com", "name": "No Role", "groups": ["other"]},
)


@dataclass
class Console:
    url: str
    dev_link: str
    database_url: str
    nats_url: str
    process: ServiceProcess


@pytest.fixture
def oidc_issuer(tmp_path: Path) -> Iterator[str]:
    """oidc-provider-mock as its own process on a free loopback port (a real OIDC server)."""
    port = free_port()
    command = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port)]
    for person in OIDC_PEOPLE:
        command += ["--user-claims", json.dumps(person)]
    with (tmp_path / "oidc.log").open("wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, timeout=30)
        yield f"http://localhost:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def console_env(
    nats_url: str, database_url: str, port: int, issuer: str, token: str
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RADAR_")}
    url = f"http://127.0.0.1:{port}"
    env.update(
        {
            "RADAR_NATS_URL": nats_url,
            "RADAR_DATABASE_URL": database_url,
            "RADAR_HTTP_HOST": "127.0.0.1",
            "RADAR_HTTP_PORT": str(port),
            "RADAR_CONSOLE_URL": url,
            "RADAR_CONSOLE_SESSION_SECRET": secrets.token_urlsafe(32),
            "RADAR_CONSOLE_COOKIE_SECURE": "false",
            "RADAR_CONSOLE_DEV_SIGN_IN": "true",
            "RADAR_CONSOLE_DEV_TOKEN": token,
            "RADAR_OIDC_ISSUER": issuer,
            "RADAR_OIDC_CLIENT_ID": OIDC_CLIENT_ID,
            "RADAR_OIDC_CLIENT_SECRET": "loopback-secret",
            "RADAR_OIDC_ROLES": "radar-admins=admin,radar-engineers=engineer,staff=viewer",
            "RADAR_LOG_JSON": "false",
            "OTEL_SDK_DISABLED": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


@pytest.fixture
def console(
    nats_server: NatsServer, database_url: str, oidc_issuer: str, tmp_path: Path
) -> Iterator[Console]:
    port = free_port()
    token = secrets.token_urlsafe(24)
    env = console_env(nats_server.url, database_url, port, oidc_issuer, token)
    process = ServiceProcess("console", "radar_console", port, env, tmp_path / "console.log")
    process.start()
    stack = Stack(nats_url=nats_server.url, database_url=database_url, log_dir=tmp_path)
    stack.services["console"] = process
    try:
        stack.wait_ready(("console",), timeout=60)
        yield Console(
            url=process.url,
            dev_link=f"{process.url}/auth/dev?token={token}",
            database_url=database_url,
            nats_url=nats_server.url,
            process=process,
        )
    finally:
        process.stop()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Screenshots:
    return Screenshots(artifacts_dir(tmp_path_factory.getbasetemp()))


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    async with chromium(tmp_path / "chromium-profile") as context:
        yield context


@pytest.fixture
async def phone(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    async with chromium(tmp_path / "chromium-phone", phone=True) as context:
        yield context
