"""API keys with scopes: the ``RADAR_API_KEYS`` format, shared by ingestion and ``radar dev``.

``RADAR_API_KEYS`` is a list of keys with scopes, ``key:scope,scope;key2:scope``:

- ``ingest``: deliveries only (``POST /v1/events/ingest``, ``/v1/ingest/*``);
- ``read``: tasks, notices, assessments;
- ``admin``: the catalog, cancelling a task, dead-letter replay, notice review and decisions.

Compatibility: a value with neither ``:`` nor ``;`` is the format from before scopes
(comma-separated keys), and an entry without ``:`` is a key with every scope, as every key had
before; the service logs a warning for each such key at start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SCOPES = ("ingest", "read", "admin")
ALL_SCOPES = frozenset(SCOPES)
# A key goes in a header, a bearer token or a basic-auth password: no separators, no spaces.
_KEY = re.compile(r"[^\s:;,]+")


@dataclass(frozen=True)
class ApiKey:
    """One key and what it may do."""

    key: str
    scopes: frozenset[str]

    @property
    def unscoped(self) -> bool:
        """A key from before scopes (or given none): it may do everything."""
        return self.scopes == ALL_SCOPES


def parse_api_keys(value: str) -> list[ApiKey]:
    """The keys of ``RADAR_API_KEYS`` with their scopes (see the module docstring).

    Raises:
        ValueError: a key with characters a header cannot carry, or an unknown scope.
    """
    if ":" not in value and ";" not in value:
        return [ApiKey(k.strip(), ALL_SCOPES) for k in value.split(",") if k.strip()]
    keys = []
    for entry in (e.strip() for e in value.split(";")):
        if not entry:
            continue
        key, colon, scope_list = entry.partition(":")
        key = key.strip()
        if not _KEY.fullmatch(key):
            raise ValueError("RADAR_API_KEYS: a key may not be empty or contain spaces , : ;")
        scopes = frozenset(s.strip() for s in scope_list.split(",") if s.strip())
        if colon and not scopes:
            raise ValueError(f"RADAR_API_KEYS: no scope after the key's ':' (use {SCOPES})")
        unknown = scopes - ALL_SCOPES
        if unknown:
            raise ValueError(f"RADAR_API_KEYS: unknown scope {sorted(unknown)}; use {SCOPES}")
        keys.append(ApiKey(key, scopes or ALL_SCOPES))
    return keys
