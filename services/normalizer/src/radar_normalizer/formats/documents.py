"""Attachments and bodies by type: PDF, HTML, CSV, XLSX, smartPCN XML (or its zip), JSON, text."""

from __future__ import annotations

import json
import logging

from radar_normalizer.document import Document, Place
from radar_normalizer.formats.email import Email, File
from radar_normalizer.formats.html import html_blocks
from radar_normalizer.formats.pdf import pdf_blocks
from radar_normalizer.formats.platforms import read_platform_json
from radar_normalizer.formats.sheets import csv_block, xlsx_blocks
from radar_normalizer.formats.smartpcn import is_smartpcn, read_smartpcn, smartpcn_in_zip

log = logging.getLogger(__name__)

MAX_ATTACHMENTS = 20
MAX_TEXT_BYTES = 2_000_000


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


def read_file(file: File, doc: Document) -> None:
    """Add what one attachment says to ``doc``; unknown or broken files add nothing."""
    try:
        _read_file(file, doc)
    except Exception as exc:  # one damaged attachment must not sink the notice it came with
        log.warning("attachment %s unreadable: %r", file.filename, exc)


def _read_file(file: File, doc: Document) -> None:
    name = file.filename or "unnamed"
    place = Place("attachment", attachment=name)
    kind = _kind(file)
    if kind == "pdf":
        doc.blocks.extend(pdf_blocks(file.data, name))
    elif kind == "xlsx":
        doc.blocks.extend(xlsx_blocks(file.data, name))
    elif kind == "zip":
        record = smartpcn_in_zip(file.data, place.label())
        if record is not None:
            doc.records.append(record)
    elif kind == "csv":
        doc.blocks.append(csv_block(_text(file.data), name))
    elif kind == "html":
        doc.blocks.extend(html_blocks(_text(file.data), place))
    elif kind == "json":
        try:
            doc.records.extend(read_platform_json(json.loads(_text(file.data))))
        except (json.JSONDecodeError, RecursionError):
            log.warning("JSON attachment %s unreadable", file.filename)
    elif kind in ("xml", "text"):
        read_text_body(_text(file.data), place, doc)


def read_text_body(text: str, place: Place, doc: Document) -> None:
    """A body that may be plain text, HTML or a smartPCN document."""
    stripped = text.lstrip()
    if stripped.startswith("<") and is_smartpcn(stripped):
        record = read_smartpcn(stripped.encode("utf-8"), place.label())
        if record is not None:
            doc.records.append(record)
            return
    if stripped[:200].lower().startswith(("<!doctype html", "<html")) or "<table" in text.lower():
        doc.blocks.extend(html_blocks(text, place))
        return
    if stripped.startswith("<"):
        return  # other XML: nothing a person wrote
    doc.add_text(place, text[:MAX_TEXT_BYTES])


def read_email(mail: Email) -> Document:
    """Bodies first (text, and HTML when it adds tables or there is no text), then attachments."""
    doc = Document(subject=mail.subject, sender=mail.sender, date=mail.date)
    if mail.text.strip():
        read_text_body(mail.text, Place("body"), doc)
    if mail.html.strip() and (not mail.text.strip() or "<table" in mail.html.lower()):
        doc.blocks.extend(html_blocks(mail.html, Place("html")))
    for file in mail.attachments[:MAX_ATTACHMENTS]:
        read_file(file, doc)
    return doc
