"""The OpenAPI document says what errors really look like: ``application/problem+json``.

FastAPI documents its default 422 as ``application/json`` with its own schema, while every
error this service sends is a problem document. Clients generated from the document (and
schemathesis) must see the truth, so every 4xx/5xx answer is documented with the ``Problem``
schema, and the errors any operation can give (401, 413, 422, 503) are listed on each one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from radar_ingestion.problems import PROBLEM_MEDIA_TYPE

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem document; `type` is stable and names the error.",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["type", "title", "status"],
    "additionalProperties": True,
}
COMMON_PROBLEMS = {
    "401": "Missing or invalid credentials",
    "413": "Request body larger than RADAR_MAX_BODY_BYTES",
    "422": "The request is not valid",
    "503": "Cannot serve the request now; retry after Retry-After seconds",
}
_METHODS = {"get", "post", "put", "patch", "delete"}


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def problem_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """An ``app.openapi`` replacement documenting problem responses."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for item in schema.get("paths", {}).values():
            for method, operation in item.items():
                if method not in _METHODS:
                    continue
                responses = operation.setdefault("responses", {})
                for code, description in COMMON_PROBLEMS.items():
                    responses.setdefault(code, {"description": description})
                for code, response in responses.items():
                    if code[:1] in ("4", "5"):
                        response["content"] = _problem_content()
        schemas = schema["components"]["schemas"]
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = schema
        return schema

    return openapi
