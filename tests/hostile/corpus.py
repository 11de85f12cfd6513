"""Hand-made hostile inputs for the normalizer: bombs, monsters and broken documents.

Each case is a :class:`RawEvent` as ingestion would publish it. Bombs expand to
``BOMB_BYTES`` (512 MB) when a parser decompresses without a limit; the probe that runs them
bounds the process's memory, so a careless parser fails the test instead of the machine.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from collections.abc import Callable

from radar_common.contracts import Attachment, RawEvent

BOMB_BYTES = 512 * 1024 * 1024
_CHUNK = 4 * 1024 * 1024
NOTICE = b"Product Discontinuance Notice: LM358DR (Texas Instruments) last time buy 2026-12-31."


def _deflate(size: int, fill: bytes = b" ") -> bytes:
    c = zlib.compressobj(1)
    chunk = fill * _CHUNK
    return b"".join(c.compress(chunk) for _ in range(size // _CHUNK)) + c.flush()


def _zip(members: dict[str, bytes | int]) -> bytes:
    """A zip; an int member is that many spaces (a bomb), written without holding it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, content in members.items():
            if isinstance(content, int):
                with z.open(name, "w", force_zip64=True) as member:
                    for _ in range(content // _CHUNK):
                        member.write(b" " * _CHUNK)
            else:
                z.writestr(name, content)
    return buf.getvalue()


def _mail(headers: bytes, body: bytes) -> RawEvent:
    return RawEvent(
        source="email_gateway", format="sendgrid_raw", raw_body=headers + b"\r\n\r\n" + body
    )


def _attached(filename: str, content_type: str, content: bytes) -> RawEvent:
    return RawEvent(
        source="email_gateway",
        format="email_forward",
        payload_json=json.dumps({"subject": "PDN", "body": NOTICE.decode()}),
        attachments=[
            Attachment(
                filename=filename, content_type=content_type, size=len(content), content=content
            )
        ],
    )


def huge_header() -> RawEvent:
    return _mail(b"From: pcn@ti.com\r\nSubject: " + b"A" * (1024 * 1024), NOTICE)


def many_headers() -> RawEvent:
    headers = b"\r\n".join(b"X-Filler-%d: %s" % (i, b"x" * 50) for i in range(100_000))
    return _mail(b"From: pcn@ti.com\r\n" + headers, NOTICE)


def broken_mime() -> RawEvent:
    """Multipart nested 2000 deep, boundaries never closed, bad base64, bad charsets."""
    parts = b"".join(
        b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (i, i + 1)
        for i in range(2000)
    )
    leaf = (
        b"--b2000\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n!!!not base64===\r\n" + NOTICE
    )
    head = b'From: pcn@ti.com\r\nContent-Type: multipart/mixed; boundary="b0"'
    return _mail(head, parts + leaf)


def deep_html() -> RawEvent:
    html = "<div>" * 200_000 + NOTICE.decode() + "<table><tr><td>" * 50_000
    return RawEvent(
        source="email_gateway",
        format="email_forward",
        payload_json=json.dumps({"subject": "PDN", "html": html}),
    )


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<PCNDocument xmlns="urn:smartpcn"><PCNHeader><PCNNumber>&lol9;</PCNNumber></PCNHeader>
<AffectedProducts><Product><ManufacturerPartNumber>LM358DR</ManufacturerPartNumber>
</Product></AffectedProducts></PCNDocument>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<PCNDocument><PCNHeader><PCNNumber>&secret;</PCNNumber></PCNHeader></PCNDocument>"""


def xml_entity_expansion() -> RawEvent:
    return _attached("pcn.xml", "application/xml", BILLION_LAUGHS)


def xml_external_entity() -> RawEvent:
    return _attached("pcn.xml", "application/xml", EXTERNAL_ENTITY)


def xml_in_mail_body() -> RawEvent:
    return _mail(b"From: pcn@ti.com\r\nContent-Type: application/xml", BILLION_LAUGHS)


def zip_bomb_xlsx() -> RawEvent:
    content = _zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": BOMB_BYTES})
    return _attached(
        "parts.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        content,
    )


def zip_bomb_smartpcn() -> RawEvent:
    return _attached("pcn.zip", "application/zip", _zip({"pcn.xml": BOMB_BYTES}))


def zip_many_members() -> RawEvent:
    members: dict[str, bytes | int] = {f"f{i}.xml": b"<x/>" for i in range(20_000)}
    return _attached("pcn.zip", "application/zip", _zip(members))


def pdf_flate_bomb() -> RawEvent:
    stream = _deflate(BOMB_BYTES)
    pdf = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R"
        b"/Resources<<>>>>endobj\n"
        + f"4 0 obj<</Length {len(stream)}/Filter/FlateDecode>>stream\n".encode()
        + stream
        + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF"
    )
    return _attached("pdn.pdf", "application/pdf", pdf)


def pdf_malformed() -> RawEvent:
    pdf = (
        b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[2 0 R]/Count 99999999>>endobj\n"  # a page tree that loops
        b"xref\n0 999999999\n0000000000 65535 f \ntrailer<</Size 3/Root 1 0 R/Prev 9>>\n"
        b"startxref\n-1\n%%EOF" + bytes(range(256)) * 100
    )
    return _attached("pdn.pdf", "application/pdf", pdf)


def pdf_truncated() -> RawEvent:
    return _attached("pdn.pdf", "application/pdf", b"%PDF-1.4\n1 0 obj<</Length 99999999>>stream\n")


def deep_json() -> RawEvent:
    return RawEvent(source="nexar", format="canonical", payload_json="[" * 200_000)


def huge_json_strings() -> RawEvent:
    doc = {"parts": [{"mpn": "X" * 1_000_000, "manufacturer": "TI"}] * 20, "notes": "Y" * 5_000_000}
    return RawEvent(source="nexar", format="canonical", payload_json=json.dumps(doc))


CASES: dict[str, Callable[[], RawEvent]] = {
    f.__name__: f
    for f in (
        huge_header,
        many_headers,
        broken_mime,
        deep_html,
        xml_entity_expansion,
        xml_external_entity,
        xml_in_mail_body,
        zip_bomb_xlsx,
        zip_bomb_smartpcn,
        zip_many_members,
        pdf_flate_bomb,
        pdf_malformed,
        pdf_truncated,
        deep_json,
        huge_json_strings,
    )
}
