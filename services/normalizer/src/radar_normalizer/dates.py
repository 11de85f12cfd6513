"""Dates in the forms vendors write them, to ISO-8601, saying what had to be inferred.

Understood: ``2024-09-20``, ``2024/09/20``, ``20-Sep-2024``, ``20 September 2024``,
``July 22 2024``, ``Sept. 22, 2024``, ``9/1/2021`` (US: month first, unless the first number
cannot be a month), ``1.9.2021`` (European: day first), ``20240920`` (only in structured
fields), ``September 2024`` and ``Q3 2025`` / ``3Q25``. A date without a day is completed with the
*first* day of the month or quarter — the conservative choice for a deadline — and reported
as inferred, never silently.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9

_MON = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_YEAR = r"(?P<year>(?:19|20)\d{2})"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("iso", r"\b" + _YEAR + r"[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})\b"),
        ("dmy_name", r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?[-\s]" + _MON + r"[-\s,]*" + _YEAR + r"\b"),
        ("mdy_name", r"\b" + _MON + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+" + _YEAR + r"\b"),
        ("slash", r"\b(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4}|\d{2})\b"),
        ("dot", r"\b(?P<a>\d{1,2})\.(?P<b>\d{1,2})\.(?P<y>\d{4})\b"),
        ("dash", r"\b(?P<a>\d{1,2})-(?P<b>\d{1,2})-(?P<y>\d{4})\b"),
        (
            "quarter",
            r"\b(?:Q(?P<q>[1-4])[\s/-]*(?:CY|FY)?\s*" + _YEAR + r"|(?P<q2>[1-4])Q(?P<y2>\d{2}))\b",
        ),
        ("month", r"\b" + _MON + r"[\s,-]+" + _YEAR + r"\b"),
    )
)


@dataclass(frozen=True)
class DateMatch:
    """A date found in text: ISO value, where it is, and what was inferred (if anything)."""

    iso: str
    start: int
    end: int
    text: str
    inferred: str = ""


def _make(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _year(text: str) -> int:
    value = int(text)
    return value + 2000 if value < 100 else value


def _convert(kind: str, m: re.Match[str]) -> tuple[str | None, str]:
    g = m.groupdict()
    if kind == "iso":
        return _make(int(g["year"]), int(g["m"]), int(g["d"])), ""
    if kind in ("dmy_name", "mdy_name"):
        return _make(int(g["year"]), _MONTHS[g["mon"].lower().rstrip(".")], int(g["d"])), ""
    if kind in ("slash", "dash"):
        a, b, year = int(g["a"]), int(g["b"]), _year(g["y"])
        # US order (month first) unless the first number cannot be a month.
        return (_make(year, b, a) if a > 12 else _make(year, a, b)), ""
    if kind == "dot":
        a, b, year = int(g["a"]), int(g["b"]), _year(g["y"])
        return (_make(year, a, b) if b > 12 else _make(year, b, a)), ""
    if kind == "quarter":
        quarter = int(g["q"] or g["q2"])
        year = int(g["year"]) if g["year"] else _year(g["y2"])
        return _make(year, 3 * quarter - 2, 1), "day and month (first day of the quarter)"
    if kind == "month":
        return _make(
            int(g["year"]), _MONTHS[g["mon"].lower().rstrip(".")], 1
        ), "day (first of month)"
    return None, ""


def find_dates(text: str) -> Iterator[DateMatch]:
    """Every date in ``text``, in order of position, overlapping forms resolved first-best."""
    # Characters already claimed by a better form (linear, however many dates a text holds).
    taken = bytearray(len(text))
    found: list[DateMatch] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(taken[m.start() : m.end()]):
                continue
            iso, inferred = _convert(kind, m)
            if iso is None:
                continue
            taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
            found.append(DateMatch(iso, m.start(), m.end(), m.group(0), inferred))
    return iter(sorted(found, key=lambda d: d.start))


def parse_date(text: str) -> DateMatch | None:
    """The first date in a field value (also accepts compact ``20240920``)."""
    value = text.strip()
    compact = re.fullmatch(r"((?:19|20)\d{2})(\d{2})(\d{2})", value)
    if compact:
        iso = _make(int(compact[1]), int(compact[2]), int(compact[3]))
        return DateMatch(iso, 0, len(value), value) if iso else None
    return next(find_dates(value), None)


def add_months(iso: str, months: int) -> str:
    """``iso`` plus whole months, clamped to the month's last day."""
    day = dt.date.fromisoformat(iso)
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1])).isoformat()
