"""Real HTTP servers on loopback that speak each lifecycle provider's documented API.

One Starlette app per provider, served by uvicorn in a thread: Nexar (client-credentials token,
GraphQL ``supMultiMatch`` with per-query ``start``/``limit`` and ``hits``, the monthly part
limit), SiliconExpert (``authenticateUser`` session cookie, ``listPartSearch`` with
``pageNumber``/``pageSize``/``TotalItems``), Digi-Key (OAuth2 token, v4 keyword search with
``Offset``/``Limit``/``ProductsCount``, ``X-RateLimit-*`` headers, 1,000 a day) and Mouser
(``apiKey``, part-number search of up to 10 numbers, 50 results). Each enforces its
credentials (401 otherwise), a requests-per-minute limit (429 with ``Retry-After``), can be
scripted to fail, and counts how often each part was asked about.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

# How each provider writes the internal statuses.
WORDS: dict[str, dict[str, str | None]] = {
    "nexar": {"active": "Production", "nrnd": "NRND", "eol": "EOL", "obsolete": "Obsolete"},
    "siliconexpert": {"active": "Active", "nrnd": "NRND", "eol": "EOL", "obsolete": "Obsolete"},
    "digikey": {
        "active": "Active",
        "nrnd": "Not For New Designs",
        "eol": "Last Time Buy",
        "obsolete": "Obsolete",
    },
    "mouser": {
        "active": None,
        "nrnd": "Not Recommended for New Designs",
        "eol": "End of Life",
        "obsolete": "Obsolete",
    },
}


def squash(mpn: str) -> str:
    """How providers match part numbers: case and punctuation ignored."""
    return re.sub(r"[^A-Z0-9]", "", mpn.upper())


@dataclass
class Part:
    mpn: str
    manufacturer: str
    status: str = "active"  # internal word; each provider renders it in its vocabulary
    last_time_buy: str = ""  # ISO date, when the provider publishes one


@dataclass
class Scripted:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


class Provider:
    """State shared by one provider's routes: its parts, limits, credentials and counters."""

    name = ""

    def __init__(self, parts: Iterable[Part] = (), *, per_minute: int = 0) -> None:
        self.parts: dict[str, list[Part]] = {}
        self.add(parts)
        self.per_minute = per_minute
        self.window: deque[float] = deque()
        self.asked: Counter[str] = Counter()
        self.requests = 0
        self.rate_limited = 0
        self.scripted: deque[Scripted] = deque()
        self.tokens: set[str] = set()
        self.lock = threading.Lock()

    def add(self, parts: Iterable[Part]) -> None:
        for part in parts:
            self.parts.setdefault(squash(part.mpn), []).append(part)

    def set_status(self, mpn: str, status: str, last_time_buy: str = "") -> None:
        for part in self.parts[squash(mpn)]:
            if part.mpn == mpn:
                part.status = status
                part.last_time_buy = last_time_buy

    def word(self, part: Part) -> str | None:
        return WORDS[self.name][part.status]

    def fail_next(self, status: int, count: int = 1, **headers: str) -> None:
        """The next ``count`` search requests answer ``status`` with ``headers``."""
        for _ in range(count):
            self.scripted.append(
                Scripted(status, {k.replace("_", "-"): v for k, v in headers.items()})
            )

    def revoke_tokens(self) -> None:
        """Every issued token or session expires now (the client must get a new one)."""
        self.tokens.clear()

    def gate(self) -> Response | None:
        """Scripted failures, then the rate limit; None lets the request through."""
        with self.lock:
            self.requests += 1
            if self.scripted:
                s = self.scripted.popleft()
                return JSONResponse(s.body or {"error": "scripted"}, s.status, headers=s.headers)
            if self.per_minute:
                now = time.monotonic()
                while self.window and now - self.window[0] >= 60.0:
                    self.window.popleft()
                if len(self.window) >= self.per_minute:
                    self.rate_limited += 1
                    wait = math.ceil(60.0 - (now - self.window[0]))
                    return JSONResponse(
                        {"error": "too many requests"}, 429, headers={"Retry-After": str(wait)}
                    )
                self.window.append(now)
        return None

    def matches(self, mpn: str) -> list[Part]:
        return list(self.parts.get(squash(mpn), []))

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(16)
        self.tokens.add(token)
        return token

    def bearer_ok(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        return header.startswith("Bearer ") and header[7:] in self.tokens

    def count(self, mpns: Iterable[str]) -> None:
        with self.lock:
            self.asked.update(mpns)

    def app(self) -> Starlette:
        raise NotImplementedError


class Nexar(Provider):
    name = "nexar"
    client_id = "nexar-client"
    client_secret = "nexar-secret"

    def __init__(self, parts: Iterable[Part] = (), *, per_minute: int = 0, part_limit: int = 0):
        super().__init__(parts, per_minute=per_minute)
        self.part_limit = part_limit
        self.parts_returned = 0

    def app(self) -> Starlette:
        async def token(request: Request) -> Response:
            form = await request.form()
            if (form.get("client_id"), form.get("client_secret")) != (
                self.client_id,
                self.client_secret,
            ) or form.get("grant_type") != "client_credentials":
                return JSONResponse({"error": "invalid_client"}, 400)
            return JSONResponse(
                {
                    "access_token": self.issue_token(),
                    "expires_in": 86400,
                    "token_type": "Bearer",
                    "scope": "supply.domain",
                }
            )

        async def graphql(request: Request) -> Response:
            if not self.bearer_ok(request):
                return JSONResponse(
                    {"errors": [{"message": "The current user is not authorized"}]}, 401
                )
            refused = self.gate()
            if refused is not None:
                return refused
            body = await request.json()
            if "supMultiMatch" not in body.get("query", ""):
                return JSONResponse({"errors": [{"message": "unknown query"}]}, 400)
            queries = body["variables"]["queries"]
            if sum(int(q.get("limit", 3)) for q in queries) > 100:
                return JSONResponse({"errors": [{"message": "limit must be between 0 and 100"}]})
            if self.part_limit and self.parts_returned >= self.part_limit:
                message = (
                    f"You have exceeded your part limit of {self.part_limit}. Please upgrade "
                    "your plan. Contact us at api@nexar.com for assistance."
                )
                return JSONResponse({"errors": [{"message": message}]}, 500)
            results = []
            for q in queries:
                found = self.matches(q["mpn"])
                start, limit = int(q.get("start", 0)), int(q.get("limit", 3))
                page = found[start : start + limit]
                self.parts_returned += len(page)
                results.append(
                    {
                        "reference": q.get("reference"),
                        "hits": len(found),
                        "parts": [
                            {
                                "mpn": p.mpn,
                                "manufacturer": {"name": p.manufacturer},
                                "specs": [
                                    {
                                        "attribute": {"shortname": "lifecyclestatus"},
                                        "displayValue": f"{self.word(p)} (Last Updated: 3 days"
                                        " ago)",
                                    },
                                    {
                                        "attribute": {"shortname": "case_package"},
                                        "displayValue": "SOIC",
                                    },
                                ],
                            }
                            for p in page
                        ],
                    }
                )
            self.count(q["mpn"] for q in queries)
            return JSONResponse({"data": {"supMultiMatch": results}})

        return Starlette(
            routes=[
                Route("/connect/token", token, methods=["POST"]),
                Route("/graphql", graphql, methods=["POST"]),
            ]
        )


class SiliconExpert(Provider):
    name = "siliconexpert"
    login = "se-user"
    api_key = "se-key"

    def app(self) -> Starlette:
        async def authenticate(request: Request) -> Response:
            form = await request.form()
            if (form.get("login"), form.get("apiKey")) != (self.login, self.api_key):
                return JSONResponse(
                    {
                        "Status": {
                            "Code": "39",
                            "Message": "Invalid user name or API key",
                            "Success": "false",
                        }
                    }
                )
            response = JSONResponse(
                {"Status": {"Code": "0", "Message": "Successful Login", "Success": "true"}}
            )
            response.set_cookie("JSESSIONID", self.issue_token(), httponly=True)
            return response

        async def list_part_search(request: Request) -> Response:
            if request.cookies.get("JSESSIONID") not in self.tokens:
                return JSONResponse(
                    {
                        "Status": {
                            "Code": "39",
                            "Message": "You are not authenticated",
                            "Success": "false",
                        }
                    },
                    401,
                )
            refused = self.gate()
            if refused is not None:
                return refused
            wanted = json.loads(request.query_params["partNumber"])
            if len(wanted) > 50:
                return JSONResponse(
                    {"Status": {"Code": "5", "Message": "Maximum 50 parts", "Success": "false"}}
                )
            page = int(request.query_params.get("pageNumber", "1"))
            size = int(request.query_params.get("pageSize", "50"))
            flat = [
                (w["partNumber"], w.get("manufacturer", ""), p)
                for w in wanted
                for p in self.matches(w["partNumber"])
                if squash(p.mpn) == squash(w["partNumber"])
            ]
            chunk = flat[(page - 1) * size : page * size]
            grouped: dict[str, dict[str, Any]] = {}
            for requested, maker, p in chunk:
                entry = grouped.setdefault(
                    requested,
                    {
                        "RequestedPart": requested,
                        "RequestedManufacturer": maker,
                        "PartList": {"PartDto": []},
                    },
                )
                dto = {
                    "ComID": str(abs(hash(p.mpn)) % 10**8),
                    "PartNumber": p.mpn,
                    "Manufacturer": p.manufacturer,
                    "Description": "test part",
                    "Lifecycle": self.word(p),
                    "RoHS": "Yes",
                    "MatchRating": "Exact",
                }
                if p.last_time_buy:
                    dto["LastTimeBuyDate"] = p.last_time_buy
                entry["PartList"]["PartDto"].append(dto)
            result: list[dict[str, Any]] = [{"PartData": d} for d in grouped.values()]
            for d in grouped.values():  # one element comes as an object, as SiliconExpert sends it
                if len(d["PartList"]["PartDto"]) == 1:
                    d["PartList"]["PartDto"] = d["PartList"]["PartDto"][0]
            if page == 1:
                self.count(w["partNumber"] for w in wanted)
            return JSONResponse(
                {
                    "Status": {"Code": "0", "Message": "Data Found", "Success": "true"},
                    "TotalItems": str(len(flat)),
                    "Result": result,
                }
            )

        return Starlette(
            routes=[
                Route("/ProductAPI/search/authenticateUser", authenticate, methods=["POST"]),
                Route("/ProductAPI/search/listPartSearch", list_part_search, methods=["GET"]),
            ]
        )


class DigiKey(Provider):
    name = "digikey"
    client_id = "dk-client"
    client_secret = "dk-secret"

    def __init__(
        self,
        parts: Iterable[Part] = (),
        *,
        per_minute: int = 0,
        per_day: int = 1000,
        keyword_contains: bool = False,
    ) -> None:
        super().__init__(parts, per_minute=per_minute)
        self.per_day = per_day
        self.used_today = 0
        # A keyword search finds every part containing the words (ExactMatches then empty, as
        # for a locale without them): the adapter must page through Products.
        self.keyword_contains = keyword_contains

    def keyword_matches(self, keywords: str) -> list[Part]:
        if not self.keyword_contains:
            return self.matches(keywords)
        key = squash(keywords)
        return [p for group in self.parts.values() for p in group if key in squash(p.mpn)]

    def app(self) -> Starlette:
        async def token(request: Request) -> Response:
            form = await request.form()
            if (form.get("client_id"), form.get("client_secret")) != (
                self.client_id,
                self.client_secret,
            ):
                return JSONResponse(
                    {
                        "ErrorResponseVersion": "3.0.0.0",
                        "StatusCode": 401,
                        "ErrorMessage": "Invalid client",
                    },
                    401,
                )
            return JSONResponse(
                {"access_token": self.issue_token(), "expires_in": 599, "token_type": "Bearer"}
            )

        async def keyword(request: Request) -> Response:
            if (
                not self.bearer_ok(request)
                or request.headers.get("x-digikey-client-id") != self.client_id
            ):
                return JSONResponse(
                    {"StatusCode": 401, "ErrorMessage": "Bearer token expired"}, 401
                )
            if self.per_day and self.used_today >= self.per_day:
                return JSONResponse(
                    {"ErrorMessage": "Daily ratelimit exceeded", "StatusCode": 429},
                    429,
                    headers={
                        "X-RateLimit-Limit": str(self.per_day),
                        "X-RateLimit-Remaining": "0",
                        "X-RateLimit-Reset": "3600",
                    },
                )
            refused = self.gate()
            if refused is not None:
                if refused.status_code == 429:
                    refused.headers["X-BurstLimit-Limit"] = str(self.per_minute)
                    refused.headers["X-BurstLimit-Remaining"] = "0"
                return refused
            self.used_today += 1
            body = await request.json()
            keywords, limit, offset = (
                body["Keywords"],
                int(body.get("Limit", 10)),
                int(body.get("Offset", 0)),
            )
            found = self.keyword_matches(keywords)
            exact = [p for p in found if p.mpn.upper() == keywords.upper()]
            if self.keyword_contains:
                exact = []
            page = found[offset : offset + limit]

            def product(p: Part) -> dict[str, Any]:
                return {
                    "ManufacturerProductNumber": p.mpn,
                    "Manufacturer": {"Id": 296, "Name": p.manufacturer},
                    "ProductStatus": {"Id": 0, "Status": self.word(p)},
                    "Discontinued": p.status == "obsolete",
                    "EndOfLife": p.status in ("eol", "obsolete"),
                    "DateLastBuyChance": f"{p.last_time_buy}T00:00:00Z"
                    if p.last_time_buy
                    else None,
                    "Description": {"ProductDescription": "test part"},
                }

            if offset == 0:
                self.count([keywords])
            return JSONResponse(
                {
                    "Products": [product(p) for p in page],
                    "ProductsCount": len(found),
                    "ExactMatches": [product(p) for p in exact] if offset == 0 else [],
                    "SearchLocaleUsed": {
                        "Site": request.headers.get("x-digikey-locale-site", "US")
                    },
                },
                headers={
                    "X-RateLimit-Limit": str(self.per_day),
                    "X-RateLimit-Remaining": str(max(0, self.per_day - self.used_today)),
                },
            )

        return Starlette(
            routes=[
                Route("/v1/oauth2/token", token, methods=["POST"]),
                Route("/products/v4/search/keyword", keyword, methods=["POST"]),
            ]
        )


class Mouser(Provider):
    name = "mouser"
    api_key = "mouser-key"

    def app(self) -> Starlette:
        async def partnumber(request: Request) -> Response:
            if request.query_params.get("apiKey") != self.api_key:
                return JSONResponse(
                    {
                        "Errors": [
                            {
                                "Id": 0,
                                "Code": "Invalid",
                                "Message": "Invalid unique identifier.",
                                "PropertyName": "API Key",
                            }
                        ],
                        "SearchResults": None,
                    },
                    401,
                )
            refused = self.gate()
            if refused is not None:
                return refused
            body = await request.json()
            numbers = [n for n in body["SearchByPartRequest"]["mouserPartNumber"].split("|") if n]
            if len(numbers) > 10:
                return JSONResponse(
                    {"Errors": [{"Message": "At most 10 part numbers"}], "SearchResults": None}
                )
            found = [p for n in numbers for p in self.matches(n) if p.mpn.upper() == n.upper()]
            self.count(numbers)
            return JSONResponse(
                {
                    "Errors": [],
                    "SearchResults": {
                        "NumberOfResult": len(found),
                        "Parts": [
                            {
                                "ManufacturerPartNumber": p.mpn,
                                "Manufacturer": p.manufacturer,
                                "MouserPartNumber": f"595-{p.mpn}",
                                "LifecycleStatus": self.word(p),
                                "Description": "test part",
                            }
                            for p in found[:50]
                        ],
                    },
                }
            )

        return Starlette(routes=[Route("/api/v1/search/partnumber", partnumber, methods=["POST"])])


class Served:
    """A provider's app on a free loopback port, in a thread; ``with Served(p) as s:``."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        config = uvicorn.Config(
            provider.app(), host="127.0.0.1", port=0, log_level="error", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(self.server.serve())

    @property
    def url(self) -> str:
        (sock,) = self.server.servers[0].sockets
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"{self.provider.name} fake did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def settings_env(served: dict[str, Served]) -> dict[str, str]:
    """RADAR_ variables pointing the watcher at the served providers with their credentials."""
    env: dict[str, str] = {"RADAR_WATCHER_SOURCES": ",".join(served)}
    for name, s in served.items():
        if name == "nexar":
            env |= {
                "RADAR_NEXAR_URL": f"{s.url}/graphql",
                "RADAR_NEXAR_TOKEN_URL": f"{s.url}/connect/token",
                "RADAR_NEXAR_CLIENT_ID": Nexar.client_id,
                "RADAR_NEXAR_CLIENT_SECRET": Nexar.client_secret,
            }
        elif name == "siliconexpert":
            env |= {
                "RADAR_SILICONEXPERT_URL": f"{s.url}/ProductAPI",
                "RADAR_SILICONEXPERT_LOGIN": SiliconExpert.login,
                "RADAR_SILICONEXPERT_API_KEY": SiliconExpert.api_key,
            }
        elif name == "digikey":
            env |= {
                "RADAR_DIGIKEY_URL": s.url,
                "RADAR_DIGIKEY_CLIENT_ID": DigiKey.client_id,
                "RADAR_DIGIKEY_CLIENT_SECRET": DigiKey.client_secret,
            }
        elif name == "mouser":
            env |= {"RADAR_MOUSER_URL": f"{s.url}/api/v1", "RADAR_MOUSER_API_KEY": Mouser.api_key}
    return env


PROVIDERS: dict[str, Callable[..., Provider]] = {
    "nexar": Nexar,
    "siliconexpert": SiliconExpert,
    "digikey": DigiKey,
    "mouser": Mouser,
}
