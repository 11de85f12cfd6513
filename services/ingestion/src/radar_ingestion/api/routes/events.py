"""POST /v1/events/ingest — the unified event endpoint."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from radar_common.contracts import RawEvent
from radar_common.telemetry import is_trace_id
from radar_ingestion.api.deps import CredentialsFirst, StateDep, require_scope
from radar_ingestion.api.intake import ACCEPTED_RESPONSES, accept_event, delivery_key
from radar_ingestion.api.media import JsonBody, compact_json
from radar_ingestion.problems import Problem
from radar_ingestion.schemas import IngestEvent, TaskAccepted

router = APIRouter(
    route_class=CredentialsFirst,
    prefix="/v1",
    tags=["events"],
    dependencies=[require_scope("ingest", signatures=True), JsonBody],
)


@router.post(
    "/events/ingest",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TaskAccepted,
    responses=ACCEPTED_RESPONSES,
    summary="Accept a notice from any platform",
)
async def ingest_event(
    body: IngestEvent, request: Request, response: Response, state: StateDep
) -> Response:
    """Store the event durably and answer with the task to follow.

    The answer comes only after JetStream acknowledged the event. The idempotency key of a
    signed request is its `webhook-id` (used once, whatever the content); with an API key it
    is the `Idempotency-Key` header, else `idempotency_key`, else `webhook-id`, else a hash of
    the event. A repeat answers the first task with `Idempotent-Replayed: true`. Fields beyond the
    schema are kept (in `metadata["extra_fields"]`), never rejected.
    """
    if body.trace_id and not is_trace_id(body.trace_id):
        raise Problem(422, "validation", "trace_id must be 32 lowercase hex characters")
    key = delivery_key(
        request, body.idempotency_key, request.headers.get("webhook-id"), client_key=True
    )
    return await accept_event(
        state, request, response, canonical_event(body), key, trace_id=body.trace_id
    )


def canonical_event(body: IngestEvent) -> RawEvent:
    """The raw event of a request to this endpoint (also built by :mod:`..express`)."""
    event = RawEvent(
        source=body.source,
        format="canonical",
        payload_json=compact_json(body.raw_data),
        content_type="application/json",
    )
    if body.model_extra:
        event.metadata["extra_fields"] = compact_json(body.model_extra)
    return event
