"""POST /v1/ingest/sendgrid — SendGrid Inbound Parse, parsed and "Send Raw" modes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status

from radar_common.contracts import RawEvent
from radar_ingestion.api.deps import CredentialsFirst, StateDep, require_scope
from radar_ingestion.api.forms import FormDelivery, FormLimits, json_field, read_form
from radar_ingestion.api.intake import ACCEPTED_RESPONSES, accept_event, delivery_key
from radar_ingestion.api.media import FormBody, compact_json
from radar_ingestion.problems import malformed
from radar_ingestion.schemas import TaskAccepted

router = APIRouter(
    route_class=CredentialsFirst,
    prefix="/v1/ingest",
    tags=["email"],
    dependencies=[require_scope("ingest"), FormBody],
)

_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "headers": {"type": "string"},
        "from": {"type": "string"},
        "to": {"type": "string"},
        "subject": {"type": "string"},
        "text": {"type": "string"},
        "html": {"type": "string"},
        "envelope": {"type": "string", "description": "JSON"},
        "attachments": {"type": "string", "description": "number of attachments"},
        "attachment-info": {"type": "string", "description": "JSON, per attachmentN"},
        "attachment1": {"type": "string", "format": "binary"},
        "email": {"type": "string", "description": "Send Raw mode: the whole MIME message"},
    },
}
_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": _FORM_SCHEMA,
                "example": {
                    "from": "Example Semi PCN <pcn@example-semi.com>",
                    "to": "pdn@radar.example.com",
                    "subject": "PDN EX-2026-031: end of life of EXA100 series",
                    "text": "Last Time Buy Date: 03-Sep-2026\nAffected: EXA100-QFN-TR\n",
                    "envelope": '{"to":["pdn@radar.example.com"],"from":"pcn@example-semi.com"}',
                    "attachments": "1",
                    "attachment-info": '{"attachment1":{"filename":"EX-2026-031.pdf",'
                    '"type":"application/pdf"}}',
                },
            }
        },
    }
}


@router.post(
    "/sendgrid",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=TaskAccepted,
    responses=ACCEPTED_RESPONSES,
    openapi_extra=_OPENAPI,
    summary="SendGrid Inbound Parse webhook",
)
async def ingest_sendgrid(request: Request, response: Response, state: StateDep) -> Response:
    """Both modes of SendGrid Inbound Parse; configure the URL with basic auth (the API key).

    Parsed mode keeps every field in `payload_json` and every `attachmentN` file as an
    attachment (names, types and content ids from `attachment-info`). "Send Raw" mode (field
    `email`) keeps the MIME message as `raw_body` and the other fields in `payload_json`.
    """
    form = await read_form(request, FormLimits.of(state.settings))
    try:
        event = _event(request, form)
        return await accept_event(state, request, response, event, delivery_key(request))
    finally:
        form.close()


def _event(request: Request, form: FormDelivery) -> RawEvent:
    raw_file = next((att for name, att in form.files if name == "email"), None)
    raw_large = form.large_fields.get("email")
    raw_text = form.fields.pop("email", None)
    if raw_file is not None or raw_large is not None or raw_text is not None:
        event = RawEvent(
            source="sendgrid",
            format="sendgrid_raw",
            content_type="message/rfc822",
            payload_json=compact_json(form.all_text_fields(except_=("email",))),
        )
        if raw_large is not None:
            event.body_object_ref = raw_large.staged_ref()
        elif raw_file is not None and raw_file.object_ref:
            event.body_object_ref = raw_file.object_ref
        elif raw_file is not None:
            event.raw_body = raw_file.content
        else:
            event.raw_body = (raw_text or "").encode()
        return event
    fields = form.all_text_fields()
    if not fields and not form.files:
        raise malformed(request, "empty form: no SendGrid fields")
    info = json_field(request, fields, "attachment-info") or {}
    event = RawEvent(
        source="sendgrid",
        format="sendgrid",
        payload_json=compact_json(fields),
        content_type="application/json",
    )
    for name, att in form.files:
        meta = info.get(name) if isinstance(info, dict) else None
        if isinstance(meta, dict):
            att.filename = str(meta.get("filename") or att.filename)
            att.content_type = str(meta.get("type") or att.content_type)
            att.content_id = str(meta.get("content-id") or "")
        event.attachments.append(att)
    return event
