"""Ingestion's memory under large Mailgun posts: prints the numbers (a script, not a test).

    .venv/bin/python -m tests.hostile.rss_probe                # this checkout
    .venv/bin/python -m tests.hostile.rss_probe --src DIR      # another checkout's code

``--src`` runs the ingestion (and radar_common) found under DIR/services/*/src instead, e.g.
the code of main: ``mkdir /tmp/main && git archive main services | tar -x -C /tmp/main``.

It starts a nats-server and one ingestion process (no database needed), then samples the
process's resident memory (/proc/<pid>/status VmRSS, every 5 ms) through two phases:

1. four concurrent 28 MB multipart posts to /v1/ingest/mailgun with a wrong signature
   (signature fields first, as Mailgun sends them, then a 28 MB attachment);
2. one accepted 28 MB delivery (a valid signature).

For each: RSS before, the peak while it ran, and the rise. The machine may be shared: read
the rises, which do not depend on the absolute numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

from radar_cli.infra import NatsServer
from radar_cli.stack import Stack

KEY = "rss-probe-key"
MAILGUN_KEY = "rss-probe-mailgun-signing-key"
ATTACHMENT_BYTES = 28 * 1024 * 1024
MB = 1024 * 1024


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


@contextmanager
def peak_rss(pid: int) -> Iterator[dict[str, int]]:
    """Samples RSS while the block runs: {"before", "peak", "after"}."""
    result = {"before": rss_bytes(pid), "peak": 0, "after": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            result["peak"] = max(result["peak"], rss_bytes(pid))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield result
    finally:
        time.sleep(0.5)  # what the request left behind settles
        done.set()
        sampler.join()
        result["after"] = rss_bytes(pid)
        result["peak"] = max(result["peak"], result["after"])


def mailgun_form(signing_key: str) -> tuple[bytes, str]:
    """A multipart body: the signature fields first, then one 28 MB attachment."""
    timestamp, token = str(int(time.time())), secrets.token_hex(25)
    signature = hmac.new(signing_key.encode(), (timestamp + token).encode(), hashlib.sha256)
    boundary = secrets.token_hex(16)
    fields = {
        "timestamp": timestamp,
        "token": token,
        "signature": signature.hexdigest(),
        "subject": "PDN with a large datasheet",
        "body-plain": "Product discontinuance notice, see the attached datasheet.",
        "attachment-count": "1",
    }
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachment-1"; '
        f'filename="datasheet.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
    )
    body = b"".join(parts) + os.urandom(ATTACHMENT_BYTES) + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def post(url: str, body: bytes, content_type: str) -> str:
    try:
        answer = httpx.post(
            f"{url}/v1/ingest/mailgun",
            content=body,
            headers={"Content-Type": content_type},
            timeout=120,
        )
    except httpx.HTTPError as exc:  # the server answered and closed before the body ended
        return f"closed early ({type(exc).__name__})"
    return str(answer.status_code)


def show(name: str, numbers: dict[str, int], answers: list[str]) -> None:
    rise = numbers["peak"] - numbers["before"]
    print(
        f"{name:<44} before {numbers['before'] / MB:7.1f} MB   peak {numbers['peak'] / MB:7.1f} MB"
        f"   rise {rise / MB:7.1f} MB   after {numbers['after'] / MB:7.1f} MB   answers {answers}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--src", type=Path, help="run the ingestion code of this checkout")
    args = parser.parse_args()
    if args.src:
        paths = [str(args.src / "services" / s / "src") for s in ("ingestion", "common")]
        os.environ["PYTHONPATH"] = os.pathsep.join([*paths, os.environ.get("PYTHONPATH", "")])
    with tempfile.TemporaryDirectory(prefix="rss-probe-") as tmp:
        nats = NatsServer(Path(tmp) / "nats").start()
        stack = Stack(
            nats_url=nats.url,
            database_url="postgresql://postgres@127.0.0.1:9/unused",
            log_dir=Path(tmp) / "logs",
            extra_env={
                "RADAR_API_KEYS": KEY,
                "RADAR_MAILGUN_SIGNING_KEY": MAILGUN_KEY,
                "OTEL_SDK_DISABLED": "true",
            },
        )
        try:
            stack.start(("ingestion",))
            proc = stack.services["ingestion"].proc
            assert proc is not None
            url = stack.api_url
            warm, warm_type = mailgun_form(MAILGUN_KEY)
            print(f"code: {args.src or 'this checkout'}; warm-up: {post(url, warm, warm_type)}")
            bad = [mailgun_form("not-the-signing-key") for _ in range(4)]
            with peak_rss(proc.pid) as numbers, ThreadPoolExecutor(4) as pool:
                answers = list(pool.map(lambda b: post(url, *b), bad))
            show("4 concurrent 28 MB posts, wrong signature", numbers, answers)
            good, good_type = mailgun_form(MAILGUN_KEY)
            with peak_rss(proc.pid) as numbers:
                answers = [post(url, good, good_type)]
            show("1 accepted 28 MB delivery", numbers, answers)
        finally:
            stack.stop_all()
            nats.stop()


if __name__ == "__main__":
    main()
