"""When a person must look: confidence per field against one threshold.

A notice goes to review (``review="pending"``) when the part itself, its role, or one of its
deadline dates is less certain than the threshold (``RADAR_REVIEW_THRESHOLD``, default
:data:`DEFAULT_REVIEW_THRESHOLD`), or when a date could be read two ways. It is still emitted,
assessed and recorded; ``review_reasons`` say why in plain words. Inferred J-STD-048 dates are
not a reason (``inferred_fields`` already says so), nor is the issue date (no deadline hangs
on it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from radar_normalizer.facts import Fact
from radar_normalizer.roles import Mention

DEFAULT_REVIEW_THRESHOLD = 0.6
# The threshold of this process: set once at start from RADAR_REVIEW_THRESHOLD (main.build),
# so that every caller of the pipeline (the handler, a sandboxed child) applies it.
_configured: list[float] = []


def set_threshold(value: float) -> None:
    """Set the process-wide review threshold (from the settings, at start)."""
    _configured[:] = [value]


def threshold() -> float:
    """The process-wide review threshold: as set at start, else ``RADAR_REVIEW_THRESHOLD`` from
    the environment (a reading child process inherits it), else the default."""
    if _configured:
        return _configured[0]
    try:
        return float(os.environ.get("RADAR_REVIEW_THRESHOLD", DEFAULT_REVIEW_THRESHOLD))
    except ValueError:
        return DEFAULT_REVIEW_THRESHOLD


# Fields whose doubt changes what procurement must do.
CRITICAL = ("mpn", "last_time_buy_date", "last_ship_date", "notice_kind")
_WHY = {
    "uncued": "the part was named without saying it is affected",
    "subject": "the part was named only in the subject",
}


@dataclass(frozen=True)
class Review:
    """The review rule of one normalizer (its threshold comes from the settings)."""

    threshold: float = DEFAULT_REVIEW_THRESHOLD

    def judge(
        self, fields: dict[str, Fact], confidences: dict[str, float], mention: Mention
    ) -> tuple[bool, list[str]]:
        """Whether the notice needs review, and why."""
        reasons: list[str] = []
        for name in CRITICAL:
            fact = fields.get(name)
            if fact is None or fact.inferred == "J-STD-048":
                continue
            if fact.doubt:
                reasons.append(f"{name.replace('_', ' ')} {fact.doubt}")
            elif confidences.get(name, 1.0) < self.threshold:
                why = _WHY.get(mention.how, "") if name == "mpn" else ""
                detail = f": {why}" if why else f" ({fact.value})"
                reasons.append(
                    f"{name.replace('_', ' ')} uncertain{detail}, confidence "
                    f"{confidences[name]:.2f} < {self.threshold:.2f}"
                )
        return bool(reasons), reasons
