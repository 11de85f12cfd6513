"""Text sources: each piece of a notice rendered as lines of text, with where it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass

from radar_normalizer.parts import clean, clean_line

# Cells of a table row are rendered joined by this separator, so that label/value pairs and
# tables read the same from HTML, CSV, XLSX, PDF and plain text.
CELL = " | "
MAX_LINE = 2000
_SPACE_RUN = re.compile(r" {9,}")


@dataclass(frozen=True)
class TextSource:
    """One readable part of a notice: a body, an attachment, a table.

    Attributes:
        location: where it came from (``body``, ``html``, ``attachment:x.pdf#page=2`` ...).
        text: its text, lines separated by ``\\n`` (table cells by :data:`CELL`).
    """

    location: str
    text: str

    def lines(self) -> list[str]:
        """Cleaned lines; very long lines are cut into pieces and space runs shortened, so
        that no per-line rule can take more than linear time on hostile input."""
        out: list[str] = []
        for raw in self.text.splitlines():
            line = _SPACE_RUN.sub(" " * 8, clean_line(raw))
            out.extend(line[i : i + MAX_LINE] for i in range(0, max(1, len(line)), MAX_LINE))
        return out


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
