"""Attachments and bodies by type: PDF, HTML, CSV, XLSX, smartPCN XML (or its zip), JSON, text."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from radar_normalizer.draft import NoticeDraft
from radar_normalizer.formats.email import Email, File
from radar_normalizer.formats.html import html_to_text
from radar_normalizer.formats.pdf import pdf_sources
from radar_normalizer.formats.platforms import read_platform_json
from radar_normalizer.formats.sheets import csv_source, xlsx_sources
from radar_normalizer.formats.smartpcn import is_smartpcn, read_smartpcn, smartpcn_in_zip
from radar_normalizer.sources import TextSource

log = logging.getLogger(__name__)

MAX_ATTACHMENTS = 20
MAX_TEXT_BYTES = 2_000_000


@dataclass
class Readings:
    """What the pieces of a notice gave: structured drafts (best) and text sources."""

    structured: list[NoticeDraft] = field(default_factory=list)
    texts: list[TextSource] = field(default_factory=list)


def _kind(file: File) -> str:
    name = file.filename.lower()
    ctype = file.content_type.lower()
    head = file.data[:8]
    if head.startswith(b"%PDF") or name.endswith(".pdf") or "pdf" in ctype:
        return "pdf"
    if head.startswith(b"PK"):
        return "xlsx" if name.endswith((".xlsx", ".xlsm")) or "spreadsheet" in ctype else "zip"
    if name.endswith(".csv") or "csv" in ctype:
        return "csv"
    if name.endswith((".xml", ".pcn")) or "xml" in ctype:
        return "xml"
    if name.endswith((".htm", ".html")) or "html" in ctype:
        return "html"
    if name.endswith(".json") or "json" in ctype:
        return "json"
    if name.endswith((".txt", ".text")) or ctype.startswith("text/"):
        return "text"
    return ""


def _text(data: bytes) -> str:
    data = data[:MAX_TEXT_BYTES]
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def read_file(file: File, readings: Readings) -> None:
    """Add what one attachment says to ``readings``; unknown or broken files add nothing."""
    try:
        _read_file(file, readings)
    except Exception as exc:  # one damaged attachment must not sink the notice it came with
        log.warning("attachment %s unreadable: %r", file.filename, exc)


def _read_file(file: File, readings: Readings) -> None:
    location = f"attachment:{file.filename or 'unnamed'}"
    kind = _kind(file)
    if kind == "pdf":
        readings.texts.extend(pdf_sources(file.data, file.filename or "unnamed.pdf"))
    elif kind == "xlsx":
        readings.texts.extend(xlsx_sources(file.data, file.filename))
    elif kind == "zip":
        draft = smartpcn_in_zip(file.data, location)
        if draft is not None:
            readings.structured.append(draft)
    elif kind == "csv":
        readings.texts.append(csv_source(_text(file.data), file.filename))
    elif kind == "xml":
        read_text_body(_text(file.data), location, readings)
    elif kind == "html":
        readings.texts.append(TextSource(location, html_to_text(_text(file.data))))
    elif kind == "json":
        try:
            readings.structured.extend(read_platform_json(json.loads(_text(file.data))))
        except (json.JSONDecodeError, RecursionError):
            log.warning("JSON attachment %s unreadable", file.filename)
    elif kind == "text":
        read_text_body(_text(file.data), location, readings)


def read_text_body(text: str, location: str, readings: Readings) -> None:
    """A body that may be plain text, HTML or a smartPCN document."""
    stripped = text.lstrip()
    if stripped.startswith("<") and is_smartpcn(stripped):
        draft = read_smartpcn(stripped.encode("utf-8"), location)
        if draft is not None:
            readings.structured.append(draft)
            return
    if stripped[:200].lower().startswith(("<!doctype html", "<html")) or "<table" in text.lower():
        readings.texts.append(TextSource(location, html_to_text(text)))
        return
    if stripped.startswith("<"):
        return  # other XML: nothing a person wrote
    readings.texts.append(TextSource(location, text[:MAX_TEXT_BYTES]))


def read_email(mail: Email) -> Readings:
    """Bodies first (text, and HTML when it adds tables or there is no text), then attachments."""
    readings = Readings()
    if mail.text.strip():
        read_text_body(mail.text, "body", readings)
    if mail.html.strip() and (not mail.text.strip() or "<table" in mail.html.lower()):
        readings.texts.append(TextSource("html", html_to_text(mail.html)))
    for file in mail.attachments[:MAX_ATTACHMENTS]:
        read_file(file, readings)
    return readings
