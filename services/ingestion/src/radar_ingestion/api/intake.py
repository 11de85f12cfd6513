"""What every ingest endpoint does once it has built its raw event: accept it, answer 202.

One place maps the outcomes to HTTP: a replay answers the first task with
``Idempotent-Replayed: true``; NATS trouble answers 503 with ``Retry-After`` (every provider
retries 5xx); a key reused for other content is refused with the status that stops the
provider's retries.
"""

from __future__ import annotations

import contextlib
import secrets

from fastapi import Request, Response
from opentelemetry import trace

from radar_common import metrics
from radar_common.bus.connection import PublishError
from radar_common.contracts import RawEvent
from radar_common.logs import current_task_id, current_trace_id
from radar_common.telemetry import context_with_trace_id, extract_context, trace_id_hex
from radar_ingestion.acceptance import IdempotencyConflict
from radar_ingestion.api.deps import AppState, is_signed
from radar_ingestion.problems import Problem, refusal_status, unavailable
from radar_ingestion.schemas import TaskAccepted

REPLAY_HEADER = "Idempotent-Replayed"
_tracer = trace.get_tracer(__name__)

ACCEPTED_RESPONSES: dict[int | str, dict[str, object]] = {
    202: {"description": "Stored durably; follow the task at `status_url`."},
    400: {"description": "Malformed request (problem+json)"},
    401: {"description": "Missing or invalid credentials or signature (problem+json)"},
    413: {"description": "Body larger than RADAR_MAX_BODY_BYTES (problem+json)"},
    415: {"description": "Unsupported media type (problem+json)"},
    422: {"description": "Well-formed but invalid event (problem+json)"},
    503: {"description": "Cannot store it now; retry after `Retry-After` seconds (problem+json)"},
}


def delivery_key(request: Request, *candidates: str | None, client_key: bool = False) -> str | None:
    """What makes two requests "the same delivery" (None: a digest of the content).

    - A request authenticated by a Standard Webhooks signature: its `webhook-id`, always. The
      id is signed; an `Idempotency-Key` header is not, and a body field would let the signer
      reuse an id: a captured signature must never buy a second task.
    - ``client_key`` (JSON endpoints called with an API key): the `Idempotency-Key` header,
      then the candidates.
    - Provider routes: the provider's own id among the candidates (Mailgun `token`, Postmark
      `MessageID`, SNS `MessageId`); a client header is ignored.
    """
    if is_signed(request):
        return f"webhook:{request.headers['webhook-id']}"
    if client_key:
        header = request.headers.get("idempotency-key")
        if header:
            return header
    return next((c for c in candidates if c), None)


async def accept_event(
    state: AppState,
    request: Request,
    response: Response | None,
    event: RawEvent,
    key: str | None,
    *,
    trace_id: str | None = None,
) -> Response:
    """Store ``event`` durably and answer 202 with its task (or the first task, for a replay).

    The answer is built here (a :class:`TaskAccepted` document, serialized once) rather than
    validated again by FastAPI's response model; the headers set on ``response`` (FastAPI's
    sub-response, when the route has one) are kept.
    """
    server_span = trace.get_current_span()
    span: contextlib.AbstractContextManager[trace.Span]
    if trace_id:
        span = _tracer.start_as_current_span(
            f"ingest {event.format}", context=context_with_trace_id(trace_id)
        )
    elif server_span.get_span_context().is_valid:
        # FastAPI's server span, which already continued any `traceparent`: a child span
        # would cost more than the work it times.
        server_span.set_attribute("radar.format", event.format)
        span = contextlib.nullcontext(server_span)
    else:
        span = _tracer.start_as_current_span(
            f"ingest {event.format}", context=extract_context(dict(request.headers))
        )
    with span as current:
        # Without a tracer provider (tracing not configured) spans carry no ids: make one.
        span_trace_id = trace_id_hex(current) or trace_id or secrets.token_hex(16)
        current_trace_id.set(span_trace_id)
        try:
            accepted = await state.acceptor.accept(event, key, span_trace_id)
        except PublishError as exc:
            metrics.EVENTS_REFUSED.labels(event.format, "unavailable").inc()
            raise unavailable(
                "The event store", cause=exc, retry_after=state.settings.retry_after_seconds
            ) from exc
        except IdempotencyConflict as exc:
            metrics.EVENTS_REFUSED.labels(event.format, "idempotency-conflict").inc()
            raise Problem(
                refusal_status(request.url.path, 422),
                "idempotency-key-reused",
                "Idempotency key already used for other content",
                "A delivery with this idempotency key (or provider token) was accepted before "
                "with different content.",
            ) from exc
    current_task_id.set(accepted.task_id)
    headers = dict(response.headers) if response is not None else {}
    if accepted.replay:
        headers[REPLAY_HEADER] = "true"
        metrics.EVENTS_ACCEPTED.labels(event.format, "true").inc()
    document = TaskAccepted.model_construct(  # built from our own values: nothing to validate
        task_id=accepted.task_id,
        trace_id=accepted.trace_id,
        status_url=f"{state.settings.public_url.rstrip('/')}/v1/tasks/{accepted.task_id}",
    )
    return Response(
        document.model_dump_json(),
        status_code=202,
        headers=headers,
        media_type="application/json",
    )
