"""smartPCN (VDMA 24903) PCNbody XML, read with defusedxml (no entities, no external access)."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from radar_common.partnumbers import clean_mpn
from radar_normalizer.document import Record, RecordPart, Value

MAX_XML_BYTES = 5_000_000
MAX_ITEMS = 2000
MAX_ZIP_MEMBER = 5_000_000
# Notice field -> PCNbody element.
_FIELDS = (
    ("notice_number", "pcnNumber"),
    ("manufacturer", "pcnMfrName"),
    ("title", "pcnTitle"),
    ("issue_date", "pcnIssueDate"),
    ("last_time_buy_date", "pcnEOS"),
    ("last_ship_date", "pcnLTD"),
    ("reason", "pcnChangeDetail"),
)


def is_smartpcn(text: str) -> bool:
    return "PCNbody" in text[:4000] or "smartpcn.org" in text[:4000]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(node: Element, name: str) -> list[Element]:
    return [c for c in node.iter() if _local(c.tag) == name]


def _text(node: Element, name: str) -> str:
    for child in _children(node, name):
        if child.text and child.text.strip():
            return child.text.strip()
    return ""


def read_smartpcn(xml: str | bytes, location: str) -> Record | None:
    """A record from a PCNbody document, or None when it is not one (or is hostile)."""
    if len(xml) > MAX_XML_BYTES:
        return None
    try:
        root = ElementTree.fromstring(xml, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        return None
    if _local(root.tag) != "PCNbody":
        found = _children(root, "PCNbody")
        if not found:
            return None
        root = found[0]
    fields: dict[str, Value] = {}
    for name, tag in _FIELDS:
        value = _text(root, tag)
        if value:
            fields[name] = Value(value, f"<{tag}>{value}</{tag}>", f"{location}#{tag}")
    headline = " ".join(_text(root, t) for t in ("pcnTitle", "pcnChangeTitle")).strip()
    if headline:
        fields["notice_type"] = Value(headline, headline, f"{location}#pcnTitle")
    parts = []
    for item in _children(root, "ItemNumber")[:MAX_ITEMS]:
        mpn = clean_mpn(_text(item, "itemMfrNumber"))
        if not mpn:
            continue
        loc = f"{location}#ItemNumber"
        base = clean_mpn(_text(item, "itemMfrTypeIdent"))
        parts.append(
            RecordPart(
                Value(mpn, f"<itemMfrNumber>{mpn}</itemMfrNumber>", loc),
                Value(base, f"<itemMfrTypeIdent>{base}</itemMfrTypeIdent>", loc) if base else None,
            )
        )
    return Record(fields, tuple(parts))


def smartpcn_in_zip(data: bytes, location: str) -> Record | None:
    """The PCNbody of a smartPCN container (a zip of PCNbody.xml plus attachments)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist()[:50]:
                if re.search(r"\.xml$", info.filename, re.I) and info.file_size <= MAX_ZIP_MEMBER:
                    record = read_smartpcn(archive.read(info), f"{location}/{info.filename}")
                    if record is not None:
                        return record
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError):
        return None
    return None
