"""Reference designators as EDA tools write them: ``C1, C2, C5-C7`` is five parts.

KiCad groups designators with ranges (``C103-C105``) or lists them separated by commas and
spaces (its Python plugins leave a trailing ``, ``); Altium separates them with commas.
"""

from __future__ import annotations

import re

_DASH = "-\u2013"  # hyphen, en dash
_RANGE = re.compile(
    rf"^(?P<prefix>[A-Za-z_]*)(?P<start>\d+)\s*[{_DASH}]\s*(?P=prefix)?(?P<end>\d+)$"
)
_SEPARATORS = re.compile(r"[,;\s]+")


class DesignatorError(ValueError):
    """A designator list that cannot be counted (a range that runs backwards)."""


def count_designators(text: str) -> int:
    """How many parts a designator list names (``R1, R3-R5`` → 4)."""
    count = 0
    # A range may be written "C3 - C5": join the dash to its neighbours before splitting.
    for token in _SEPARATORS.split(re.sub(rf"\s*[{_DASH}]\s*", "-", text.strip())):
        if not token:
            continue
        match = _RANGE.match(token)
        if match:
            start, end = int(match["start"]), int(match["end"])
            if end < start:
                raise DesignatorError(f"range {token} runs backwards")
            count += end - start + 1
        else:
            count += 1
    return count
