"""Reading a notice written for people: labelled fields, part lists and prose.

Works on :class:`TextSource` lines, whatever they were rendered from (plain text, HTML, PDF,
spreadsheets). Each value keeps the line it was read from as evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from radar_common.partnumbers import TOKEN, clean_mpn, looks_like_mpn
from radar_normalizer.dates import find_dates
from radar_normalizer.draft import Found, NoticeDraft, PartDraft
from radar_normalizer.sources import TextSource, sentence, snippet
from radar_normalizer.tables import mpns_in, parts_from_tables
from radar_normalizer.vocab import lifecycle_status, notice_kind

_SEP = r"[\s:#|.\-]*"

# Date labels: the nearest label before a date on its line (or the line above) names it.
_DATE_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        (
            "last_time_buy_date",
            r"last[- ]?time[- ]?buy|\bLTB\b|last[- ]?(?:time[- ]?)?order|"
            r"final order|last (?:date|day) to (?:order|place)|orders?\b[^.|]{0,40}\baccepted|"
            r"order acceptance|end of sale|\bEOS\b|last buy|pcnEOS|non-?cancell?able|"
            r"orders? (?:by|until|through)",
        ),
        (
            "last_ship_date",
            r"last[- ]?(?:time[- ]?)?ship|\bLTS\b|final ship|last[- ]?(?:time[- ]?)?deliver|"
            r"final deliver|date of final|"
            r"ship(?:ment|ping)s?\b[^.|]{0,40}\b(?:until|through|by|no later)|"
            r"deliver(?:y|ies)\b[^.|]{0,30}\b(?:until|through)|end of (?:shipment|delivery)|"
            r"\bLTD\b|pcnLTD",
        ),
        (
            "issue_date",
            r"publication|publish|issue date|date issued|issued|notification date|"
            r"notice date|date of (?:notice|notification|issue)|release date|announce|"
            r"pcn date|pdn date|"
            r"^\s*date\b|\bdated\b|sent\b",
        ),
        (
            "",
            r"effective|implementation|first ship|sample|qualif|planned|expected|revision|"
            r"end of production|eop\b|start of|received|last updated|\bcutoff\b",
        ),
    )
)

_LABEL_WINDOW = 160
_NUMBER_LABEL = re.compile(
    r"(?P<kw>PCN|PDN|PTN|EOL|Notice|Notification|Bulletin|Document|Reference|Ref\.?)\s*"
    r"(?:Number|No\.?|#|ID|Nr\.?|Code)" + _SEP + r"(?P<num>[A-Z0-9][A-Z0-9_\-./]*\d[A-Z0-9_\-./]*)",
    re.IGNORECASE,
)
_NUMBER_COMPOUND = re.compile(
    r"\b(?P<num>(?:F?PCN|PDN|PTN|EOL|LTB|PD)[-_#]?\d[A-Z0-9_\-./]*[A-Z0-9])\b"
)
_NUMBER_KEYWORD = re.compile(
    r"\b(?P<kw>F?PCN|PDN|PTN|EOL Notice|Discontinuance Notice|Change Notice|Termination Notice|"
    r"Change Notification|Discontinuation Notice|Notice|Notification)\s*#?:?\s*"
    r"(?P<num>[A-Z0-9][A-Z0-9_\-./]*\d[A-Z0-9_\-./]*)\b",
    re.IGNORECASE,
)
_NUMBER_TI = re.compile(r"\b(?P<num>\d{8,12}[A-Z]{1,3}|\d{8,12})\b")

_REASON = re.compile(
    r"^\W*(?:reason(?:\s+for\s+(?:the\s+)?[\w ]{0,30})?|description of (?:the )?change|"
    r"change description|reason/motivation|background|why)\s*[:|\-]\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_DUE_TO = re.compile(
    r"\b(?:due to|because of|as a result of)\s+(?P<why>[^.\n]{8,160})", re.IGNORECASE
)
_REPLACEMENT_LABEL = re.compile(
    r"(?:recommended|suggested|proposed)?\s*"
    r"(?:replacement|alternative|alternate|successor|substitute|migration path|migration part|"
    r"new part)(?:\s+(?:part|device|product))?(?:\s+(?:number|no\.?))?"
    r"(?:\s*\(s\))?\s*(?:[:|]|\bis\b|\bare\b|\bwill be\b)\s*(?P<rest>.+)$",
    re.IGNORECASE,
)
_STATUS_LABEL = re.compile(
    r"(?:lifecycle|life cycle|part|product)?\s*status\s*[:|]\s*(?P<rest>[A-Za-z][\w /-]{1,40})",
    re.I,
)
_MFR_LABEL = re.compile(
    r"^\W*(?:manufacturer|vendor|supplier|company|mfr\.?)(?:\s+name)?\s*[:|]\s*(?P<rest>.+)$", re.I
)
_LIST_LABEL = re.compile(
    r"^\W*(?:(?:the\s+)?(?:list\s+of\s+)?(?:affected|impacted|discontinued|withdrawn)\b[^:|]{0,50}|"
    r"(?:orderable\s+)?(?:part|product|device|item|type)s?(?:\s*(?:numbers?|no\.?|\(s\)|names?))*"
    r"(?:\s*(?:affected|concerned|list))?|the following[^:|]{0,60})\s*[:|]\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_CONNECTOR = re.compile(
    r"\(\s*(?:recommended\s+)?"
    r"(?:replacement|replaced by|successor|alternative|alternate|use|migrate to|substitute)"
    r"\s*(?:part\s*)?:?|->|→|=>|⇒|\breplaced by\b|\bis replaced with\b|\breplacement\s*:?|"
    r"\bsuccessor\s*:?|\bmigrate to\b",
    re.IGNORECASE,
)


def _label_for_date(before: str) -> str | None:
    """The field the last label in ``before`` names, or None when there is none."""
    best: tuple[int, str] | None = None
    for name, pattern in _DATE_LABELS:
        for m in pattern.finditer(before):
            if best is None or m.end() > best[0]:
                best = (m.end(), name)
    return best[1] if best else None


def read_dates(source: TextSource, draft: NoticeDraft) -> None:
    """Labelled dates: issue, last-time-buy and last-ship, first occurrence of each wins."""
    previous = ""
    for line in source.lines():
        if not line:
            continue
        for date in find_dates(line):
            # Only the text just before a date can label it (and this keeps long lines linear).
            before = line[max(0, date.start - _LABEL_WINDOW) : date.start]
            # A value cell alone on its line takes the label of the line above.
            name = _label_for_date(before) if before.strip(" |:-") else None
            if name is None and not before.strip(" |:-"):
                name = _label_for_date(previous)
            if name:
                evidence = sentence(line, date.start, date.end)
                if not before.strip(" |:-"):
                    evidence = f"{snippet(previous, 120)} {evidence}"
                draft.put(name, Found(date.iso, evidence, source.location, date.inferred))
        previous = line


def read_notice_number(texts: Iterable[tuple[str, str]], draft: NoticeDraft) -> None:
    """The notice number: labelled first, then PCN/PDN-prefixed tokens, then TI-style numbers."""
    texts = list(texts)
    for pattern in (_NUMBER_LABEL, _NUMBER_COMPOUND, _NUMBER_KEYWORD, _NUMBER_TI):
        for location, text in texts:
            for m in pattern.finditer(text):
                num = m.group("num").rstrip(".-/")
                if next(find_dates(num), None) is not None and len(num) <= 10:
                    continue
                if pattern is _NUMBER_TI and not re.search(
                    r"\b(?:PCN|PDN|notice|DN)\b", text[max(0, m.start() - 40) : m.start()], re.I
                ):
                    continue
                keyword = m.groupdict().get("kw") or ""
                if not re.search(r"[A-Za-z]", num) and keyword[:3].upper() in ("PCN", "PDN", "PTN"):
                    num = f"{keyword[:3].upper()} {num}"
                line = _line_with(text[m.start() :], m.group(0))
                start = text.rfind("\n", 0, m.start()) + 1
                line = text[start : m.start()] + line
                draft.put("notice_number", Found(num, snippet(line), location))
                return


def read_labels(source: TextSource, draft: NoticeDraft) -> None:
    """Reason, notice-wide replacement, lifecycle status and manufacturer from labelled lines."""
    lines = source.lines()
    for i, line in enumerate(lines):
        m = _REASON.match(line)
        if m and "reason" not in draft.fields:
            rest = m.group("rest").strip(" |") or _next_line(lines, i)
            if len(rest) >= 4:
                draft.put(
                    "reason",
                    Found(
                        rest[:300],
                        snippet(line if m.group("rest").strip() else rest),
                        source.location,
                    ),
                )
        m = _REPLACEMENT_LABEL.search(line)
        if m and "replacement_mpn" not in draft.fields:
            reps = mpns_in(m.group("rest"), strict=True)
            if reps:
                evidence = sentence(line, m.start(), m.end())
                draft.put("replacement_mpn", Found(reps[0], evidence, source.location))
        m = _STATUS_LABEL.search(line)
        if m and lifecycle_status(m.group("rest").split("|")[0]) != "unknown":
            status = lifecycle_status(m.group("rest").split("|")[0])
            draft.put("lifecycle_status", Found(status, snippet(line), source.location))
        m = _MFR_LABEL.match(line)
        if m:
            draft.put(
                "manufacturer",
                Found(m.group("rest").split("|")[0].strip(), snippet(line), source.location),
            )
    if "reason" not in draft.fields:
        m = _DUE_TO.search(source.text)
        if m:
            draft.put("reason", Found(m.group(0).strip(), snippet(m.group(0)), source.location))


def _next_line(lines: list[str], i: int) -> str:
    for line in lines[i + 1 : i + 3]:
        if line.strip():
            return line.strip()
    return ""


def _item(line: str, location: str, strict: bool, evidence: str = "") -> list[PartDraft]:
    """Parts in one list item, with a replacement when the item names one."""
    evidence = evidence or snippet(line)
    out: list[PartDraft] = []
    segments = (
        re.split(r"[;,]\s*(?=[A-Z0-9])", line) if len(_CONNECTOR.findall(line)) > 1 else [line]
    )
    for segment in segments:
        m = _CONNECTOR.search(segment)
        head, tail = (segment[: m.start()], segment[m.end() :]) if m else (segment, "")
        fields: dict[str, Found] = {}
        reps = mpns_in(tail.replace(")", " "), strict=True)
        if reps:
            fields["replacement_mpn"] = Found(reps[0], evidence, location)
        for mpn in mpns_in(head.replace("(", " ").replace(")", " "), strict=strict):
            out.append(PartDraft(Found(mpn, evidence, location), dict(fields)))
    return out


def read_part_lists(source: TextSource) -> list[PartDraft]:
    """Parts under labels like "Affected parts:", on the label's line and the lines after."""
    lines = source.lines()
    parts: list[PartDraft] = []
    loc = f"{source.location}#list"
    i = 0
    while i < len(lines):
        m = _LIST_LABEL.match(lines[i])
        if not m or _REPLACEMENT_LABEL.search(lines[i]):
            i += 1
            continue
        parts.extend(_item(m.group("rest"), loc, strict=False, evidence=snippet(lines[i])))
        i += 1
        skipped_blank = False
        while i < len(lines):
            line = lines[i].lstrip("-*•·◦▪> \t").strip()
            if not line:
                if parts or skipped_blank:
                    break
                skipped_blank = True
                i += 1
                continue
            tokens = TOKEN.findall(_CONNECTOR.split(line)[0])
            found = mpns_in(_CONNECTOR.split(line)[0].replace("(", " "), strict=False)
            # A continuation line is mostly part numbers; prose or another label ends the list.
            if not found or len(found) * 2 < len(tokens) or _LIST_LABEL.match(lines[i]):
                break
            parts.extend(_item(line, loc, strict=False))
            i += 1
    return parts


def scan_parts(texts: Iterable[TextSource], exclude: set[str]) -> list[PartDraft]:
    """Last resort: strong part-number-shaped tokens anywhere in the prose."""
    parts: list[PartDraft] = []
    for source in texts:
        for line in source.lines():
            if re.search(r"@|https?://|www\.", line):
                line = re.sub(r"\S*(?:@|https?://|www\.)\S*", " ", line)
            segment = _CONNECTOR.split(line)[0]
            for token in TOKEN.findall(segment):
                mpn = clean_mpn(token)
                if (
                    len(mpn) >= 5
                    and len(re.findall(r"[A-Z]", mpn)) >= 2
                    and looks_like_mpn(mpn)
                    and mpn not in exclude
                ):
                    at = line.find(token)
                    evidence = sentence(line, at, at + len(token))
                    parts.append(PartDraft(Found(mpn, evidence, f"{source.location}#text")))
    return parts


def read_prose(sources: list[TextSource], headline: str, draft: NoticeDraft) -> None:
    """Fill ``draft`` from text sources, best first; parts from tables, then lists, then prose."""
    body = "\n".join(s.text for s in sources)
    read_notice_number([("subject", headline), *((s.location, s.text) for s in sources)], draft)
    for source in sources:
        read_dates(source, draft)
        read_labels(source, draft)
    kind, words = notice_kind(headline, body)
    if kind:
        where = "subject" if words in headline else sources[0].location if sources else "body"
        draft.put(
            "notice_kind", Found(kind, snippet(_line_with(headline + "\n" + body, words)), where)
        )
    if not draft.parts:
        _read_parts(sources, headline, draft)
    read_replacement_pairs(sources, draft)


def _read_parts(sources: list[TextSource], headline: str, draft: NoticeDraft) -> None:
    for reader, method in ((parts_from_tables, "table"), (read_part_lists, "labelled")):
        for source in sources:
            for part in reader(source):
                draft.add_part(part)
        if draft.parts:
            draft.method = method
            return
    exclude = {f.value for f in draft.fields.values()}
    for part in scan_parts([TextSource("subject", headline), *sources], exclude):
        draft.add_part(part)
    draft.method = "scan"


def read_replacement_pairs(sources: list[TextSource], draft: NoticeDraft) -> None:
    """Per-part replacements stated anywhere: "X -> Y", "X replaced by Y", "X (successor Y)"."""
    parts = {part.mpn.value: part for part in draft.parts}
    for source in sources:
        for line in source.lines():
            if not _CONNECTOR.search(line):
                continue
            for item in _item(line.lstrip("-*•·◦▪> \t"), source.location, strict=False):
                part = parts.get(item.mpn.value)
                found = item.fields.get("replacement_mpn")
                if part is not None and found and "replacement_mpn" not in part.fields:
                    part.fields["replacement_mpn"] = found


def _line_with(text: str, words: str) -> str:
    at = text.find(words)
    if at < 0:
        return words
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return text[start : end if end >= 0 else None]
