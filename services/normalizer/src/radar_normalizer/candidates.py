"""Stage 3, candidates: every string of the notice that may be a part number, with its place.

A candidate knows where it stands: in a structured record, in a table cell (and what that
column holds), or in running text (its sentence). Its :attr:`Candidate.plausibility` combines
its grammar (:func:`~radar_normalizer.plausibility.shape`) with the words around it; the notice's
own number and the numbers of the notices it refers to are never parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from radar_normalizer import columns
from radar_normalizer.document import Document, Place, RecordPart, Value
from radar_normalizer.numbers import NoticeNumbers
from radar_normalizer.plausibility import MATERIAL, Token, context_penalty, shape, tokens
from radar_normalizer.segment import Line, Segments, Table

# Below this a token is not worth a mention at all.
MIN_SHAPE = 0.4
_SUBJECT = Place("subject")
_URL = re.compile(r"\S*(?:@|https?://|www\.)\S*")


@dataclass(frozen=True)
class Candidate:
    """One occurrence of a part-number-shaped string."""

    mpn: str
    # record | table | text | subject
    origin: str
    plausibility: float
    line: Line | None = None
    start: int = 0
    end: int = 0
    table: Table | None = None
    column: str = ""
    record: RecordPart | None = None
    record_fields: dict[str, Value] = field(default_factory=dict)


@dataclass
class Candidates:
    """All candidates of a notice, by origin."""

    records: list[Candidate] = field(default_factory=list)
    tables: list[Candidate] = field(default_factory=list)
    text: list[Candidate] = field(default_factory=list)


_LETTER = re.compile(r"[A-Za-z]")


def _blank_urls(text: str) -> str:
    if "@" not in text and "//" not in text and "www." not in text:
        return text
    return _URL.sub(lambda m: " " * len(m.group(0)), text)


def _in_text(line: Line, text: str, origin: str, numbers: NoticeNumbers) -> list[Candidate]:
    out = []
    material = MATERIAL.search(text) is not None
    for token in tokens(_blank_urls(text)):
        score = shape(token.value)
        if score < MIN_SHAPE or numbers.is_number(token.value):
            continue
        if len(token.value) < 4 or not _LETTER.search(token.value):
            continue  # in prose a bare number or a 3-character code is not a part
        after = text[token.end : token.end + 60]
        score *= context_penalty(text[max(0, token.start - 40) : token.start], material, after)
        if score >= MIN_SHAPE:
            out.append(Candidate(token.value, origin, score, line, token.start, token.end))
    return out


def _in_row(table: Table, row: Line, numbers: NoticeNumbers) -> list[Candidate]:
    out = []
    if table.spaced:
        found = [t for t in tokens(row.text) if shape(t.value) >= MIN_SHAPE]
        slots = [
            m for m in table.columns if m in (columns.PART, columns.REPLACEMENT, columns.GENERIC)
        ]
        if len(found) != len(slots):
            slots = _slots(found, table)
        for token, meaning in zip(found, slots, strict=False):
            if meaning != columns.OTHER and not numbers.is_number(token.value):
                score = shape(token.value)
                out.append(
                    Candidate(
                        token.value, "table", score, row, token.start, token.end, table, meaning
                    )
                )
        return out
    offset = 0
    for index, cell in enumerate(row.cells):
        start = row.text.find(cell, offset) if cell else offset
        offset = start + len(cell) if start >= 0 else offset
        meaning = table.columns[index] if index < len(table.columns) else columns.OTHER
        if meaning not in (columns.PART, columns.REPLACEMENT, columns.GENERIC):
            continue
        for token in tokens(cell):
            score = shape(token.value)
            # A part column vouches for short base numbers ("A3941") that prose would doubt.
            if meaning == columns.PART:
                # Connector and passive makers number some parts with digits only.
                digits = token.value.isdigit() and 6 <= len(token.value) <= 12
                score = max(score, 0.5) if score > 0 or digits else 0.0
            if score >= MIN_SHAPE and not numbers.is_number(token.value):
                at = max(0, start) + token.start
                out.append(
                    Candidate(
                        token.value, "table", score, row, at, at + len(token.value), table, meaning
                    )
                )
    return out


def _slots(found: list[Token], table: Table) -> list[str]:
    """Columns for the tokens of a single-spaced row that lacks some: the first is the part, a
    stem of it is its family, the next other one the replacement."""
    slots = [columns.PART]
    replaced = columns.REPLACEMENT not in table.columns
    for token in found[1:]:
        stem = token.value[:-1] if len(token.value) > 4 else token.value
        if columns.GENERIC in table.columns and found[0].value.startswith(stem):
            slots.append(columns.GENERIC)
        elif not replaced:
            slots.append(columns.REPLACEMENT)
            replaced = True
        else:
            slots.append(columns.OTHER)
    return slots


def find_candidates(document: Document, segments: Segments, numbers: NoticeNumbers) -> Candidates:
    """Every candidate of the notice."""
    found = Candidates()
    for record in document.records:
        for part in record.parts:
            found.records.append(
                Candidate(part.mpn.text, "record", 1.0, record=part, record_fields=record.fields)
            )
    for table in segments.tables:
        for row in table.rows:
            found.tables.extend(_in_row(table, row, numbers))
    if segments.subject:
        subject = Line(segments.subject, _SUBJECT, 0)
        found.text.extend(_in_text(subject, segments.subject, "subject", numbers))
    for line in segments.lines:
        if line.table == 0 and line.text:
            found.text.extend(_in_text(line, line.text, "text", numbers))
    return found
