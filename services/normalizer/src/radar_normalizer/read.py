"""Stage 1, read: a raw event, whatever its format, becomes one :class:`Document`.

E-mails of every provider (bodies and attachments), canonical JSON carrying a notice as text
fields, platform JSON records and attachments sent beside them all end here. Nothing is
interpreted yet: that is the later stages' job.
"""

from __future__ import annotations

import json
from typing import Any

from radar_common.bus.worker import PermanentError
from radar_common.contracts import RawEvent
from radar_normalizer.document import Document, Place
from radar_normalizer.formats.documents import read_email, read_file
from radar_normalizer.formats.email import (
    Email,
    File,
    MimeTooDeep,
    from_forward,
    from_mailgun,
    from_postmark,
    from_sendgrid,
    from_ses,
    parse_mime,
)
from radar_normalizer.formats.platforms import read_platform_json, records, text_fields

EMAIL_FORMATS = ("sendgrid", "sendgrid_raw", "mailgun", "postmark", "ses", "email_forward")
MAX_JSON_STRINGS = 200
_BODY_KEYS = (
    "body",
    "text",
    "bodycontent",
    "textbody",
    "bodyplain",
    "content",
    "notice",
    "xml",
    "email",
)


class UnreadableEvent(PermanentError):
    """The event cannot be parsed at all."""


def payload(event: RawEvent) -> Any:
    """The event's JSON payload (``{}`` when it has none)."""
    if not event.payload_json.strip():
        return {}
    try:
        return json.loads(event.payload_json)
    except (json.JSONDecodeError, RecursionError) as exc:
        if event.raw_body:
            return {}
        raise UnreadableEvent(f"{event.format or 'event'} payload is not JSON: {exc}") from exc


def _attachments(event: RawEvent, mail: Email) -> Email:
    names = {f.filename for f in mail.attachments}
    for attachment in event.attachments:
        if attachment.content and attachment.filename not in names:
            mail.attachments.append(
                File(attachment.filename, attachment.content_type, attachment.content)
            )
    return mail


def email_of(event: RawEvent, doc: Any) -> Email:
    """The e-mail an event carries, from any provider's shape."""
    doc = doc if isinstance(doc, dict) else {}
    try:
        if event.raw_body:
            mail = parse_mime(event.raw_body)
        elif event.format == "ses" and from_ses(doc):
            mail = parse_mime(from_ses(doc))
        elif event.format == "mailgun":
            mail = from_mailgun(doc)
        elif event.format == "postmark":
            mail = from_postmark(doc)
        elif event.format == "email_forward":
            mail = from_forward(doc)
        else:
            mail = from_sendgrid(doc)
    except MimeTooDeep as exc:
        raise UnreadableEvent(f"{event.format or 'event'} e-mail cannot be parsed: {exc}") from exc
    return _attachments(event, mail)


def email_from_json(doc: dict[str, Any]) -> Email:
    """A notice forwarded as JSON text fields (subject/body/html/xml) in a canonical event."""
    texts = text_fields(doc)
    body = next((texts[k] for k in _BODY_KEYS if k in texts), "")
    html = next((texts[k] for k in ("html", "htmlbody") if k in texts), "")
    sender = str(doc.get("from") or doc.get("sender") or doc.get("sender_domain") or "")
    return Email(
        subject=texts.get("subject", texts.get("subjectline", texts.get("title", ""))),
        sender=sender,
        text=body,
        html=html,
    )


def is_email(event: RawEvent, doc: Any) -> bool:
    """Whether the event is an e-mail (or a notice in text fields) rather than platform JSON."""
    if event.format in EMAIL_FORMATS or (event.raw_body and not event.payload_json):
        return True
    return isinstance(doc, dict) and not any(True for _ in records(doc)) and bool(text_fields(doc))


def read_event(event: RawEvent) -> Document:
    """Everything the event says, as one document."""
    doc = payload(event)
    if event.format in EMAIL_FORMATS or (event.raw_body and not event.payload_json):
        return read_email(email_of(event, doc))
    if is_email(event, doc):
        return read_email(_attachments(event, email_from_json(doc)))
    document = Document(records=read_platform_json(doc))
    for record in document.records:
        # A record's free text ("Replacement Part: ...") is prose the later stages read too.
        for name in ("reason", "title"):
            value = record.fields.get(name)
            if value is not None and len(value.text) > 20:
                document.add_text(Place("json"), value.text)
    for attachment in event.attachments:
        if attachment.content:
            read_file(
                File(attachment.filename, attachment.content_type, attachment.content), document
            )
    if not document.records and not document.blocks and isinstance(doc, dict | list):
        # Unknown JSON: its string values are read as text.
        strings = [v for v in _strings(doc) if len(v) < 10_000][:MAX_JSON_STRINGS]
        document.add_text(Place("json"), "\n".join(strings))
    return document


def _strings(doc: Any, depth: int = 0) -> list[str]:
    if depth > 6:
        return []
    if isinstance(doc, str):
        return [doc]
    if isinstance(doc, dict):
        return [s for v in doc.values() for s in _strings(v, depth + 1)]
    if isinstance(doc, list):
        return [s for v in doc[:500] for s in _strings(v, depth + 1)]
    return []
