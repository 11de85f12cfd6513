"""What a notice's text supports: the part numbers and dates written in it, and where.

The LLM pass may only choose among these candidates; anything else it answers is refused. A
date candidate keeps every calendar date its spelling can mean (``05/06/2025`` is 5 June or
6 May; ``05Oct11`` is 5 Oct 2011 or 11 Oct 2005): choosing between them is the model's job,
inventing a date no spelling allows is not. This is not the reader's date policy (which picks
one reading, docs/notices.md), only the set of readings a choice is checked against.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from itertools import permutations

from radar_common.partnumbers import TOKEN, clean_mpn, fold_text, looks_like_mpn, normalize_mpn

MAX_PART_CANDIDATES = 200
MAX_DATE_CANDIDATES = 50

_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTHS = {
    **{name: number for number, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3]: number for number, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")"
DATE_EXPRESSION = re.compile(
    r"(?<![\w.])(?:"
    r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"  # 2025-08-31, 2016.03.24
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"  # 05/06/2025, 1.9.21
    rf"|\d{{1,2}}[-\s.,]*{_MONTH}\.?[-\s.,]*\d{{2,4}}"  # 14-Oct-2027, 05Oct11, 14 October 2027
    rf"|{_MONTH}\.?[-\s.,]*\d{{1,2}}(?:st|nd|rd|th)?[-\s.,]+\d{{2,4}}"  # Apr.,27,16; May 3, 2024
    r")(?![\w])",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=8192)  # the same lines are searched for each candidate
def comparable(text: str) -> str:
    """Text as compared: folded (look-alikes, dashes, invisible characters), one space, lower."""
    return _SPACES.sub(" ", fold_text(text)).strip().casefold()


def written_in(text: str, value: str) -> bool:
    """Whether ``value`` is written in ``text`` (folded, case and spacing ignored)."""
    needle = comparable(value)
    return bool(needle) and needle in comparable(text)


def line_with(text: str, value: str) -> str:
    """The line of ``text`` that holds ``value`` (evidence), or ``""``."""
    needle = comparable(value)
    for line in text.splitlines():
        if needle and needle in comparable(line):
            return line.strip()[:300]
    return ""


def part_candidates(text: str) -> list[str]:
    """Tokens of ``text`` spelled like part numbers, as written, first occurrence first.

    Case is ignored here (``2n7002-g`` counts): the pass exists for what the rules missed.
    Dates spelled like part numbers (``05Oct11``) are date candidates instead.
    """
    found: dict[str, str] = {}
    for token in TOKEN.findall(fold_text(text)):
        key = normalize_mpn(token)
        if key not in found and looks_like_mpn(key) and not DATE_EXPRESSION.fullmatch(token):
            found[key] = clean_mpn(token)
            if len(found) >= MAX_PART_CANDIDATES:
                break
    return list(found.values())


@dataclass(frozen=True)
class DateCandidate:
    """A date as written in the notice and every calendar date the spelling allows."""

    written: str
    readings: frozenset[date]


def date_candidates(text: str) -> list[DateCandidate]:
    """Every date expression of ``text`` with at least one valid reading, in order, once each."""
    out: dict[str, DateCandidate] = {}
    for match in DATE_EXPRESSION.finditer(fold_text(text)):
        written = match.group().strip(" .,-")
        readings = date_readings(written)
        if readings and comparable(written) not in out:
            out[comparable(written)] = DateCandidate(written, readings)
            if len(out) >= MAX_DATE_CANDIDATES:
                break
    return list(out.values())


def date_readings(written: str) -> frozenset[date]:
    """Every calendar date ``written`` can mean: day/month orders, two-digit years as 20YY."""
    numbers = re.findall(r"\d+", written)
    months = [_MONTHS[w] for w in re.findall(r"[a-z]+", written.lower()) if w in _MONTHS]
    if len(months) > 1:
        return frozenset()
    if months:
        if len(numbers) != 2:
            return frozenset()
        orders = [(year, str(months[0]), day) for day, year in permutations(numbers)]
    elif len(numbers) == 3:
        first, second, third = numbers
        orders = [(third, second, first), (third, first, second)]  # D/M/Y, M/D/Y
        if len(first) == 4:
            orders = [(first, second, third)]  # Y-M-D
    else:
        return frozenset()
    out = set()
    for year, month, day in orders:
        if len(str(year)) not in (2, 4) or len(str(day)) > 2:
            continue
        full_year = int(year) + (2000 if len(str(year)) == 2 else 0)
        try:
            out.add(date(full_year, int(month), int(day)))
        except ValueError:
            continue
    return frozenset(out)
