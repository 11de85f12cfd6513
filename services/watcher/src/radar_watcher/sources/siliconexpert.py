"""SiliconExpert ProductAPI: a session from ``authenticateUser``, then ``listPartSearch``.

- Session: ``POST {base}/search/authenticateUser`` with form ``login`` and ``apiKey``; the
  answer's cookies are the session (sent back on every call; it lapses after 30 minutes
  unused, and a lapsed or refused session is renewed once before giving up).
- Search: ``GET {base}/search/listPartSearch?partNumber=[{"partNumber", "manufacturer"}, ...]``
  with ``mode=exact``, ``fmt=json``, at most 50 parts a request, answered page by page
  (``pageNumber``, ``pageSize``; ``TotalItems`` counts every part record of the answer).
- Every answer carries ``Status {Code, Message, Success}``; records come as
  ``Result[].PartData {RequestedPart, RequestedManufacturer, PartList.PartDto[]}`` (a single
  entry may come as an object instead of a list), each with ``Lifecycle`` and, when known,
  ``LastTimeBuyDate`` / ``LastShipDate``.
"""

from __future__ import annotations

import json
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
    "active": "active",
    "active-unconfirmed": "active",
    "active unconfirmed": "active",
    "nrnd": "nrnd",
    "nrfnd": "nrnd",
    "not recommended for new design": "nrnd",
    "ltb": "eol",
    "eol": "eol",
    "end of life": "eol",
    "obsolete": "obsolete",
    "discontinued": "obsolete",
}
SHAPE = RecordShape(
    VOCABULARY,
    mpn=lambda r: str(r.get("PartNumber") or ""),
    manufacturer=lambda r: str(r.get("Manufacturer") or ""),
    status=lambda r: str(r.get("Lifecycle") or r.get("PartStatus") or ""),
    last_time_buy=lambda r: r.get("LastTimeBuyDate"),
    last_ship=lambda r: r.get("LastShipDate"),
)
MAX_PARTS = 50
PAGE_SIZE = 250
MAX_PAGES = 20
_SESSION_WORDS = ("authenticat", "login", "session")


def as_list(value: Any) -> list[dict[str, Any]]:
    """SiliconExpert's JSON (converted from XML) gives one element as an object, many as a list."""
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return [value] if isinstance(value, dict) else []


class SiliconExpertSource:
    name = "siliconexpert"
    parts_per_request = MAX_PARTS

    def __init__(self, http: Http, base_url: str, login: str, api_key: str) -> None:
        self.http = http
        self.base = base_url.rstrip("/")
        self.login = login
        self.api_key = api_key
        self._session = False

    async def check(self, parts: Sequence[CatalogPart]) -> Answer:
        wanted = json.dumps(
            [{"partNumber": p.mpn, "manufacturer": p.manufacturer} for p in parts],
            separators=(",", ":"),
        )
        records: dict[str, list[dict[str, Any]]] = {}
        requests = 0
        page = 1
        while page <= MAX_PAGES:
            doc = await self._get(
                "listPartSearch",
                {
                    "partNumber": wanted,
                    "mode": "exact",
                    "fmt": "json",
                    "pageNumber": str(page),
                    "pageSize": str(PAGE_SIZE),
                },
            )
            requests += 1
            for entry in as_list(doc.get("Result")):
                data = entry.get("PartData", entry)
                requested = str(data.get("RequestedPart") or "")
                dtos = as_list((data.get("PartList") or {}).get("PartDto"))
                records.setdefault(requested.upper(), []).extend(dtos)
            total = int(doc.get("TotalItems") or 0)
            if page * PAGE_SIZE >= total:
                break
            page += 1
        observations = [SHAPE.observe(p, records.get(p.mpn.upper(), [])) for p in parts]
        return Answer(observations, requests=requests, units=requests)

    async def _authenticate(self) -> None:
        response = await self.http.request(
            "POST",
            f"{self.base}/search/authenticateUser",
            form={"login": self.login, "apiKey": self.api_key, "fmt": "json"},
        )
        check_status(response, self.name)
        status = json_of(response, self.name).get("Status") or {}
        if str(status.get("Success")).lower() != "true":
            raise AuthRefused(f"{self.name} refused the login: {status.get('Message')}")
        self._session = True

    async def _get(self, operation: str, params: dict[str, str]) -> dict[str, Any]:
        for renewed in (False, True):
            if not self._session or renewed:
                await self._authenticate()
            response = await self.http.request(
                "GET", f"{self.base}/search/{operation}", params=params
            )
            if response.status_code in (401, 403):
                self._session = False
                continue
            check_status(response, self.name)
            doc = json_of(response, self.name)
            status = doc.get("Status") or {} if isinstance(doc, dict) else {}
            if str(status.get("Success", "true")).lower() == "true":
                return doc if isinstance(doc, dict) else {}
            message = str(status.get("Message") or "")
            if not any(word in message.lower() for word in _SESSION_WORDS):
                raise SourceError(f"{self.name} {operation}: {message}")
            self._session = False
        raise AuthRefused(f"{self.name} refused a fresh session for {operation}")
