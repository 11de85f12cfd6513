"""POST /v1/ingest/mailgun — Mailgun route forwarding, signature verified, tokens used once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status

from radar_common.contracts import RawEvent
from radar_ingestion.api.deps import CredentialsFirst, StateDep, require_scope
from radar_ingestion.api.forms import FormLimits, Gate, read_form
from radar_ingestion.api.intake import ACCEPTED_RESPONSES, accept_event, delivery_key
from radar_ingestion.api.media import FormBody, compact_json
from radar_ingestion.auth import SignatureError, StaleSignature, verify_mailgun
from radar_ingestion.problems import Problem
from radar_ingestion.schemas import TaskAccepted

# With RADAR_MAILGUN_SIGNING_KEY the form's signature is the credential, checked below;
# without it the dependency asks for an API key with the ingest scope.
router = APIRouter(
    route_class=CredentialsFirst,
    prefix="/v1/ingest",
    tags=["email"],
    dependencies=[require_scope("ingest", body_signature="mailgun"), FormBody],
)

_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["timestamp", "token", "signature"],
                    "properties": {
                        "timestamp": {"type": "string"},
                        "token": {"type": "string"},
                        "signature": {"type": "string", "description": "hex HMAC-SHA256"},
                        "sender": {"type": "string"},
                        "recipient": {"type": "string"},
                        "subject": {"type": "string"},
                        "body-plain": {"type": "string"},
                        "message-headers": {"type": "string", "description": "JSON list"},
                        "attachment-count": {"type": "string"},
                        "attachment-1": {"type": "string", "format": "binary"},
                    },
                },
            },
            "application/x-www-form-urlencoded": {
                "example": {
                    "timestamp": "1767225600",
                    "token": "c8a1f0b9d7e64a1f8e0c2b3a4d5e6f70a1b2c3d4e5f6a7b8c9",
                    "signature": "<hex HMAC-SHA256 of timestamp+token>",
                    "sender": "pcn@example-semi.com",
                    "recipient": "pdn@radar.example.com",
                    "subject": "PDN EX-2026-031",
                    "body-plain": "Last Time Buy Date: 03-Sep-2026",
                }
            },
        },
    }
}


@router.post(
    "/mailgun",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TaskAccepted,
    responses={
        **ACCEPTED_RESPONSES,
        406: {"description": "Can never succeed (stale timestamp, reused token, malformed)"},
    },
    openapi_extra=_OPENAPI,
    summary="Mailgun route forward",
)
async def ingest_mailgun(request: Request, response: Response, state: StateDep) -> Response:
    """Mailgun forwards each matching e-mail as a form (urlencoded, or multipart with files).

    With `RADAR_MAILGUN_SIGNING_KEY` set, the signature is the credential: hex HMAC-SHA256 of
    `timestamp + token`, verified as soon as those fields have been read (they must come
    within the first RADAR_PREAUTH_MAX_BYTES of the form), before any attachment is; a
    timestamp further than RADAR_SIGNATURE_TOLERANCE_SECONDS is refused, and the token is the
    idempotency key, so a token replayed with other content is refused (406, where Mailgun
    stops retrying). Without a signing key the request needs an API key (basic auth in the URL).
    """
    settings = state.settings
    gate = _signature_gate(settings.mailgun_signing_key, settings.signature_tolerance_seconds)
    form = await read_form(request, FormLimits.of(settings), gate=gate)
    try:
        fields = form.all_text_fields()
        event = RawEvent(
            source="mailgun",
            format="mailgun",
            payload_json=compact_json(fields),
            content_type="application/json",
        )
        for _, att in form.files:
            event.attachments.append(att)
        token = fields.get("token")
        key = delivery_key(request, f"mailgun:{token}" if token else None)
        return await accept_event(state, request, response, event, key)
    finally:
        form.close()


_SIGNATURE_FIELDS = ("timestamp", "token", "signature")


def _signature_gate(signing_key: str, tolerance: float) -> Gate | None:
    """Verify the signature as soon as its three fields have been read (None: no key set).

    The rest of the form is read only after it matched: a wrong signature is refused before
    any attachment is.
    """
    if not signing_key:
        return None  # the route's dependency required an API key instead

    def gate(fields: dict[str, str], final: bool) -> bool:
        if not final and not all(name in fields for name in _SIGNATURE_FIELDS):
            return False
        try:
            verify_mailgun(
                signing_key,
                fields.get("timestamp", ""),
                fields.get("token", ""),
                fields.get("signature", ""),
                tolerance=tolerance,
            )
        except StaleSignature as exc:
            raise Problem(406, "signature-expired", "Signature too old", str(exc)) from exc
        except SignatureError as exc:
            # 401, not 406: a wrong signing key may be fixed while Mailgun is still retrying.
            raise Problem(401, "invalid-signature", "Invalid Mailgun signature", str(exc)) from exc
        return True

    return gate
