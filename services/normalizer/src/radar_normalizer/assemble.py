"""Stage 6, assemble: one :class:`NormalizedNotice` per affected part (and per retracted part).

Fills what the notice implies (kind from its dates, status from its kind, J-STD-048 dates for a
discontinuance that omits them — marked inferred), canonicalises the manufacturer, derives base
numbers, attaches evidence with its structured location for every field, grades confidence per
field and decides review (:mod:`radar_normalizer.review`).

Retraction: a part the notice removes from an earlier list (role ``excluded``) becomes a notice
of kind ``retraction`` whose ``supersedes`` names the notice it is removed from (the numbers the
notice revises, else its own number: a revision keeps its number). A notice that withdraws or
cancels an earlier change notice is a ``retraction`` for every part it names.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

from radar_common.contracts import Evidence, NormalizedNotice, PartMention, RawEvent
from radar_common.manufacturers import canonical_manufacturer
from radar_common.notices.dates import (
    JSTD048_LAST_SHIP_MONTHS,
    JSTD048_LTB_MONTHS,
    effective_dates,
)
from radar_common.partnumbers import base_mpn
from radar_normalizer.catalog import KnownParts, catalog_match
from radar_normalizer.cues import AFFECTED, EXCLUDED, REFERENCED, REPLACEMENT
from radar_normalizer.dates import parse_date
from radar_normalizer.facts import Fact, Facts
from radar_normalizer.review import Review
from radar_normalizer.roles import Mention, Roles
from radar_normalizer.segment import Line
from radar_normalizer.vocab import KIND_STATUS, lifecycle_status

MAX_MENTIONS_PER_NOTICE = 200
# A notice naming more parts is a catalogue, not a notice, and would flood the pipeline.
MAX_PARTS = 1000
# How a part was known from prose rather than from a table or a record.
_PROSE = ("cued", "uncued", "subject")
_NO_LTB = re.compile(r"non[- ]?manufacturable|\bNLM\b|no longer manufactured", re.IGNORECASE)
_LOCATION = re.compile(r"#(page|table|row|line)=(\d+)")


def event_key(event: RawEvent) -> str:
    """What makes an event itself: its id, else a digest of its content."""
    if event.event_id:
        return event.event_id
    digest = hashlib.sha256(event.payload_json.encode() + event.raw_body)
    for attachment in event.attachments:
        digest.update(attachment.content + attachment.object_ref.encode())
    return digest.hexdigest()


def notice_id(event: RawEvent, mpn: str) -> str:
    """Stable id of the notice for one part of one event (the same input gives the same id)."""
    return hashlib.sha256(f"notice|{event_key(event)}|{mpn}".encode()).hexdigest()[:32]


def evidence(
    name: str, snippet: str, location: str, confidence: float, line: Line | None = None
) -> Evidence:
    """An evidence entry with its location both as text and structured."""
    if line is not None:
        return Evidence(
            field=name,
            snippet=snippet,
            location=location,
            attachment=line.place.attachment,
            page=line.place.page,
            table=line.table,
            row=line.row,
            line=0 if line.table else line.number,
            confidence=round(confidence, 3),
        )
    found = dict(_LOCATION.findall(location)) if "#" in location else {}
    attachment = ""
    if location.startswith("attachment:"):
        attachment = re.split(r"#|/", location[len("attachment:") :], maxsplit=1)[0]
    return Evidence(
        field=name,
        snippet=snippet,
        location=location,
        attachment=attachment,
        page=int(found.get("page", 0)),
        table=int(found.get("table", 0)),
        row=int(found.get("row", 0)),
        line=int(found.get("line", 0)),
        confidence=round(confidence, 3),
    )


def complete_kind(facts: Facts, roles: Roles) -> None:
    """A notice without kind words: its dates decide (discontinuance) or it is a change."""
    if "notice_kind" in facts.fields:
        return
    dated = facts.fields.get("last_time_buy_date") or facts.fields.get("last_ship_date")
    if dated is not None:
        facts.offer("notice_kind", Fact("discontinuance", dated.snippet, dated.location, 0.6))
        return
    for mention in roles.of(AFFECTED):
        value = mention.values.get("last_time_buy_date") or mention.values.get("last_ship_date")
        if value is not None and parse_date(value.text):
            facts.offer("notice_kind", Fact("discontinuance", value.snippet, value.location, 0.6))
            return
    title = facts.fields.get("title")
    facts.offer(
        "notice_kind",
        Fact(
            "change", title.snippet if title else "", "rule:no discontinuance words or dates", 0.5
        ),
    )


def _jstd(fields: dict[str, Fact], kind: str) -> list[str]:
    """J-STD-048 minimum dates of a discontinuance that omits them; returns the names filled.

    The dates come from the one definition of the rule (``radar_common.notices.dates``); the
    normalizer applies it only when the notice states no deadline at all.
    """
    issue = fields.get("issue_date")
    if kind != "discontinuance" or issue is None:
        return []
    if "last_time_buy_date" in fields or "last_ship_date" in fields:
        return []  # a notice that states one deadline chose not to state the other
    if _NO_LTB.search(" ".join(f.snippet for f in fields.values())):
        return []  # nothing can be ordered: no last-time-buy to infer
    issued = date.fromisoformat(issue.value)
    inferred = effective_dates(issued, None, None, announced=issued)
    for name, value, months in (
        ("last_time_buy_date", inferred.last_time_buy, JSTD048_LTB_MONTHS),
        ("last_ship_date", inferred.last_ship, JSTD048_LAST_SHIP_MONTHS),
    ):
        fields[name] = Fact(
            value.isoformat(),
            f"issue date {issue.value} + {months} months",
            f"inferred:J-STD-048 minimum ({months} months after the notice)",
            0.5,
            "J-STD-048",
        )
    return ["last_time_buy_date", "last_ship_date"]


def _part_fields(mention: Mention, facts: Facts) -> dict[str, Fact]:
    """The notice's facts overlaid with what the part's own row or record says."""
    fields = dict(facts.fields)
    for name in ("issue_date", "last_time_buy_date", "last_ship_date"):
        value = mention.values.get(name)
        date = parse_date(value.text, facts.order) if value is not None else None
        if value is not None and date is not None:
            doubt = f"day and month could be swapped: {date.text}" if date.ambiguous else ""
            confidence = 0.9 * (0.7 if doubt else 1.0)
            fields[name] = Fact(
                date.iso,
                value.snippet,
                value.location,
                confidence,
                date.inferred,
                mention.line,
                doubt,
            )
    status = mention.values.get("lifecycle_status")
    if status is not None and lifecycle_status(status.text) != "unknown":
        fields["lifecycle_status"] = Fact(
            lifecycle_status(status.text), status.snippet, status.location, 0.9, line=mention.line
        )
    return fields


def status_for(fields: dict[str, Fact], kind: Fact) -> Fact:
    """The status a part gets: as stated, else as the kind of notice implies."""
    stated = fields.get("lifecycle_status")
    if (
        stated is not None
        and stated.value != "unknown"
        and kind.value not in ("retraction", "reactivation", "packing_withdrawal")
    ):
        # A packing withdrawal, retraction or reactivation leaves the part active, whatever
        # discontinuance words the notice uses.
        return stated
    status = KIND_STATUS.get(kind.value, "unknown")
    if kind.value == "discontinuance" and _NO_LTB.search(
        " ".join(f.snippet + " " + f.value for f in fields.values())
    ):
        status = "obsolete"
    if stated is not None and status == "unknown":
        return stated
    return Fact(
        status,
        kind.snippet,
        f"rule:status implied by notice kind {kind.value}",
        min(0.9, kind.confidence),
    )


def _in_catalog(known: KnownParts, mention: Mention, manufacturer: str) -> bool:
    found = catalog_match(known, mention.mpn, base_mpn(mention.mpn, manufacturer))
    return found in ("exact", "base")


def _shared_replacement(roles: Roles) -> Mention | None:
    """The one replacement the notice names without pairing it to a part, if exactly one."""
    loose = [m for m in roles.of(REPLACEMENT) if not m.replaces]
    return loose[0] if len({m.mpn for m in loose}) == 1 else None


def _mentions(roles: Roles) -> list[PartMention]:
    return [
        PartMention(
            mpn=m.mpn,
            role=m.role,
            confidence=round(m.confidence, 3),
            evidence=evidence("mpn", m.snippet, m.location, m.confidence, m.line),
            replaces=m.replaces,
        )
        for m in roles.mentions[:MAX_MENTIONS_PER_NOTICE]
    ]


def compose(
    event: RawEvent,
    facts: Facts,
    roles: Roles,
    review: Review,
    known_parts: KnownParts | None = None,
) -> list[NormalizedNotice]:
    """The notices of one event: its affected parts, then the parts it retracts."""
    complete_kind(facts, roles)
    kind = facts.fields["notice_kind"]
    maker = facts.fields.get("manufacturer")
    manufacturer = canonical_manufacturer(maker.value) if maker else ""
    chosen = roles.of(AFFECTED)
    if known_parts is not None and all(m.how in _PROSE for m in chosen):
        # Parts read from prose only (or none): the catalog decides which of the named ones
        # are parts, when it knows any of them. Tables and records are never second-guessed.
        guesses = chosen + [m for m in roles.of(REFERENCED) if m.how == "uncued"]
        confirmed = [m for m in guesses if _in_catalog(known_parts, m, manufacturer)]
        for mention in confirmed:
            mention.role = AFFECTED
        chosen = confirmed or chosen
    chosen = chosen[:MAX_PARTS]
    retracted = roles.of(EXCLUDED)
    shared = _shared_replacement(roles)
    mentions = _mentions(roles)
    number = facts.value("notice_number")
    if number in {m.mpn for m in chosen}:
        number = ""  # "notice EXA958": the word named a part, not a notice
    own_supersedes = facts.supersedes or ([number] if number else [])
    notices: list[NormalizedNotice] = []
    plan = [(m, kind) for m in chosen] + [
        (m, Fact("retraction", m.snippet, m.location, m.confidence, line=m.line)) for m in retracted
    ]
    for index, (mention, part_kind) in enumerate(plan):
        fields = _part_fields(mention, facts)
        fields["notice_kind"] = part_kind
        inferred = [n for n, f in fields.items() if f.inferred]
        fields["lifecycle_status"] = status_for(fields, part_kind)
        if fields["lifecycle_status"].value == "eol":
            # Only an announced end of life has deadlines to infer; an obsolete part has none.
            inferred += _jstd(fields, part_kind.value)
        replacement = _replacement(mention, shared)
        if replacement is not None:
            fields["replacement_mpn"] = replacement
        base = _base(mention, manufacturer)
        fields["base_mpn"] = base
        match = catalog_match(known_parts, mention.mpn, base.value)
        part_confidence = mention.confidence + {"exact": 0.04, "base": 0.02, "none": -0.15}.get(
            match, 0.0
        )
        fields["mpn"] = Fact(
            mention.mpn, mention.snippet, mention.location, part_confidence, line=mention.line
        )
        if maker is not None:
            fields["manufacturer"] = Fact(
                manufacturer, maker.snippet, maker.location, maker.confidence, line=maker.line
            )
        confidence = part_confidence
        if not number and part_kind.value != "lifecycle_change":
            confidence -= 0.05
        items = [
            evidence(n, f.snippet, _where(f), f.confidence, f.line)
            for n, f in fields.items()
            if n in _EVIDENCED
        ]
        if match:
            items.append(evidence("catalog", mention.mpn, f"catalog:{match}", part_confidence))
        supersedes = (
            own_supersedes
            if part_kind.value == "retraction" and mention.role == EXCLUDED
            else facts.supersedes
        )
        confidences = {
            n: round(max(0.0, min(1.0, f.confidence)), 3)
            for n, f in fields.items()
            if n in _EVIDENCED
        }
        pending, reasons = review.judge(fields, confidences, mention)
        notices.append(
            NormalizedNotice(
                notice_id=notice_id(event, mention.mpn),
                task_id=event.task_id,
                trace_id=event.trace_id,
                event_id=event.event_id,
                source=event.source,
                notice_number=number,
                notice_kind=part_kind.value,
                manufacturer=manufacturer,
                manufacturer_raw=maker.value if maker else "",
                mpn=mention.mpn,
                base_mpn=base.value,
                lifecycle_status=fields["lifecycle_status"].value,
                previous_lifecycle_status=_value(fields, "previous_lifecycle_status"),
                issue_date=_value(fields, "issue_date"),
                last_time_buy_date=_value(fields, "last_time_buy_date"),
                last_ship_date=_value(fields, "last_ship_date"),
                inferred_fields=sorted(set(inferred)),
                replacement_mpn=replacement.value if replacement is not None else "",
                reason=_value(fields, "reason")[:500],
                evidence=items,
                confidence=round(max(0.05, min(0.99, confidence)), 3),
                title=_value(fields, "title")[:300],
                extractor="rules",
                part_index=index,
                part_count=len(plan),
                received_at=event.received_at,
                review="pending" if pending else "",
                review_reasons=reasons,
                field_confidence=confidences,
                mentions=mentions,
                revision=_value(fields, "revision"),
                supersedes=supersedes,
            )
        )
    return notices


_EVIDENCED = (
    "mpn",
    "base_mpn",
    "notice_number",
    "notice_kind",
    "manufacturer",
    "lifecycle_status",
    "previous_lifecycle_status",
    "issue_date",
    "last_time_buy_date",
    "last_ship_date",
    "replacement_mpn",
    "reason",
    "title",
    "revision",
)


def _value(fields: dict[str, Fact], name: str) -> str:
    found = fields.get(name)
    return found.value if found else ""


def _where(fact: Fact) -> str:
    if fact.inferred and fact.inferred != "J-STD-048":
        return f"{fact.location} (inferred {fact.inferred})"
    return fact.location


def _replacement(mention: Mention, shared: Mention | None) -> Fact | None:
    if mention.replacement and mention.replacement != mention.mpn and mention.role == AFFECTED:
        found = mention.replacement_evidence
        if found is not None:
            return Fact(mention.replacement, found.snippet, found.location, 0.85, line=mention.line)
    if shared is not None and shared.mpn != mention.mpn and mention.role == AFFECTED:
        return Fact(shared.mpn, shared.snippet, shared.location, 0.75, line=shared.line)
    return None


def _base(mention: Mention, manufacturer: str) -> Fact:
    if mention.base is not None and mention.base.text:
        return Fact(mention.base.text, mention.base.snippet, mention.base.location, 0.95)
    return Fact(
        base_mpn(mention.mpn, manufacturer),
        mention.mpn,
        f"rule:base number of {mention.mpn} ({manufacturer or 'generic'} suffix rules)",
        0.8,
    )
