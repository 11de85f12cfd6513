"""POST /v1/events/ingest — the unified event endpoint."""

from __future__ import annotations

import json

from fastapi import APIRouter, Header, Request, Response, status
from opentelemetry import trace

from radar_common import metrics
from radar_common.bus.connection import PublishError
from radar_common.contracts import RawEvent
from radar_common.logs import current_task_id, current_trace_id
from radar_common.telemetry import context_with_trace_id, extract_context, is_trace_id, trace_id_hex
from radar_ingestion.acceptance import body_digest
from radar_ingestion.api.deps import AuthDep, StateDep
from radar_ingestion.problems import Problem, unavailable
from radar_ingestion.schemas import IngestEvent, TaskAccepted

router = APIRouter(prefix="/v1", tags=["events"], dependencies=[AuthDep])
_tracer = trace.get_tracer(__name__)
REPLAY_HEADER = "Idempotent-Replayed"


@router.post(
    "/events/ingest",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TaskAccepted,
    responses={
        401: {"description": "Missing or invalid credentials"},
        422: {"description": "Malformed event"},
        503: {"description": "Cannot store the event now; retry after Retry-After seconds"},
    },
    summary="Accept a notice from any platform",
)
async def ingest_event(
    body: IngestEvent,
    request: Request,
    response: Response,
    state: StateDep,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> TaskAccepted:
    """Store the event durably and answer with the task to follow.

    The answer comes only after JetStream acknowledged the event. A repeat of the same
    idempotency key (header, then body field, else a hash of the body) answers the first task.
    """
    if body.trace_id and not is_trace_id(body.trace_id):
        raise Problem(422, "validation", "trace_id must be 32 lowercase hex characters")
    payload = body.model_dump(mode="json")
    raw_data = payload.pop("raw_data")
    payload_json = json.dumps(raw_data, sort_keys=True, separators=(",", ":"))
    key = idempotency_key or body.idempotency_key or body_digest(body.source, payload_json)
    parent = (
        context_with_trace_id(body.trace_id)
        if body.trace_id
        else extract_context(dict(request.headers))
    )
    with _tracer.start_as_current_span(
        "ingest event", context=parent, kind=trace.SpanKind.SERVER
    ) as span:
        trace_id = trace_id_hex(span)
        current_trace_id.set(trace_id)
        event = RawEvent(
            source=body.source,
            format="canonical",
            payload_json=payload_json,
            content_type="application/json",
        )
        extras = {k: v for k, v in payload.items() if k not in IngestEvent.model_fields}
        if extras:
            event.metadata["extra_fields"] = json.dumps(extras, sort_keys=True)
        try:
            accepted = await state.acceptor.accept(event, key, trace_id)
        except PublishError as exc:
            metrics.EVENTS_REFUSED.labels("canonical", "unavailable").inc()
            raise unavailable(str(exc)) from exc
    current_task_id.set(accepted.task_id)
    if accepted.replay:
        response.headers[REPLAY_HEADER] = "true"
        metrics.EVENTS_ACCEPTED.labels("canonical", "true").inc()
    return TaskAccepted(
        task_id=accepted.task_id,
        trace_id=accepted.trace_id,
        status_url=f"{state.settings.public_url.rstrip('/')}/v1/tasks/{accepted.task_id}",
    )
