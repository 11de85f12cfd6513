"""The ingestion API's catalog import and assessment reads, against real NATS and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from radar_cli.commands.catalog import demo_catalog_dir
from radar_cli.infra import NatsServer
from radar_common.catalog import import_texts
from radar_inference.engine import assess_notice, match_notice
from radar_inference.repository import save_assessment
from radar_inference.settings import InferenceSettings
from radar_ingestion.app import create_app
from tests.inference.catalogs import HAND, pool_for
from tests.inference.test_engine import notice
from tests.ingestion.conftest import API_KEY, make_settings

pytestmark = pytest.mark.integration


@pytest.fixture
def api(nats_server: NatsServer, database_url: str) -> Iterator[TestClient]:
    settings = make_settings(nats_server.url, "inf", database_url=database_url)
    with TestClient(create_app(settings), headers={"X-API-Key": API_KEY}) as client:
        yield client


def demo_files() -> dict[str, tuple[str, bytes, str]]:
    return {
        name: (f"{name}.csv", (demo_catalog_dir() / f"{name}.csv").read_bytes(), "text/csv")
        for name in ("products", "bom", "parts", "alternates")
    }


def test_catalog_import_over_http(api: TestClient) -> None:
    answer = api.post("/v1/catalog/import", files=demo_files())
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["products"] == 6
    assert report["parts"] >= 20
    assert report["parts_without_stock"] == []
    assert report["changed"]["products"] == 6  # all new
    again = api.post("/v1/catalog/import", files=demo_files()).json()
    # The same catalog: the same counts, and nothing changed.
    assert {k: v for k, v in again.items() if k != "changed"} == {
        k: v for k, v in report.items() if k != "changed"
    }
    assert set(again["changed"].values()) == {0}


def test_a_bad_file_is_a_422_naming_line_and_column(api: TestClient) -> None:
    files = demo_files()
    files["bom"] = (
        "bom.csv",
        b"parent_sku,child_sku,mpn,manufacturer,quantity\nA,,X,,two\n",
        "text/csv",
    )
    answer = api.post("/v1/catalog/import", files=files)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["type"].endswith("/catalog-invalid")
    assert (problem["file"], problem["line"], problem["column"]) == ("bom.csv", 2, "quantity (5)")
    assert api.post("/v1/catalog/import").status_code == 422  # no file at all


def test_import_and_reads_need_credentials(api: TestClient) -> None:
    anonymous = {"X-API-Key": ""}
    assert api.post("/v1/catalog/import", files=demo_files(), headers=anonymous).status_code == 401
    assert api.get("/v1/assessments", headers=anonymous).status_code == 401


def test_assessments_are_readable_and_filterable(api: TestClient, database_url: str) -> None:
    async def store() -> list[str]:
        async with pool_for(database_url) as pool:
            await import_texts(pool, HAND)
            ids = []
            for mpn in ("LM358DR", "TL072CP"):
                n = notice(mpn)
                a = await assess_notice(pool, n, await match_notice(pool, n), InferenceSettings())
                ids.append((await save_assessment(pool, a)).assessment_id)
            return ids

    exposed, unknown = asyncio.run(store())
    one = api.get(f"/v1/assessments/{exposed}")
    assert one.status_code == 200, one.text
    body = one.json()
    assert (body["ltb_quantity"], body["ltb_cost"], body["revenue_at_risk"]) == (
        "536",
        "268.00",
        "14666.67",
    )
    assert body["where_used"][0]["sku"] == "P1"
    assert api.get(f"/v1/assessments/{'0' * 32}").status_code == 404

    everything = api.get("/v1/assessments").json()
    assert everything["count"] == 2
    by_mpn = api.get("/v1/assessments", params={"mpn": "lm358dr"}).json()
    assert [a["assessment_id"] for a in by_mpn["items"]] == [exposed]
    info = api.get("/v1/assessments", params={"severity": "info", "limit": 1}).json()
    assert [a["assessment_id"] for a in info["items"]] == [unknown]
    assert info["items"][0]["where_used"] == []  # empty fields are present
    assert api.get("/v1/assessments", params={"severity": "dire"}).status_code == 422
