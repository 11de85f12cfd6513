"""Reading providers' form posts (urlencoded or multipart) into fields and attachments."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from radar_common.contracts import Attachment
from radar_ingestion.problems import malformed


@dataclass
class FormDelivery:
    """The text fields of a form post and its files, in the order they came."""

    fields: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, Attachment]] = field(default_factory=list)


async def read_form(request: Request, *, max_bytes: int) -> FormDelivery:
    """Parse the form; any part may be as large as the whole body limit (raw MIME, PDFs).

    Raises:
        Problem: the body is not a well-formed form.
    """
    delivery = FormDelivery()
    try:
        form = await request.form(max_files=1000, max_fields=1000, max_part_size=max_bytes)
    except Exception as exc:  # MultiPartException, or the HTTPException Starlette wraps it in
        raise malformed(request, f"cannot parse the form: {exc}") from exc
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                content = await value.read()
                delivery.files.append(
                    (
                        name,
                        Attachment(
                            filename=value.filename or name,
                            content_type=value.content_type or "application/octet-stream",
                            size=len(content),
                            content=content,
                        ),
                    )
                )
            else:
                delivery.fields[name] = value
    finally:
        await form.close()
    return delivery


def json_field(request: Request, fields: dict[str, str], name: str) -> Any:
    """A form field that holds JSON (SendGrid's `attachment-info`, `envelope`); None if absent."""
    raw = fields.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise malformed(request, f"field {name!r} is not valid JSON") from exc
