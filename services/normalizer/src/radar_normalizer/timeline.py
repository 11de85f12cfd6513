"""The notice's dates: issue, last-time-buy (last order) and last-ship (last delivery).

A date is named by the nearest label before it on its line, or by the line above when it stands
alone ("Last Time Buy Date" / "12-Aug-2026"). Dates labelled effective, first shipment,
samples or qualification are not these dates. A date may also be stated relative to another
("LTS three months after LTB", "last order 6 months from the date of this notice"): it is
computed from that one. Numeric day/month order follows one policy per notice
(:func:`radar_normalizer.dates.day_order`); a date that could be read either way is kept but
doubted, which sends the notice to review.
"""

from __future__ import annotations

import re

from radar_normalizer.dates import DateMatch, add_months, day_order, find_dates, parse_date
from radar_normalizer.document import Document
from radar_normalizer.facts import Fact, Facts
from radar_normalizer.segment import Segments
from radar_normalizer.sources import sentence, snippet

DATE_FIELDS = ("issue_date", "last_time_buy_date", "last_ship_date")
_LABEL_WINDOW = 160
_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        (
            "last_time_buy_date",
            r"last[- ]?time[- ]?buy|\bLTB\b|last[- ]?(?:time[- ]?)?order|final order|"
            r"last (?:date|day) to (?:order|place)|orders?\b[^.|]{0,40}\baccepted|"
            r"order acceptance|end of sale|\bEOS\b|last buy|pcnEOS|non-?cancell?able|"
            r"orders? (?:by|until|through|before)|place (?:your )?(?:final |last )?orders?",
        ),
        (
            "last_ship_date",
            r"last[- ]?(?:time[- ]?)?ship|\bLTS\b|final ship|last[- ]?(?:time[- ]?)?deliver|"
            r"final deliver|date of final|"
            r"ship(?:ment|ping)s?\b[^.|]{0,40}\b(?:until|through|by|no later)|"
            r"deliver(?:y|ies)\b[^.|]{0,30}\b(?:until|through)|end of (?:shipment|delivery)|"
            r"\bLTD\b|pcnLTD",
        ),
        (
            "issue_date",
            r"publication|publish|issue date|date issued|issued|notification date|"
            r"notice date|date of (?:notice|notification|issue|publication|announcement)|"
            r"release date|announce|pcn date|pdn date|^\W*date\b|\bdated\b|\bsent\b|"
            r"(?:\||\t|\s{2,})\s*date\s*[:|]",
        ),
        (
            "",
            r"effective|implementation|first ship|sample|qualif|planned|expected|revision|"
            r"end of production|eop\b|start of|received|last updated|\bcutoff\b|"
            r"valid|expir|warranty|born|since|founded|copyright|\(c\)|©",
        ),
    )
)
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "eighteen": 18,
    "twenty-four": 24,
    "twenty four": 24,
}
_RELATIVE = re.compile(
    r"(?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|"
    r"twenty[- ]four)\s*(?:\(\d{1,2}\)\s*)?(?P<unit>months?|weeks?)\s+(?:after|from|following|"
    r"past|beyond)\s+(?:the\s+)?(?P<anchor>[\w /-]{2,50})",
    re.IGNORECASE,
)
_ANCHORS = (
    ("last_time_buy_date", re.compile(r"^(?:LTB|last[- ]?time[- ]?buy|last (?:order|buy))", re.I)),
    (
        "issue_date",
        re.compile(
            r"^(?:date of |the )?(?:this |the )?(?:notice|notification|publication|"
            r"announcement|issue|pcn|pdn|letter)",
            re.I,
        ),
    ),
)


def label_for(before: str) -> str | None:
    """The field the last label in ``before`` names, or None when there is none."""
    best: tuple[int, str] | None = None
    for name, pattern in _LABELS:
        for m in pattern.finditer(before):
            if best is None or m.end() > best[0]:
                best = (m.end(), name)
    return best[1] if best else None


def _fact(
    date: DateMatch, evidence: str, location: str, confidence: float, line: object = None
) -> Fact:
    doubt = ""
    if date.ambiguous:
        doubt = f"day and month could be swapped: {date.text}"
        confidence *= 0.7
    return Fact(date.iso, evidence, location, confidence, date.inferred, doubt=doubt)


def read_dates(document: Document, segments: Segments, facts: Facts) -> None:
    """Offer every labelled date; then the relative ones; the mail's Date header last."""
    text = "\n".join([segments.subject, *(line.text for line in segments.lines)])
    facts.order = order = day_order(text)
    for record in document.records:
        for field_name in DATE_FIELDS:
            value = record.fields.get(field_name)
            date = parse_date(value.text, order) if value is not None else None
            if value is not None and date is not None:
                facts.offer(field_name, _fact(date, value.snippet, value.location, 0.95))
    for date in find_dates(segments.subject, order):
        name = label_for(segments.subject[: date.start])
        if name:
            facts.offer(name, _fact(date, snippet(segments.subject), "header:Subject", 0.8))
    previous = ""
    counts: dict[object, int] = {}
    for line in segments.lines:
        if line.table:  # a part table's dates belong to its rows
            previous = ""
            continue
        if not line.text:
            continue
        counts[line.place] = counts.get(line.place, 0) + 1
        whole = find_dates(line.text, order)
        first = next(whole, None)
        if (
            first is not None
            and counts[line.place] <= 3
            and first.end - first.start >= len(line.text) - 1
        ):
            # A date alone on a line under the title is the notice's date.
            facts.offer("issue_date", _fact(first, snippet(line.text), line.location(), 0.86))
            previous = line.text
            continue
        for date in find_dates(line.text, order):
            before = line.text[max(0, date.start - _LABEL_WINDOW) : date.start]
            alone = not before.strip(" |:-\t")
            name = label_for(previous) if alone else label_for(before)
            if name:
                evidence = sentence(line.text, date.start, date.end)
                if alone:
                    evidence = f"{snippet(previous, 120)} {evidence}"
                facts.offer(name, _fact(date, evidence, line.location(), 0.75 if alone else 0.85))
        previous = line.text
    # The e-mail's Date header is when the mail was delivered, not when the notice was issued:
    # it is never taken as the issue date.
    _relative(segments, facts)


def _relative(segments: Segments, facts: Facts) -> None:
    for line in segments.lines:
        # Only a span in months moves a date ("three months after LTB"): test the word first.
        if line.table or "month" not in line.text.lower() or not _RELATIVE.search(line.text):
            continue
        for m in _RELATIVE.finditer(line.text):
            target = label_for(line.text[max(0, m.start() - _LABEL_WINDOW) : m.start()])
            anchor = next(
                (name for name, p in _ANCHORS if p.match(m.group("anchor").strip())), None
            )
            if not target or not anchor or target == anchor or target in facts.fields:
                continue
            base = facts.fields.get(anchor)
            if base is None:
                continue
            n = m.group("n").lower()
            count = (
                int(n)
                if n.isdigit()
                else _NUMBER_WORDS.get(n.replace("-", " "), 0) or _NUMBER_WORDS.get(n, 0)
            )
            if not count:
                continue
            months = count if m.group("unit").lower().startswith("month") else 0
            if not months:
                continue
            value = add_months(base.value, months)
            evidence = sentence(line.text, m.start(), m.end())
            facts.offer(
                target,
                Fact(
                    value,
                    evidence,
                    f"{line.location()} ({months} months after {anchor})",
                    0.8,
                    doubt=base.doubt,
                ),
            )
