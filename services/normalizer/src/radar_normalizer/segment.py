"""Stage 2, segment: a document's blocks become numbered lines and part tables.

Every line keeps its place (body, attachment, page) and its 1-based number there. Tables come
from the readers (HTML, CSV, XLSX) or are found in running text: rows split by ``|``, tabs or
runs of two or more spaces under a header that names a part column (see
:mod:`radar_normalizer.columns`), or under a single-spaced header whose column words give the
order of the part-like tokens in each row. A PDF table that goes on over the next page without
repeating its header keeps its header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from radar_normalizer import columns
from radar_normalizer.dates import parse_date
from radar_normalizer.document import Document, Place, TableBlock
from radar_normalizer.parts import clean, clean_line
from radar_normalizer.plausibility import part_tokens

CELL = " | "
MAX_LINE = 2000
MAX_LINES = 20_000
_SPACE_RUN = re.compile(r" {9,}")
# Lines at the top of a page (running headers, "Page 2 of 3") skipped when a table goes on.
_PAGE_HEAD_LINES = 5
# Header words of a single-spaced header row, with what the column holds.
_SPACED_HEADER = re.compile(
    r"(?P<part>orderable part numbers?|part numbers?|part no\.?|device names?|devices?|"
    r"type numbers?|models?|products?|opns?|mpns?)|"
    r"(?P<replacement>(?:recommended |suggested |proposed )?(?:replacement|alternative|"
    r"successor|substitute)(?: part)?(?: numbers?)?|migration path|new part(?: number)?)|"
    r"(?P<generic>generic|product family|family)|"
    r"(?P<other>package|description|pin[- ]to[- ]pin compatible|status|comments?|remarks?)",
    re.I,
)


@dataclass(frozen=True)
class Line:
    """One line of text (a table row is one line, cells joined by ``" | "``)."""

    text: str
    place: Place
    number: int
    cells: tuple[str, ...] = ()
    # Set for table rows: 1-based table in the document and data row in that table.
    table: int = 0
    row: int = 0

    def location(self) -> str:
        """Human-readable location: ``attachment:x.pdf#page=2#table=1#row=3`` or ``body#line=7``."""
        base = self.place.label()
        if self.table:
            return f"{base}#table={self.table}#row={self.row}"
        return f"{base}#line={self.number}"


@dataclass
class Table:
    """A table of parts: what each column holds, and its data rows."""

    index: int
    place: Place
    header: tuple[str, ...]
    columns: tuple[str, ...]
    # The text just above the header ("The following devices are NOT affected:").
    heading: str
    rows: list[Line] = field(default_factory=list)
    # A single-spaced header: row tokens are assigned to columns by order, not by cell.
    spaced: bool = False
    # Drawn by the source (HTML, CSV, XLSX) rather than found in running text.
    drawn: bool = False

    def cell(self, row: Line, meaning: str) -> list[str]:
        """The cells of ``row`` that hold ``meaning``."""
        return [
            row.cells[i]
            for i, m in enumerate(self.columns)
            if m == meaning and i < len(row.cells) and row.cells[i]
        ]


@dataclass
class Segments:
    """The notice as lines and tables, in reading order."""

    subject: str
    sender: str
    date: str
    lines: list[Line]
    tables: list[Table]


_GAP = re.compile(r"\s{2,}")
_PUNCTUATED = re.compile(r"[.:;,]\s")
_WORDS_ONLY = re.compile(r"[A-Za-z][A-Za-z ./()&-]*")


def split_cells(line: str) -> tuple[str, ...]:
    """Cells of a text row: by ``|``, else by tabs, else by runs of two or more spaces."""
    if "|" in line:
        # Empty cells keep their place so that columns stay aligned with the header.
        cells = [c.strip() for c in line.split("|")]
        while cells and not cells[-1]:
            cells.pop()
        while cells and not cells[0]:
            cells.pop(0)
        return tuple(cells)
    parts = line.split("\t") if "\t" in line else _GAP.split(line)
    return tuple(c.strip() for c in parts if c.strip())


def _clean(text: str) -> list[str]:
    line = _SPACE_RUN.sub(" " * 8, clean_line(text))
    return [line[i : i + MAX_LINE] for i in range(0, max(1, len(line)), MAX_LINE)]


def _lines(document: Document) -> list[Line]:
    out: list[Line] = []
    numbers: dict[Place, int] = {}
    table_count = 0
    for block in document.blocks:
        key = Place(block.place.origin, block.place.attachment, block.place.page, block.place.sheet)
        if isinstance(block, TableBlock):
            table_count += 1
            for row in block.rows:
                cells = tuple(clean_line(c).strip() for c in row)
                numbers[key] = numbers.get(key, 0) + 1
                text = CELL.join(cells)[:MAX_LINE]
                out.append(Line(text, block.place, numbers[key], cells, table=-table_count))
            continue
        for raw in block.lines:
            for text in _clean(raw):
                numbers[key] = numbers.get(key, 0) + 1
                out.append(Line(text.strip(), block.place, numbers[key], split_cells(text)))
        if len(out) > MAX_LINES:
            break
    return out[:MAX_LINES]


def _header(line: Line) -> tuple[tuple[str, ...], bool] | None:
    """Column meanings when ``line`` is the header of a part table."""
    found = columns.meanings(line.cells)
    spaced: list[str] = []
    if found is None:
        if len(line.cells) > 1 or len(line.text) > 120 or _PUNCTUATED.search(line.text):
            return None
        matches = list(_SPACED_HEADER.finditer(line.text))
        spaced = [m.lastgroup or "" for m in matches]
        if "part" not in spaced or len(spaced) < 2:
            return None
        covered = sum(len(m.group(0)) for m in matches)
        if covered < 0.6 * sum(map(str.isalpha, line.text)):
            return None
    if any(part_tokens(cell, 0.7) for cell in line.cells if len(cell) < 40):
        return None  # a header names columns; it holds no part numbers
    if found is not None:
        return found, False
    names = {"part": columns.PART, "replacement": columns.REPLACEMENT}
    names["generic"] = columns.GENERIC
    return tuple(names.get(s, columns.OTHER) for s in spaced), True


def _is_row(line: Line, table: Table) -> bool:
    if table.spaced:
        return bool(part_tokens(line.text)) and len(line.text) <= 200
    cells = line.cells
    if len(cells) < 2 and not (len(cells) == 1 and _only_parts(cells[0])):
        return False
    if len(cells) > len(table.columns) + 2:
        return False
    return any(part_tokens(c) for c in cells)


def _only_parts(cell: str) -> bool:
    tokens = cell.split()
    return bool(tokens) and len(part_tokens(cell)) == len(tokens)


def _heading(lines: list[Line], at: int) -> str:
    found: list[str] = []
    for line in reversed(lines[max(0, at - 6) : at]):
        if line.table or line.place != lines[at].place:
            break
        if line.text:
            found.append(line.text)
        if len(found) == 2:
            break
    return " ".join(reversed(found))


def segment(document: Document) -> Segments:
    """Lines and part tables of ``document``."""
    return _Segmenter(_lines(document)).run(document)


class _Segmenter:
    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self.out: list[Line] = []
        self.tables: list[Table] = []
        self.current: Table | None = None
        # A table ended by a page footer may go on at the top of the next page.
        self.suspended: Table | None = None
        self.suspended_lines = 0
        self.skip_until = 0

    def run(self, document: Document) -> Segments:
        page_line = 0
        previous: Line | None = None
        for i, line in enumerate(self.lines):
            if i < self.skip_until:
                continue
            same_place = previous is not None and line.place == previous.place
            page_line = page_line + 1 if same_place else 1
            if previous is not None and line.table != previous.table and previous.table < 0:
                self._end()  # a drawn table ends with its block
            previous = line
            if not line.text:
                self.out.append(line)
                continue
            if self.current is not None and self._fits(line, self.current):
                self._row(line)
                continue
            if self.current is not None:
                self._end()
            if self._continues(line, page_line):
                continue
            skip = self._stacked(i)
            if skip:
                self.skip_until = i + skip
                continue
            header = _header(line)
            if header is not None:
                self._start(i, line, header)
                continue
            self.out.append(_plain(line))
            if self.suspended is not None:
                self.suspended_lines += 1
        # The subject is read like any line: folded look-alikes, no invisible characters.
        subject = clean(document.subject)
        return Segments(subject, document.sender, document.date, self.out, self.tables)

    def _fits(self, line: Line, table: Table) -> bool:
        if table.drawn:
            return line.table < 0  # rows of the same drawn block (its end is seen above)
        return line.table == 0 and _is_row(line, table)

    def _row(self, line: Line) -> None:
        assert self.current is not None
        if line.cells == self.current.header:
            self.out.append(_plain(line))  # a header repeated on the next page
            return
        self.out.append(_add_row(self.current, line))

    def _end(self) -> None:
        if self.current is not None:
            self.suspended, self.suspended_lines = self.current, 0
        self.current = None

    def _continues(self, line: Line, page_line: int) -> bool:
        table = self.suspended
        if table is None or page_line > _PAGE_HEAD_LINES or self.suspended_lines > 8:
            return False
        last = table.rows[-1].place if table.rows else table.place
        if not (_next_page(last, line.place) or (line.place == last and page_line > 1)):
            return False
        if line.cells == table.header:
            self.current = table
            self.out.append(_plain(line))
            return True
        if _is_row(line, table) and (table.spaced or len(line.cells) == len(table.columns)):
            self.current = table
            self.out.append(_add_row(table, line))
            return True
        return False

    def _stacked(self, i: int) -> int:
        """A table printed column after column (a PDF read column-wise): a part-column header
        on its own line, its values one per line, then each other column the same way.
        Returns how many lines it took (0 when there is none)."""
        lines = self.lines
        first = lines[i]
        if len(first.cells) != 1 or columns.meaning(first.text) != columns.PART:
            return 0
        names, j = _header_group(lines, i)
        values = _values(lines, j)
        count = len(values)
        if count < 2 or not all(part_tokens(v.text) for v in values):
            return 0
        # In the first group the values are the parts; columns printed before them are empty.
        header: list[str] = list(names)
        cols: list[list[Line]] = [values if n == 0 else [] for n in range(len(names))]
        j += count
        while j < len(lines) and len(header) < 12:
            names, j = _header_group(lines, j)
            if not names:
                break
            found = _values(lines, j, count)
            ends = j + len(found) >= len(lines) or lines[j + len(found)].place != first.place
            if found and len(found) != count and not ends:
                break
            # Later groups: the values belong to the last column named before them.
            header.extend(names)
            cols.extend([[]] * (len(names) - 1) + [found])
            j += len(found)
        if len(header) < 2:
            return 0
        meanings = tuple(columns.meaning(h) for h in header)
        table = Table(
            len(self.tables) + 1, first.place, tuple(header), meanings, _heading(lines, i)
        )
        self.tables.append(table)
        self.out.append(_plain(first))
        for r in range(count):
            cells = tuple(col[r].text if r < len(col) else "" for col in cols)
            source = values[r]
            row = Line(CELL.join(cells), source.place, source.number, cells, table.index, r + 1)
            table.rows.append(row)
            self.out.append(row)
        return j - i

    def _start(self, i: int, line: Line, header: tuple[tuple[str, ...], bool]) -> None:
        meanings, spaced = header
        table = Table(
            len(self.tables) + 1,
            line.place,
            line.cells,
            meanings,
            _heading(self.lines, i),
            spaced=spaced,
            drawn=line.table < 0,
        )
        self.tables.append(table)
        self.current, self.suspended = table, None
        self.out.append(_plain(line))


def _header_group(lines: list[Line], start: int) -> tuple[list[str], int]:
    """Consecutive header lines from ``start``: each names a column, except that a line that
    means nothing alone is joined with the next ("Deadline Last" / "Orders")."""
    names: list[str] = []
    j = start
    while j < len(lines) and len(names) < 6 and _is_header_text(lines[j]):
        text = lines[j].text.strip()
        if (
            names
            and columns.meaning(names[-1]) == columns.OTHER
            and not _DATE_HEADER.search(names[-1])
        ) or (
            names
            and columns.meaning(names[-1]) == columns.OTHER
            and columns.meaning(f"{names[-1]} {text}") != columns.OTHER
        ):
            names[-1] = f"{names[-1]} {text}"
        else:
            names.append(text)
        j += 1
    return names, j


def _values(lines: list[Line], start: int, limit: int = 5000) -> list[Line]:
    """Single-value lines (a part number, a date, a code) from ``start``."""
    out = []
    for line in lines[start : start + limit]:
        text = line.text
        if not text or len(line.cells) != 1 or len(text) > 40 or _is_header_text(line):
            break
        if " " in text.strip() and parse_date(text) is None:
            break
        out.append(line)
    return out


def _is_header_text(line: Line) -> bool:
    text = line.text.strip()
    if not text or len(text) > 40 or len(line.cells) != 1 or parse_date(text) is not None:
        return False
    return not part_tokens(text, 0.45) and bool(_WORDS_ONLY.fullmatch(text))


def _plain(line: Line) -> Line:
    return Line(line.text, line.place, line.number, line.cells)


def _next_page(before: Place, now: Place) -> bool:
    return (
        before.attachment == now.attachment and bool(now.attachment) and now.page == before.page + 1
    )


def _add_row(table: Table, line: Line) -> Line:
    cells = line.cells if table.drawn or table.spaced else _align(table, line.cells)
    row = Line(line.text, line.place, line.number, cells, table.index, len(table.rows) + 1)
    table.rows.append(row)
    return row


_DATE_HEADER = re.compile(r"date|deadline|last (?:order|ship|buy|deliver)|shipments?$", re.I)


def _align(table: Table, cells: tuple[str, ...]) -> tuple[str, ...]:
    """A text row with empty cells lost (runs of spaces cannot show them): dates go to the
    date columns and other values to the other columns, each in order."""
    width = len(table.columns)
    if len(cells) >= width:
        return cells
    dated = [i for i, h in enumerate(table.header) if _DATE_HEADER.search(h)]
    other = [i for i in range(width) if i not in dated]
    dates = [c for c in cells if parse_date(c) is not None and len(c) <= 20]
    rest = [c for c in cells if c not in dates]
    if not dates or len(dates) > len(dated) or len(rest) > len(other):
        return cells
    out = [""] * width
    for index, cell in zip(dated[len(dated) - len(dates) :], dates, strict=True):
        out[index] = cell
    for index, cell in zip(other, rest, strict=False):
        out[index] = cell
    return tuple(out)
