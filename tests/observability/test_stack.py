"""The four real services: metrics move as a notice flows, and one trace spans them all.

One stack for the module (starting four processes is the expensive part): every service
exports spans to an in-process OTLP receiver, and ``/metrics`` is read with Prometheus' own
text parser.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from radar_cli.infra import NatsServer, PostgresServer
from radar_cli.stack import Stack
from tests.observability.assets import EXTERNAL_METRICS, referenced_metrics, static_metric_names
from tests.support.otlp import OtlpReceiver, ReceivedSpan
from tests.support.prometheus import Scrape
from tests.support.receiver import Receiver

pytestmark = pytest.mark.integration
API_KEY = "test-key-observability-0123"
WORKERS = ("normalizer", "inference", "notifier")
SERVICES = ("ingestion", *WORKERS)
SPAN_KIND_SERVER, SPAN_KIND_CLIENT, SPAN_KIND_CONSUMER = 2, 3, 5


@dataclass
class Observed:
    stack: Stack
    webhook: Receiver
    otlp: OtlpReceiver

    def scrape(self, service: str) -> Scrape:
        return Scrape.of(self.stack.services[service].url + "/metrics")

    def scrape_all(self) -> dict[str, Scrape]:
        return {name: self.scrape(name) for name in SERVICES}

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.stack.api_url, headers={"X-API-Key": API_KEY})


@pytest.fixture(scope="module")
def observed(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer
) -> Iterator[Observed]:
    root = tmp_path_factory.mktemp("observability")
    # Tests that run a service in this process (configure_tracing) leave httpx instrumented
    # globally; our own test client would then inject a traceparent of its own and become
    # the parent of ingestion's span. This module checks exactly those links: use a plain one.
    HTTPXClientInstrumentor().uninstrument()
    # Demo parts have no BOM exposure (severity info): route everything to the webhook.
    routes = root / "routes.yaml"
    routes.write_text("routes:\n  - {name: all, channels: [webhook], min_severity: info}\n")
    nats = NatsServer(root / "nats", log_file=root / "nats.log").start()
    try:
        with Receiver() as webhook, OtlpReceiver() as otlp:
            stack = Stack(
                nats_url=nats.url,
                database_url=postgres_server.create_database("radar_observability"),
                log_dir=root / "logs",
                extra_env={
                    "RADAR_API_KEYS": API_KEY,
                    "RADAR_WEBHOOK_URL": webhook.url("/hook"),
                    "RADAR_ROUTES_FILE": str(routes),
                    "RADAR_BACKLOG_POLL_SECONDS": "0.2",
                    "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint,
                    "OTEL_BSP_SCHEDULE_DELAY": "100",
                },
            )
            try:
                stack.start()
                yield Observed(stack, webhook, otlp)
            finally:
                stack.stop_all()
    finally:
        nats.stop()


def ingest(
    o: Observed, raw_data: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    with o.api() as api:
        answer = api.post(
            "/v1/events/ingest",
            json={"source": "siliconexpert", "raw_data": raw_data},
            headers=headers,
        )
    assert answer.status_code == 202, answer.text
    accepted: dict[str, Any] = answer.json()
    return accepted


def wait_task(o: Observed, task_id: str, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    with o.api() as api:
        while time.monotonic() < deadline:
            task: dict[str, Any] = api.get(f"/v1/tasks/{task_id}").json()
            if task["state"] in ("SUCCESS", "FAILED", "CANCELLED"):
                return task
            time.sleep(0.1)
    raise TimeoutError(f"task {task_id} not finished: {task}")


def wait_scrape(o: Observed, service: str, check: Any, timeout: float = 10.0) -> Scrape:
    """Scrape until ``check(scrape)`` holds (gauges are polled, spans batched)."""
    deadline = time.monotonic() + timeout
    while True:
        scrape = o.scrape(service)
        if check(scrape) or time.monotonic() > deadline:
            return scrape
        time.sleep(0.1)


def test_metrics_move_as_a_notice_flows(observed: Observed) -> None:
    before = observed.scrape_all()
    accepted = ingest(observed, {"mpn": "LM358DR", "manufacturer": "TI", "lifecycle_status": "EOL"})
    assert wait_task(observed, accepted["task_id"])["state"] == "SUCCESS"
    after = observed.scrape_all()

    def moved(service: str, name: str, **labels: str) -> float:
        return after[service].value(name, **labels) - before[service].value(name, **labels)

    route = {"route": "/v1/events/ingest", "method": "POST", "status": "202"}
    assert moved("ingestion", "radar_http_requests_total", **route) == 1
    assert moved("ingestion", "radar_http_request_duration_seconds_count") >= 1
    assert moved("ingestion", "radar_ingest_events_accepted_total") == 1
    for stage in WORKERS:
        labels = {"stage": stage}
        assert moved(stage, "radar_stage_messages_received_total", **labels) >= 1, stage
        assert moved(stage, "radar_stage_messages_processed_total", **labels) >= 1, stage
        assert moved(stage, "radar_stage_handler_duration_seconds_count", **labels) >= 1, stage
        assert moved(stage, "radar_stage_end_to_end_seconds_count", **labels) >= 1, stage
        assert after[stage].value("radar_stage_in_flight", **labels) == 0, stage
    # The notifier is the stage that finishes the task.
    assert moved("notifier", "radar_tasks_finished_total", state="SUCCESS") == 1
    assert moved("notifier", "radar_task_duration_seconds_count", state="SUCCESS") == 1
    for service in SERVICES:
        assert after[service].has("radar_build_info", service=service), service


def test_every_worker_exports_the_consumer_lag_keda_scales_on(observed: Observed) -> None:
    for service in WORKERS:
        scrape = wait_scrape(
            observed,
            service,
            lambda s: s.has("radar_jetstream_consumer_pending_messages", consumer="notifier"),
        )
        for consumer in WORKERS:
            labels = {"consumer": consumer}
            assert scrape.has("radar_jetstream_consumer_pending_messages", **labels), service
            assert scrape.has("radar_jetstream_consumer_ack_pending_messages", **labels)
        assert scrape.has("radar_dlq_messages", stream="RADAR_DLQ")


def test_a_dead_letter_shows_in_the_counters_and_the_dlq_depth(observed: Observed) -> None:
    before = observed.scrape("normalizer")
    depth = before.value("radar_dlq_messages", stream="RADAR_DLQ")
    accepted = ingest(observed, {"note": "no part here"})
    assert wait_task(observed, accepted["task_id"])["state"] == "FAILED"
    after = wait_scrape(
        observed,
        "normalizer",
        lambda s: s.value("radar_dlq_messages", stream="RADAR_DLQ") > depth,
    )
    dead = "radar_stage_messages_dead_lettered_total"
    assert after.value(dead, stage="normalizer") - before.value(dead, stage="normalizer") == 1
    assert after.value("radar_dlq_messages", stream="RADAR_DLQ") == depth + 1
    # The error log line names the trace and the span it was written in.
    log_path = observed.stack.services["normalizer"].log_path
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line[:1] == "{"]
    errors = [
        d for d in lines if d.get("trace_id") == accepted["trace_id"] and d["level"] == "error"
    ]
    assert errors, "no error log line carries the trace id"
    assert all(len(d.get("span_id", "")) == 16 for d in errors)
    assert errors[0]["task_id"] == accepted["task_id"]


def _in(spans: list[ReceivedSpan], service: str) -> list[ReceivedSpan]:
    return [s for s in spans if s.service == service]


def test_one_trace_follows_a_notice_from_webhook_to_the_alert(observed: Observed) -> None:
    accepted = ingest(observed, {"mpn": "NE555P", "manufacturer": "TI", "lifecycle_status": "EOL"})
    trace_id = accepted["trace_id"]

    def complete(spans: list[ReceivedSpan]) -> bool:
        # Each process exports on its own schedule: wait for every service's spans, the
        # ingestion root included, not only for the last stage's.
        mine = [s for s in spans if s.trace_id == trace_id]
        return (
            all(any(s.kind == SPAN_KIND_CONSUMER for s in _in(mine, w)) for w in WORKERS)
            and any(s.scope.endswith("httpx") for s in _in(mine, "notifier"))
            and any(s.kind == SPAN_KIND_SERVER for s in _in(mine, "ingestion"))
        )

    observed.otlp.wait_for_spans(complete)
    spans = observed.otlp.trace(trace_id)
    ids = {service: {s.span_id for s in _in(spans, service)} for service in SERVICES}

    # Ingestion starts the trace: the one root span is its server span.
    (root,) = [s for s in spans if s.parent_span_id == ""]
    assert (root.service, root.kind) == ("ingestion", SPAN_KIND_SERVER)
    # Each worker continues it from the span that published its input, upstream.
    for upstream, stage in zip(SERVICES, WORKERS, strict=False):
        consumers = [s for s in _in(spans, stage) if s.kind == SPAN_KIND_CONSUMER]
        assert consumers, stage
        for span in consumers:
            assert span.parent_span_id in ids[upstream], (stage, span)
            assert span.attributes["messaging.system"] == "nats"
    # Parsing, SQL and the outbound alert are child spans inside their worker.
    for stage in WORKERS:
        decode = [s for s in _in(spans, stage) if s.name == f"{stage} decode"]
        assert decode, stage
        assert all(s.parent_span_id in ids[stage] for s in decode)
    sql = [s for s in spans if s.scope.endswith("asyncpg")]
    assert {s.service for s in sql} >= {"inference", "notifier"}
    for span in sql:
        assert span.parent_span_id in ids[span.service]
    (http,) = [s for s in _in(spans, "notifier") if s.scope.endswith("httpx")]
    assert http.kind == SPAN_KIND_CLIENT
    assert http.parent_span_id in ids["notifier"]
    # ... and the alert carries the trace on to the receiver (Slack, Teams, a webhook).
    traces_sent = [
        {k.lower(): v for k, v in r.headers.items()}.get("traceparent", "")
        for r in observed.webhook.requests_to("/hook")
    ]
    assert any(tp.split("-")[1:2] == [trace_id] for tp in traces_sent), traces_sent


def test_a_caller_traceparent_is_continued(observed: Observed) -> None:
    caller_trace = "0af7651916cd43dd8448eb211c80319c"
    accepted = ingest(
        observed,
        {"mpn": "LM317T", "manufacturer": "TI", "lifecycle_status": "NRND"},
        headers={"traceparent": f"00-{caller_trace}-b7ad6b7169203331-01"},
    )
    assert accepted["trace_id"] == caller_trace
    spans = observed.otlp.wait_for_spans(
        lambda all_spans: (
            {"ingestion", "notifier"}
            <= {s.service for s in all_spans if s.trace_id == caller_trace}
        )
    )
    mine = [s for s in spans if s.trace_id == caller_trace]
    continuing = [s for s in mine if s.parent_span_id == "b7ad6b7169203331"]
    assert continuing
    assert {(s.service, s.kind) for s in continuing} == {("ingestion", SPAN_KIND_SERVER)}


def test_dashboard_and_rules_only_use_metrics_that_are_exported(observed: Observed) -> None:
    scraped: set[str] = set()
    for scrape in observed.scrape_all().values():
        scraped |= scrape.names()
    exported = scraped | static_metric_names() | EXTERNAL_METRICS
    unknown = sorted(name for name in referenced_metrics() if name not in exported)
    assert not unknown, f"dashboard/rules use metrics no service exports: {unknown}"
    # The core pipeline metrics are really scraped, not only declared.
    for name in (
        "radar_stage_messages_processed_total",
        "radar_jetstream_consumer_pending_messages",
        "radar_http_requests_total",
        "radar_build_info",
    ):
        assert name in scraped, name
