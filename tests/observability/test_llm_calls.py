"""LLM call observation: latency, errors, tokens and a CLIENT span."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import REGISTRY

from radar_common import llm_calls


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(llm_calls, "_tracer", provider.get_tracer("test"))
    return exporter


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_call_is_timed_and_its_tokens_counted(spans: InMemorySpanExporter) -> None:
    before = sample("radar_llm_call_duration_seconds_count", model="m-ok")
    with llm_calls.llm_call("m-ok") as call:
        call.tokens(prompt=120, completion=30)
    assert sample("radar_llm_call_duration_seconds_count", model="m-ok") == before + 1
    assert sample("radar_llm_tokens_total", model="m-ok", kind="prompt") >= 120
    assert sample("radar_llm_tokens_total", model="m-ok", kind="completion") >= 30
    (span,) = spans.get_finished_spans()
    assert span.kind is SpanKind.CLIENT
    assert span.attributes is not None
    assert span.attributes["gen_ai.request.model"] == "m-ok"
    assert span.attributes["gen_ai.usage.input_tokens"] == 120


def test_a_failed_call_counts_an_error_by_kind(spans: InMemorySpanExporter) -> None:
    before = sample("radar_llm_errors_total", model="m-bad", kind="timeout")
    with pytest.raises(TimeoutError), llm_calls.llm_call("m-bad"):
        raise TimeoutError
    assert sample("radar_llm_errors_total", model="m-bad", kind="timeout") == before + 1
    assert sample("radar_llm_call_duration_seconds_count", model="m-bad") >= 1
    (span,) = spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR


def test_error_kinds_stay_bounded() -> None:
    class RateLimited(Exception):
        status_code = 429

    assert llm_calls.error_kind(RateLimited()) == "rate_limited"
    assert llm_calls.error_kind(ValueError()) == "valueerror"


def test_assessments_and_fallbacks_are_counted() -> None:
    before = sample("radar_inference_assessments_total", severity="high", engine="rules")
    fallbacks = sample("radar_llm_fallbacks_total", reason="timeout")
    llm_calls.assessed("high", "rules")
    llm_calls.fell_back("timeout")
    assert (
        sample("radar_inference_assessments_total", severity="high", engine="rules") == before + 1
    )
    assert sample("radar_llm_fallbacks_total", reason="timeout") == fallbacks + 1
