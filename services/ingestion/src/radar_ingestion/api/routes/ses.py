"""POST /v1/ingest/ses — Amazon SES receipts delivered through SNS."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from radar_common.contracts import RawEvent
from radar_ingestion.api.deps import CredentialsFirst, StateDep, require_scope
from radar_ingestion.api.intake import ACCEPTED_RESPONSES, accept_event, delivery_key
from radar_ingestion.api.media import compact_json
from radar_ingestion.auth import SignatureError, StaleSignature
from radar_ingestion.problems import Problem, malformed, unavailable
from radar_ingestion.schemas import TaskAccepted
from radar_ingestion.sns import SnsFetchError, TopicNotAllowed

router = APIRouter(
    route_class=CredentialsFirst,
    prefix="/v1/ingest",
    tags=["email"],
    dependencies=[require_scope("ingest")],
)

_EXAMPLE = {
    "Type": "Notification",
    "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
    "TopicArn": "arn:aws:sns:eu-west-1:123456789012:radar-inbound",
    "Subject": "Amazon SES Email Receipt Notification",
    "Message": '{"notificationType":"Received","mail":{"messageId":"o3vrnil0e2ic"},'
    '"receipt":{"action":{"type":"SNS","encoding":"BASE64"}},"content":"RnJvbTog..."}',
    "Timestamp": "2026-05-01T16:12:00.000Z",
    "SignatureVersion": "2",
    "Signature": "<base64 RSA signature>",
    "SigningCertURL": "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-x.pem",
}
_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"text/plain": {"example": json.dumps(_EXAMPLE)}},
    }
}


def _ses_content(notification: dict[str, Any]) -> bytes:
    content = notification.pop("content", None)
    if not isinstance(content, str):
        return b""
    action = notification.get("receipt", {}).get("action", {})
    if str(action.get("encoding", "")).upper() == "BASE64":
        return base64.b64decode(content, validate=True)
    return content.encode()


@router.post(
    "/ses",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TaskAccepted,
    responses={
        **ACCEPTED_RESPONSES,
        200: {"description": "Subscription (un)confirmed"},
        403: {"description": "A topic outside RADAR_SNS_TOPIC_ARNS, or a key without ingest"},
    },
    openapi_extra=_OPENAPI,
    summary="Amazon SES receipt through an SNS HTTPS subscription",
)
async def ingest_ses(request: Request, response: Response, state: StateDep) -> Any:
    """SNS posts JSON (as text/plain); subscribe this URL with basic auth (the API key).

    Every message's SNS signature is verified (SHA256; SHA1 only with RADAR_SNS_ALLOW_SHA1),
    its Timestamp must be within RADAR_SNS_MAX_AGE_SECONDS, and with RADAR_SNS_TOPIC_ARNS set
    its topic must be listed (403 otherwise). A `SubscriptionConfirmation` is confirmed by
    visiting its SubscribeURL and answered 200. A `Notification` from an SES receipt rule
    becomes a raw event: the MIME message (`content`) as `raw_body`, the SES metadata as
    `payload_json`. The idempotency key is the SNS `MessageId`, stable across SNS retries.
    """
    assert state.sns is not None
    try:
        message = json.loads(await request.body())
    except ValueError as exc:
        raise malformed(request, "the body is not an SNS JSON message") from exc
    if not isinstance(message, dict):
        raise malformed(request, "the body is not an SNS JSON message")
    declared = request.headers.get("x-amz-sns-message-type")
    if declared and declared != message.get("Type"):
        raise malformed(request, "x-amz-sns-message-type does not match the message Type")
    try:
        await state.sns.verify(message)
    except TopicNotAllowed as exc:
        raise Problem(403, "topic-not-allowed", "Topic not allowed", str(exc)) from exc
    except StaleSignature as exc:
        raise Problem(401, "signature-expired", "SNS message too old", str(exc)) from exc
    except SignatureError as exc:
        raise Problem(401, "invalid-signature", "Invalid SNS signature", str(exc)) from exc
    except SnsFetchError as exc:
        raise unavailable(
            "The SNS signing certificate",
            cause=exc,
            retry_after=state.settings.retry_after_seconds,
        ) from exc
    kind = message["Type"]
    if kind == "SubscriptionConfirmation":
        try:
            await state.sns.confirm(message)
        except SignatureError as exc:
            raise Problem(401, "invalid-signature", "Invalid SubscribeURL", str(exc)) from exc
        except SnsFetchError as exc:
            raise unavailable(
                "The SNS SubscribeURL", cause=exc, retry_after=state.settings.retry_after_seconds
            ) from exc
        return JSONResponse({"confirmed": True, "topic_arn": message.get("TopicArn", "")})
    if kind == "UnsubscribeConfirmation":
        return JSONResponse({"unsubscribed": True, "topic_arn": message.get("TopicArn", "")})
    text = str(message.get("Message", ""))
    try:
        notification = json.loads(text)
    except ValueError:
        notification = None
    if not isinstance(notification, dict):
        notification = {"message": text}
    try:
        raw_body = _ses_content(notification)
    except (binascii.Error, ValueError) as exc:
        raise malformed(request, "the SES content is not valid base64") from exc
    event = RawEvent(
        source="ses",
        format="ses",
        payload_json=compact_json(notification),
        raw_body=raw_body,
        content_type="message/rfc822" if raw_body else "application/json",
    )
    event.metadata["sns_message_id"] = str(message.get("MessageId", ""))
    event.metadata["sns_topic_arn"] = str(message.get("TopicArn", ""))
    sns_id = message.get("MessageId")
    key = delivery_key(request, f"sns:{sns_id}" if sns_id else None)
    return await accept_event(state, request, response, event, key)
