"""Dates in the forms vendors write them, to ISO-8601, saying what had to be inferred.

Understood: ``2024-09-20``, ``2024/09/20``, ``14-Sep-2024``, ``20 September 2024``,
``July 22 2024``, ``Sept. 22, 2024``, ``Mar.,14,19``, ``07Nov19``, ``2019.11.07``,
``9/1/2021`` and ``1.9.2021`` (numeric day/month: see :class:`DayOrder`), ``20240920`` (only
in structured fields), ``September 2024`` and ``Q3 2025`` / ``3Q25``. A date without a day is
completed with the *first* day of the month or quarter — the conservative choice for a
deadline — and reported as inferred, never silently.

Ambiguous numeric dates follow ONE policy per notice (:func:`day_order`): if any numeric date
in the notice cannot be month-first (its first number is over 12) the whole notice is read
day-first; if any cannot be day-first, month-first; otherwise each separator keeps its
convention (``/`` and ``-`` month-first as in the US, ``.`` day-first as in Europe), and a date
whose two numbers could be either is flagged ``ambiguous`` (it lowers the field's confidence).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from radar_common.notices.dates import add_months as calendar_months

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
        # "Mar.,14,19", "Mar 14, 19": month name, day, two-digit year.
        (
            "mdy_short",
            r"\b" + _MON + r"[\s.,]*(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\s*[,/]\s*(?P<y>\d{2})\b",
        ),
        # "07Nov19", "14-Oct-27", "7 Nov 19": day, month name, two-digit year.
        ("dmy_short", r"\b(?P<d>[0-3]?\d)[-\s]?" + _MON + r"[-\s]?(?P<y>\d{2})\b"),
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
    """A date found in text: ISO value, where it is, and what was inferred (if anything).

    ``ambiguous`` is set for a numeric date whose day and month could be swapped and whose
    order came from a convention rather than from the notice.
    """

    iso: str
    start: int
    end: int
    text: str
    inferred: str = ""
    ambiguous: bool = False


@dataclass(frozen=True)
class DayOrder:
    """How numeric dates of one notice are read: ``True`` day first, ``False`` month first,
    ``None`` by separator convention."""

    day_first: bool | None = None


_DIGIT = re.compile(r"\d")
_MAYBE_DATE = re.compile(
    r"(?:19|20)\d\d|\d[/.\-]\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|q[1-4]|[1-4]q\d",
    re.IGNORECASE,
)
_NUMERIC = re.compile(r"\b(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})\b")


def day_order(text: str) -> DayOrder:
    """The day/month order a notice proves by one of its unambiguous numeric dates."""
    day_first = month_first = False
    for m in _NUMERIC.finditer(text):
        a, b = int(m["a"]), int(m["b"])
        day_first |= 12 < a <= 31 and b <= 12
        month_first |= 12 < b <= 31 and a <= 12
    if day_first != month_first:
        return DayOrder(day_first)
    return DayOrder(None)


def _make(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _year(text: str) -> int:
    value = int(text)
    return value + 2000 if value < 100 else value


def _numeric(kind: str, g: dict[str, str], order: DayOrder) -> tuple[str | None, bool]:
    a, b, year = int(g["a"]), int(g["b"]), _year(g["y"])
    if a > 12:
        return _make(year, b, a), False
    if b > 12:
        return _make(year, a, b), False
    day_first = order.day_first if order.day_first is not None else kind == "dot"
    ambiguous = a != b and order.day_first is None
    return (_make(year, b, a) if day_first else _make(year, a, b)), ambiguous


def _convert(kind: str, m: re.Match[str], order: DayOrder) -> tuple[str | None, str, bool]:
    g = m.groupdict()
    if kind == "iso":
        return _make(int(g["year"]), int(g["m"]), int(g["d"])), "", False
    if kind in ("dmy_name", "mdy_name"):
        return _make(int(g["year"]), _MONTHS[g["mon"].lower().rstrip(".")], int(g["d"])), "", False
    if kind in ("mdy_short", "dmy_short"):
        month = _MONTHS[g["mon"].lower().rstrip(".")]
        return _make(_year(g["y"]), month, int(g["d"])), "", False
    if kind in ("slash", "dash", "dot"):
        iso, ambiguous = _numeric(kind, g, order)
        return iso, "", ambiguous
    iso, inferred = _partial(kind, g)
    return iso, inferred, False


def _partial(kind: str, g: dict[str, str]) -> tuple[str | None, str]:
    if kind == "quarter":
        quarter = int(g["q"] or g["q2"])
        year = int(g["year"]) if g["year"] else _year(g["y2"])
        return _make(year, 3 * quarter - 2, 1), "day and month (first day of the quarter)"
    if kind == "month":
        return _make(
            int(g["year"]), _MONTHS[g["mon"].lower().rstrip(".")], 1
        ), "day (first of month)"
    return None, ""


def find_dates(text: str, order: DayOrder = DayOrder()) -> Iterator[DateMatch]:
    """Every date in ``text``, in order of position, overlapping forms resolved first-best."""
    if not _DIGIT.search(text) or not _MAYBE_DATE.search(text):
        return iter(())  # most lines hold no date: one cheap test instead of ten patterns
    return iter(_dates_in(text, order))


def clear_cache() -> None:
    """Forget memoised dates (a benchmark measures each event as if it were the first)."""
    _dates_in.cache_clear()


@functools.lru_cache(maxsize=2048)
def _dates_in(text: str, order: DayOrder) -> tuple[DateMatch, ...]:
    # Memoised: the timeline reads a line's dates twice, the shape test reads a token's.
    # Characters already claimed by a better form (linear, however many dates a text holds).
    taken = bytearray(len(text))
    found: list[DateMatch] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if taken.find(1, m.start(), m.end()) >= 0:
                continue
            iso, inferred, ambiguous = _convert(kind, m, order)
            if iso is None:
                continue
            taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
            found.append(DateMatch(iso, m.start(), m.end(), m.group(0), inferred, ambiguous))
    return tuple(sorted(found, key=lambda d: d.start))


def parse_date(text: str, order: DayOrder = DayOrder()) -> DateMatch | None:
    """The first date in a field value (also accepts compact ``20240920``)."""
    value = text.strip()
    compact = re.fullmatch(r"((?:19|20)\d{2})(\d{2})(\d{2})", value)
    if compact:
        iso = _make(int(compact[1]), int(compact[2]), int(compact[3]))
        return DateMatch(iso, 0, len(value), value) if iso else None
    return next(find_dates(value, order), None)


def add_months(iso: str, months: int) -> str:
    """``iso`` plus whole months, clamped to the month's last day (the shared calendar rule,
    ``radar_common.notices.dates.add_months``, on ISO text)."""
    return calendar_months(dt.date.fromisoformat(iso), months).isoformat()
