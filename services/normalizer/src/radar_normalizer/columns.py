"""What a table column holds, from its header: the part, its replacement, dates, status.

One header cell gives one meaning. A part column is the orderable (or affected) part number;
a replacement column names what replaces the row's part; ``old``/``new`` pairs ("Old part
number | New part number") mean affected and replacement; everything else (package,
description, family, marking, 12NC, customer part number) is ``other``.
"""

from __future__ import annotations

import functools
import re

PART = "part"
REPLACEMENT = "replacement"
LTB = "last_time_buy_date"
LTS = "last_ship_date"
STATUS = "lifecycle_status"
ISSUE = "issue_date"
DATES = ("last_time_buy_date", "last_ship_date", "issue_date")
GENERIC = "generic"
OTHER = "other"

_REPLACEMENT = re.compile(
    r"replace|successor|alternat|recommend|substitut|migrat|\bnew\b|cross|suggest|proposed|"
    r"\bto\b|equivalent|upgrade|\bnext\b",
    re.I,
)
_PART = re.compile(
    r"orderable|ordering|\bopn\b|order(?:ing)? (?:number|code)|commercial product|sales type|"
    r"(?:part|device|product|item|material|catalog|article|type|model|component)\s*"
    r"(?:number|no\b\.?|#|nr\b\.?|name|id\b|code)|\bmpn\b|\bp/?n\b|"
    r"^(?:affected|old|current|existing|discontinued|obsolete|eol)?\s*"
    r"(?:parts?|devices?|products?|items?|types?|models?|type number|sales name|components?|"
    r"skus?|codes?)(?:\s*\(s\))?$|^(?:old|current|existing|from|affected|discontinued)\b",
    re.I,
)
_NOT_PART = re.compile(
    r"package|description|qty|quantity|12\s*nc|marking|comment|remark|customer|family|"
    r"\bcpn\b|price|\bmoq\b|date|status|\bspq\b|weight|pin|lead|finish|site|note|reason",
    re.I,
)
_GENERIC = re.compile(
    r"generic|base (?:part|number)|\bfamily\b|product line|\bseries\b|\bplatform\b", re.I
)
_LTB = re.compile(
    r"last[- ]?(?:time[- ]?)?(?:buy|order)|\bLTB\b|final order|end of sale|\bEOS\b|"
    r"order (?:acceptance|cut)",
    re.I,
)
_LTS = re.compile(
    r"last[- ]?(?:time[- ]?)?(?:ship|deliver)|\bLTS\b|\bLTD\b|final (?:ship|deliver)", re.I
)
_STATUS = re.compile(r"status|life\s*cycle", re.I)
_ISSUE = re.compile(
    r"date of (?:withdrawal|notice|notification|announcement|discontinu\w*|publication)|"
    r"(?:withdrawal|notification|announcement|issue|publication|pcn|pdn|notice) date",
    re.I,
)


@functools.lru_cache(maxsize=4096)
def meaning(header: str) -> str:
    """The meaning of one header cell."""
    cell = header.strip()
    if not cell or len(cell) > 60:
        return OTHER
    if _LTB.search(cell):
        return LTB
    if _LTS.search(cell):
        return LTS
    if _ISSUE.search(cell):
        return ISSUE
    if _STATUS.search(cell) and not _PART.search(cell):
        return STATUS
    if _GENERIC.search(cell) and not re.search(r"orderable|\bopn\b", cell, re.I):
        return GENERIC
    replacement = _REPLACEMENT.search(cell)
    if replacement and not re.match(r"^(?:old|current|existing|from)\b", cell, re.I):
        # "Pin-to-pin compatible" or "Replacement available?" are remarks, not part columns.
        if re.search(r"compatib|available|\?|remark|comment|note", cell, re.I) and not re.search(
            r"part|device|product|number|opn|mpn", cell, re.I
        ):
            return OTHER
        return REPLACEMENT
    if _PART.search(cell) and not _NOT_PART.search(cell):
        return PART
    return OTHER


def meanings(cells: tuple[str, ...]) -> tuple[str, ...] | None:
    """Meanings of a header row, or None when the row is not the header of a part table."""
    if sum(1 for c in cells if c.strip()) < 2 or any(len(c) > 80 for c in cells):
        return None
    found = [meaning(c) for c in cells]
    if PART not in found:
        if GENERIC in found and (REPLACEMENT in found or LTB in found or LTS in found):
            # Only a generic (base) number column: it is the part.
            found[found.index(GENERIC)] = PART
        elif REPLACEMENT in found and _has_old_new(cells):
            found = [
                PART if re.match(r"^\s*(?:old|current|existing|from)\b", c, re.I) else m
                for c, m in zip(cells, found, strict=True)
            ]
        elif GENERIC not in found:
            return None
    # Two part columns: the first is the orderable part, later ones are other (e.g. "Device"
    # beside "Orderable Part Number" keeps only the orderable one).
    if found.count(PART) > 1:
        best = _best_part(cells, found)
        found = [m if m != PART or i == best else OTHER for i, m in enumerate(found)]
    return tuple(found)


def _has_old_new(cells: tuple[str, ...]) -> bool:
    return any(re.match(r"^\s*(?:old|current|existing|from)\b", c, re.I) for c in cells)


def _best_part(cells: tuple[str, ...], found: list[str]) -> int:
    indexes = [i for i, m in enumerate(found) if m == PART]
    for i in indexes:
        if re.search(r"orderable|ordering|\bopn\b|order(?:ing)? (?:number|code)", cells[i], re.I):
            return i
    return indexes[0]
