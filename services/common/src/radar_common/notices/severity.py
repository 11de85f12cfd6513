"""Severity: the five grades an assessment carries, and their one order.

``info < low < medium < high < critical``. Every service that compares, filters or caps a
severity uses this module, so the order is written once.
"""

from __future__ import annotations

from typing import Literal, get_args

Severity = Literal["info", "low", "medium", "high", "critical"]
#: The grades from least to most severe.
SEVERITY_ORDER: tuple[Severity, ...] = get_args(Severity)


def severity_rank(severity: str) -> int:
    """Position of a grade in the order.

    Args:
        severity: A grade name; unknown or empty text counts as ``info``.

    Returns:
        0 for ``info`` up to 4 for ``critical``.
    """
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else 0


def least_severe(*grades: Severity) -> Severity:
    """The mildest of ``grades`` (a grade capped by another is the lesser of the two)."""
    return min(grades, key=severity_rank)
