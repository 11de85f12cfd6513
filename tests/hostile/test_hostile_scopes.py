"""Each API key does what its scopes say, and nothing else.

The key pasted into a provider's webhook URL (SendGrid, Postmark, SES) travels through other
companies' systems: it must not be able to replace the catalog, cancel tasks or read every
assessment. ``RADAR_API_KEYS`` entries carry scopes (``key:scope,scope;key2:scope``):

- ``ingest``: deliveries only (``POST /v1/events/ingest``, ``/v1/ingest/*``);
- ``read``: tasks, notices, assessments;
- ``admin``: the catalog, cancelling a task, dead-letter replay, notice review/decisions.

A known key without the scope is refused with 403 problem+json; an unknown key with 401.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from radar_cli.infra import NatsServer
from radar_ingestion.settings import IngestionSettings
from tests.hostile.conftest import Ingestion
from tests.ingestion.conftest import Ingest, start_ingest

pytestmark = pytest.mark.integration

INGEST, READ, ADMIN, OPS = "key-ingest-01", "key-read-02", "key-admin-03", "key-ops-04"
EVENT = {"source": "siliconexpert", "raw_data": {"mpn": "LM358DR"}}
CSV = ("products.csv", b"sku,name\nP-1,Product\n", "text/csv")


@pytest.fixture
def scoped(hostile_nats: NatsServer) -> Iterator[Ingest]:
    keys = f"{INGEST}:ingest;{READ}:read;{ADMIN}:admin;{OPS}:read,admin"
    yield from start_ingest(hostile_nats.url, api_keys=keys)


def call(ingest: Ingest, key: str, what: str, task_id: str) -> Any:
    client, headers = ingest.client, {"X-API-Key": key}
    if what == "ingest":
        return client.post("/v1/events/ingest", json=EVENT, headers=headers)
    if what == "sendgrid":
        return client.post("/v1/ingest/sendgrid", data={"subject": "PDN"}, auth=("sg", key))
    if what == "read task":
        return client.get(f"/v1/tasks/{task_id}", headers=headers)
    if what == "list tasks":
        return client.get("/v1/tasks", headers=headers)
    if what == "read assessments":
        return client.get("/v1/assessments", headers=headers)
    if what == "cancel":
        return client.delete(f"/v1/tasks/{task_id}", headers=headers)
    if what == "catalog":
        return client.post("/v1/catalog/import", files={"products": CSV}, headers=headers)
    if what == "list notices":
        return client.get("/v1/notices", params={"review": "pending"}, headers=headers)
    if what == "review notice":
        return client.post(f"/v1/notices/{task_id}/review", json=REVIEW, headers=headers)
    if what == "decide notice":
        return client.post(f"/v1/notices/{task_id}/decision", json=DECISION, headers=headers)
    raise AssertionError(what)


REVIEW = {"actor": "someone@example.com"}
DECISION = {"actor": "someone@example.com", "action": "acknowledge"}
ALLOWED = {
    INGEST: {"ingest", "sendgrid"},
    READ: {"read task", "list tasks", "read assessments", "list notices"},
    ADMIN: {"cancel", "catalog", "review notice", "decide notice"},
    OPS: {
        "read task",
        "list tasks",
        "read assessments",
        "list notices",
        "cancel",
        "catalog",
        "review notice",
        "decide notice",
    },
}
ACTIONS = sorted({a for actions in ALLOWED.values() for a in actions})


@pytest.mark.parametrize("key", list(ALLOWED))
def test_each_key_does_what_its_scopes_say(scoped: Ingest, key: str) -> None:
    scoped.client.headers.clear()
    accepted = scoped.client.post("/v1/events/ingest", json=EVENT, headers={"X-API-Key": INGEST})
    assert accepted.status_code == 202, accepted.text
    task_id = accepted.json()["task_id"]
    outcomes = {what: call(scoped, key, what, task_id) for what in ACTIONS}
    for what, answer in outcomes.items():
        if what in ALLOWED[key]:
            # Past the credentials: 2xx, or what the operation itself says (no database: 503).
            assert answer.status_code not in (401, 403), (key, what, answer.text)
        else:
            assert answer.status_code == 403, (key, what, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
            problem = answer.json()
            assert problem["type"].endswith("/insufficient-scope"), problem
            assert problem["required_scope"] in {"ingest", "read", "admin"}


def test_an_unknown_key_is_still_401(scoped: Ingest) -> None:
    scoped.client.headers.clear()
    answer = scoped.client.get("/v1/tasks", headers={"X-API-Key": "key-nobody"})
    assert answer.status_code == 401


def test_the_format_and_the_compatibility_rule() -> None:
    from radar_common.api_keys import ApiKey, parse_api_keys

    assert parse_api_keys("a:ingest,read; b:admin ;c") == [
        ApiKey("a", frozenset({"ingest", "read"})),
        ApiKey("b", frozenset({"admin"})),
        ApiKey("c", frozenset({"ingest", "read", "admin"})),
    ]
    # Before scopes: comma-separated keys, each may still do everything.
    assert parse_api_keys(" k1, k2 ,,") == [
        ApiKey("k1", frozenset({"ingest", "read", "admin"})),
        ApiKey("k2", frozenset({"ingest", "read", "admin"})),
    ]
    for bad in ("a:ingest,write", "a:", "a b:read", ":read"):
        with pytest.raises(ValueError, match="RADAR_API_KEYS"):
            parse_api_keys(bad)
    with pytest.raises(ValueError, match="scope"):
        IngestionSettings(api_keys="k:everything")


def test_openapi_declares_the_security_and_scope_of_every_route(ingestion: Ingestion) -> None:
    doc = httpx.get(f"{ingestion.url}/openapi.json").json()
    schemes = doc["components"]["securitySchemes"]
    undeclared = []
    for path, item in doc["paths"].items():
        if not path.startswith("/v1"):
            continue
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            security = op.get("security") or []
            scope = op.get("x-required-scope")
            names = {name for requirement in security for name in requirement}
            if (
                not security
                or scope not in {"ingest", "read", "admin"}
                or not names <= set(schemes)
            ):
                undeclared.append(f"{method.upper()} {path}")
                continue
            for requirement in security:
                for name, scopes in requirement.items():
                    if schemes[name]["type"] == "http" or schemes[name].get("in") != "query":
                        assert scopes in ([], [scope]), (path, requirement)
            assert op["responses"].get("403"), f"{method} {path}: 403 not documented"
    assert not undeclared, f"operations without declared security and scope: {undeclared}"
