"""Who made the parts: from a record, a "Manufacturer:" label, the sender, the letterhead, the
signature or the prose, through the shared alias table (``radar_common.manufacturers``).

A maker the table does not know is still found when the notice names a company whose name
starts like the sender's domain ("Foo Semiconductor Inc." writing from foo-semi.com).
"""

from __future__ import annotations

import re

from radar_common.manufacturers import (
    domain_of,
    is_generic_domain,
    known_manufacturer,
    manufacturer_from_domain,
    manufacturer_in_text,
)
from radar_normalizer.document import Document, Place
from radar_normalizer.facts import Fact, Facts
from radar_normalizer.segment import Line, Segments
from radar_normalizer.sources import snippet

_LABEL = re.compile(
    r"^\W*(?:manufacturer|vendor|supplier|company|mfr\.?|brand)(?:\s+name)?\s*[:|]\s*(?P<rest>.+)$",
    re.IGNORECASE,
)
_COMPANY = (
    r"(?:Inc|Incorporated|Corp|Corporation|Ltd|Limited|LLC|GmbH|AG|Co|ASA|plc|S\.?A|N\.?V|B\.?V|"
    r"Semiconductors?|Electronics|Technology|Technologies|Microsystems|Microelectronics|"
    r"Devices|Components|Industries)\b\.?"
)
_LETTERHEAD_LINES = 6
_SIGNATURE_LINES = 12


def read_manufacturer(document: Document, segments: Segments, facts: Facts) -> None:
    """Offer the manufacturer from every place that can name it."""
    for record in document.records:
        value = record.fields.get("manufacturer")
        if value is not None:
            facts.offer("manufacturer", Fact(value.text, value.snippet, value.location, 0.95))
    lines = [line for line in segments.lines if line.text and not line.table]
    for line in lines:
        m = _LABEL.match(line.text)
        if m:
            name = m.group("rest").split("|")[0].strip()
            facts.offer("manufacturer", Fact(name, snippet(line.text), line.location(), 0.9))
    sender = segments.sender
    if sender:
        maker = manufacturer_from_domain(sender)
        if maker:
            facts.offer("manufacturer", Fact(maker, snippet(sender), "header:From", 0.85))
        display = sender.split("<")[0]
        canonical, written = manufacturer_in_text(display) if _open(facts, 0.8) else ("", "")
        if canonical:
            facts.offer("manufacturer", Fact(written, snippet(sender), "header:From", 0.8))
    canonical, written = manufacturer_in_text(segments.subject) if _open(facts, 0.75) else ("", "")
    if canonical:
        facts.offer(
            "manufacturer", Fact(written, snippet(segments.subject), "header:Subject", 0.75)
        )
    for group, confidence in ((_letterheads(lines), 0.75), (_signatures(lines), 0.7)):
        if not _open(facts, confidence):
            continue  # a better source already named the maker
        # One search over the joined lines, then the line that holds the name.
        canonical, written = manufacturer_in_text("\n".join(line.text for line in group))
        holder = next((line for line in group if written and written in line.text), None)
        if canonical and holder is not None:
            where = holder.location()
            facts.offer("manufacturer", Fact(written, snippet(holder.text), where, confidence))
    text = "\n".join(line.text for line in lines[:400]) if _open(facts, 0.5) else ""
    canonical, written = manufacturer_in_text(text) if text else ("", "")
    if canonical:
        named = next((x for x in lines if written in x.text), None)
        location = named.location() if named else "body"
        facts.offer(
            "manufacturer", Fact(written, snippet(named.text if named else written), location, 0.5)
        )
    if "manufacturer" not in facts.fields and sender:
        _unknown_maker(sender, lines, facts)


def _open(facts: Facts, confidence: float) -> bool:
    """Whether a value of ``confidence`` could still win (searching is not free)."""
    known = facts.fields.get("manufacturer")
    return known is None or known.confidence < confidence


def _letterheads(lines: list[Line]) -> list[Line]:
    out: list[Line] = []
    counts: dict[Place, int] = {}
    for line in lines:
        counts[line.place] = counts.get(line.place, 0) + 1
        if counts[line.place] <= _LETTERHEAD_LINES:
            out.append(line)
    return out


def _signatures(lines: list[Line]) -> list[Line]:
    by_place: dict[Place, list[Line]] = {}
    for line in lines:
        by_place.setdefault(line.place, []).append(line)
    return [line for group in by_place.values() for line in reversed(group[-_SIGNATURE_LINES:])]


def _unknown_maker(sender: str, lines: list[Line], facts: Facts) -> None:
    """A company the alias table does not know, named like the sender's domain."""
    domain = domain_of(sender)
    if not domain or is_generic_domain(domain):
        return
    label = re.split(r"[.-]", domain.split(".")[-2] if domain.count(".") else domain)[0]
    if len(label) < 3:
        return
    pattern = re.compile(
        r"\b(?P<name>"
        + re.escape(label[:4])
        + r"[\w&'-]*(?:\s+[A-Z][\w&'-]*){0,3}(?:\s*,?\s+"
        + _COMPANY
        + ")+)",
        re.IGNORECASE,
    )
    for line in [*_letterheads(lines), *_signatures(lines), *lines[:200]]:
        m = pattern.search(line.text)
        if m:
            name = m.group("name").strip(" ,")
            facts.offer(
                "manufacturer",
                Fact(known_manufacturer(name) or name, snippet(line.text), line.location(), 0.6),
            )
            return
    # "Saleae Support <support@saleae.com>": the display name starts with the domain's name.
    display = sender.split("<")[0].strip(" \"'")
    first = display.split()[0] if display.split() else ""
    if first.lower() == label.lower() and first[:1].isupper():
        facts.offer("manufacturer", Fact(first, snippet(sender), "header:From", 0.55))
