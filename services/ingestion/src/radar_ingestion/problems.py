"""Errors as RFC 9457 problem documents (application/problem+json) with stable types.

A 4xx tells a provider to stop retrying, and a stopped e-mail is lost for good; so a 4xx is
answered only for what can never succeed, with the status each provider treats as final:
Mailgun stops on 406 (any other answer is retried for hours), Postmark stops on 403.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://radar.dev/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """An error answered as a problem document."""

    def __init__(
        self,
        status: int,
        type_: str,
        title: str,
        detail: str = "",
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.type, self.title, self.detail = status, type_, title, detail
        self.headers = headers or {}
        self.extra = extra

    def response(self, instance: str = "") -> JSONResponse:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.type,
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return JSONResponse(
            body, status_code=self.status, headers=self.headers, media_type=PROBLEM_MEDIA_TYPE
        )


# Status for "this delivery can never succeed" (malformed, reused token), per provider route.
_REFUSAL_STATUS = {"/v1/ingest/mailgun": 406, "/v1/ingest/postmark": 403}


def refusal_status(path: str, default: int) -> int:
    """The status that makes the provider behind ``path`` stop retrying a hopeless delivery."""
    return _REFUSAL_STATUS.get(path, default)


def unavailable(
    dependency: str, *, cause: BaseException | None = None, retry_after: int = 5
) -> Problem:
    """503 + Retry-After: ``dependency`` cannot be reached now; the caller should retry.

    The body names the dependency only: the cause (hosts, ports, exception texts) is logged,
    never answered.
    """
    if cause is not None:
        log.warning("%s unavailable: %r", dependency, cause)
    return Problem(
        503,
        "unavailable",
        "Service unavailable",
        f"{dependency} cannot be reached right now; retry after {retry_after} seconds.",
        headers={"Retry-After": str(retry_after)},
    )


def malformed(request: Request, detail: str, *, status: int = 400) -> Problem:
    """A delivery that can never be accepted as sent."""
    return Problem(
        refusal_status(request.url.path, status), "malformed", "Malformed delivery", detail
    )


def unsupported_media_type(request: Request, expected: str) -> Problem:
    return Problem(
        refusal_status(request.url.path, 415),
        "unsupported-media-type",
        "Unsupported media type",
        f"Send {expected}; got {request.headers.get('content-type') or 'no Content-Type'}.",
    )


async def problem_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return exc.response(request.url.path)


async def validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    status = refusal_status(request.url.path, 422)
    return Problem(status, "validation", "The request is not valid", errors=errors).response(
        request.url.path
    )


async def http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = {
        400: "malformed",
        401: "unauthorized",
        404: "not-found",
        405: "method-not-allowed",
        415: "unsupported-media-type",
    }.get(exc.status_code, "http-error")
    return Problem(
        exc.status_code, slug, str(exc.detail), headers=dict(exc.headers or {})
    ).response(request.url.path)
