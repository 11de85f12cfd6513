"""Digi-Key Product Information v4: keyword search for one part number, OAuth2 client credentials.

- Token: ``POST {base}/v1/oauth2/token`` (form ``client_id``, ``client_secret``,
  ``grant_type=client_credentials``); about ten minutes valid, kept until shortly before.
- Search: ``POST {base}/products/v4/search/keyword`` with ``{Keywords, Limit, Offset}`` and the
  headers ``Authorization: Bearer``, ``X-DIGIKEY-Client-Id``, ``X-DIGIKEY-Locale-Site``; one
  part number a request. The answer lists ``ExactMatches`` and ``Products`` (``ProductsCount``
  in all; further pages by ``Offset``).
- Each product: ``ManufacturerProductNumber``, ``Manufacturer.Name``, ``ProductStatus.Status``
  (Active, Not For New Designs, Last Time Buy, Obsolete, Discontinued at Digi-Key,
  Preliminary), ``DateLastBuyChance``.
- Limits (standard plan): 120 requests a minute, 1,000 a day; every answer says what is left in
  ``X-RateLimit-Remaining``; a 429 comes with ``Retry-After`` (burst) or with no daily
  requests left (``X-RateLimit-Reset`` seconds until the day's allowance returns).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from radar_watcher.catalog import CatalogPart
from radar_watcher.sources.http import (
    ClientCredentials,
    Http,
    check_status,
    json_of,
    retry_after_seconds,
)
from radar_watcher.sources.protocol import (
    Answer,
    AuthRefused,
    QuotaExhausted,
    RecordShape,
    not_found,
)

VOCABULARY = {
    "active": "active",
    "preliminary": "active",
    "not for new designs": "nrnd",
    "last time buy": "eol",
    "obsolete": "obsolete",
    # "Discontinued at Digi-Key" says Digi-Key stopped stocking it, not that it is not made.
}
SHAPE = RecordShape(
    VOCABULARY,
    mpn=lambda r: str(r.get("ManufacturerProductNumber") or ""),
    manufacturer=lambda r: str((r.get("Manufacturer") or {}).get("Name") or ""),
    status=lambda r: str((r.get("ProductStatus") or {}).get("Status") or ""),
    last_time_buy=lambda r: r.get("DateLastBuyChance"),
)
LIMIT = 10
MAX_PAGES = 2


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


class DigiKeySource:
    name = "digikey"
    parts_per_request = 1

    def __init__(
        self,
        http: Http,
        base_url: str,
        client_id: str,
        secret: str,
        locale_site: str = "US",
    ) -> None:
        self.http = http
        self.base = base_url.rstrip("/")
        self.client_id = client_id
        self.locale_site = locale_site
        self.credentials = ClientCredentials(
            http, f"{self.base}/v1/oauth2/token", client_id, secret
        )

    async def check(self, parts: Sequence[CatalogPart]) -> Answer:
        (part,) = parts
        products: list[dict[str, Any]] = []
        answer = Answer([], requests=0, units=0)
        observation = not_found(part)
        for page in range(MAX_PAGES):
            doc = await self._search(part.mpn, page * LIMIT, answer)
            products += [*(doc.get("ExactMatches") or []), *(doc.get("Products") or [])]
            observation = SHAPE.observe(part, (p for p in products if isinstance(p, dict)))
            if observation.found or int(doc.get("ProductsCount") or 0) <= (page + 1) * LIMIT:
                break
        answer.observations.append(observation)
        return answer

    async def _search(self, mpn: str, offset: int, answer: Answer) -> dict[str, Any]:
        body = {"Keywords": mpn, "Limit": LIMIT, "Offset": offset}
        for fresh_token in (False, True):
            if fresh_token:
                self.credentials.invalidate()
            response = await self.http.request(
                "POST",
                f"{self.base}/products/v4/search/keyword",
                json_body=body,
                headers={
                    "Authorization": f"Bearer {await self.credentials.token()}",
                    "X-DIGIKEY-Client-Id": self.client_id,
                    "X-DIGIKEY-Locale-Site": self.locale_site,
                },
            )
            if response.status_code != 401:
                break
        else:
            raise AuthRefused(f"{self.name} refused a fresh token: {response.text[:200]}")
        answer.requests += 1
        answer.units += 1
        remaining = _int(response.headers.get("x-ratelimit-remaining"))
        if remaining is not None:
            answer.quota_remaining = remaining
        if response.status_code == 429 and remaining == 0:
            wait = _int(response.headers.get("x-ratelimit-reset")) or retry_after_seconds(response)
            raise QuotaExhausted(
                f"{self.name}: no requests left today",
                datetime.now(UTC) + timedelta(seconds=wait),
            )
        check_status(response, self.name)
        doc = json_of(response, self.name)
        return doc if isinstance(doc, dict) else {}
