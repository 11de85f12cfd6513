"""smartPCN (VDMA 24903) PCNbody XML, read with defusedxml (no entities, no external access)."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from radar_common.partnumbers import clean_mpn
from radar_normalizer.dates import parse_date
from radar_normalizer.draft import Found, NoticeDraft, PartDraft
from radar_normalizer.vocab import notice_kind

MAX_XML_BYTES = 5_000_000
MAX_ITEMS = 2000
MAX_ZIP_MEMBER = 5_000_000


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


def read_smartpcn(xml: str | bytes, location: str) -> NoticeDraft | None:
    """A draft from a PCNbody document, or None when it is not one (or is hostile)."""
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
    draft = NoticeDraft(method="structured")

    def put(name: str, tag: str, *, date: bool = False) -> None:
        value = _text(root, tag)
        if not value:
            return
        evidence = f"<{tag}>{value}</{tag}>"
        if date:
            parsed = parse_date(value)
            if parsed:
                draft.put(name, Found(parsed.iso, evidence, f"{location}#{tag}", parsed.inferred))
            return
        draft.put(name, Found(value, evidence, f"{location}#{tag}"))

    put("notice_number", "pcnNumber")
    put("manufacturer", "pcnMfrName")
    put("title", "pcnTitle")
    put("issue_date", "pcnIssueDate", date=True)
    put("last_time_buy_date", "pcnEOS", date=True)
    put("last_ship_date", "pcnLTD", date=True)
    put("reason", "pcnChangeDetail")
    headline = " ".join(_text(root, t) for t in ("pcnTitle", "pcnChangeTitle"))
    kind, words = notice_kind(headline, _text(root, "pcnChangeDetail"))
    if kind:
        draft.put("notice_kind", Found(kind, headline.strip() or words, f"{location}#pcnTitle"))
    for item in _children(root, "ItemNumber")[:MAX_ITEMS]:
        mpn = clean_mpn(_text(item, "itemMfrNumber"))
        if not mpn:
            continue
        loc = f"{location}#ItemNumber"
        evidence = f"<itemMfrNumber>{mpn}</itemMfrNumber>"
        base = clean_mpn(_text(item, "itemMfrTypeIdent"))
        part = PartDraft(
            Found(mpn, evidence, loc),
            base_mpn=Found(base, f"<itemMfrTypeIdent>{base}</itemMfrTypeIdent>", loc)
            if base
            else None,
        )
        draft.add_part(part)
    return draft


def smartpcn_in_zip(data: bytes, location: str) -> NoticeDraft | None:
    """The PCNbody of a smartPCN container (a zip of PCNbody.xml plus attachments)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist()[:50]:
                if re.search(r"\.xml$", info.filename, re.I) and info.file_size <= MAX_ZIP_MEMBER:
                    draft = read_smartpcn(archive.read(info), f"{location}/{info.filename}")
                    if draft is not None:
                        return draft
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError):
        return None
    return None
