"""Where to go after sign-in: only paths of this console, never another site."""

from __future__ import annotations

from urllib.parse import urlsplit

NEXT_KEY = "next"


def safe_next(target: str) -> str:
    """``target`` if it is a path on this console, else ``/`` (no open redirect)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target:
        return "/"
    return target
