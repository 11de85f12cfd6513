"""What a connection may send before its request is read: header size, count and time.

uvicorn (with httptools) puts no bound on a request head: 64 MB of headers are buffered, any
number of them is accepted, and a client that trickles its headers keeps a connection (and its
buffers) for as long as it likes. Every Radar HTTP server — the ingestion API and the workers'
ops ports — runs this protocol instead:

- a head larger than ``max_bytes`` is answered ``431`` and the connection closed, after at most
  ``max_bytes`` plus one read (the parser never holds more);
- more than ``max_count`` header fields: ``431``;
- a head not complete within ``timeout_seconds`` of the connection opening (or of the first
  byte of the next request on a kept-alive connection): ``408`` and closed.

Idle kept-alive connections are uvicorn's ``timeout_keep_alive``; bodies are bounded by the
application (``RADAR_MAX_BODY_BYTES``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)

# The problem documents' base, as in every Radar API (radar_ingestion.problems).
_PROBLEM_BASE = "https://radar.dev/problems/"
_REASONS = {408: "Request Timeout", 431: "Request Header Fields Too Large"}


@dataclass(frozen=True)
class HeaderLimits:
    """Bounds on a request head: its size, its number of header fields, the time to send it."""

    max_bytes: int = 32 * 1024
    max_count: int = 100
    timeout_seconds: float = 10.0


class _Refused(Exception):
    """Raised from a parser callback to stop reading a head that broke a limit."""


class _GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with :class:`HeaderLimits` on every request head."""

    limits: ClassVar[HeaderLimits] = HeaderLimits()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_bytes = 0
        self._head_count = 0
        self._refusal: tuple[int, str] | None = None
        self._head_timer: asyncio.TimerHandle | None = None
        self._reading_head = True
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._reading_head and not self.transport.is_closing():
            # Still inside a head after this read: all of it counts (what completed a head in
            # this read was counted nowhere, which errs on the side of the client).
            self._head_bytes += len(data)
            if self._head_bytes > self.limits.max_bytes:
                self._refuse(431, f"The request head exceeds {self.limits.max_bytes} bytes.")

    # Parser callbacks ------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True
        self._head_count = 0
        if self._head_timer is None:
            self._start_head_timer()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_count += 1
        if self._head_count > self.limits.max_count:
            self._refusal = (431, f"More than {self.limits.max_count} header fields.")
            raise _Refused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._head_bytes = 0
        self._stop_head_timer()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        # A callback that raised _Refused surfaces as a parser error: answer its own status.
        if self._refusal is not None:
            self._refuse(*self._refusal)
            return
        super().send_400_response(msg)

    # Limits ----------------------------------------------------------------------------------
    def _start_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(self.limits.timeout_seconds, self._too_slow)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _too_slow(self) -> None:
        self._head_timer = None
        if self._reading_head and not self.transport.is_closing():
            self._refuse(408, f"The request head took over {self.limits.timeout_seconds} s.")

    def _refuse(self, status: int, detail: str) -> None:
        self._stop_head_timer()
        self._reading_head = False
        reason = _REASONS[status]
        slug = "request-timeout" if status == 408 else "header-fields-too-large"
        body = json.dumps(
            {"type": _PROBLEM_BASE + slug, "title": reason, "status": status, "detail": detail}
        ).encode()
        log.info("refused a request head from %s: %s", self.client, detail)
        self.transport.write(
            f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/problem+json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
            + body
        )
        self.transport.close()


def guarded_protocol(limits: HeaderLimits) -> type[HttpToolsProtocol]:
    """The uvicorn ``http`` protocol class enforcing ``limits`` (``uvicorn.Config(http=...)``)."""
    return type("GuardedHttpProtocol", (_GuardedProtocol,), {"limits": limits})
