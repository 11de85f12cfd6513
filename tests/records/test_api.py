"""GET/POST /v1/notices…: list, read, review, decide, history (real NATS and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import nats
import pytest
from fastapi.testclient import TestClient

from radar_cli.infra import NatsServer
from radar_common.bus.topology import Topology
from radar_common.contracts import NoticeWork
from radar_common.db import connect_pool, migrate
from radar_common.notices.arrivals import record_arrival
from radar_ingestion.app import create_app
from tests.ingestion.conftest import API_KEY, make_settings
from tests.records.notices import arrival

pytestmark = pytest.mark.integration
PREFIX = "rec"


@pytest.fixture
def api(nats_server: NatsServer, database_url: str) -> Iterator[TestClient]:
    settings = make_settings(nats_server.url, PREFIX, database_url=database_url)
    with TestClient(create_app(settings), headers={"X-API-Key": API_KEY}) as client:
        yield client


def record(database_url: str, *notices: Any) -> list[str]:
    async def go() -> list[str]:
        pool = await connect_pool(database_url, attempts=3)
        try:
            await migrate(pool)
            return [(await record_arrival(pool, n)).record.record_id for n in notices]
        finally:
            await pool.close()

    return asyncio.run(go())


def work_messages(nats_url: str) -> list[tuple[NoticeWork, dict[str, str]]]:
    async def go() -> list[tuple[NoticeWork, dict[str, str]]]:
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            stream = Topology(PREFIX.upper(), PREFIX).work_stream.name
            info = await js.stream_info(stream)
            out = []
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                if not info.state.messages:
                    break
                msg = await js.get_msg(stream, seq)
                work = NoticeWork()
                work.ParseFromString(msg.data or b"")
                out.append((work, dict(msg.headers or {})))
            return out
        finally:
            await nc.close()

    return asyncio.run(go())


def test_list_filters_and_pages(api: TestClient, database_url: str) -> None:
    ids = record(
        database_url,
        arrival("LM358DR", event="a"),
        arrival("NE555P", event="b", review="pending", review_reasons=["part number unclear"]),
        arrival("TL072CP", event="c", notice_kind="change", manufacturer="STMicroelectronics"),
    )
    everything = api.get("/v1/notices").json()
    assert everything["count"] == 3
    assert everything["next_cursor"] is None
    pending = api.get("/v1/notices", params={"review": "pending"}).json()
    assert [n["record_id"] for n in pending["items"]] == [ids[1]]
    assert pending["items"][0]["review_reasons"] == ["part number unclear"]
    assert pending["items"][0]["state"] == "needs_review"
    by_maker = api.get("/v1/notices", params={"manufacturer": "stmicroelectronics"}).json()
    assert [n["mpn"] for n in by_maker["items"]] == ["TL072CP"]
    assert api.get("/v1/notices", params={"kind": "change"}).json()["count"] == 1
    assert api.get("/v1/notices", params={"mpn": "ne555p"}).json()["count"] == 1
    assert api.get("/v1/notices", params={"state": ["new"]}).json()["count"] == 2
    assert api.get("/v1/notices", params={"until": "2000-01-01T00:00:00Z"}).json()["count"] == 0
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/v1/notices", params=params).json()
        seen += [n["record_id"] for n in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(ids)
    assert len(seen) == 3
    bad = api.get("/v1/notices", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_one_notice_has_evidence_sources_and_mentions(api: TestClient, database_url: str) -> None:
    (rid,) = record(
        database_url, arrival(mentions=[("LM358DR", "affected"), ("LM2904DR", "replacement")])
    )
    record(database_url, arrival(event="mail", source="email_gateway"))
    answer = api.get(f"/v1/notices/{rid}")
    assert answer.status_code == 200
    assert answer.headers["etag"] == '"v2"'  # created, then merged
    body = answer.json()
    assert body["evidence"][0]["location"] == "attachment:PDN.pdf#page=1"
    assert body["evidence"][0]["line"] == 12
    assert [m["role"] for m in body["mentions"]] == ["affected", "replacement"]
    assert [s["source"] for s in body["sources"]] == ["siliconexpert", "email_gateway"]
    assert body["sources_count"] == 2
    assert body["assessment"] is None  # nobody assessed it in this test
    missing = api.get(f"/v1/notices/{'0' * 32}")
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/notice-not-found")


def test_a_review_corrects_records_who_and_queues_the_reassessment(
    api: TestClient, database_url: str, nats_server: NatsServer
) -> None:
    (rid,) = record(database_url, arrival(review="pending", review_reasons=["LTB ambiguous"]))
    stale = api.post(
        f"/v1/notices/{rid}/review",
        json={"actor": "jane", "corrections": {}},
        headers={"If-Match": '"v9"'},
    )
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 1
    answer = api.post(
        f"/v1/notices/{rid}/review",
        json={
            "actor": "jane",
            "corrections": {"last_time_buy_date": "2026-06-05"},
            "mentions": [{"mpn": "LM2904DR", "role": "replacement"}],
            "note": "05/06 is 5 June here",
        },
        headers={"If-Match": '"v1"'},
    )
    assert answer.status_code == 202, answer.text
    body = answer.json()
    notice = body["notice"]
    assert (notice["review"], notice["state"], notice["facts_version"]) == ("corrected", "new", 2)
    assert notice["last_time_buy_date"] == "2026-06-05"
    assert notice["replacement_mpn"] == "LM2904DR"
    changed = {c["field"]: (c["before"], c["after"]) for c in body["changes"]}
    assert changed["last_time_buy_date"] == ("2026-05-03", "2026-06-05")
    assert changed["review"] == ("pending", "corrected")
    queued = body["reassessment"]
    assert queued["queued"] is True
    assert queued["records"] == [rid]
    (work, headers), *_ = work_messages(nats_server.url)
    assert (work.record_id, work.kind, work.trigger, work.key) == (
        rid,
        "reassess",
        "review",
        "facts:2",
    )
    assert headers["Radar-Task-Id"] == queued["task_id"]
    assert queued["status_url"].endswith(f"/v1/tasks/{queued['task_id']}")
    task = api.get(f"/v1/tasks/{queued['task_id']}")
    assert task.status_code == 200
    assert task.json()["source"] == "review"
    trail = api.get(f"/v1/notices/{rid}/history").json()
    reviewed = trail["entries"][-1]
    assert (reviewed["action"], reviewed["kind"], reviewed["actor"]) == (
        "reviewed",
        "review",
        "jane",
    )
    assert reviewed["before"]["last_time_buy_date"] == "2026-05-03"
    assert reviewed["after"]["last_time_buy_date"] == "2026-06-05"
    assert reviewed["note"] == "05/06 is 5 June here"
    assert [r["cause"] for r in trail["revisions"]] == ["arrival", "review"]


def test_review_refusals_are_problems(api: TestClient, database_url: str) -> None:
    (rid,) = record(database_url, arrival())
    bad_date = api.post(
        f"/v1/notices/{rid}/review",
        json={"actor": "jane", "corrections": {"last_time_buy_date": "05/06/2026"}},
    )
    assert bad_date.status_code == 422
    assert bad_date.headers["content-type"].startswith("application/problem+json")
    bad_role = api.post(
        f"/v1/notices/{rid}/review",
        json={"actor": "jane", "mentions": [{"mpn": "X1", "role": "maybe"}]},
    )
    assert bad_role.status_code == 422
    no_actor = api.post(f"/v1/notices/{rid}/review", json={"corrections": {}})
    assert no_actor.status_code == 422
    # Marking its own part not affected closes the record; then it takes no review.
    closing = api.post(
        f"/v1/notices/{rid}/review",
        json={"actor": "jane", "mentions": [{"mpn": "LM358DR", "role": "not_affected"}]},
    )
    assert closing.status_code == 202
    assert closing.json()["notice"]["state"] == "closed"
    assert closing.json()["closed"] == [rid]
    again = api.post(f"/v1/notices/{rid}/review", json={"actor": "jane"})
    assert again.status_code == 409
    assert again.json()["type"].endswith("/notice-conflict")


def test_decisions_are_recorded_with_who_and_when(api: TestClient, database_url: str) -> None:
    (rid,) = record(database_url, arrival())
    ack = api.post(f"/v1/notices/{rid}/decision", json={"actor": "bob", "action": "acknowledge"})
    assert ack.status_code == 200
    assert ack.json()["notice"]["state"] == "acknowledged"
    no_quantity = api.post(
        f"/v1/notices/{rid}/decision", json={"actor": "bob", "action": "last_time_buy"}
    )
    assert no_quantity.status_code == 422
    assert "quantity" in no_quantity.json()["detail"]
    decided = api.post(
        f"/v1/notices/{rid}/decision",
        json={
            "actor": "bob",
            "action": "last_time_buy",
            "quantity": 1200,
            "owner": "carol",
            "note": "PO 4711",
        },
        headers={"If-Match": ack.headers["etag"]},
    )
    assert decided.status_code == 200, decided.text
    notice = decided.json()["notice"]
    assert (notice["state"], notice["owner"]) == ("decided", "carol")
    assert notice["decision"] == {
        "action": "last_time_buy",
        "quantity": 1200,
        "alternate_mpn": "",
        "note": "PO 4711",
        "by": "bob",
    }
    entries = api.get(f"/v1/notices/{rid}/history").json()["entries"]
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("recorded", "inference"),
        ("acknowledged", "bob"),
        ("decided", "bob"),
    ]
    assert entries[2]["before"] == {"state": "acknowledged", "decision": None, "owner": ""}
    assert entries[2]["after"]["state"] == "decided"
    assert entries[2]["at"] >= entries[1]["at"]


def test_notice_routes_need_credentials_and_declare_them(api: TestClient) -> None:
    anonymous = {"X-API-Key": ""}
    assert api.get("/v1/notices", headers=anonymous).status_code == 401
    assert (
        api.post(
            f"/v1/notices/{'0' * 32}/decision",
            json={"actor": "x", "action": "acknowledge"},
            headers=anonymous,
        ).status_code
        == 401
    )
    schema = api.get("/openapi.json").json()
    for path, method in (
        ("/v1/notices", "get"),
        ("/v1/notices/{record_id}", "get"),
        ("/v1/notices/{record_id}/review", "post"),
        ("/v1/notices/{record_id}/decision", "post"),
        ("/v1/notices/{record_id}/history", "get"),
    ):
        operation = schema["paths"][path][method]
        assert operation.get("security"), (path, method)
        assert (
            "application/problem+json"
            in operation["responses"]["404" if "{" in path else "401"]["content"]
        )
