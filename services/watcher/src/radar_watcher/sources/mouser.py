"""Mouser Search API: part-number search with an API key.

- ``POST {base}/search/partnumber?apiKey=KEY`` with
  ``{"SearchByPartRequest": {"mouserPartNumber": "A|B|C", "partSearchOptions": "Exact"}}``:
  up to 10 part numbers joined by ``|``, at most 50 results an answer.
- Answer: ``{"Errors": [...], "SearchResults": {"NumberOfResult", "Parts": [...]}}``; each part
  has ``ManufacturerPartNumber``, ``Manufacturer`` and ``LifecycleStatus`` (New Product, Not
  Recommended for New Designs, Factory Special Order, End of Life, Obsolete, or empty for a part
  in normal production). An answer cut at 50 results is asked again in halves for the part
  numbers it left out.
- Limits: 30 calls a minute, 1,000 a day. A refused key is an ``Errors`` entry about the API key
  (or 401/403).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from radar_watcher.catalog import CatalogPart
from radar_watcher.sources.http import Http, check_status, json_of
from radar_watcher.sources.protocol import (
    Answer,
    AuthRefused,
    RecordShape,
    SourceError,
)

VOCABULARY = {
    "": "active",  # listed, sold, no lifecycle remark: in production
    "new product": "active",
    "new at mouser": "active",
    "not recommended for new designs": "nrnd",
    "factory special order": "nrnd",
    "end of life": "eol",
    "obsolete": "obsolete",
}
SHAPE = RecordShape(
    VOCABULARY,
    mpn=lambda r: str(r.get("ManufacturerPartNumber") or ""),
    manufacturer=lambda r: str(r.get("Manufacturer") or ""),
    status=lambda r: str(r.get("LifecycleStatus") or ""),
)
MAX_PARTS = 10
MAX_RESULTS = 50


class MouserSource:
    name = "mouser"
    parts_per_request = MAX_PARTS

    def __init__(self, http: Http, base_url: str, api_key: str) -> None:
        self.http = http
        self.base = base_url.rstrip("/")
        self.api_key = api_key

    async def check(self, parts: Sequence[CatalogPart]) -> Answer:
        answer = Answer([], requests=0, units=0)
        records = await self._search(list(parts), answer)
        answer.observations = [SHAPE.observe(p, records) for p in parts]
        return answer

    async def _search(self, parts: list[CatalogPart], answer: Answer) -> list[dict[str, Any]]:
        body = {
            "SearchByPartRequest": {
                "mouserPartNumber": "|".join(p.mpn for p in parts),
                "partSearchOptions": "Exact",
            }
        }
        response = await self.http.request(
            "POST",
            f"{self.base}/search/partnumber",
            params={"apiKey": self.api_key},
            json_body=body,
        )
        answer.requests += 1
        answer.units += 1
        if response.status_code in (401, 403):
            raise AuthRefused(f"{self.name} refused the API key ({response.status_code})")
        check_status(response, self.name)
        doc = json_of(response, self.name)
        doc = doc if isinstance(doc, dict) else {}
        for error in doc.get("Errors") or []:
            text = f"{error.get('PropertyName') or ''} {error.get('Message') or ''}".lower()
            if "api key" in text or "unique identifier" in text:
                raise AuthRefused(f"{self.name} refused the API key: {error.get('Message')}")
            raise SourceError(f"{self.name}: {error.get('Message') or error}")
        results = doc.get("SearchResults") or {}
        records = [r for r in results.get("Parts") or [] if isinstance(r, dict)]
        total = int(results.get("NumberOfResult") or 0)
        if total > len(records) and len(parts) > 1:
            listed = {str(r.get("ManufacturerPartNumber") or "").upper() for r in records}
            missing = [p for p in parts if p.mpn.upper() not in listed]
            half = max(1, len(missing) // 2)
            for group in (missing[:half], missing[half:]):
                if group:
                    records += await self._search(group, answer)
        return records
