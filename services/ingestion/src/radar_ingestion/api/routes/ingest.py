"""POST /v1/ingest/component-alert and /v1/ingest/email-forward — the two typed shapes."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from radar_common.contracts import RawEvent
from radar_ingestion.api.deps import CredentialsFirst, StateDep, require_scope
from radar_ingestion.api.intake import ACCEPTED_RESPONSES, accept_event, delivery_key
from radar_ingestion.api.media import JsonBody, compact_json
from radar_ingestion.schemas import ComponentAlert, EmailPayload, TaskAccepted

router = APIRouter(
    route_class=CredentialsFirst,
    prefix="/v1/ingest",
    tags=["events"],
    dependencies=[require_scope("ingest", signatures=True), JsonBody],
)


@router.post(
    "/component-alert",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TaskAccepted,
    responses=ACCEPTED_RESPONSES,
    summary="Accept a lifecycle change of one part",
)
async def ingest_component_alert(
    body: ComponentAlert, request: Request, response: Response, state: StateDep
) -> Response:
    """A platform reports that a part changed lifecycle status (e.g. to NRND or EOL).

    Unknown fields are kept in the payload.
    """
    payload = body.model_dump(mode="json", exclude={"idempotency_key"}, exclude_unset=True)
    event = RawEvent(
        source=body.source_platform,
        format="component_alert",
        payload_json=compact_json(payload),
        content_type="application/json",
    )
    key = delivery_key(
        request, body.idempotency_key, request.headers.get("webhook-id"), client_key=True
    )
    return await accept_event(state, request, response, event, key)


@router.post(
    "/email-forward",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TaskAccepted,
    responses=ACCEPTED_RESPONSES,
    summary="Accept a vendor e-mail already reduced to text",
)
async def ingest_email_forward(
    body: EmailPayload, request: Request, response: Response, state: StateDep
) -> Response:
    """A mail gateway forwards a vendor's notice e-mail as text. Unknown fields are kept."""
    payload = body.model_dump(mode="json", exclude={"idempotency_key"}, exclude_unset=True)
    event = RawEvent(
        source="email_gateway",
        format="email_forward",
        payload_json=compact_json(payload),
        content_type="application/json",
    )
    key = delivery_key(
        request, body.idempotency_key, request.headers.get("webhook-id"), client_key=True
    )
    return await accept_event(state, request, response, event, key)
