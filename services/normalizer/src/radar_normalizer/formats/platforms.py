"""JSON records from lifecycle-data platforms, the component-alert shape and a generic mapping.

Keys are matched case-insensitively, ignoring ``_``, ``-`` and spaces, so ``LastTimeBuyDate``,
``last_time_buy_date`` and ``last-time-buy-date`` are one key. The table :data:`KEYS` is the
documented generic mapping (docs/notices.md); platform-specific shapes (SiliconExpert PCN
records, Nexar/Octopart parts with specs, Accuris statuses, ``ComponentAlert``) all resolve to it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from radar_common.partnumbers import clean_mpn, looks_like_mpn
from radar_normalizer.document import Record, RecordPart, Value
from radar_normalizer.vocab import lifecycle_status

# Internal field -> accepted keys (normalised: lower case, no separators).
KEYS: dict[str, tuple[str, ...]] = {
    "mpn": (
        "mpn",
        "partnumber",
        "part",
        "affectedproductname",
        "affectedproducts",
        "affectedparts",
        "manufacturerpartnumber",
        "orderablepartnumber",
        "itemmfrnumber",
        "device",
        "partno",
        "pn",
        "products",
        "parts",
        "affectedpartnumbers",
        "comid",
    ),
    "manufacturer": (
        "manufacturer",
        "manufacturername",
        "mfr",
        "mfrname",
        "vendor",
        "supplier",
        "manufacturercode",
        "brand",
        "pcnmfrname",
    ),
    "notice_number": (
        "noticenumber",
        "pcnnumber",
        "pdnnumber",
        "noticeid",
        "pcnid",
        "pcnno",
        "reference",
        "notificationnumber",
        "pcnnr",
    ),
    "notice_type": (
        "typeofchange",
        "noticetype",
        "changetype",
        "type",
        "kind",
        "category",
        "noticekind",
        "eventtype",
    ),
    "lifecycle_status": (
        "lifecyclestatus",
        "lifecycle",
        "partstatus",
        "status",
        "lifecyclestage",
        "partlifecyclestatus",
        "yeol_status",
    ),
    "issue_date": (
        "notificationdate",
        "issuedate",
        "publicationdate",
        "publishdate",
        "published",
        "noticedate",
        "pcnissuedate",
        "announcementdate",
        "date",
    ),
    "last_time_buy_date": (
        "lasttimebuydate",
        "ltbdate",
        "ltb",
        "lastorderdate",
        "lasttimebuy",
        "lastbuydate",
        "eosdate",
        "pcneos",
        "estimatedeoldate",
    ),
    "last_ship_date": (
        "lastshipdate",
        "lasttimeshipdate",
        "lts",
        "ltsdate",
        "lastdeliverydate",
        "finalshipmentdate",
        "pcnltd",
        "lastshipmentdate",
    ),
    "replacement_mpn": (
        "replacement",
        "replacementmpn",
        "replacementpart",
        "successor",
        "recommendedreplacement",
        "suggestedreplacement",
        "alternative",
        "replacementpartnumber",
    ),
    "reason": (
        "reason",
        "descriptionofchange",
        "reasonforchange",
        "changedescription",
        "description",
        "rawcontext",
        "details",
        "pcnchangedetail",
    ),
    "title": ("title", "subject", "pcntitle", "headline"),
}
_LOOKUP = {key: field for field, keys in KEYS.items() for key in keys}
_TEXT_KEYS = (
    "body",
    "text",
    "html",
    "content",
    "bodycontent",
    "textbody",
    "htmlbody",
    "email",
    "bodyplain",
    "xml",
    "notice",
)
MAX_RECORDS = 2000


def norm_key(key: str) -> str:
    return re.sub(r"[\s_\-.]", "", key.lower())


def _scalar(value: Any) -> str:
    if isinstance(value, dict):
        for key in ("name", "displayName", "displayValue", "value", "shortname"):
            if isinstance(value.get(key), str | int | float):
                return str(value[key]).strip()
        return ""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip()
    return ""


def _specs(record: dict[str, Any]) -> dict[str, Any]:
    """Nexar/Octopart ``specs: [{attribute: {shortname}, displayValue}]`` as plain keys."""
    out: dict[str, Any] = {}
    for spec in record.get("specs") or []:
        if isinstance(spec, dict) and isinstance(spec.get("attribute"), dict):
            name = spec["attribute"].get("shortname") or spec["attribute"].get("name") or ""
            if name:
                out[str(name)] = spec.get("displayValue") or spec.get("value")
    return out


def records(doc: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every dict in ``doc`` that names a part, with its parents' notice-wide keys folded in."""
    if depth > 6:
        return
    if isinstance(doc, list):
        for item in doc[:MAX_RECORDS]:
            yield from records(item, depth + 1)
        return
    if not isinstance(doc, dict):
        return
    flat = {**doc, **_specs(doc)}
    if isinstance(doc.get("part"), dict):  # Nexar: {part: {...}} inside results
        flat = {
            **{k: v for k, v in doc.items() if k != "part"},
            **doc["part"],
            **_specs(doc["part"]),
        }
    if any(
        _LOOKUP.get(norm_key(k)) == "mpn" and (_scalar(v) or (isinstance(v, list) and v))
        for k, v in flat.items()
    ):
        yield flat
        return
    for key, value in doc.items():
        if isinstance(value, dict | list):
            for child in records(value, depth + 1):
                inherited = {k: v for k, v in doc.items() if not isinstance(v, dict | list)}
                yield {**inherited, **child} if norm_key(key) not in ("part",) else child


def text_fields(doc: Any) -> dict[str, str]:
    """Free-text fields of a JSON document (a forwarded notice's subject/body/html/xml)."""
    out: dict[str, str] = {}
    if isinstance(doc, dict):
        for key, value in doc.items():
            nk = norm_key(key)
            if isinstance(value, str) and (
                nk in _TEXT_KEYS or nk in ("subject", "title", "subjectline")
            ):
                out[nk] = value
    return out


def _evidence(key: str, value: Any, path: str) -> tuple[str, str]:
    return json.dumps({key: value}, ensure_ascii=False)[1:-1][:240], f"json:{path}.{key}"


def read_record(record: dict[str, Any], path: str = "$") -> Record:
    """One platform record (one or several parts); values are kept as written."""
    fields: dict[str, Value] = {}
    parts: list[RecordPart] = []
    for key, value in record.items():
        field = _LOOKUP.get(norm_key(key))
        if field is None:
            continue
        snippet, location = _evidence(key, value, path)
        if field == "mpn":
            parts.extend(_parts(key, value, path, snippet, location))
            continue
        text = _scalar(value)
        if not text:
            continue
        found = Value(text, snippet, location)
        if field == "lifecycle_status":
            # Several status keys: a known word beats an unknown one.
            known = fields.get("lifecycle_status")
            if known is None or lifecycle_status(known.text) == "unknown":
                fields[field] = found
        else:
            fields.setdefault(field, found)
    return Record(fields, tuple(parts))


def _parts(key: str, value: Any, path: str, snippet: str, location: str) -> list[RecordPart]:
    items = value if isinstance(value, list) else re.split(r"[,;\n]+", _scalar(value))
    out: list[RecordPart] = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            # A part object: its own keys are per-part values.
            for sub in records(item):
                inner = read_record(sub, f"{path}.{key}[{i}]")
                shared = {k: v for k, v in inner.fields.items() if k != "notice_type"}
                out.extend(RecordPart(p.mpn, p.base, {**shared, **p.fields}) for p in inner.parts)
            continue
        mpn = clean_mpn(_scalar(item))
        if mpn and looks_like_mpn(mpn, strict=False):
            out.append(RecordPart(Value(mpn, snippet, location)))
    return out


def read_platform_json(doc: Any) -> list[Record]:
    """Records for every part-naming object in a platform document."""
    return [read_record(r) for r in records(doc)]
