"""Nexar (Octopart data): ``supMultiMatch`` over GraphQL with a client-credentials token.

- Token: ``POST identity.nexar.com/connect/token`` (form ``grant_type=client_credentials``,
  ``client_id``, ``client_secret``, scope ``supply.domain``); valid 24 h, kept and reused.
- Query: one ``supMultiMatch`` with one ``{mpn, manufacturer, reference, start, limit}`` per
  part, at most 100 parts a request; a query whose exact part is not on its first page is asked
  again from ``start + limit`` while ``hits`` says there are more (at most three pages).
- Lifecycle: the spec whose ``attribute.shortname`` is ``lifecyclestatus``; its value is one of
  EOL, NRND, New, Obsolete, Production, followed by "(Last Updated: ...)".
- Cost: every part returned counts against the plan's monthly part limit; a spent limit is an
  error whose message starts "You have exceeded your part limit".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from radar_watcher.catalog import CatalogPart
from radar_watcher.schedule import next_month
from radar_watcher.sources.http import ClientCredentials, Http, check_status, json_of
from radar_watcher.sources.protocol import (
    Answer,
    AuthRefused,
    QuotaExhausted,
    RecordShape,
    SourceUnavailable,
)

VOCABULARY = {
    "production": "active",
    "new": "active",
    "nrnd": "nrnd",
    "not recommended for new designs": "nrnd",
    "eol": "eol",
    "end of life": "eol",
    "obsolete": "obsolete",
}
QUERY = """
query RadarLifecycle($queries: [SupPartMatchQuery!]!) {
  supMultiMatch(queries: $queries) {
    reference
    hits
    parts {
      mpn
      manufacturer { name }
      specs { attribute { shortname } displayValue }
    }
  }
}
"""
MAX_PARTS = 100  # "the total number of parts requested must not exceed 100"
# Parts per query and page. Each returned part counts against the plan, so ask for the best
# match only; when it is a variant differing in punctuation, the next one is asked for.
PAGE = 1
MAX_PAGES = 3
PART_LIMIT_MESSAGE = "you have exceeded your part limit"


def lifecycle_of(part: dict[str, Any]) -> str:
    for spec in part.get("specs") or []:
        if (spec.get("attribute") or {}).get("shortname") == "lifecyclestatus":
            return str(spec.get("displayValue") or "")
    return ""


SHAPE = RecordShape(
    VOCABULARY,
    mpn=lambda r: str(r.get("mpn") or ""),
    manufacturer=lambda r: str((r.get("manufacturer") or {}).get("name") or ""),
    status=lifecycle_of,
)


class NexarSource:
    name = "nexar"
    parts_per_request = MAX_PARTS // PAGE

    def __init__(self, http: Http, url: str, token_url: str, client_id: str, secret: str) -> None:
        self.http = http
        self.url = url
        self.credentials = ClientCredentials(
            http, token_url, client_id, secret, scope="supply.domain"
        )

    async def check(self, parts: Sequence[CatalogPart]) -> Answer:
        found: dict[str, list[dict[str, Any]]] = {p.mpn: [] for p in parts}
        by_mpn = {p.mpn: p for p in parts}
        pending = {p.mpn: 0 for p in parts}  # reference -> start of the next page
        units = requests = 0
        for _ in range(MAX_PAGES):
            if not pending:
                break
            queries = [
                {
                    "mpn": mpn,
                    "manufacturer": by_mpn[mpn].manufacturer,
                    "reference": mpn,
                    "start": start,
                    "limit": PAGE,
                }
                for mpn, start in pending.items()
            ]
            matches = await self._multi_match(queries)
            requests += 1
            next_pending: dict[str, int] = {}
            for match in matches:
                reference = str(match.get("reference") or "")
                if reference not in pending:
                    continue
                returned = [p for p in match.get("parts") or [] if isinstance(p, dict)]
                units += len(returned)
                found[reference].extend(returned)
                start = pending[reference] + PAGE
                matched = SHAPE.observe(by_mpn[reference], found[reference]).found
                if not matched and int(match.get("hits") or 0) > start:
                    next_pending[reference] = start
            pending = next_pending
        observations = [SHAPE.observe(p, found[p.mpn]) for p in parts]
        return Answer(observations, requests=requests, units=units)

    async def _multi_match(self, queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        body = {"query": QUERY, "variables": {"queries": queries}}
        for fresh_token in (False, True):
            if fresh_token:
                self.credentials.invalidate()
            response = await self.http.request(
                "POST",
                self.url,
                json_body=body,
                headers={"Authorization": f"Bearer {await self.credentials.token()}"},
            )
            if response.status_code != 401:
                break
        else:
            raise AuthRefused(f"{self.name} refused a fresh token: {response.text[:200]}")
        doc = json_of(response, self.name) if response.content else {}
        errors = doc.get("errors") if isinstance(doc, dict) else None
        for error in errors or []:
            message = str(error.get("message") or "")
            if message.lower().startswith(PART_LIMIT_MESSAGE):
                raise QuotaExhausted(f"{self.name}: {message}", next_month())
        check_status(response, self.name)
        data = (doc.get("data") or {}) if isinstance(doc, dict) else {}
        matches = data.get("supMultiMatch")
        if not isinstance(matches, list):
            raise SourceUnavailable(f"{self.name} answer has no supMultiMatch: {errors}")
        return [m for m in matches if isinstance(m, dict)]
