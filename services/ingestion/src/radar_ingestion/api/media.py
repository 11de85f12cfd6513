"""Media-type checks for the ingest endpoints (415 for what a route cannot read)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Depends, Request

from radar_ingestion.problems import unsupported_media_type

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def require_json(request: Request) -> None:
    media = _media_type(request)
    if media != "application/json" and not media.endswith("+json"):
        raise unsupported_media_type(request, "application/json")


async def require_form(request: Request) -> None:
    if _media_type(request) not in FORM_TYPES:
        raise unsupported_media_type(request, " or ".join(FORM_TYPES))


JsonBody = Depends(require_json)
FormBody = Depends(require_form)


def compact_json(value: Any) -> str:
    """Stable JSON text: sorted keys, no spaces (so equal content gives equal fingerprints)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
