"""Pure ASGI middleware: the request body limit and the HTTP metrics.

Pure ASGI (not ``BaseHTTPMiddleware``) because the limit must see the body as it streams in,
and because both run on every request of the hot path.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from radar_common import metrics
from radar_ingestion.problems import PROBLEM_BASE, PROBLEM_MEDIA_TYPE


class _BodyTooLarge(Exception):
    pass


async def _send_problem(send: Send, status: int, slug: str, title: str, detail: str) -> None:
    body = json.dumps(
        {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Answer 413 for bodies over ``max_bytes``, before reading them whole.

    A declared ``Content-Length`` over the limit is refused up front (one within it is all the
    server's parser will read as the body); a chunked body is counted as it arrives and refused
    once it passes the limit, whatever the app did with the error.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await _send_problem(
                    send, 400, "malformed", "Malformed request", "Content-Length is not a number"
                )
                return
            if length > self.max_bytes:
                await self._refuse(send)
                return
            # The HTTP parser reads exactly the declared length as the body: nothing to count.
            await self.app(scope, receive, send)
            return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the app's answer to a body it could not read: ours replaces it
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(_BodyTooLarge):
            await self.app(scope, counting_receive, guarded_send)
        if exceeded and not started:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        await _send_problem(
            send,
            413,
            "body-too-large",
            "Request body too large",
            f"The body exceeds {self.max_bytes} bytes.",
        )


class HttpMetrics:
    """Count and time every request by route template (not by raw path: ids would explode)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route: Any = scope.get("route")
            template = str(getattr(route, "path", "unmatched"))
            method = str(scope.get("method", ""))
            metrics.HTTP_REQUESTS.labels(self.service, template, method, str(status)).inc()
            metrics.HTTP_LATENCY.labels(self.service, template, method).observe(
                time.perf_counter() - started
            )
