"""Stage 5, notice facts: what the notice says about itself, each with evidence and confidence.

Every reader of a fact offers values (:meth:`Facts.offer`); the most confident one wins and
ties go to the earliest, so no reader's place in the code decides. The facts are the notice
number (its own, its revision, what it supersedes), the dates (:mod:`timeline`), the kind and
lifecycle status (:mod:`kinds`), the manufacturer (:mod:`makers`), the reason and the title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from radar_normalizer.dates import DayOrder
from radar_normalizer.document import Document
from radar_normalizer.numbers import NoticeNumbers, revision_of, split_revision
from radar_normalizer.segment import Line, Segments
from radar_normalizer.sources import snippet


@dataclass(frozen=True)
class Fact:
    """One value of the notice and why it is believed."""

    value: str
    snippet: str
    location: str
    confidence: float
    # Set when completed rather than read ("J-STD-048", "day (first of month)").
    inferred: str = ""
    line: Line | None = None
    # Set when the value could be read more than one way (a day/month that could swap).
    doubt: str = ""


@dataclass
class Facts:
    """The notice-wide facts, best value per field."""

    fields: dict[str, Fact] = field(default_factory=dict)
    supersedes: list[str] = field(default_factory=list)
    order: DayOrder = field(default_factory=DayOrder)

    def offer(self, name: str, fact: Fact | None) -> None:
        """Keep ``fact`` when it is more confident than what ``name`` holds."""
        if fact is None or not fact.value:
            return
        known = self.fields.get(name)
        if known is None or fact.confidence > known.confidence:
            self.fields[name] = fact

    def value(self, name: str) -> str:
        found = self.fields.get(name)
        return found.value if found else ""


_REASON = re.compile(
    r"^\W*(?:reason(?:\s+for\s+(?:the\s+)?[\w ]{0,30})?|description of (?:the )?change|"
    r"change description|reason/motivation|background|why)\s*[:|\-]\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_DUE_TO = re.compile(
    r"\b(?:due to|because of|as a result of)\s+(?P<why>[^.\n]{8,160})", re.IGNORECASE
)


def read_numbers(numbers: NoticeNumbers, segments: Segments, facts: Facts) -> None:
    """The own number (without its revision), the revision, and the numbers superseded."""
    own = numbers.own()
    if own is not None:
        number, _ = split_revision(own.value)
        facts.offer(
            "notice_number",
            Fact(number, own.snippet, own.location, min(0.95, own.score), line=own.line),
        )
    revision, evidence = revision_of(segments, own)
    if revision:
        facts.offer(
            "revision", Fact(revision, snippet(evidence), own.location if own else "body", 0.8)
        )
    facts.supersedes = numbers.superseded()


def read_records(document: Document, facts: Facts) -> None:
    """What structured records state outright: number, reason, title."""
    for record in document.records:
        for name in ("notice_number", "reason", "title", "revision"):
            value = record.fields.get(name)
            if value is not None and value.text:
                text = split_revision(value.text)[0] if name == "notice_number" else value.text
                facts.offer(name, Fact(text[:300], value.snippet, value.location, 0.97))


def read_reason(segments: Segments, facts: Facts) -> None:
    """A labelled reason ("Reason for change: ..."), else a "due to ..." clause."""
    lines = [line for line in segments.lines if line.text and not line.table]
    for i, line in enumerate(lines):
        m = _REASON.match(line.text)
        if m:
            rest = m.group("rest").strip(" |") or (lines[i + 1].text if i + 1 < len(lines) else "")
            if len(rest) >= 4:
                facts.offer(
                    "reason",
                    Fact(
                        rest[:300],
                        snippet(line.text if m.group("rest").strip() else rest),
                        line.location(),
                        0.85,
                        line=line,
                    ),
                )
                return
    for line in lines:
        m = _DUE_TO.search(line.text)
        if m:
            facts.offer(
                "reason",
                Fact(m.group(0).strip(), snippet(m.group(0)), line.location(), 0.6, line=line),
            )
            return


def read_title(document: Document, segments: Segments, facts: Facts) -> None:
    if segments.subject.strip():
        facts.offer(
            "title",
            Fact(segments.subject.strip(), snippet(segments.subject), "header:Subject", 0.9),
        )
    for record in document.records:
        title = record.fields.get("title")
        if title is not None:
            facts.offer("title", Fact(title.text, title.snippet, title.location, 0.95))
