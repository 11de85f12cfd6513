"""The notice corpus: realistic notices (``corpus/*.json``) and the fields expected of each.

A case file holds ``event`` (how to build the :class:`RawEvent`) and ``expect``: ``notice``
(fields every part shares) and ``parts`` (per-part fields, which win). Attachments and MIME
messages are built here from their text, so the corpus stays readable:

- ``event.payload``: the JSON payload; ``event.mime``: a MIME message (subject, from, date,
  text, html, charset, transfer encoding, attachments) sent as ``raw_body``;
- an attachment is ``{filename, content_type, pdf: [lines] | text | xlsx: [[cells]] |
  zip: {name: text}}``; ``event.inline_postmark: true`` puts them base64 in the Postmark JSON.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from radar_common.contracts import Attachment, RawEvent
from tests.normalizer.pdfgen import make_pdf

CORPUS = Path(__file__).parent / "corpus"
FIELDS = (
    "mpn",
    "base_mpn",
    "notice_number",
    "notice_kind",
    "manufacturer",
    "lifecycle_status",
    "issue_date",
    "last_time_buy_date",
    "last_ship_date",
    "replacement_mpn",
    "inferred_fields",
)


@dataclass(frozen=True)
class Case:
    name: str
    event: RawEvent
    expected: list[dict[str, str]]


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("date:"):
        return dt.datetime.fromisoformat(value[5:])
    return value


def attachment_bytes(spec: dict[str, Any]) -> bytes:
    if "pdf" in spec:
        return make_pdf(spec["pdf"])
    if "xlsx" in spec:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for row in spec["xlsx"]:
            sheet.append([_cell(v) for v in row])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    if "zip" in spec:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, text in spec["zip"].items():
                archive.writestr(name, text)
        return out.getvalue()
    return str(spec["text"]).encode(spec.get("charset", "utf-8"))


def _mime(spec: dict[str, Any]) -> bytes:
    # MIMEText encodes utf-8 as base64 and iso-8859-1 as quoted-printable.
    charset = spec.get("charset", "utf-8")
    body: MIMEMultipart | MIMEText
    parts: list[MIMEText] = []
    for kind in ("text", "html"):
        if kind in spec:
            part = MIMEText(spec[kind], "plain" if kind == "text" else "html", charset)
            parts.append(part)
    alternative = MIMEMultipart("alternative") if len(parts) > 1 else None
    if alternative is not None:
        for part in parts:
            alternative.attach(part)
    content: MIMEMultipart | MIMEText = alternative or parts[0]
    if spec.get("attachments"):
        body = MIMEMultipart("mixed")
        body.attach(content)
        for att in spec["attachments"]:
            subtype = att["content_type"].split("/")[1]
            file = MIMEApplication(attachment_bytes(att), subtype, name=att["filename"])
            file.replace_header("Content-Type", f'{att["content_type"]}; name="{att["filename"]}"')
            file.add_header("Content-Disposition", "attachment", filename=att["filename"])
            body.attach(file)
    else:
        body = content
    for header in ("Subject", "From", "To", "Date"):
        if header.lower() in spec:
            body[header] = spec[header.lower()]
    return body.as_bytes()


def build_event(name: str, spec: dict[str, Any]) -> RawEvent:
    event = RawEvent(
        event_id=f"corpus-{name}",
        task_id=f"task-{name}",
        trace_id="0" * 31 + "1",
        source=spec.get("source", "test"),
        format=spec["format"],
    )
    payload = dict(spec.get("payload", {}))
    attachments = spec.get("attachments", [])
    if spec.get("inline_postmark"):
        payload["Attachments"] = [
            {
                "Name": a["filename"],
                "ContentType": a["content_type"],
                "Content": base64.b64encode(attachment_bytes(a)).decode(),
            }
            for a in attachments
        ]
    else:
        for a in attachments:
            data = attachment_bytes(a)
            event.attachments.append(
                Attachment(
                    filename=a["filename"],
                    content_type=a["content_type"],
                    size=len(data),
                    content=data,
                )
            )
    if payload or "payload" in spec:
        event.payload_json = json.dumps(payload)
    if "mime" in spec:
        event.raw_body = _mime(spec["mime"])
    if "eml" in spec:
        event.raw_body = (CORPUS / spec["eml"]).read_bytes()
    return event


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(CORPUS.glob("*.json")):
        doc = json.loads(path.read_text())
        common = doc["expect"].get("notice", {})
        expected = []
        for part in doc["expect"]["parts"]:
            row = dict.fromkeys(FIELDS, "")
            row.update(common)
            row.update(part)
            if isinstance(row["inferred_fields"], list):
                row["inferred_fields"] = ",".join(sorted(row["inferred_fields"]))
            row.setdefault("base_mpn", row["mpn"])
            if not row["base_mpn"]:
                row["base_mpn"] = row["mpn"]
            expected.append(row)
        cases.append(Case(path.stem, build_event(path.stem, doc["event"]), expected))
    return cases
