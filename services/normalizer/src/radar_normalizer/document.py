"""Stage 1's output: a notice as read, before anyone interprets it.

Every reader (e-mail bodies, HTML, PDF pages, CSV/XLSX sheets, smartPCN, platform JSON) turns its
input into a :class:`Document`: text blocks and table blocks in reading order, each knowing
where it came from (:class:`Place`), plus :class:`Record`\\ s for sources that are already
structured (their keys say what each value is).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Place:
    """Where a block of a notice is.

    Attributes:
        origin: ``subject``, ``body``, ``html``, ``attachment``, ``json`` or ``header:From``.
        attachment: the attachment's file name (empty for bodies and headers).
        page: 1-based PDF page, 0 elsewhere.
        sheet: the workbook sheet's name.
    """

    origin: str
    attachment: str = ""
    page: int = 0
    sheet: str = ""

    def label(self) -> str:
        """Human-readable: ``body``, ``attachment:PDN.pdf#page=2``, ``...x.xlsx#sheet=S``."""
        text = f"attachment:{self.attachment}" if self.attachment else self.origin
        if self.page:
            text += f"#page={self.page}"
        if self.sheet:
            text += f"#sheet={self.sheet}"
        return text


@dataclass(frozen=True)
class TextBlock:
    """Lines of running text (a body, a PDF page)."""

    place: Place
    lines: tuple[str, ...]


@dataclass(frozen=True)
class TableBlock:
    """Rows of cells as the source drew them (HTML ``<table>``, CSV, a sheet)."""

    place: Place
    rows: tuple[tuple[str, ...], ...]


Block = TextBlock | TableBlock


@dataclass(frozen=True)
class Value:
    """One value of a structured source, with its evidence."""

    text: str
    snippet: str
    location: str


@dataclass(frozen=True)
class RecordPart:
    """A part named by a structured source, with per-part values (replacement, dates, status)."""

    mpn: Value
    base: Value | None = None
    fields: dict[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class Record:
    """A structured notice: field name → value, and its parts (affected by construction).

    Field names are those of :class:`NormalizedNotice` plus ``notice_type`` (the source's own
    kind word) and ``lifecycle_raw``.
    """

    fields: dict[str, Value]
    parts: tuple[RecordPart, ...]


@dataclass
class Document:
    """Everything a notice says, in reading order."""

    subject: str = ""
    sender: str = ""
    # The e-mail's Date header as an ISO date (the issue date of last resort).
    date: str = ""
    blocks: list[Block] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)

    def add_text(self, place: Place, text: str) -> None:
        """Append running text (split into lines) unless it is empty."""
        if text.strip():
            self.blocks.append(TextBlock(place, tuple(text.splitlines())))
