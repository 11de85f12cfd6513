"""Hostile and broken input: bounded parsers, no crash, a clear refusal."""

from __future__ import annotations

import contextlib
import json
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from radar_common.bus.worker import PermanentError
from radar_common.contracts import Attachment, RawEvent
from radar_normalizer.extract import extract_notices
from radar_normalizer.formats.html import html_to_text
from radar_normalizer.formats.pdf import pdf_blocks
from radar_normalizer.formats.sheets import xlsx_blocks
from radar_normalizer.formats.smartpcn import read_smartpcn
from tests.normalizer.pdfgen import make_pdf

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<PCNbody xmlns="http://www.smartpcn.org/images/files/VDMA24903Schema/PCNbody">
<masterData><pcnNumber>&lol3;</pcnNumber></masterData></PCNbody>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<PCNbody><ItemNumbers><ItemNumber><itemMfrNumber>&xxe;</itemMfrNumber></ItemNumber></ItemNumbers></PCNbody>"""


def _refuses_or_reads(event: RawEvent) -> None:
    with contextlib.suppress(PermanentError):
        extract_notices(event)


def test_xml_entities_and_dtds_are_refused() -> None:
    assert read_smartpcn(BILLION_LAUGHS, "x") is None
    assert read_smartpcn(EXTERNAL_ENTITY, "x") is None


def test_deep_html_is_flattened_not_recursed() -> None:
    html = "<div>" * 50_000 + "Affected parts: ABC123X" + "</div>" * 50_000
    started = time.monotonic()
    text = html_to_text(html)
    assert "ABC123X" in text
    assert time.monotonic() - started < 10


def test_broken_pdfs_and_workbooks_read_as_nothing() -> None:
    assert pdf_blocks(b"%PDF-1.7\n garbage", "x.pdf") == []
    assert pdf_blocks(make_pdf(["x"])[:-40], "cut.pdf") is not None
    assert xlsx_blocks(b"PK\x03\x04 not a zip", "x.xlsx") == []


def test_pdf_pages_are_capped() -> None:
    lines = [f"line {i}" for i in range(50 * 40)]
    assert len(pdf_blocks(make_pdf(lines), "long.pdf")) == 30


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_as_mime_never_crash(data: bytes) -> None:
    _refuses_or_reads(RawEvent(format="ses", source="ses", raw_body=data))


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=2000))
def test_random_text_bodies_never_crash(text: str) -> None:
    payload = {
        "subject": text[:50],
        "text": text,
        "html": f"<table><tr><td>{text}</td></tr></table>",
    }
    _refuses_or_reads(
        RawEvent(format="sendgrid", source="sendgrid", payload_json=json.dumps(payload))
    )


@settings(max_examples=40, deadline=None)
@given(
    st.binary(max_size=3000),
    st.sampled_from(["a.pdf", "a.xlsx", "a.csv", "a.xml", "a.zip", "a.html"]),
)
def test_random_attachments_never_crash(data: bytes, name: str) -> None:
    event = RawEvent(
        format="sendgrid", source="sendgrid", payload_json=json.dumps({"text": "hello"})
    )
    event.attachments.append(Attachment(filename=name, content=data))
    _refuses_or_reads(event)


def test_broken_mime_still_yields_what_it_can() -> None:
    raw = (
        b'Subject: PDN 998877A\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=bogus-charset\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Product discontinuance.=0AAffected parts: ZXC987Y=\r\n"
        b"--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"!!!not base64"
    )
    [notice] = extract_notices(RawEvent(format="ses", source="ses", raw_body=raw))
    assert notice.mpn == "ZXC987Y"
    assert notice.notice_kind == "discontinuance"


def _sendgrid_text(text: str) -> RawEvent:
    return RawEvent(format="sendgrid", source="x", payload_json=json.dumps({"text": text}))


def test_long_lines_cost_linear_time() -> None:
    hostile = [
        " ".join(["Last time buy 12/12/2024 Q3 2025 20-Sep-2024"] * 3000),
        "Affected parts:" + " " * 300_000 + "ABC123X",
        "Reason" + "-" * 300_000,
    ]
    # CPU seconds, not wall time: a quadratic pass over 300,000 characters costs minutes of
    # CPU, while a loaded machine only stretches the wall clock.
    for text in hostile:
        started = time.process_time()
        _refuses_or_reads(_sendgrid_text(text))
        assert time.process_time() - started < 10


def test_a_notice_keeps_at_most_a_thousand_parts() -> None:
    rows = "\n".join(f"P{i}X | R{i}Y" for i in range(3000))
    notices = extract_notices(_sendgrid_text("Part Number | Replacement\n" + rows))
    assert len(notices) == 1000
    assert notices[0].part_count == 1000
