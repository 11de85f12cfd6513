"""Turning a raw event into notices: the entry point the handler calls.

Each delivery format is first reduced to structured drafts (platform JSON, smartPCN) and text
sources (bodies, HTML, PDF pages, spreadsheets); the best structured draft leads, the prose fills
what it lacks, and :func:`assemble` makes one notice per part.
"""

from __future__ import annotations

import json
from typing import Any

from radar_common.bus.worker import PermanentError
from radar_common.contracts import NormalizedNotice, RawEvent
from radar_normalizer.assemble import assemble
from radar_normalizer.catalog import KnownParts
from radar_normalizer.draft import Found, NoticeDraft
from radar_normalizer.formats.documents import Readings, read_email, read_file
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
from radar_normalizer.prose import read_prose, scan_parts
from radar_normalizer.sources import TextSource, snippet
from radar_normalizer.vocab import manufacturer_from_domain, manufacturer_in_text

EMAIL_FORMATS = ("sendgrid", "sendgrid_raw", "mailgun", "postmark", "ses", "email_forward")


class NoPartsFound(PermanentError):
    """The event names no part: nothing can be assessed."""


class UnreadableEvent(PermanentError):
    """The event cannot be parsed at all."""


def _payload(event: RawEvent) -> Any:
    if not event.payload_json.strip():
        return {}
    try:
        return json.loads(event.payload_json)
    except (json.JSONDecodeError, RecursionError) as exc:
        if event.raw_body:
            return {}
        raise UnreadableEvent(f"{event.format or 'event'} payload is not JSON: {exc}") from exc


def _email_of(event: RawEvent, doc: Any) -> Email:
    try:
        return _read_email(event, doc)
    except MimeTooDeep as exc:
        raise UnreadableEvent(f"{event.format or 'event'} e-mail cannot be parsed: {exc}") from exc


def _read_email(event: RawEvent, doc: Any) -> Email:
    fmt = event.format
    doc = doc if isinstance(doc, dict) else {}
    if event.raw_body:
        mail = parse_mime(event.raw_body)
    elif fmt == "ses" and from_ses(doc):
        mail = parse_mime(from_ses(doc))
    elif fmt == "mailgun":
        mail = from_mailgun(doc)
    elif fmt == "postmark":
        mail = from_postmark(doc)
    elif fmt == "email_forward":
        mail = from_forward(doc)
    else:
        mail = from_sendgrid(doc)
    names = {f.filename for f in mail.attachments}
    for attachment in event.attachments:
        if attachment.content and attachment.filename not in names:
            mail.attachments.append(
                File(attachment.filename, attachment.content_type, attachment.content)
            )
    return mail


def _email_from_json(doc: dict[str, Any]) -> Email:
    """A notice forwarded as JSON text fields (subject/body/html/xml) in a canonical event."""
    texts = text_fields(doc)
    body = next(
        (
            texts[k]
            for k in (
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
            if k in texts
        ),
        "",
    )
    html = next((texts[k] for k in ("html", "htmlbody") if k in texts), "")
    sender = str(doc.get("from") or doc.get("sender") or doc.get("sender_domain") or "")
    return Email(
        subject=texts.get("subject", texts.get("subjectline", texts.get("title", ""))),
        sender=sender,
        text=body,
        html=html,
    )


def _from_email(mail: Email, readings: Readings) -> list[NoticeDraft]:
    prose = NoticeDraft()
    read_prose(readings.texts, mail.subject, prose)
    if mail.subject:
        prose.put("title", Found(mail.subject.strip(), snippet(mail.subject), "header:Subject"))
    if mail.sender:
        maker = manufacturer_from_domain(mail.sender)
        if maker:
            prose.put("manufacturer", Found(maker, snippet(mail.sender), "header:From"))
    if "manufacturer" not in prose.fields:
        text = mail.subject + "\n" + "\n".join(s.text[:3000] for s in readings.texts)
        canonical, written = manufacturer_in_text(text)
        if canonical:
            prose.put("manufacturer", Found(written, snippet(_around(text, written)), "body#text"))
    if mail.date:
        prose.put("issue_date", Found(mail.date, f"Date: {mail.date}", "header:Date"))
    if not readings.structured:
        return [prose]
    drafts = []
    for structured in readings.structured:
        structured.merge(NoticeDraft(fields=prose.fields))
        drafts.append(structured)
    return drafts


def _around(text: str, words: str) -> str:
    at = text.find(words)
    return text[max(0, at - 60) : at + len(words) + 60] if at >= 0 else words


def read_event(event: RawEvent) -> list[NoticeDraft]:
    """Drafts for every notice an event carries (usually one)."""
    doc = _payload(event)
    if event.format in EMAIL_FORMATS or (event.raw_body and not event.payload_json):
        mail = _email_of(event, doc)
        return _from_email(mail, read_email(mail))
    if isinstance(doc, dict) and not any(True for _ in records(doc)) and text_fields(doc):
        mail = _email_from_json(doc)
        return _from_email(mail, read_email(mail))
    drafts = read_platform_json(doc)
    extra = Readings()
    for attachment in event.attachments:
        if attachment.content:
            read_file(File(attachment.filename, attachment.content_type, attachment.content), extra)
    if not drafts and (extra.texts or extra.structured):
        return _from_email(Email(), extra)
    if not drafts and isinstance(doc, dict | list):
        # Unknown JSON: let the prose scanner look at its string values.
        return _scan_json(doc)
    return drafts


def _scan_json(doc: Any) -> list[NoticeDraft]:
    draft = NoticeDraft(method="scan")
    strings = [TextSource("json", v) for v in _strings(doc) if len(v) < 10_000][:200]
    for part in scan_parts(strings, set()):
        draft.add_part(part)
    return [draft] if draft.parts else []


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


def _describe(event: RawEvent) -> str:
    what = f"{event.format or 'event'} event from {event.source or 'an unknown source'}"
    if event.attachments:
        names = ", ".join(a.filename or "unnamed" for a in event.attachments[:5])
        what += f" (attachments: {names})"
    return what


def extract_notices(
    event: RawEvent, known_parts: KnownParts | None = None
) -> list[NormalizedNotice]:
    """One notice per affected part of ``event``.

    Raises:
        NoPartsFound: the event names no part number.
        UnreadableEvent: the payload cannot be parsed.
    """
    notices: list[NormalizedNotice] = []
    for draft in read_event(event):
        if draft.method == "scan" and known_parts is not None:
            confirmed = [p for p in draft.parts if p.mpn.value in known_parts]
            draft.parts = confirmed or draft.parts
        if draft.parts:
            notices.extend(assemble(draft, event, known_parts))
    if not notices:
        raise NoPartsFound(f"no part number found in the {_describe(event)}")
    return notices


MAX_EVENT_TEXT = 50_000


def event_text(event: RawEvent) -> str:
    """All readable text of an event, subject first (what the LLM pass reads)."""
    doc = _payload(event)
    if event.format in EMAIL_FORMATS or (event.raw_body and not event.payload_json):
        mail = _email_of(event, doc)
    elif isinstance(doc, dict) and text_fields(doc) and not any(True for _ in records(doc)):
        mail = _email_from_json(doc)
    else:
        mail = Email(text=json.dumps(doc, ensure_ascii=False)[:MAX_EVENT_TEXT])
        for attachment in event.attachments:
            if attachment.content:
                mail.attachments.append(
                    File(attachment.filename, attachment.content_type, attachment.content)
                )
    readings = read_email(mail)
    pieces = [mail.subject, *(source.text for source in readings.texts)]
    return "\n".join(p for p in pieces if p.strip())[:MAX_EVENT_TEXT]
