"""The notice corpora and the fields expected of each case.

Three corpora: ``corpus/*.json`` (synthetic notices written next to the rules),
``corpus/real/*.json`` (real public notices, see ``corpus/real/README.md``) and
``corpus/holdout/*.json`` (real notices kept apart from rule work to measure generalisation, see
``corpus/holdout/README.md``; the gate test does not load them). A case file holds
``event`` (how to build the :class:`RawEvent`) and ``expect``: ``notice`` (fields every part
shares), ``parts`` (per-part fields, which win; may be empty) and, for real cases, ``mentions``
(every other part number with its role). Only the fields a case states are scored for it; in the
synthetic corpus ``base_mpn`` defaults to the part number and ``inferred_fields`` to none.
Attachments and MIME messages are built here from their text, so the corpus stays readable:

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
from dataclasses import dataclass, field
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from radar_common.contracts import Attachment, RawEvent
from tests.normalizer.pdfgen import make_pdf

CORPUS = Path(__file__).parent / "corpus"
REAL = CORPUS / "real"
HOLDOUT = CORPUS / "holdout"
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
    # One row per affected part: only the fields the case states.
    expected: list[dict[str, str]]
    # The notice-wide fields the case states (scored on their own when there is no part).
    notice: dict[str, str] = field(default_factory=dict)
    # Labelled non-affected mentions: {mpn, role, replaces?}.
    mentions: list[dict[str, str]] = field(default_factory=list)
    real: bool = False


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


def build_event(name: str, spec: dict[str, Any], folder: Path = CORPUS) -> RawEvent:
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
        event.raw_body = (folder / spec["eml"]).read_bytes()
    return event


def _text(value: Any) -> str:
    return ",".join(sorted(value)) if isinstance(value, list) else str(value)


def load_case(path: Path, real: bool, prefix: str = "real") -> Case:
    doc = json.loads(path.read_text())
    common = {k: _text(v) for k, v in doc["expect"].get("notice", {}).items()}
    expected = []
    for part in doc["expect"]["parts"]:
        row = {**common, **{k: _text(v) for k, v in part.items()}}
        if not real:
            row.setdefault("inferred_fields", "")
            row["base_mpn"] = row.get("base_mpn") or row["mpn"]
        expected.append(row)
    mentions = [dict(m) for m in doc["expect"].get("mentions", [])]
    name = f"{prefix}/{path.stem}" if real else path.stem
    return Case(
        name, build_event(path.stem, doc["event"], path.parent), expected, common, mentions, real
    )


def load_cases(*, synthetic: bool = True, real: bool = True, holdout: bool = False) -> list[Case]:
    """The synthetic cases, then the real ones, then the holdout (each sorted by file name)."""
    cases = []
    if synthetic:
        cases += [load_case(p, False) for p in sorted(CORPUS.glob("*.json"))]
    if real:
        cases += [load_case(p, True) for p in sorted(REAL.glob("*.json"))]
    if holdout:
        cases += [load_case(p, True, "holdout") for p in sorted(HOLDOUT.glob("*.json"))]
    return cases
