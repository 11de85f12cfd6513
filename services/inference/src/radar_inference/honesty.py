"""Every number in a narrative must be one the engine produced.

The crew writes prose around the engine's assessment; it must not invent a quantity, a price or
a date. :func:`unverified_numbers` lists the numbers of a text that are not among the engine's:
every number and ISO date found anywhere in the assessment and the notice's facts (field values
and the text of the options), the years of those dates, and the counts of products, options and
alternates. A number matches when it equals an engine number rounded to the precision the text
uses (``14,667`` or ``14,666.7`` for 14666.67), a percentage when its fraction does (``10%`` for
0.10, ``46%`` for 0.458).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from google.protobuf.json_format import MessageToDict

from radar_common.contracts import Assessment
from radar_common.notices.facts import NoticeFacts

_DATE = re.compile(r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")
# A number standing alone: not part of a part number, notice number or other token.
_NUMBER = re.compile(
    r"(?<![\w.,/#:-])(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?P<frac>\.\d+)?(?P<pct>\s?%)?(?![\w/#])"
)


def _numbers_in(text: str) -> Iterable[tuple[str, Decimal, int, bool]]:
    """(as written, value, decimals, is a percentage) for every number in ``text``."""
    for m in _NUMBER.finditer(_DATE.sub(" ", text)):
        frac = m.group("frac") or ""
        value = Decimal(m.group("int").replace(",", "") + frac)
        yield m.group(0).strip(), value, max(0, len(frac) - 1), bool(m.group("pct"))


def _collect(value: Any, numbers: set[Decimal], dates: set[str]) -> None:
    if isinstance(value, dict):
        for v in value.values():
            _collect(v, numbers, dates)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _collect(v, numbers, dates)
    elif isinstance(value, bool):
        return
    elif isinstance(value, (int, float)):
        numbers.add(Decimal(str(value)))
    elif isinstance(value, str):
        for y, mo, d in _DATE.findall(value):
            dates.add(f"{y}-{mo}-{d}")
            numbers.add(Decimal(y))
        try:
            numbers.add(Decimal(value.replace(",", "")))
        except InvalidOperation:
            numbers.update(v for _, v, _, _ in _numbers_in(value))


def engine_numbers(
    a: Assessment, facts: NoticeFacts | None = None
) -> tuple[set[Decimal], set[str]]:
    """The numbers and dates the engine produced for this assessment."""
    numbers: set[Decimal] = {
        Decimal(len(a.where_used)),
        Decimal(len(a.options)),
        Decimal(len(a.alternates)),
    }
    dates: set[str] = set()
    body = MessageToDict(a, preserving_proto_field_name=True)
    body.pop("narrative", None)
    _collect(body, numbers, dates)
    if facts is not None:
        _collect(facts.as_dict(), numbers, dates)
    return numbers, dates


def _matches(value: Decimal, decimals: int, known: set[Decimal]) -> bool:
    step = Decimal(1).scaleb(-decimals)
    return any(k.quantize(step, rounding=ROUND_HALF_UP) == value for k in known)


def unverified_numbers(text: str, a: Assessment, facts: NoticeFacts | None = None) -> list[str]:
    """The numbers and dates of ``text`` that are not the engine's (empty: the text is honest)."""
    numbers, dates = engine_numbers(a, facts)
    bad = ["-".join(parts) for parts in _DATE.findall(text) if "-".join(parts) not in dates]
    for written, value, decimals, percent in _numbers_in(text):
        if percent:
            if _matches(value / 100, decimals + 2, numbers):
                continue
        elif _matches(value, decimals, numbers):
            continue
        bad.append(written)
    return bad
