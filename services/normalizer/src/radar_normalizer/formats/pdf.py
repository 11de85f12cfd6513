"""Text of PDF attachments, bounded in size, pages and time."""

from __future__ import annotations

import io
import logging
import time

from pypdf import PdfReader

from radar_normalizer.document import Place, TextBlock

log = logging.getLogger(__name__)

MAX_PDF_BYTES = 20_000_000
MAX_PAGES = 30
MAX_SECONDS = 10.0
MAX_CHARS = 400_000


def pdf_blocks(data: bytes, name: str) -> list[TextBlock]:
    """One text block per page (``attachment:<name>#page=N``); unreadable PDFs give none."""
    if len(data) > MAX_PDF_BYTES:
        log.warning("PDF %s skipped: %d bytes is over the limit", name, len(data))
        return []
    started = time.monotonic()
    out: list[TextBlock] = []
    chars = 0
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")
        for number, page in enumerate(reader.pages[:MAX_PAGES], start=1):
            if time.monotonic() - started > MAX_SECONDS or chars > MAX_CHARS:
                log.warning("PDF %s cut at page %d (time or size limit)", name, number)
                break
            text = page.extract_text() or ""
            chars += len(text)
            place = Place("attachment", attachment=name, page=number)
            out.append(TextBlock(place, tuple(text[:MAX_CHARS].splitlines())))
    except Exception as exc:  # a broken PDF is one unreadable attachment, not a failed notice
        log.warning("PDF %s unreadable: %r", name, exc)
    return out
