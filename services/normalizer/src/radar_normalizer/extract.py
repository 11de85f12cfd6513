"""The normalizer's reading pipeline: one raw event in, one notice per affected part out.

    read → segment → candidates → roles → notice facts → assemble

1. :mod:`read` turns any delivery (e-mail of any provider, attachments, platform JSON) into a
   :class:`~radar_normalizer.document.Document` of text and table blocks and structured records.
2. :mod:`segment` numbers its lines and finds its part tables (headers, columns, rows).
3. :mod:`candidates` lists every string that may be a part number, scored by
   :mod:`plausibility`; notice numbers (:mod:`numbers`) are never parts.
4. :mod:`roles` gives each candidate its role (affected, replacement, referenced, excluded,
   not affected) from table columns and prose cues (:mod:`cues`).
5. notice facts: numbers, dates (:mod:`timeline`), kind and status (:mod:`kinds`), manufacturer
   (:mod:`makers`), reason and title (:mod:`facts`) — each reader offers values with a
   confidence, the best one wins.
6. :mod:`assemble` makes the notices, with evidence, per-field confidence and review
   (:mod:`review`).
"""

from __future__ import annotations

from dataclasses import dataclass

from radar_common.bus.worker import PermanentError
from radar_common.contracts import NormalizedNotice, RawEvent
from radar_normalizer.assemble import compose
from radar_normalizer.candidates import find_candidates
from radar_normalizer.catalog import KnownParts
from radar_normalizer.document import Document, TableBlock, TextBlock
from radar_normalizer.facts import Facts, read_numbers, read_reason, read_records, read_title
from radar_normalizer.kinds import read_kind, read_status
from radar_normalizer.makers import read_manufacturer
from radar_normalizer.numbers import NoticeNumbers, notice_numbers
from radar_normalizer.read import UnreadableEvent, read_event
from radar_normalizer.review import Review, threshold
from radar_normalizer.roles import Roles, assign_roles
from radar_normalizer.segment import Segments, segment
from radar_normalizer.timeline import read_dates

__all__ = [
    "NoPartsFound",
    "Reading",
    "UnreadableEvent",
    "event_text",
    "extract_notices",
    "read_notice",
]

MAX_EVENT_TEXT = 50_000


class NoPartsFound(PermanentError):
    """The event names no part: nothing can be assessed."""


def notice_facts(document: Document, segments: Segments, numbers: NoticeNumbers) -> Facts:
    """Stage 5: every notice-wide fact, each from the reader most sure of it."""
    facts = Facts()
    read_records(document, facts)
    read_numbers(numbers, segments, facts)
    read_dates(document, segments, facts)
    read_kind(document, segments, facts)
    read_status(document, segments, facts)
    read_manufacturer(document, segments, facts)
    read_reason(segments, facts)
    read_title(document, segments, facts)
    return facts


@dataclass(frozen=True)
class Reading:
    """A notice as read: its notices, and the facts and roles they were made from."""

    notices: list[NormalizedNotice]
    facts: Facts
    roles: Roles


def read_document(
    event: RawEvent,
    document: Document,
    known_parts: KnownParts | None = None,
    review: Review | None = None,
) -> Reading:
    """Stages 2 to 6 on a document already read."""
    segments = segment(document)
    numbers = notice_numbers(segments)
    roles = assign_roles(find_candidates(document, segments, numbers), segments)
    facts = notice_facts(document, segments, numbers)
    return Reading(compose(event, facts, roles, review or Review(), known_parts), facts, roles)


def notices_of(
    event: RawEvent,
    document: Document,
    known_parts: KnownParts | None = None,
    review: Review | None = None,
) -> list[NormalizedNotice]:
    """The notices of a document already read (may be none)."""
    return read_document(event, document, known_parts, review).notices


def read_notice(
    event: RawEvent,
    known_parts: KnownParts | None = None,
    review_threshold: float | None = None,
) -> Reading:
    """The whole pipeline, keeping what was read even when no part is affected.

    ``review_threshold`` defaults to the process's (``RADAR_REVIEW_THRESHOLD``)."""
    limit = threshold() if review_threshold is None else review_threshold
    return read_document(event, read_event(event), known_parts, Review(limit))


def extract_notices(
    event: RawEvent,
    known_parts: KnownParts | None = None,
    review_threshold: float | None = None,
) -> list[NormalizedNotice]:
    """One notice per affected part of ``event`` (and one per part it retracts).

    Raises:
        NoPartsFound: the event names no part number.
        UnreadableEvent: the payload cannot be parsed.
    """
    notices = read_notice(event, known_parts, review_threshold).notices
    if not notices:
        raise NoPartsFound(f"no part number found in the {_describe(event)}")
    return notices


def _describe(event: RawEvent) -> str:
    what = f"{event.format or 'event'} event from {event.source or 'an unknown source'}"
    if event.attachments:
        names = ", ".join(a.filename or "unnamed" for a in event.attachments[:5])
        what += f" (attachments: {names})"
    return what


def event_text(event: RawEvent) -> str:
    """All readable text of an event, subject first (what the LLM pass reads)."""
    document = read_event(event)
    pieces = [document.subject]
    for block in document.blocks:
        if isinstance(block, TextBlock):
            pieces.extend(block.lines)
        elif isinstance(block, TableBlock):
            pieces.extend(" | ".join(row) for row in block.rows)
    for record in document.records:
        pieces.extend(v.text for v in record.fields.values())
        pieces.extend(p.mpn.text for p in record.parts)
    return "\n".join(p for p in pieces if p.strip())[:MAX_EVENT_TEXT]
