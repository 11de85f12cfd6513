"""Nobody gets memory or a connection for free: credentials before bodies, bounded headers.

- Every operation checks the credentials it can see (a key in the headers, the signature
  fields at the start of a Mailgun form) before it reads the body: a client that sends the
  headers and a little of a 10 MB body with a wrong credential is answered at once, without
  the server waiting for (or holding) the rest.
- Headers are bounded in size (RADAR_HTTP_MAX_HEADER_BYTES), in number
  (RADAR_HTTP_MAX_HEADERS) and in time (RADAR_HTTP_HEADER_TIMEOUT_SECONDS): 64 MB of headers to
  /healthz is refused with 431 after the first few kilobytes, and a connection trickling its
  headers is closed.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from urllib.parse import urlsplit

import httpx
import pytest

from radar_cli.infra import free_port, wait_for_port
from radar_common.http_limits import HeaderLimits
from radar_common.service import ops_app, serve_http
from tests.hostile.conftest import Ingestion

pytestmark = pytest.mark.integration

OPEN = {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/redoc"}
DECLARED_LENGTH = 10 * 1024 * 1024


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
    return sock


def _status_of(sock: socket.socket, deadline: float) -> int | None:
    """The status code the server answered before ``deadline``, or None (nothing, or closed)."""
    data = b""
    while b"\r\n" not in data and time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            return None
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    if not data.startswith(b"HTTP/1.1 "):
        return None
    return int(data.split(b" ", 2)[1])


def _operations(url: str) -> list[tuple[str, str, str]]:
    """(method, path, media type of its body or "") of every documented /v1 operation."""
    doc = httpx.get(f"{url}/openapi.json").json()
    found = []
    for path, item in doc["paths"].items():
        if path in OPEN:
            continue
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            media = list(op.get("requestBody", {}).get("content", {}))
            concrete = re.sub(r"\{(task|assessment|record)_id\}", "0" * 32, path)
            preferred = next((m for m in media if "urlencoded" in m), media[0] if media else "")
            found.append((method.upper(), concrete, preferred))
    return found


def _first_chunk(media: str) -> bytes:
    if "urlencoded" in media:  # Mailgun: the signature fields first, signed with a wrong key
        return b"timestamp=1767225600&token=" + b"t" * 50 + b"&signature=" + b"0" * 64 + b"&"
    if "multipart" in media:
        return b'--b\r\nContent-Disposition: form-data; name="products"; filename="p.csv"\r\n\r\n'
    return b'{"source": "siliconexpert", "raw_data": {"mpn": "'


def test_credentials_are_checked_before_the_body_is_read(ingestion: Ingestion) -> None:
    operations = [op for op in _operations(ingestion.url) if op[0] != "GET"]
    assert len(operations) >= 8, operations
    waited = {}
    for method, path, media in operations:
        content_type = media or "application/json"
        if "multipart" in content_type:
            content_type += "; boundary=b"
        sock = _connect(ingestion.url)
        try:
            head = (
                f"{method} {path} HTTP/1.1\r\nHost: radar\r\nX-API-Key: not-the-key\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {DECLARED_LENGTH}\r\n\r\n"
            )
            sock.sendall(head.encode() + _first_chunk(content_type))
            # The rest of the 10 MB never comes: an answer now means nothing waited for it.
            status = _status_of(sock, time.monotonic() + 5)
        finally:
            sock.close()
        if status not in (401, 403, 406):
            waited[f"{method} {path}"] = status
    assert not waited, f"read (or waited for) the body before refusing: {waited}"


def _send_until_refused(
    ingestion: Ingestion, head: bytes, filler: bytes, total: int
) -> tuple[int | None, int]:
    """Send ``head`` then ``filler`` up to ``total`` bytes; the status and bytes sent."""
    sock = _connect(ingestion.url)
    sent = 0
    try:
        sock.sendall(head)
        try:
            while sent < total:
                sock.sendall(filler)
                sent += len(filler)
        except OSError:  # the server closed the connection: the rest was refused unread
            pass
        return _status_of(sock, time.monotonic() + 5), sent
    finally:
        sock.close()


def test_64_mb_of_headers_are_refused_early(ingestion: Ingestion) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: radar\r\nX-Padding: "
    status, sent = _send_until_refused(ingestion, head, b"a" * 65536, 64 * 1024 * 1024)
    assert status == 431, status
    assert sent < 16 * 1024 * 1024, f"{sent} bytes went in before the refusal"


def test_too_many_headers_are_refused(ingestion: Ingestion) -> None:
    headers = {f"X-H{n}": "v" for n in range(500)}
    answer = httpx.get(f"{ingestion.url}/healthz", headers=headers)
    assert answer.status_code == 431
    fine = httpx.get(f"{ingestion.url}/healthz", headers={f"X-H{n}": "v" for n in range(40)})
    assert fine.status_code == 200


def test_a_connection_trickling_its_headers_is_closed(ingestion: Ingestion) -> None:
    sock = _connect(ingestion.url)
    started = time.monotonic()
    closed_after = None
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: radar\r\n")
        while time.monotonic() - started < 15:
            try:
                sock.sendall(b"X-Slow: " + b"a" * 8 + b"\r\n")
                sock.settimeout(0.5)
                if sock.recv(4096) == b"":
                    closed_after = time.monotonic() - started
                    break
            except TimeoutError:
                continue
            except OSError:
                closed_after = time.monotonic() - started
                break
    finally:
        sock.close()
    # RADAR_HTTP_HEADER_TIMEOUT_SECONDS is 2 for this process; allow for a loaded machine.
    assert closed_after is not None, "still open after 15 s of trickling headers"
    assert closed_after < 12


def test_a_slow_but_complete_request_is_still_served(ingestion: Ingestion) -> None:
    """The limits refuse abuse, not ordinary clients: keep-alive requests keep working."""
    with httpx.Client(base_url=ingestion.url) as client:
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
            time.sleep(0.5)


def test_a_form_with_too_many_files_is_refused(ingestion: Ingestion) -> None:
    """RADAR_FORM_MAX_FILES (default 50) bounds the files of one delivery, not 1,000."""
    files = [(f"attachment{n}", (f"{n}.pdf", b"%PDF-1.4", "application/pdf")) for n in range(60)]
    answer = httpx.post(
        f"{ingestion.url}/v1/ingest/sendgrid",
        data={"subject": "PDN", "attachments": "60"},
        files=files,
        auth=("sendgrid", ingestion.secrets.api_key),
    )
    assert answer.status_code == 413, answer.text
    assert answer.json()["type"].endswith("/too-many-parts")
    fine = httpx.post(
        f"{ingestion.url}/v1/ingest/sendgrid",
        data={"subject": "PDN", "attachments": "5"},
        files=files[:5],
        auth=("sendgrid", ingestion.secrets.api_key),
    )
    assert fine.status_code == 202, fine.text


def test_the_workers_ops_port_bounds_request_heads_too() -> None:
    """The same protocol serves /healthz, /readyz and /metrics of every worker."""

    async def always() -> bool:
        return True

    port = free_port()
    stop: asyncio.Event | None = None
    loop = asyncio.new_event_loop()

    async def serve() -> None:
        nonlocal stop
        stop = asyncio.Event()
        limits = HeaderLimits(max_bytes=8192, max_count=20, timeout_seconds=2)
        await serve_http(ops_app("probe", {"self": always}), "127.0.0.1", port, stop, limits=limits)

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    try:
        wait_for_port(port)
        url = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{url}/readyz").status_code == 200
        assert (
            httpx.get(f"{url}/healthz", headers={f"X-{n}": "v" for n in range(30)}).status_code
            == 431
        )
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 20000)
            assert _status_of(sock, time.monotonic() + 5) == 431
        finally:
            sock.close()
    finally:
        assert stop is not None
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()
