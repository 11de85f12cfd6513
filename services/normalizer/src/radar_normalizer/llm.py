"""Optional LLM extraction pass for notices the rules could not read.

Asks an OpenAI-compatible ``/v1/chat/completions`` endpoint for the notice's fields as JSON, then
validates the answer against the same schema as the rules: a part number or notice number must
appear in the source text (no invented parts), dates must parse, kinds must be known. The
result is marked ``extractor="llm"`` with a lower confidence.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import httpx

from radar_common.partnumbers import clean_mpn, looks_like_mpn
from radar_normalizer.dates import parse_date
from radar_normalizer.draft import Found, NoticeDraft, PartDraft
from radar_normalizer.parts import clean
from radar_normalizer.sources import sentence

log = logging.getLogger(__name__)

MAX_PROMPT_CHARS = 20_000
KINDS = ("discontinuance", "change", "lifecycle_change", "packing_withdrawal", "reactivation")
_SYSTEM = (
    "You read electronic-component notices (PDN, PCN, EOL). Answer only with one JSON object: "
    '{"notice_number": str, "notice_kind": one of ' + ", ".join(KINDS) + ", "
    '"manufacturer": str, "issue_date": "YYYY-MM-DD", "last_time_buy_date": "YYYY-MM-DD", '
    '"last_ship_date": "YYYY-MM-DD", "reason": str, "parts": [{"mpn": str, '
    '"replacement_mpn": str}]}. Copy part numbers exactly as written; use "" when unknown.'
)


class LlmUnavailable(RuntimeError):
    """The endpoint failed or answered something that is not a chat completion."""


class LlmExtractor:
    """Calls the model and turns a validated answer into a :class:`NoticeDraft`."""

    def __init__(
        self, client: httpx.AsyncClient, *, base_url: str, model: str, api_key: str, timeout: float
    ) -> None:
        self.client = client
        self.url = base_url.rstrip("/") + "/chat/completions"
        if not base_url.rstrip("/").endswith("/v1"):
            self.url = base_url.rstrip("/") + "/v1/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout = timeout

    async def ask(self, text: str) -> dict[str, Any]:
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": _SYSTEM},
                {"role": "user", "content": text[:MAX_PROMPT_CHARS]},
            ],
        }
        try:
            response = await self.client.post(
                self.url,
                json=body,
                headers={"Authorization": f"Bearer {self.api_key}"},
                timeout=self.timeout,
            )
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
            raise LlmUnavailable(f"LLM call failed: {exc!r}") from exc
        content = re.sub(r"^```(?:json)?\s*|\s*```$", "", str(content).strip())
        try:
            answer = json.loads(content)
        except json.JSONDecodeError as exc:
            raise LlmUnavailable(f"LLM answer is not JSON: {exc}") from exc
        if not isinstance(answer, dict):
            raise LlmUnavailable("LLM answer is not a JSON object")
        return answer

    async def extract(self, text: str) -> NoticeDraft:
        """A draft from the model's answer, keeping only what the text supports."""
        return validate(await self.ask(text), text)


def _evidence(text: str, value: str) -> str | None:
    at = text.upper().find(value.upper())
    if at < 0:
        return None
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    line = text[line_start : line_end if line_end >= 0 else None]
    return sentence(line, at - line_start, at - line_start + len(value))


def validate(answer: dict[str, Any], text: str) -> NoticeDraft:
    """Keep the fields of ``answer`` that are well-formed and found in ``text``."""
    text = clean(text) if "\n" not in text else "\n".join(clean(x) for x in text.splitlines())
    draft = NoticeDraft(method="llm", extractor="llm")

    def string(key: str) -> str:
        value = answer.get(key)
        return clean(str(value)) if isinstance(value, str | int | float) else ""

    number = string("notice_number")
    found = _evidence(text, number) if number else None
    if found:
        draft.put("notice_number", Found(number, found, "llm:text"))
    kind = string("notice_kind")
    if kind in KINDS:
        draft.put("notice_kind", Found(kind, f"notice_kind: {kind}", "llm:answer"))
    maker = string("manufacturer")
    if maker:
        draft.put("manufacturer", Found(maker, _evidence(text, maker) or maker, "llm:text"))
    for name in ("issue_date", "last_time_buy_date", "last_ship_date"):
        date = parse_date(string(name))
        if date:
            draft.put(name, Found(date.iso, f"{name}: {date.iso}", "llm:answer", date.inferred))
    reason = string("reason")
    if reason:
        draft.put("reason", Found(reason[:300], reason[:240], "llm:answer"))
    for item in answer.get("parts") or []:
        if not isinstance(item, dict):
            continue
        mpn = clean_mpn(str(item.get("mpn") or ""))
        where = _evidence(text, mpn) if mpn and looks_like_mpn(mpn, strict=False) else None
        if where is None:
            log.info("LLM part %r dropped: not in the notice text", mpn)
            continue
        fields: dict[str, Found] = {}
        replacement = clean_mpn(str(item.get("replacement_mpn") or ""))
        rep_where = _evidence(text, replacement) if replacement else None
        if rep_where and replacement != mpn:
            fields["replacement_mpn"] = Found(replacement, rep_where, "llm:text")
        draft.add_part(PartDraft(Found(mpn, where, "llm:text"), fields))
    return draft
