"""The optional LLM pass: it settles what the rules left uncertain, choosing only what is written.

With ``RADAR_LLM_MODEL`` and ``RADAR_LLM_BASE_URL`` set, the normalizer asks an OpenAI-compatible
``/v1/chat/completions`` endpoint about low-confidence readings only:

- notices pending review (``NormalizedNotice.review == "pending"``): the role of each uncertain
  part-number candidate (affected, replacement, referenced, excluded, not_affected) and which
  date is meant where a date is uncertain (:meth:`LlmExtractor.review`);
- events in which the rules found no affected part (:meth:`LlmExtractor.read`).

The pass works on the ``NormalizedNotice`` contract (mentions, field_confidence, review), not on
the reader's internals. The model chooses among candidates: the notice's mentions and the part
numbers and dates written in its text (:mod:`radar_normalizer.grounding`). An answer naming
anything else is refused and the refusal becomes a review reason. A field or role the rules
were sure of (confidence at or above ``RADAR_REVIEW_THRESHOLD``) is never changed. Where the
model decided, the notice says ``extractor="llm"``, the field's confidence is
:data:`LLM_CONFIDENCE` and its evidence points at the text (``llm:text``). Review is cleared
only when the model decided something on the notice, nothing was refused and nothing is left
below the threshold; notices built from parts only the model found stay pending. A model that
cannot be reached in time leaves the rules' reading as it was, with the reason; offline, the
rules decide and review catches the rest.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from radar_common.contracts import Evidence, NormalizedNotice, PartMention, RawEvent
from radar_common.llm_calls import llm_call
from radar_common.partnumbers import base_mpn, clean_mpn, normalize_mpn
from radar_normalizer.assemble import notice_id
from radar_normalizer.grounding import (
    DateCandidate,
    comparable,
    date_candidates,
    line_with,
    part_candidates,
    written_in,
)
from radar_normalizer.review import DEFAULT_REVIEW_THRESHOLD
from radar_normalizer.vocab import KIND_STATUS, canonical_manufacturer

log = logging.getLogger(__name__)

ROLES = ("affected", "replacement", "referenced", "excluded", "not_affected")
DATE_FIELDS = ("issue_date", "last_time_buy_date", "last_ship_date")
KINDS = (
    "discontinuance",
    "change",
    "lifecycle_change",
    "packing_withdrawal",
    "reactivation",
    "retraction",
)
# A choice checked against the text: trusted like a labelled field, not like a table cell.
LLM_CONFIDENCE = 0.85
MAX_PROMPT_CHARS = 20_000
LOCATION = "llm:text"
ONLY_THE_LLM = "no rule found an affected part; the parts were chosen by the LLM from the text"

_SYSTEM = (
    "You settle the uncertain parts of an electronic-component notice (PDN, PCN, EOL). Choose "
    "ONLY among the candidates listed: part numbers and dates written in the notice. Never "
    "write a part number or a date that is not a candidate. Roles: affected (the notice "
    "discontinues or changes this orderable part), replacement (recommended replacement or "
    "alternative; say which affected part it replaces), referenced (only mentioned), excluded "
    "(removed or retracted from the affected list), not_affected (explicitly not affected). "
    'Answer with one JSON object: {"parts": [{"mpn": candidate, "role": role, "replaces": '
    'candidate or ""}], "issue_date": {"text": date candidate as written, "date": '
    '"YYYY-MM-DD"} or null, "last_time_buy_date": same or null, "last_ship_date": same or null, '
    '"notice_number": str, "notice_kind": one of ' + ", ".join(KINDS) + ', "manufacturer": str}.'
)


class LlmUnavailable(RuntimeError):
    """The endpoint failed, was too slow, or answered something that is not a JSON object."""


def needs_llm(notices: list[NormalizedNotice]) -> bool:
    """Whether the rules' reading is uncertain enough to ask the model (any notice pending)."""
    return any(n.review == "pending" for n in notices)


@dataclass
class Candidate:
    """A part number written in the notice, with the role the rules gave it (if any)."""

    mpn: str
    role: str = ""
    confidence: float = 0.0
    replaces: str = ""
    evidence: Evidence | None = None
    decided: bool = False


@dataclass
class Decisions:
    """The model's answer, checked against the candidates; what failed is in ``refusals``."""

    roles: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> role, replaces
    dates: dict[str, tuple[str, str]] = field(default_factory=dict)  # field -> ISO, written
    facts: dict[str, str] = field(default_factory=dict)  # notice_number, notice_kind, ...
    refusals: list[str] = field(default_factory=list)


def _mpn_evidence(notice: NormalizedNotice) -> Evidence | None:
    return next((e for e in notice.evidence if e.field == "mpn"), None)


def candidates_of(notices: list[NormalizedNotice], text: str) -> dict[str, Candidate]:
    """The notices' mentions, parts and replacements, then the part numbers of the text."""
    out: dict[str, Candidate] = {}
    for notice in notices:
        for m in notice.mentions:
            evidence = m.evidence if m.HasField("evidence") else None
            out.setdefault(
                normalize_mpn(m.mpn), Candidate(m.mpn, m.role, m.confidence, m.replaces, evidence)
            )
        confidence = notice.field_confidence.get("mpn", notice.confidence)
        out.setdefault(
            normalize_mpn(notice.mpn),
            Candidate(notice.mpn, "affected", confidence, evidence=_mpn_evidence(notice)),
        )
        if notice.replacement_mpn:
            confidence = notice.field_confidence.get("replacement_mpn", notice.confidence)
            out.setdefault(
                normalize_mpn(notice.replacement_mpn),
                Candidate(notice.replacement_mpn, "replacement", confidence, notice.mpn),
            )
    for written in part_candidates(text):
        out.setdefault(normalize_mpn(written), Candidate(written))
    return out


def check(
    answer: dict[str, Any], parts: dict[str, Candidate], dates: list[DateCandidate], text: str
) -> Decisions:
    """Keep what the answer chose among the candidates; refuse, with a reason, the rest."""
    out = Decisions()
    for item in answer.get("parts") or []:
        if not isinstance(item, dict):
            continue
        written = clean_mpn(str(item.get("mpn") or ""))
        key, role = normalize_mpn(written), str(item.get("role") or "")
        if key not in parts:
            out.refusals.append(f"the LLM named part {written!r}, which is not in the notice")
            continue
        if role not in ROLES:
            out.refusals.append(f"the LLM gave {written} the unknown role {role!r}")
            continue
        replaces = normalize_mpn(str(item.get("replaces") or ""))
        if replaces and replaces not in parts:
            out.refusals.append(f"the LLM said {written} replaces {replaces}, not in the notice")
            replaces = ""
        out.roles[key] = (role, replaces)
    for name in DATE_FIELDS:
        value = answer.get(name)
        if isinstance(value, dict) and (value.get("date") or value.get("text")):
            _check_date(name, value, dates, out)
    _check_facts(answer, text, out)
    return out


def _check_date(
    name: str, value: dict[str, Any], dates: list[DateCandidate], out: Decisions
) -> None:
    iso, written = str(value.get("date") or ""), str(value.get("text") or "")
    label = name.replace("_", " ")
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        out.refusals.append(f"the LLM's {label} {iso!r} is not a date")
        return
    same = [c for c in dates if comparable(c.written) == comparable(written)]
    found = next((c for c in same or dates if day in c.readings), None)
    if found is None:
        out.refusals.append(f"the LLM's {label} {iso} is not a date written in the notice")
        return
    out.dates[name] = (day.isoformat(), found.written)


def _check_facts(answer: dict[str, Any], text: str, out: Decisions) -> None:
    number = str(answer.get("notice_number") or "").strip()
    if number and written_in(text, number):
        out.facts["notice_number"] = number
    elif number:
        out.refusals.append(f"the LLM's notice number {number!r} is not in the notice")
    kind = str(answer.get("notice_kind") or "")
    if kind in KINDS:
        out.facts["notice_kind"] = kind
    maker = str(answer.get("manufacturer") or "").strip()
    if maker and written_in(text, maker):
        out.facts["manufacturer"] = maker


class LlmExtractor:
    """Asks the model and applies its checked answer to the rules' notices."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        model: str,
        api_key: str,
        timeout: float,
        review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
    ) -> None:
        self.client = client
        root = base_url.rstrip("/")
        self.url = root + ("/chat/completions" if root.endswith("/v1") else "/v1/chat/completions")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.threshold = review_threshold

    async def ask(self, prompt: str, budget: float | None = None) -> dict[str, Any]:
        """The model's JSON answer to ``prompt``, within the call timeout and ``budget``."""
        seconds = self.timeout if budget is None else min(self.timeout, budget)
        if seconds <= 0:
            raise LlmUnavailable("no time left in the event's budget")
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": _SYSTEM},
                {"role": "user", "content": prompt},
            ],
        }
        try:
            with llm_call(self.model) as call:
                response = await self.client.post(
                    self.url,
                    json=body,
                    headers={"Authorization": f"Bearer {self.api_key}"},
                    timeout=seconds,
                )
                response.raise_for_status()
                reply = response.json()
                content = reply["choices"][0]["message"]["content"]
                usage = reply.get("usage") or {}
                call.tokens(
                    prompt=int(usage.get("prompt_tokens") or 0),
                    completion=int(usage.get("completion_tokens") or 0),
                )
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
            raise LlmUnavailable(f"LLM call failed: {exc!r}") from exc
        content = _without_fence(str(content))
        try:
            answer = json.loads(content)
        except json.JSONDecodeError as exc:
            raise LlmUnavailable(f"LLM answer is not JSON: {exc}") from exc
        if not isinstance(answer, dict):
            raise LlmUnavailable("LLM answer is not a JSON object")
        return answer

    async def review(
        self,
        event: RawEvent,
        notices: list[NormalizedNotice],
        text: str,
        budget: float | None = None,
    ) -> list[NormalizedNotice]:
        """The notices with what the model settled; unchanged (plus the reason) if it cannot."""
        parts = candidates_of(notices, text)
        dates = date_candidates(text)
        reasons = list(dict.fromkeys(r for n in notices for r in n.review_reasons))
        try:
            answer = await self.ask(_prompt(text, parts, dates, reasons), budget)
        except LlmUnavailable as exc:
            log.warning("LLM pass skipped, the rules' reading stands: %s", exc)
            return [with_reasons(n, [f"the LLM pass could not decide: {exc}"]) for n in notices]
        decided = check(answer, parts, dates, text)
        return settle(notices, decided, parts, event, text, self.threshold)

    async def read(
        self, event: RawEvent, text: str, budget: float | None = None
    ) -> tuple[list[NormalizedNotice], list[str]]:
        """Notices for an event the rules found no part in, and the answer's refusals.

        Raises:
            LlmUnavailable: the model could not be asked (the caller retries or refuses).
        """
        parts = {normalize_mpn(p): Candidate(p) for p in part_candidates(text)}
        if not parts:
            return [], ["the text names nothing spelled like a part number"]
        dates = date_candidates(text)
        answer = await self.ask(_prompt(text, parts, dates, [ONLY_THE_LLM]), budget)
        decided = check(answer, parts, dates, text)
        template = _template(event, decided, text)
        return settle([], decided, parts, event, text, self.threshold, template), decided.refusals


def _without_fence(content: str) -> str:
    """The answer without a Markdown code fence around it (```json ... ```)."""
    content = content.strip()
    if content.startswith("```"):
        content = content[3:].removeprefix("json")
    return content.removesuffix("```").strip()


def _prompt(
    text: str, parts: dict[str, Candidate], dates: list[DateCandidate], reasons: list[str]
) -> str:
    listed = "\n".join(
        f"- {c.mpn}" + (f" (now: {c.role}, confidence {c.confidence:.2f})" if c.role else "")
        for c in parts.values()
    )
    written = "\n".join(f"- {c.written}" for c in dates) or "- (none)"
    why = "\n".join(f"- {r}" for r in reasons) or "- (none given)"
    return (
        f"Notice text:\n{text[:MAX_PROMPT_CHARS]}\n\nPart-number candidates:\n{listed}\n\n"
        f"Date candidates (as written):\n{written}\n\nWhy the reading is uncertain:\n{why}\n"
    )


def _template(event: RawEvent, decided: Decisions, text: str) -> NormalizedNotice:
    """A notice without parts, from the event and the facts the model found in the text."""
    facts = decided.facts
    kind = facts.get("notice_kind", "")
    written = facts.get("manufacturer", "")
    notice = NormalizedNotice(
        task_id=event.task_id,
        trace_id=event.trace_id,
        event_id=event.event_id,
        source=event.source,
        notice_number=facts.get("notice_number", ""),
        notice_kind=kind,
        manufacturer=canonical_manufacturer(written) if written else "",
        manufacturer_raw=written,
        lifecycle_status=KIND_STATUS.get(kind, "unknown"),
        confidence=0.5,
        extractor="llm",
        review="pending",
        review_reasons=[ONLY_THE_LLM],
    )
    notice.received_at.CopyFrom(event.received_at)
    for name, value in facts.items():
        snippet = line_with(text, value) if name != "notice_kind" else f"notice_kind: {value}"
        notice.evidence.append(Evidence(field=name, snippet=snippet, location=LOCATION))
        notice.field_confidence[name] = LLM_CONFIDENCE
    return notice


def settle(
    notices: list[NormalizedNotice],
    decided: Decisions,
    parts: dict[str, Candidate],
    event: RawEvent,
    text: str,
    threshold: float,
    template: NormalizedNotice | None = None,
) -> list[NormalizedNotice]:
    """Apply checked decisions to the uncertain roles and dates; one notice per affected part."""
    for key, (role, replaces) in decided.roles.items():
        candidate = parts[key]
        if candidate.confidence < threshold:
            candidate.role, candidate.confidence, candidate.decided = role, LLM_CONFIDENCE, True
            candidate.replaces = parts[replaces].mpn if replaces else ""
    affected = [key for key, c in parts.items() if c.role == "affected"]
    if not affected:
        refusals = [*decided.refusals, "the LLM left no part affected"]
        return [with_reasons(n, refusals) for n in notices]
    base = template or notices[0]
    existing = {normalize_mpn(n.mpn): n for n in notices}
    mentions = [_mention(c, text) for c in parts.values() if c.role]
    out = []
    for index, key in enumerate(affected):
        notice = _part_notice(existing.get(key), base, parts[key], event, text)
        touched = parts[key].decided or _pair(notice, key, parts)
        touched = _set_dates(notice, decided, threshold) or touched
        touched = _fill_facts(notice, decided, text) or touched
        del notice.mentions[:]
        notice.mentions.extend(mentions)
        notice.part_index, notice.part_count = index, len(affected)
        if touched:
            notice.extractor = "llm"
        _decide_review(notice, decided.refusals, touched, threshold, only_llm=template is not None)
        out.append(notice)
    return out


def _part_notice(
    found: NormalizedNotice | None,
    base: NormalizedNotice,
    candidate: Candidate,
    event: RawEvent,
    text: str,
) -> NormalizedNotice:
    notice = NormalizedNotice()
    notice.CopyFrom(found or base)
    if found is not None:
        return notice
    mpn = clean_mpn(candidate.mpn)
    notice.mpn, notice.notice_id = mpn, notice_id(event, mpn)
    notice.base_mpn = base_mpn(mpn, base.manufacturer)
    notice.replacement_mpn = ""
    kept = [e for e in notice.evidence if e.field not in ("mpn", "base_mpn", "catalog")]
    del notice.evidence[:]
    notice.evidence.extend(kept)
    notice.evidence.append(
        Evidence(field="mpn", snippet=line_with(text, mpn) or mpn, location=LOCATION)
    )
    notice.evidence.append(
        Evidence(field="base_mpn", snippet=mpn, location=f"rule:base number of {mpn}")
    )
    notice.field_confidence["mpn"] = LLM_CONFIDENCE
    return notice


def _pair(notice: NormalizedNotice, key: str, parts: dict[str, Candidate]) -> bool:
    """Set the notice's replacement from the settled roles; True when the model changed it."""
    paired = [c for c in parts.values() if c.role == "replacement" and c.replaces]
    mine = next((c for c in paired if normalize_mpn(c.replaces) == key), None)
    current = parts.get(normalize_mpn(notice.replacement_mpn)) if notice.replacement_mpn else None
    if mine is not None and mine.decided:
        notice.replacement_mpn = clean_mpn(mine.mpn)
        notice.field_confidence["replacement_mpn"] = LLM_CONFIDENCE
        return True
    if current is not None and current.decided and current.role != "replacement":
        notice.replacement_mpn = ""  # the model read it as something else
        return True
    return False


def _set_dates(notice: NormalizedNotice, decided: Decisions, threshold: float) -> bool:
    touched = False
    for name, (iso, written) in decided.dates.items():
        current = getattr(notice, name)
        if current and notice.field_confidence.get(name, notice.confidence) >= threshold:
            continue  # the rules were sure: the model does not overrule them
        setattr(notice, name, iso)
        notice.field_confidence[name] = LLM_CONFIDENCE
        kept = [e for e in notice.evidence if e.field != name]
        del notice.evidence[:]
        notice.evidence.extend(kept)
        notice.evidence.append(Evidence(field=name, snippet=written, location=LOCATION))
        if name in notice.inferred_fields:
            inferred = [f for f in notice.inferred_fields if f != name]
            del notice.inferred_fields[:]
            notice.inferred_fields.extend(inferred)
        touched = True
    return touched


def _fill_facts(notice: NormalizedNotice, decided: Decisions, text: str) -> bool:
    """Notice number and manufacturer the rules left empty (never overwritten)."""
    touched = False
    for name in ("notice_number", "manufacturer"):
        value = decided.facts.get(name, "")
        if value and not getattr(notice, name):
            if name == "manufacturer":
                notice.manufacturer, notice.manufacturer_raw = canonical_manufacturer(value), value
            else:
                notice.notice_number = value
            notice.evidence.append(
                Evidence(field=name, snippet=line_with(text, value), location=LOCATION)
            )
            notice.field_confidence[name] = LLM_CONFIDENCE
            touched = True
    return touched


def _mention(candidate: Candidate, text: str) -> PartMention:
    mention = PartMention(
        mpn=candidate.mpn,
        role=candidate.role,
        confidence=round(candidate.confidence, 3),
        replaces=candidate.replaces,
    )
    if candidate.evidence is not None and not candidate.decided:
        mention.evidence.CopyFrom(candidate.evidence)
    else:
        snippet = line_with(text, candidate.mpn) or candidate.mpn
        mention.evidence.CopyFrom(Evidence(field="mpn", snippet=snippet, location=LOCATION))
    return mention


def _decide_review(
    notice: NormalizedNotice, refusals: list[str], touched: bool, threshold: float, only_llm: bool
) -> None:
    uncertain = any(v < threshold for v in notice.field_confidence.values()) or any(
        m.confidence < threshold for m in notice.mentions if m.role in ("affected", "replacement")
    )
    if touched and not refusals and not uncertain and not only_llm:
        notice.review = ""
        del notice.review_reasons[:]
        return
    notice.review = "pending"
    reasons = list(dict.fromkeys([*notice.review_reasons, *refusals]))
    del notice.review_reasons[:]
    notice.review_reasons.extend(reasons)


def with_reasons(notice: NormalizedNotice, reasons: list[str]) -> NormalizedNotice:
    """A copy of ``notice``, pending review, with ``reasons`` added to its review reasons."""
    out = NormalizedNotice()
    out.CopyFrom(notice)
    out.review = "pending"
    merged = list(dict.fromkeys([*out.review_reasons, *reasons]))
    del out.review_reasons[:]
    out.review_reasons.extend(merged)
    return out
