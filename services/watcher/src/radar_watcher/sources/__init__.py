"""The lifecycle sources: one adapter per provider, plus the catalog itself.

:func:`build_sources` turns the settings into the enabled sources, each with its own HTTP
session (sessions and cookies never cross providers) and the limits its plan documents.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from radar_watcher.settings import WatcherSettings
from radar_watcher.sources.catalog import CatalogSource
from radar_watcher.sources.digikey import DigiKeySource
from radar_watcher.sources.http import Http
from radar_watcher.sources.mouser import MouserSource
from radar_watcher.sources.nexar import NexarSource
from radar_watcher.sources.protocol import Source
from radar_watcher.sources.siliconexpert import SiliconExpertSource


@dataclass(frozen=True)
class Limits:
    """What a source's plan allows: 0 means not limited here."""

    requests_per_minute: float = 0.0
    requests_per_day: int = 0
    units_per_month: int = 0  # Nexar counts returned parts per calendar month


@dataclass(frozen=True)
class Enabled:
    source: Source
    limits: Limits
    remote: bool


def _secret(value: object) -> str:
    getter = getattr(value, "get_secret_value", None)
    return str(getter()) if getter else ""


async def build_sources(
    settings: WatcherSettings, stack: contextlib.AsyncExitStack
) -> list[Enabled]:
    """The catalog source, then each remote source named in ``RADAR_WATCHER_SOURCES``."""
    enabled = [Enabled(CatalogSource(), Limits(), remote=False)]
    for name in settings.remote_sources():
        client = Http(name, settings.http_timeout_seconds)
        stack.push_async_callback(client.close)
        s = settings
        source: Source
        if name == "nexar":
            source = NexarSource(
                client,
                s.nexar_url,
                s.nexar_token_url,
                s.nexar_client_id,
                _secret(s.nexar_client_secret),
            )
            limits = Limits(s.nexar_requests_per_minute, units_per_month=s.nexar_part_limit)
        elif name == "siliconexpert":
            source = SiliconExpertSource(
                client,
                s.siliconexpert_url,
                s.siliconexpert_login,
                _secret(s.siliconexpert_api_key),
            )
            limits = Limits(s.siliconexpert_requests_per_minute, s.siliconexpert_requests_per_day)
        elif name == "digikey":
            source = DigiKeySource(
                client,
                s.digikey_url,
                s.digikey_client_id,
                _secret(s.digikey_client_secret),
                s.digikey_locale_site,
            )
            limits = Limits(s.digikey_requests_per_minute, s.digikey_requests_per_day)
        else:
            source = MouserSource(client, s.mouser_url, _secret(s.mouser_api_key))
            limits = Limits(s.mouser_requests_per_minute, s.mouser_requests_per_day)
        enabled.append(Enabled(source, limits, remote=True))
    return enabled
