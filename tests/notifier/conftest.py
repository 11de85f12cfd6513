"""Fixtures the notifier tests share. Their names are stable: add new ones, do not rename.

- ``receiver`` (from tests/conftest.py): the loopback Slack/Teams/webhook receiver; the
  channels post to ``/slack``, ``/teams`` and ``/hook``.
- ``notifier_settings``: settings for this test's nats-server and database, with the named
  channels pointed at the receiver: ``notifier_settings("slack", "teams", max_deliver=3)``.
- ``pool``: an asyncpg pool on this test's own database, migrated.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

import asyncpg
import pytest

from radar_cli.infra import NatsServer
from radar_common.db import connect_pool, migrate
from radar_notifier.settings import NotifierSettings
from tests.notifier.harness import settings_for
from tests.support.receiver import Receiver

# channel -> (setting, receiver path)
CHANNEL_URLS = {
    "slack": ("slack_webhook_url", "/slack"),
    "teams": ("teams_webhook_url", "/teams"),
    "webhook": ("webhook_url", "/hook"),
}


class SettingsFactory(Protocol):
    def __call__(self, *channels: str, **overrides: Any) -> NotifierSettings: ...


@pytest.fixture
def notifier_settings(
    nats_server: NatsServer, database_url: str, receiver: Receiver
) -> SettingsFactory:
    def make(*channels: str, **overrides: Any) -> NotifierSettings:
        urls = {CHANNEL_URLS[c][0]: receiver.url(CHANNEL_URLS[c][1]) for c in channels}
        return settings_for(nats_server.url, database_url, **urls, **overrides)

    return make


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    p = await connect_pool(database_url, max_size=30)
    await migrate(p)
    try:
        yield p
    finally:
        await p.close()
