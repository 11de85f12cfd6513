"""Evidence text: a value's line or sentence, shortened, as an engineer would quote it."""

from __future__ import annotations

from radar_normalizer.parts import clean


def snippet(line: str, limit: int = 240) -> str:
    """A line shortened for evidence."""
    line = clean(line[: 4 * limit])  # cut first: cleaning a huge line per value is quadratic
    return line if len(line) <= limit else line[: limit - 1] + "…"


def sentence(line: str, start: int, end: int, limit: int = 240) -> str:
    """The sentence (or table row) of ``line`` around ``line[start:end]``, for evidence."""
    if len(line) <= limit // 2:
        return snippet(line, limit)
    # Look only near the value, so that evidence costs the same on a megabyte-long line.
    offset = max(0, start - limit)
    line, start, end = line[offset : end + limit], start - offset, end - offset
    left = max(line.rfind(". ", 0, start), line.rfind("|", 0, start))
    right_candidates = [i for i in (line.find(". ", end), line.find("|", end)) if i >= 0]
    right = min(right_candidates) + 1 if right_candidates else len(line)
    return snippet(line[left + 1 if left >= 0 else 0 : right], limit)
