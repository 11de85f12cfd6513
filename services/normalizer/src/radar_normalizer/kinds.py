"""What kind of notice this is, and the lifecycle status it gives its parts.

Kinds: ``discontinuance``, ``change``, ``packing_withdrawal`` (only a packing variant goes; the
die stays), ``reactivation`` (a cancelled discontinuance), ``retraction`` (a withdrawn or
cancelled change notice, or parts retracted from an earlier one) and ``lifecycle_change``
(a platform's status record). The subject speaks first, then the title lines, then the body.
A notice that says its devices are *not* being discontinued is never a discontinuance.

Statuses (``active | nrnd | eol | obsolete | unknown``) come from every platform's vocabulary
(:mod:`radar_normalizer.vocab`), from "Status:" labels and from prose ("no longer in
production" → obsolete, "not for new designs" → nrnd); otherwise the kind implies one.
"""

from __future__ import annotations

import re

from radar_normalizer.document import Document
from radar_normalizer.facts import Fact, Facts
from radar_normalizer.segment import Segments
from radar_normalizer.sources import snippet
from radar_normalizer.vocab import KIND_STATUS, NOTICE_WORDS, lifecycle_status, notice_kind

_NOT_DISCONTINUED = re.compile(
    r"\bnot\s+(?:be(?:ing)?\s+|been\s+)?(?:discontinued|obsoleted|end[- ]of[- ]lifed?|EOL|"
    r"obsolete)\b|"
    r"\b(?:will|shall)\s+(?:continue|remain)\s+(?:to\s+be\s+)?(?:in\s+production|available|"
    r"active|manufactured)|\bremains?\s+in\s+production\b|\bdie\s+(?:stays|remains)\b",
    re.IGNORECASE,
)
# The notice denies a discontinuance outright (not "X remains available" beside others that go).
_DENIED = re.compile(
    r"\bnot\s+(?:be(?:ing)?\s+|been\s+)?(?:discontinued|obsoleted|end[- ]of[- ]lifed?|EOL|"
    r"obsolete)\b",
    re.IGNORECASE,
)
_PACKING = re.compile(
    r"\b(?:pack(?:ing|aging)?|reel|tape|tray|tube|dry[- ]?bag|carrier)\b", re.IGNORECASE
)
_STATUS_LABEL = re.compile(
    r"(?:lifecycle|life cycle|part|product)?\s*status\s*[:|]\s*(?P<rest>[A-Za-z][\w ,/-]{1,60})",
    re.IGNORECASE,
)
_STATUS_CHANGE = re.compile(
    r"status\b[^.|]{0,40}?\bfrom\s+(?P<old>[A-Za-z][\w /-]{1,30}?)\s+to\s+"
    r"(?P<new>[A-Za-z][\w /-]{1,30})",
    re.IGNORECASE,
)
_PROSE_STATUS = (
    (
        "obsolete",
        0.7,
        re.compile(
            r"\bno\s+longer\s+(?:in\s+production|manufactured|produced|"
            r"(?:commercially\s+)?available)\b|"
            r"\bobsolete\s+products?\b|\b(?:is|are|now)\s+obsolete\b|"
            r"\bdiscontinued\s+and\s+(?:now\s+)?(?:unavailable|obsolete)\b|"
            r"\bnon[- ]?manufacturable\b|\bNLM\b",
            re.I,
        ),
    ),
    ("eol", 0.68, re.compile(r"\blast[- ]time[- ]buy\b|\bLTB\b", re.I)),
    (
        "nrnd",
        0.75,
        re.compile(r"\bnot\s+(?:recommended\s+)?for\s+new\s+designs?\b|\bNRND\b|\bNRFND\b", re.I),
    ),
)
_HEAD_LINES = 10


def read_kind(document: Document, segments: Segments, facts: Facts) -> None:
    """Offer the kind from records, the subject, the title lines and the body."""
    for record in document.records:
        kind_of = record.fields.get("notice_type")
        status = record.fields.get("lifecycle_status")
        if kind_of is not None and kind_of.text in KIND_STATUS:
            kind = kind_of.text  # already one of the internal kinds (the watcher's events)
        else:
            kind = notice_kind(kind_of.text)[0] if kind_of is not None else ""
        if (
            not kind
            and kind_of is not None
            and lifecycle_status(kind_of.text) in ("eol", "obsolete")
        ):
            kind = "discontinuance"
        source = kind_of or status
        if not kind and kind_of is not None and record.fields.get("notice_number") is not None:
            kind = "change"  # a numbered change record of a type no vocabulary names
        if not kind:
            raw = status.text.strip().lower() if status is not None else ""
            kind = "reactivation" if raw == "reactivated" else "lifecycle_change"
        facts.offer(
            "notice_kind",
            Fact(
                kind,
                source.snippet if source else "",
                source.location if source else "rule:platform record",
                0.95,
            ),
        )
    lines = [line for line in segments.lines if line.text and not line.table]
    body = "\n".join(line.text for line in lines)
    negated = _NOT_DISCONTINUED.search(segments.subject + "\n" + body)
    head = "\n".join(line.text for line in lines[:_HEAD_LINES])
    where = lines[0].location() if lines else "body"
    for text, confidence, location in (
        (segments.subject, 0.9, "header:Subject"),
        (head, 0.8, where),
        (body[:8000], 0.7, where),
    ):
        kind, words = notice_kind(text)
        if not kind:
            continue
        if negated and kind == "discontinuance":
            kind = "packing_withdrawal" if _PACKING.search(segments.subject + body) else "change"
            words = negated.group(0)
        if kind in ("discontinuance", "change") and _status_only(segments, body, facts):
            kind = "lifecycle_change"
        facts.offer(
            "notice_kind",
            Fact(kind, snippet(_line_with(text, words) or words), location, confidence),
        )
        return
    stated = _status_only(segments, body, facts)
    if "notice_kind" not in facts.fields and stated:
        facts.offer(
            "notice_kind", Fact("lifecycle_change", stated, "rule:a status, no notice", 0.6)
        )


def _status_only(segments: Segments, body: str, facts: Facts) -> str:
    """A page or datasheet that states a status (no notice number, no notice words): the
    line that states it, else ``""``."""
    text = segments.subject + "\n" + body
    if facts.value("notice_number") or NOTICE_WORDS.search(text):
        return ""
    found = _STATUS_WORDS.search(text)
    return snippet(_line_with(text, found.group(0))) if found else ""


_STATUS_WORDS = re.compile(
    r"\bobsolete\b|\bNRND\b|\bNRFND\b|not\s+(?:recommended\s+)?for\s+new\s+designs?|"
    r"no\s+longer\s+(?:manufactured|in\s+production|produced|(?:commercially\s+)?available)|"
    r"\bdiscontinued\b|"
    r"(?:lifecycle|life cycle|product)\s+status",
    re.IGNORECASE,
)


def _line_with(text: str, words: str) -> str:
    at = text.find(words)
    if at < 0:
        return words
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return text[start : end if end >= 0 else None]


def read_status(document: Document, segments: Segments, facts: Facts) -> None:
    """Offer stated statuses (records, labels, prose) and a previous status."""
    for record in document.records:
        for name in ("lifecycle_status", "previous_lifecycle_status"):
            value = record.fields.get(name)
            if value is not None and lifecycle_status(value.text) != "unknown":
                facts.offer(
                    name, Fact(lifecycle_status(value.text), value.snippet, value.location, 0.95)
                )
            elif value is not None and name == "lifecycle_status":
                facts.offer(name, Fact("unknown", value.snippet, value.location, 0.5))
    for line in segments.lines:
        if line.table or not line.text:
            continue
        lower = line.text.lower()
        m = _STATUS_CHANGE.search(line.text) if "status" in lower else None
        if m and lifecycle_status(m.group("new")) != "unknown":
            facts.offer(
                "lifecycle_status",
                Fact(lifecycle_status(m.group("new")), snippet(line.text), line.location(), 0.85),
            )
            if lifecycle_status(m.group("old")) != "unknown":
                facts.offer(
                    "previous_lifecycle_status",
                    Fact(
                        lifecycle_status(m.group("old")), snippet(line.text), line.location(), 0.85
                    ),
                )
            continue
        if "not" in lower and _DENIED.search(line.text):
            # "The devices ... are NOT being discontinued", "the switch is NOT EOL".
            denied = Fact("active", snippet(line.text), line.location(), 0.86)
            facts.offer("lifecycle_status", denied)
            continue
        stamp = lifecycle_status(line.text) if len(line.text) <= 40 else "unknown"
        if stamp not in ("unknown", "active"):
            # A status on a line of its own ("Last Time Buy", "Obsolete Product(s)").
            facts.offer("lifecycle_status", Fact(stamp, snippet(line.text), line.location(), 0.8))
            continue
        m = _STATUS_LABEL.search(line.text) if "status" in lower else None
        if m:
            status = lifecycle_status(m.group("rest").split("|")[0])
            if status != "unknown":
                facts.offer(
                    "lifecycle_status", Fact(status, snippet(line.text), line.location(), 0.85)
                )
                continue
        for status, confidence, pattern in _PROSE_STATUS:
            if pattern.search(line.text):
                facts.offer(
                    "lifecycle_status",
                    Fact(status, snippet(line.text), line.location(), confidence),
                )
    # A stamp broken over lines ("NOT FOR" / "NEW DESIGN").
    joined = " ".join(line.text for line in segments.lines if line.text and not line.table)
    for status, confidence, pattern in _PROSE_STATUS:
        m = pattern.search(joined)
        if m:
            where = Fact(status, snippet(m.group(0)), "body", confidence - 0.1)
            facts.offer("lifecycle_status", where)
