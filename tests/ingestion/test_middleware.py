"""The body limit (declared and streamed bodies) and the HTTP metrics."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from radar_ingestion.middleware import BodyLimit
from tests.ingestion.conftest import Ingest, start_ingest


async def _echo_length(request: Request) -> JSONResponse:
    return JSONResponse({"length": len(await request.body())})


@pytest.fixture
def limited() -> Iterator[TestClient]:
    app = Starlette(routes=[Route("/echo", _echo_length, methods=["POST"])])
    with TestClient(BodyLimit(app, max_bytes=1000)) as client:
        yield client


def chunks(total: int, size: int = 100) -> Iterator[bytes]:
    for _ in range(total // size):
        yield b"x" * size


def test_bodies_within_the_limit_pass(limited: TestClient) -> None:
    assert limited.post("/echo", content=b"x" * 1000).json() == {"length": 1000}
    assert limited.post("/echo", content=chunks(1000)).json() == {"length": 1000}


def test_a_declared_length_over_the_limit_is_refused_up_front(limited: TestClient) -> None:
    answer = limited.post("/echo", content=b"x" * 1001)
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"] == "https://radar.dev/problems/body-too-large"


def test_a_chunked_body_is_counted_while_it_streams(limited: TestClient) -> None:
    answer = limited.post("/echo", content=chunks(5000))
    assert "content-length" not in answer.request.headers
    assert answer.status_code == 413
    assert answer.json()["type"].endswith("/body-too-large")


def test_a_non_numeric_length_is_400(limited: TestClient) -> None:
    answer = limited.post("/echo", content=b"x", headers={"Content-Length": "abc"})
    assert answer.status_code == 400


@pytest.fixture
def small_ingest(shared_nats_url: str) -> Iterator[Ingest]:
    yield from start_ingest(shared_nats_url, max_body_bytes=10_000)


@pytest.mark.integration
@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_the_app_refuses_oversized_bodies_and_stores_nothing(
    small_ingest: Ingest, chunked: bool
) -> None:
    pad = "y" * 20_000
    body = ('{"source":"nexar","raw_data":{"pad":"' + pad + '"}}').encode()
    content = chunks(len(body)) if chunked else body
    answer = small_ingest.client.post(
        "/v1/events/ingest", content=content, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    form = small_ingest.client.post(
        "/v1/ingest/sendgrid", files={"attachment1": ("big.pdf", pad.encode(), "application/pdf")}
    )
    assert form.status_code == 413
    assert small_ingest.events() == []


@pytest.mark.integration
def test_requests_are_counted_by_route_template(ingest: Ingest) -> None:
    ingest.client.get("/v1/tasks/" + "0" * 32)
    metrics = ingest.client.get("/metrics").text
    assert 'route="/v1/tasks/{task_id}"' in metrics
