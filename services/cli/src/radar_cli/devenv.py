"""``.radar/dev.env``: where a running ``radar dev`` stack can be reached.

``radar dev`` writes it; other ``radar`` commands read it so they need no flags. Values in the
environment win over the file.
"""

from __future__ import annotations

import os
from pathlib import Path

STATE_DIR = Path(os.environ.get("RADAR_STATE_DIR", ".radar"))
DEV_ENV = STATE_DIR / "dev.env"


def write_dev_env(values: dict[str, str], path: Path = DEV_ENV) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}={v}\n" for k, v in sorted(values.items())))
    path.chmod(0o600)  # it holds the dev API key


def read_dev_env(path: Path = DEV_ENV) -> dict[str, str]:
    if not path.exists():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not key.lstrip().startswith("#"):
            values[key.strip()] = value.strip()
    return values


def setting(name: str, explicit: str | None = None, default: str | None = None) -> str | None:
    """An explicit value, else the environment, else .radar/dev.env, else ``default``."""
    if explicit:
        return explicit
    return os.environ.get(name) or read_dev_env().get(name) or default
