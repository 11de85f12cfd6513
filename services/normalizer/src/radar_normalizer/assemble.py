"""From a :class:`NoticeDraft` to one :class:`NormalizedNotice` per part.

Fills what the notice implies (status from its kind, J-STD-048 dates for a discontinuance that
omits them — marked inferred), canonicalises the manufacturer, derives base numbers, attaches
evidence for every field and grades confidence.
"""

from __future__ import annotations

import hashlib
import re

from radar_common.contracts import Evidence, NormalizedNotice, RawEvent
from radar_common.partnumbers import base_mpn
from radar_normalizer.catalog import KnownParts, catalog_match
from radar_normalizer.dates import add_months
from radar_normalizer.draft import Found, NoticeDraft, PartDraft
from radar_normalizer.vocab import KIND_STATUS, canonical_manufacturer

# J-STD-048 minimums from the announcement: last order at 6 months, last shipment at 12.
JSTD_LTB_MONTHS = 6
JSTD_LAST_SHIP_MONTHS = 12
_CONFIDENCE = {"structured": 0.95, "table": 0.9, "labelled": 0.85, "scan": 0.6}
_NO_LTB = re.compile(r"non[- ]?manufacturable|\bNLM\b|no longer manufactured", re.IGNORECASE)


def event_key(event: RawEvent) -> str:
    """What makes an event itself: its id, else a digest of its content."""
    if event.event_id:
        return event.event_id
    digest = hashlib.sha256(event.payload_json.encode() + event.raw_body)
    for attachment in event.attachments:
        digest.update(attachment.content + attachment.object_ref.encode())
    return digest.hexdigest()


def notice_id(event: RawEvent, mpn: str) -> str:
    """Stable id of the notice for one part of one event."""
    return hashlib.sha256(f"notice|{event_key(event)}|{mpn}".encode()).hexdigest()[:32]


def _complete_kind(draft: NoticeDraft) -> None:
    """A notice without discontinuance or change words: its dates decide."""
    fields = draft.fields
    if "notice_kind" in fields:
        return
    dated = fields.get("last_time_buy_date") or fields.get("last_ship_date")
    if dated is None:
        dated = next(
            (
                p.fields.get("last_time_buy_date")
                for p in draft.parts
                if "last_time_buy_date" in p.fields
            ),
            None,
        )
    if dated is not None:
        fields["notice_kind"] = Found("discontinuance", dated.snippet, dated.location)
    else:
        fields["notice_kind"] = Found(
            "change",
            fields.get("title", Found("", "", "")).snippet,
            "rule:no discontinuance words or dates",
        )


def _infer_dates(fields: dict[str, Found]) -> list[str]:
    """Fill J-STD-048 minimum dates of a discontinuance; returns every inferred field."""
    inferred = [name for name, found in fields.items() if found.inferred]
    issue = fields.get("issue_date")
    if fields["notice_kind"].value != "discontinuance" or issue is None:
        return inferred
    if _NO_LTB.search(" ".join(f.snippet for f in fields.values())):
        return inferred  # nothing can be ordered: no last-time-buy to infer
    for name, months in (
        ("last_time_buy_date", JSTD_LTB_MONTHS),
        ("last_ship_date", JSTD_LAST_SHIP_MONTHS),
    ):
        if name not in fields:
            fields[name] = Found(
                add_months(issue.value, months),
                f"issue date {issue.value} + {months} months",
                f"inferred:J-STD-048 minimum ({months} months after the notice)",
                "J-STD-048",
            )
            inferred.append(name)
    return inferred


def _status(draft: NoticeDraft, part: PartDraft) -> Found:
    stated = part.fields.get("lifecycle_status") or draft.fields.get("lifecycle_status")
    if stated is not None and stated.value != "unknown":
        return stated
    kind = draft.fields["notice_kind"]
    status = KIND_STATUS.get(kind.value, "unknown")
    if kind.value == "discontinuance" and _NO_LTB.search(
        " ".join(f.snippet + " " + f.value for f in draft.fields.values())
    ):
        status = "obsolete"
    if stated is not None and status == "unknown":
        return stated
    return Found(status, kind.snippet, f"rule:status implied by notice kind {kind.value}")


def assemble(
    draft: NoticeDraft, event: RawEvent, known_parts: KnownParts | None = None
) -> list[NormalizedNotice]:
    """One notice per part of ``draft``."""
    _complete_kind(draft)
    maker = draft.fields.get("manufacturer")
    manufacturer = canonical_manufacturer(maker.value) if maker else ""
    notices = []
    count = len(draft.parts)
    for index, part in enumerate(draft.parts):
        fields = {**draft.fields, **part.fields}
        inferred = _infer_dates(fields)
        fields["lifecycle_status"] = _status(draft, part)
        mpn = part.mpn.value
        base = part.base_mpn or Found(
            base_mpn(mpn, manufacturer),
            mpn,
            f"rule:base number of {mpn} ({manufacturer or 'generic'} suffix rules)",
        )
        evidence = [Evidence(field="mpn", snippet=part.mpn.snippet, location=part.mpn.location)]
        evidence.append(Evidence(field="base_mpn", snippet=base.snippet, location=base.location))
        for name, found in fields.items():
            location = found.location
            if found.inferred and found.inferred != "J-STD-048":
                location += f" (inferred {found.inferred})"
            evidence.append(Evidence(field=name, snippet=found.snippet, location=location))
        match = catalog_match(known_parts, mpn, base.value)
        confidence = _CONFIDENCE.get(draft.method, 0.5) if draft.extractor == "rules" else 0.5
        confidence += {"exact": 0.04, "base": 0.02, "none": -0.15}.get(match, 0.0)
        if "notice_number" not in fields and fields["notice_kind"].value != "lifecycle_change":
            confidence -= 0.05
        if match:
            evidence.append(Evidence(field="catalog", snippet=mpn, location=f"catalog:{match}"))

        def value(name: str, f: dict[str, Found] = fields) -> str:
            found = f.get(name)
            return found.value if found else ""

        notices.append(
            NormalizedNotice(
                notice_id=notice_id(event, mpn),
                task_id=event.task_id,
                trace_id=event.trace_id,
                event_id=event.event_id,
                source=event.source,
                notice_number=value("notice_number"),
                notice_kind=value("notice_kind"),
                manufacturer=manufacturer,
                manufacturer_raw=maker.value if maker else "",
                mpn=mpn,
                base_mpn=base.value,
                lifecycle_status=value("lifecycle_status"),
                issue_date=value("issue_date"),
                last_time_buy_date=value("last_time_buy_date"),
                last_ship_date=value("last_ship_date"),
                inferred_fields=sorted(
                    {*inferred, *(n for n, f in part.fields.items() if f.inferred)}
                ),
                replacement_mpn=value("replacement_mpn") if value("replacement_mpn") != mpn else "",
                reason=value("reason")[:500],
                evidence=evidence,
                confidence=round(max(0.05, min(0.99, confidence)), 3),
                title=value("title")[:300],
                extractor=draft.extractor,
                part_index=index,
                part_count=count,
                received_at=event.received_at,
            )
        )
    return notices
