"""The OpenAPI document says what errors really look like: ``application/problem+json``.

FastAPI documents its default 422 as ``application/json`` with its own schema, while every
error this service sends is a problem document. Clients generated from the document (and
schemathesis) must see the truth, so every 4xx/5xx answer is documented with the ``Problem``
schema, and the errors any operation can give (401, 413, 422, 503) are listed on each one.

It also says how to authenticate: every operation guarded by a
:class:`~radar_ingestion.api.deps.Credentials` dependency lists its security requirements
(any of the API key schemes, or a Standard Webhooks signature where accepted) with the scope
the key needs, also as ``x-required-scope``, and documents the 403 of a key without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from radar_ingestion.api.deps import Credentials, credentials_of
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
KEY_SCHEMES = ("ApiKeyHeader", "BearerKey", "BasicKey")
SECURITY_SCHEMES: dict[str, Any] = {
    "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "BearerKey": {"type": "http", "scheme": "bearer", "description": "An API key."},
    "BasicKey": {
        "type": "http",
        "scheme": "basic",
        "description": "Any user name, an API key as the password (provider webhook URLs).",
    },
    "StandardWebhooks": {
        "type": "apiKey",
        "in": "header",
        "name": "webhook-signature",
        "description": "A Standard Webhooks signature (with `webhook-id` and "
        "`webhook-timestamp`) made with RADAR_WEBHOOK_SECRET; grants `ingest` only.",
    },
}
FORBIDDEN = "The key is valid but lacks the scope this operation needs"


def _security(credentials: Credentials) -> list[dict[str, list[str]]]:
    scopes: list[str] = [credentials.scope]
    requirements = [{name: scopes} for name in KEY_SCHEMES]
    if credentials.signatures:
        requirements.append({"StandardWebhooks": scopes})
    return requirements


def _credentials_by_operation(app: FastAPI) -> dict[tuple[str, str], Credentials]:
    found = {}
    for route in iter_route_contexts(app.routes):  # included routers are resolved lazily
        if not isinstance(route.original_route, APIRoute):
            continue
        credentials = credentials_of(route.dependencies)
        if credentials is None:
            continue
        for method in route.methods or ():
            found[(str(route.path_format), method.lower())] = credentials
    return found


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
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        components["securitySchemes"] = SECURITY_SCHEMES
        guarded = _credentials_by_operation(app)
        for path, item in schema.get("paths", {}).items():
            for method, operation in item.items():
                if method not in _METHODS:
                    continue
                responses = operation.setdefault("responses", {})
                credentials = guarded.get((path, method))
                if credentials is not None:
                    operation["security"] = _security(credentials)
                    operation["x-required-scope"] = credentials.scope
                    responses.setdefault("403", {"description": FORBIDDEN})
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
