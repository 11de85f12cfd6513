"""The normalizer's entry point against random bytes and hand-made bombs.

Whatever arrives, ``extract_notices`` returns notices or raises ``PermanentError`` (the
runtime dead-letters it with the reason) — any other exception would be retried as if it were
transient and is a bug — within bounded time and memory. The hand-made cases run in forked
children with an address-space limit and an alarm (``tests/hostile/normalizer_probe.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from radar_common.bus.worker import PermanentError
from radar_common.contracts import Attachment, RawEvent
from tests.hostile.corpus import CASES, NOTICE
from tests.hostile.normalizer_probe import entry_point

EXAMPLES = int(os.environ.get("RADAR_FUZZ_EXAMPLES", "40"))
SECONDS_PER_CASE = 15.0
PEAK_MB = 400  # the bombs expand to 512 MB: a parser that inflates one fails this
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=5000,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
EMAIL_FORMATS = ("sendgrid", "sendgrid_raw", "mailgun", "postmark", "ses", "email_forward")
FILE_KINDS = {
    "pdn.pdf": ("application/pdf", b"%PDF-1.4\n"),
    "notice.html": ("text/html", b"<html><body>"),
    "parts.xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
    "pcn.xml": ("application/xml", b"<?xml version='1.0'?>"),
    "pcn.zip": ("application/zip", b"PK\x03\x04"),
    "parts.csv": ("text/csv", b"mpn,manufacturer\n"),
    "notice.txt": ("text/plain", NOTICE),
}


def outcome(event: RawEvent) -> str:
    """Run the entry point; a PermanentError is an answer, anything else propagates."""
    try:
        return f"{len(entry_point()(event))} notices"
    except PermanentError as exc:
        return f"permanent: {exc}"


header_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)


def _mime(headers: list[tuple[str, str]], body: bytes, boundary: str) -> bytes:
    head = "\r\n".join(f"{k}: {v}" for k, v in headers)
    head += f'\r\nContent-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n--{boundary}\r\n'
    return head.encode("utf-8", "replace") + body


mime = st.builds(
    _mime,
    st.lists(st.tuples(st.sampled_from(["Subject", "From", "Content-Type", "X-A"]), header_text)),
    st.binary(max_size=4000),
    st.text(max_size=20),
)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=5000), mime), fmt=st.sampled_from(EMAIL_FORMATS))
def test_random_and_broken_mime_never_crash(raw: bytes, fmt: str) -> None:
    assert outcome(RawEvent(source="email_gateway", format=fmt, raw_body=raw))


@FUZZ
@given(
    name=st.sampled_from(sorted(FILE_KINDS)),
    tail=st.binary(max_size=5000),
    fmt=st.sampled_from(["email_forward", "canonical", "sendgrid"]),
)
def test_random_attachments_never_crash(name: str, tail: bytes, fmt: str) -> None:
    content_type, magic = FILE_KINDS[name]
    event = RawEvent(
        source="email_gateway",
        format=fmt,
        payload_json=json.dumps({"subject": "PDN"}),
        attachments=[Attachment(filename=name, content_type=content_type, content=magic + tail)],
    )
    assert outcome(event)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(["mpn", "manufacturer", "parts", "lifecycle_status", "body", "x"])
            | st.text(max_size=10),
            children,
            max_size=5,
        )
    ),
    max_leaves=40,
)


@FUZZ
@given(
    doc=json_values | st.text(max_size=2000),
    fmt=st.sampled_from(["canonical", "component_alert", "email_forward", "mailgun", "ses"]),
)
def test_random_json_payloads_never_crash(doc: Any, fmt: str) -> None:
    payload = doc if isinstance(doc, str) else json.dumps(doc)
    assert outcome(RawEvent(source="nexar", format=fmt, payload_json=payload))


@pytest.fixture(scope="module")
def probed() -> dict[str, dict[str, Any]]:
    """Every hand-made case, run once in forked, memory-limited children."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "tests.hostile.normalizer_probe"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=110,
        check=True,
    )
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {r["case"]: r for r in results}


# Cases that fail today, with the fix they need; strict, so a fix makes the marker go.
# Inputs a parser is known not to bound yet (strict xfail: a fix turns them into XPASS).
KNOWN_GAPS: dict[str, str] = {}


@pytest.mark.slow
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[c]))
        if c in KNOWN_GAPS
        else c
        for c in sorted(CASES)
    ],
)
def test_bombs_and_monsters_are_bounded(probed: dict[str, dict[str, Any]], case: str) -> None:
    result = probed[case]
    assert result["outcome"].startswith(("notices:", "permanent:")), result
    assert result["seconds"] < SECONDS_PER_CASE, result
    assert result["peak_mb"] < PEAK_MB, result
