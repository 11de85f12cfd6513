"""Every setting any service reads is documented in a settings table (README or docs/).

A table row documents the ``RADAR_`` variables named in its first cell. Rows shorten a family
of names after the first: `` `RADAR_NEXAR_CLIENT_ID` / `_SECRET` `` documents
``RADAR_NEXAR_CLIENT_SECRET`` (a suffix replaces the end of the full name), and
`` `RADAR_OIDC_*` `` documents every variable starting with ``RADAR_OIDC_``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic_settings import BaseSettings

from radar_common.settings import setting_names
from radar_console.settings import ConsoleSettings
from radar_inference.settings import InferenceSettings
from radar_ingestion.settings import IngestionSettings
from radar_normalizer.settings import NormalizerSettings
from radar_notifier.settings import NotifierSettings
from radar_watcher.settings import WatcherSettings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS: list[type[BaseSettings]] = [
    IngestionSettings,
    NormalizerSettings,
    InferenceSettings,
    NotifierSettings,
    ConsoleSettings,
    WatcherSettings,
]
_CODE = re.compile(r"`([^`]+)`")


def documented() -> tuple[set[str], list[str]]:
    """(full names, wildcard prefixes) from the first cell of every table row."""
    names: set[str] = set()
    prefixes: list[str] = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for line in doc.read_text().splitlines():
            if not line.startswith("|"):
                continue
            cell = line.split("|")[1]
            full = [c for c in _CODE.findall(cell) if c.startswith("RADAR_")]
            for code in _CODE.findall(cell):
                if code.endswith("*"):
                    prefixes.append(code.rstrip("*"))
                elif code.startswith("RADAR_"):
                    names.add(code)
                elif code.startswith("_") and code[1:].isupper():
                    for base in full:
                        cuts = [i for i, ch in enumerate(base) if ch == "_"]
                        names.update(base[:i] + code for i in cuts)
    return names, prefixes


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: s.__name__)
def test_every_setting_is_in_a_settings_table(settings: type[BaseSettings]) -> None:
    names, prefixes = documented()
    variables = [f"RADAR_{name.upper()}" for name in setting_names(settings)]
    missing = [v for v in variables if v not in names and not v.startswith(tuple(prefixes))]
    assert not missing, f"{settings.__name__}: not in any settings table: {missing}"


def test_a_suffix_stands_for_the_end_of_a_full_name() -> None:
    names, prefixes = documented()
    assert "RADAR_NATS_TLS_KEY_FILE" in names  # `RADAR_NATS_TLS_CA_FILE` (+ ..., `_KEY_FILE`)
    assert "RADAR_OIDC_" in prefixes
