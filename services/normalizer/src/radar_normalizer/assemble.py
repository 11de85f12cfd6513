"""Notices from an LLM answer: the optional LLM pass hands over a :class:`NoticeDraft`.

The draft's values (already checked against the notice text by ``llm.validate``) become a
structured record and go through the same stages as any other record, so the LLM's notices
carry the same fields, evidence, confidence and review as the rules'. They are marked
``extractor="llm"`` and their confidence is capped at :data:`LLM_CONFIDENCE`.
"""

from __future__ import annotations

from radar_common.contracts import NormalizedNotice, RawEvent
from radar_normalizer.catalog import KnownParts
from radar_normalizer.document import Document, Record, RecordPart, Value
from radar_normalizer.draft import Found, NoticeDraft
from radar_normalizer.extract import notices_of

LLM_CONFIDENCE = 0.5


def _value(found: Found) -> Value:
    return Value(found.value, found.snippet, found.location)


def assemble(
    draft: NoticeDraft, event: RawEvent, known_parts: KnownParts | None = None
) -> list[NormalizedNotice]:
    """One notice per part of ``draft``."""
    fields = {name: _value(found) for name, found in draft.fields.items()}
    if "notice_kind" in fields:
        fields["notice_type"] = fields.pop("notice_kind")
    parts = tuple(
        RecordPart(
            _value(p.mpn),
            _value(p.base_mpn) if p.base_mpn else None,
            {k: _value(v) for k, v in p.fields.items()},
        )
        for p in draft.parts
    )
    notices = notices_of(event, Document(records=[Record(fields, parts)]), known_parts)
    for notice in notices:
        notice.extractor = draft.extractor
        if draft.extractor != "rules":
            notice.confidence = min(
                notice.confidence, LLM_CONFIDENCE - (0.0 if notice.notice_number else 0.05)
            )
            notice.field_confidence["mpn"] = min(notice.field_confidence["mpn"], LLM_CONFIDENCE)
    return notices
