"""E-mails from every inbound provider, reduced to one :class:`Email`.

SendGrid (parsed fields or raw MIME), Mailgun, Postmark, SES (raw MIME) and the
``email_forward`` shape all become subject, sender, date, text and HTML bodies and attachments.
MIME parsing uses the standard library with a size cap; broken MIME yields whatever could be read.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.errors
import email.header
import email.policy
import json
import logging
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from typing import Any

log = logging.getLogger(__name__)

MAX_MIME_BYTES = 40_000_000
MAX_PARTS = 200


@dataclass
class File:
    """An attachment's name, type and bytes."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Email:
    subject: str = ""
    sender: str = ""
    date: str = ""
    text: str = ""
    html: str = ""
    attachments: list[File] = field(default_factory=list)


def _decode_part(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # unknown charset name
        return payload.decode("utf-8", errors="replace")


def _date_of(header: str) -> str:
    try:
        return parsedate_to_datetime(header).date().isoformat() if header else ""
    except (TypeError, ValueError, IndexError):
        return ""


class MimeTooDeep(ValueError):
    """Multipart nesting deeper than Python's parser can follow (a hostile message)."""


def parse_mime(raw: bytes) -> Email:
    """An e-mail from raw MIME bytes.

    Raises:
        MimeTooDeep: the nesting exhausts the parser's recursion (no real mail does that).
    """
    try:
        return _parse_mime(raw)
    except RecursionError as exc:
        raise MimeTooDeep("MIME multipart nesting is too deep to parse") from exc


def _parse_mime(raw: bytes) -> Email:
    msg = email.message_from_bytes(raw[:MAX_MIME_BYTES], policy=email.policy.compat32)
    out = Email(
        subject=_header(msg, "Subject"),
        sender=_header(msg, "From"),
        date=_date_of(_header(msg, "Date")),
    )
    for count, part in enumerate(msg.walk()):
        if count >= MAX_PARTS:
            break
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        filename = part.get_filename() or ""
        disposition = (part.get("Content-Disposition") or "").lower()
        if ctype == "message/rfc822":
            continue
        if (
            not filename
            and "attachment" not in disposition
            and ctype in ("text/plain", "text/html")
        ):
            body = _decode_part(part)
            if ctype == "text/plain":
                out.text += ("\n" if out.text else "") + body
            else:
                out.html += body
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            out.attachments.append(File(_decode_header(filename), ctype, data))
    return out


def _decode_header(value: str) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (UnicodeError, LookupError, email.errors.HeaderParseError):
        return value


def _header(msg: Message | EmailMessage, name: str) -> str:
    value = msg.get(name)
    return _decode_header(str(value)) if value is not None else ""


def _headers_text(headers: str) -> dict[str, str]:
    """Header fields of a header block (folded lines joined, RFC 2047 words decoded)."""
    out: dict[str, str] = {}
    name = ""
    for line in (headers or "").splitlines():
        if line[:1] in (" ", "\t") and name:
            out[name] += " " + line.strip()
        elif ":" in line:
            name, _, value = line.partition(":")
            name = name.strip()
            out[name] = value.strip()
        else:
            name = ""
    return {k: _decode_header(v) if "=?" in v else v for k, v in out.items()}


def _str(doc: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = doc.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def from_sendgrid(doc: dict[str, Any]) -> Email:
    if isinstance(doc.get("email"), str):  # "Send Raw" mode delivered as a field
        return parse_mime(doc["email"].encode("utf-8", errors="replace"))
    headers = _headers_text(_str(doc, "headers"))
    return Email(
        subject=_str(doc, "subject") or headers.get("Subject", ""),
        sender=_str(doc, "from") or headers.get("From", ""),
        date=_date_of(headers.get("Date", "")),
        text=_str(doc, "text"),
        html=_str(doc, "html"),
    )


def from_mailgun(doc: dict[str, Any]) -> Email:
    date = ""
    headers = doc.get("message-headers")
    if isinstance(headers, str):
        try:
            headers = json.loads(headers)
        except json.JSONDecodeError:
            headers = []
    if isinstance(headers, list):
        for pair in headers:
            if isinstance(pair, list) and len(pair) == 2 and str(pair[0]).lower() == "date":
                date = _date_of(str(pair[1]))
    return Email(
        subject=_str(doc, "subject", "Subject"),
        sender=_str(doc, "from", "sender", "From"),
        date=date,
        text=_str(doc, "body-plain", "stripped-text"),
        html=_str(doc, "body-html", "stripped-html"),
    )


def from_postmark(doc: dict[str, Any]) -> Email:
    out = Email(
        subject=_str(doc, "Subject"),
        sender=_str(doc, "From"),
        date=_date_of(_str(doc, "Date")),
        text=_str(doc, "TextBody"),
        html=_str(doc, "HtmlBody"),
    )
    for item in doc.get("Attachments") or []:
        if isinstance(item, dict) and isinstance(item.get("Content"), str):
            try:
                data = base64.b64decode(item["Content"], validate=False)
            except (binascii.Error, ValueError):
                continue
            out.attachments.append(
                File(str(item.get("Name", "")), str(item.get("ContentType", "")), data)
            )
    return out


def from_forward(doc: dict[str, Any]) -> Email:
    """The ``email_forward`` seed shape: sender_domain, subject_line, body_content."""
    body = _str(doc, "body_content")
    is_html = "<html" in body[:2000].lower() or "<table" in body.lower()
    return Email(
        subject=_str(doc, "subject_line"),
        sender=_str(doc, "sender_domain"),
        text="" if is_html else body,
        html=body if is_html else "",
    )


def from_ses(doc: dict[str, Any]) -> bytes:
    """The raw MIME inside an SES/SNS notification document (``content``), if any."""
    message = doc.get("Message")
    if isinstance(message, str):
        try:
            doc = json.loads(message)
        except json.JSONDecodeError:
            return b""
    content = doc.get("content") if isinstance(doc, dict) else None
    if not isinstance(content, str):
        return b""
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        return content.encode("utf-8", errors="replace")
