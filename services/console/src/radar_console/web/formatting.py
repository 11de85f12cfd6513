"""How the console writes numbers, money and times: one place, used as template filters.

Quantities and money always carry thousands separators; money always carries its currency
(``USD 20,160.00``, the way alerts write it). Values may arrive as Decimal, int, float or the
decimal strings money travels as; anything unreadable is shown as it is, never as 0.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

DEFAULT_CURRENCY = "USD"


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def quantity(value: object) -> str:
    """``14400`` → ``14,400``; ``2.5`` → ``2.5``; ``1234.50`` → ``1,234.5``."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number.normalize():,f}"


def money(value: object, currency: str = DEFAULT_CURRENCY) -> str:
    """``20160`` → ``USD 20,160.00`` (rounded half up to cents)."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    cents = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{currency or DEFAULT_CURRENCY} {cents:,.2f}"


def percent(value: object) -> str:
    number = _decimal(value)
    return "" if number is None else f"{number:.0f}%"


def timestamp(value: object) -> str:
    """A UTC time as ``2025-06-01 14:03:07 UTC`` (dates as ``2025-06-01``)."""
    if isinstance(value, datetime):
        when = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return when.strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


FILTERS = {"qty": quantity, "money": money, "percent": percent, "when": timestamp}
