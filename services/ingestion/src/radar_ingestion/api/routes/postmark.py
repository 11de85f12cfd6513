"""POST /v1/ingest/postmark — Postmark inbound webhook (JSON, base64 attachments)."""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Request, Response, status

from radar_common.contracts import Attachment, RawEvent
from radar_ingestion.api.deps import CredentialsFirst, StateDep, require_scope
from radar_ingestion.api.intake import ACCEPTED_RESPONSES, accept_event, delivery_key
from radar_ingestion.api.media import JsonBody, compact_json
from radar_ingestion.problems import malformed
from radar_ingestion.schemas import PostmarkInbound, TaskAccepted

router = APIRouter(
    route_class=CredentialsFirst,
    prefix="/v1/ingest",
    tags=["email"],
    dependencies=[require_scope("ingest", signatures=True), JsonBody],
)


@router.post(
    "/postmark",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TaskAccepted,
    responses={**ACCEPTED_RESPONSES, 403: {"description": "Malformed: Postmark stops retrying"}},
    summary="Postmark inbound webhook",
)
async def ingest_postmark(
    body: PostmarkInbound, request: Request, response: Response, state: StateDep
) -> Response:
    """Postmark posts each inbound e-mail as JSON; put the API key in the URL (basic auth).

    Attachments are decoded into `attachments` and their base64 `Content` removed from
    `payload_json`. The idempotency key is `MessageID` (`webhook-id` when signed); a client
    `Idempotency-Key` header is ignored. A malformed delivery answers 403, the
    status at which Postmark stops retrying.
    """
    event = RawEvent(source="postmark", format="postmark", content_type="application/json")
    for item in body.Attachments:
        try:
            content = base64.b64decode(item.Content, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise malformed(request, f"attachment {item.Name!r} is not valid base64") from exc
        event.attachments.append(
            Attachment(
                filename=item.Name,
                content_type=item.ContentType,
                size=len(content),
                content=content,
                content_id=item.ContentID,
            )
        )
    payload = body.model_dump(mode="json")
    for item in payload["Attachments"]:
        item.pop("Content", None)
    event.payload_json = compact_json(payload)
    message_id = f"postmark:{body.MessageID}" if body.MessageID else None
    key = delivery_key(request, message_id)
    return await accept_event(state, request, response, event, key)
