"""OpenTelemetry: one tracer provider per process, W3C context carried in NATS headers.

The trace id that ingestion hands back in its 202 answer is the OpenTelemetry trace id of the
event; every later stage continues that trace from the ``traceparent`` header of the message.
Spans are exported over OTLP only when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or the traces-specific
variable) is set; otherwise ids are still generated and logged, and nothing leaves the process.
SQL (asyncpg) and outbound HTTP (httpx) calls become child spans of the work in hand.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping, MutableMapping

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

TRACE_ID_RE = re.compile(r"^[0-9a-f]{32}$")
_provider: TracerProvider | None = None


def configure_tracing(service: str, *extra_processors: SpanProcessor) -> TracerProvider:
    """Install the SDK tracer provider for this process (idempotent) and return it.

    The standard ``OTEL_*`` variables apply (endpoint, headers, ``OTEL_BSP_*`` batching,
    ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_SDK_DISABLED``). Also instruments asyncpg and httpx.

    Args:
        service: the ``service.name`` of every span of this process.
        *extra_processors: more span processors (tests add an in-memory exporter), added even
            when the provider already exists.

    Returns:
        The process's tracer provider.
    """
    global _provider
    if _provider is None:
        _provider = TracerProvider(resource=Resource.create({"service.name": service}))
        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
        ):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(_provider)
        _instrument_libraries()
    for processor in extra_processors:
        _provider.add_span_processor(processor)
    return _provider


def _instrument_libraries() -> None:
    """Child spans for every SQL statement and every outbound HTTP request."""
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    asyncpg_instrumentor = AsyncPGInstrumentor()  # type: ignore[no-untyped-call]
    for instrumentor in (asyncpg_instrumentor, HTTPXClientInstrumentor()):
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()


def shutdown_tracing() -> None:
    """Flush spans still buffered; call on shutdown."""
    if _provider is not None:
        _provider.force_flush(timeout_millis=2000)


def tracer(name: str) -> trace.Tracer:
    """The tracer of a module (``tracer(__name__)``)."""
    return trace.get_tracer(name)


def is_trace_id(value: str) -> bool:
    """True for a valid W3C trace id: 32 lowercase hex characters, not all zero.

    Args:
        value: a trace id as a client sent it (``trace_id`` of an ingest request).
    """
    return bool(TRACE_ID_RE.match(value)) and int(value, 16) != 0


def trace_id_hex(span: trace.Span | None = None) -> str:
    """The trace id of ``span`` (default: the current span) as 32 hex characters, or ""."""
    ctx = (span or trace.get_current_span()).get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else ""


def context_with_trace_id(trace_id: str) -> otel_context.Context:
    """A context whose remote parent has the given trace id, so new spans join that trace.

    Args:
        trace_id: a valid trace id (see :func:`is_trace_id`).

    Returns:
        A context to start spans in (``tracer.start_as_current_span(..., context=...)``).
    """
    parent = SpanContext(
        trace_id=int(trace_id, 16),
        span_id=int.from_bytes(secrets.token_bytes(8), "big") or 1,
        is_remote=True,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    return trace.set_span_in_context(NonRecordingSpan(parent))


def inject_headers(headers: MutableMapping[str, str]) -> None:
    """Write ``traceparent`` (and ``tracestate``) of the current context into message headers.

    Args:
        headers: the headers of a message about to be published; changed in place.
    """
    propagate.inject(headers)


def extract_context(headers: Mapping[str, str] | None) -> otel_context.Context:
    """The context carried by message headers (empty context when there is none).

    Args:
        headers: the headers of a received message (``traceparent`` among them, or not).

    Returns:
        The remote parent to continue the trace from.
    """
    return propagate.extract(dict(headers or {}))
