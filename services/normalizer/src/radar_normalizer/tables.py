"""Tables of parts in any rendering: HTML/CSV/XLSX rows (cells joined by ``|``), tab- or
space-aligned plain text and PDF text.

A table starts at a header row naming a part column ("Orderable Part Number", "Device",
"Affected Product" ...) and runs while rows keep the same shape. Columns for replacements,
last-time-buy and last-ship dates and status are recognised by their headers and read per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from radar_common.partnumbers import clean_mpn, looks_like_mpn
from radar_normalizer.dates import parse_date
from radar_normalizer.draft import Found, PartDraft
from radar_normalizer.sources import TextSource, snippet
from radar_normalizer.vocab import lifecycle_status

# Header words of a part-number column, best first.
_PART_HEADERS = (
    re.compile(
        r"orderable|ordering code|\bopn\b|order(?:ing)? number|commercial product|sales type", re.I
    ),
    re.compile(
        r"(?:part|device|product|item|material|catalog|article)\s*(?:number|no\.?|#|nr\.?|name|id)|\bmpn\b|\bp/?n\b|part\s*number",
        re.I,
    ),
    re.compile(
        r"^(?:affected\s+)?(?:parts?|devices?|products?|items?|types?|type number|sales name|"
        r"component|discontinued (?:parts?|products?|devices?))(?:\s*\(s\))?$",
        re.I,
    ),
)
_REPLACEMENT = re.compile(
    r"replacement|successor|alternat|recommend|substitute|migrat|new part|cross|suggested", re.I
)
_LTB = re.compile(
    r"last[- ]?(?:time[- ]?)?(?:buy|order)|\bLTB\b|final order|end of sale|\bEOS\b", re.I
)
_LTS = re.compile(
    r"last[- ]?(?:time[- ]?)?(?:ship|deliver)|\bLTS\b|final (?:ship|deliver)|\bLTD\b", re.I
)
_STATUS = re.compile(r"status|life\s*cycle", re.I)
_NOT_PART = re.compile(
    r"package|description|qty|quantity|12nc|marking|comment|remark|customer", re.I
)


def split_cells(line: str) -> list[str]:
    """Cells of a table row: by ``|``, else by tabs, else by runs of 2+ spaces."""
    if "|" in line:
        # Empty cells keep their place so that columns stay aligned with the header.
        cells = [c.strip() for c in line.split("|")]
        while cells and not cells[-1]:
            cells.pop()
        while cells and not cells[0]:
            cells.pop(0)
        return cells
    cells = line.split("\t") if "\t" in line else re.split(r"\s{2,}", line)
    return [c.strip() for c in cells if c.strip()]


@dataclass
class _Columns:
    part: int
    replacement: int = -1
    ltb: int = -1
    lts: int = -1
    status: int = -1


def _header(cells: list[str]) -> _Columns | None:
    if sum(1 for c in cells if c) < 2 or any(len(c) > 60 for c in cells):
        return None
    part = -1
    for pattern in _PART_HEADERS:
        for i, cell in enumerate(cells):
            if (
                pattern.search(cell)
                and not _REPLACEMENT.search(cell)
                and not _NOT_PART.search(cell)
            ):
                part = i
                break
        if part >= 0:
            break
    if part < 0:
        return None
    cols = _Columns(part)
    for i, cell in enumerate(cells):
        if i == part:
            continue
        if _REPLACEMENT.search(cell) and cols.replacement < 0:
            cols.replacement = i
        elif _LTB.search(cell) and cols.ltb < 0:
            cols.ltb = i
        elif _LTS.search(cell) and cols.lts < 0:
            cols.lts = i
        elif _STATUS.search(cell) and cols.status < 0:
            cols.status = i
    return cols


def mpns_in(cell: str, *, strict: bool = False) -> list[str]:
    """The part numbers in one cell or list item (several may share a cell)."""
    out = []
    # NXP packing codes ("BAS16,215") keep their comma; other commas separate parts.
    for token in re.split(r"[\s;]+|,(?!\d{3}\b)\s*", cell):
        value = clean_mpn(token)
        if value and looks_like_mpn(value, strict=strict) and value not in out:
            out.append(value)
    return out


def parts_from_tables(source: TextSource) -> list[PartDraft]:
    """Every part row of every table in ``source``."""
    lines = source.lines()
    parts: list[PartDraft] = []
    i = 0
    while i < len(lines):
        cols = _header(split_cells(lines[i]))
        if cols is None:
            i += 1
            continue
        width = len(split_cells(lines[i]))
        i += 1
        while i < len(lines):
            cells = split_cells(lines[i])
            if (
                sum(1 for c in cells if c) < 2
                or len(cells) > width + 2
                or _header(cells) is not None
            ):
                break
            parts.extend(_row(cells, cols, lines[i], source.location))
            i += 1
    return parts


def _cell(cells: list[str], index: int) -> str:
    return cells[index] if 0 <= index < len(cells) else ""


def _row(cells: list[str], cols: _Columns, line: str, location: str) -> list[PartDraft]:
    text = snippet(line)
    loc = f"{location}#table"
    fields: dict[str, Found] = {}
    replacements = mpns_in(_cell(cells, cols.replacement))
    if replacements:
        fields["replacement_mpn"] = Found(replacements[0], text, loc)
    for name, index in (("last_time_buy_date", cols.ltb), ("last_ship_date", cols.lts)):
        date = parse_date(_cell(cells, index))
        if date:
            fields[name] = Found(date.iso, text, loc, date.inferred)
    status = lifecycle_status(_cell(cells, cols.status))
    if cols.status >= 0 and status != "unknown":
        fields["lifecycle_status"] = Found(status, text, loc)
    return [
        PartDraft(Found(mpn, text, loc), dict(fields)) for mpn in mpns_in(_cell(cells, cols.part))
    ]
