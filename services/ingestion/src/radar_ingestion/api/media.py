"""Media-type checks for the ingest endpoints (415 for what a route cannot read)."""

from __future__ import annotations

import json
from typing import Any

import orjson
from fastapi import Depends, Request

from radar_ingestion.problems import unsupported_media_type

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _media_type(request: Request) -> str:
    return media_type(request.headers.get("content-type", ""))


def media_type(content_type: str) -> str:
    """The media type of a `Content-Type` value, lower case, without parameters."""
    return content_type.split(";", 1)[0].strip().lower()


def is_json(content_type: str) -> bool:
    """`application/json` or any `+json` type."""
    media = media_type(content_type)
    return media == "application/json" or media.endswith("+json")


async def require_json(request: Request) -> None:
    if not is_json(request.headers.get("content-type", "")):
        raise unsupported_media_type(request, "application/json")


async def require_form(request: Request) -> None:
    if _media_type(request) not in FORM_TYPES:
        raise unsupported_media_type(request, " or ".join(FORM_TYPES))


JsonBody = Depends(require_json)
FormBody = Depends(require_form)


def compact_json(value: Any) -> str:
    """Stable JSON text: sorted keys, no spaces (so equal content gives equal fingerprints).

    orjson (several times faster than the standard library on the ingest path); what it cannot
    encode — integers beyond 64 bits — falls back to :mod:`json`. A ``NaN`` that Python's JSON
    reader let in is written as ``null``, which is valid JSON.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
