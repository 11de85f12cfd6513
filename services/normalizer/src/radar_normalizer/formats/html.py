"""HTML bodies and attachments: running text as lines, data tables as rows of cells.

Rows and cells are cut where ``<tr>`` and ``<td>``/``<th>`` open, in document order, so markup
that never closes its rows (common in generated e-mails) keeps every row. A table holding
another table is layout, not data: its contents are read as text lines. Bounded: input is cut at
:data:`MAX_HTML_BYTES` and nesting deeper than :data:`MAX_DEPTH` is flattened, so a hostile body
cannot exhaust time or the stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag

from radar_normalizer.document import Block, Place, TableBlock, TextBlock

MAX_HTML_BYTES = 2_000_000
MAX_DEPTH = 500
# Elements that never have content (and so never close).
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()  # noqa: SIM905
)
# A row is data when it has two or more cells, none of them a paragraph.
MAX_CELL_CHARS = 200
CELL = " | "
_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "hr",
    "dt",
    "dd",
}
_SPACES = re.compile(r"[ \t\r\f\v\xa0]+")


@dataclass
class _Table:
    rows: list[list[list[str]]] = field(default_factory=list)
    layout: bool = False

    def cell(self) -> list[str] | None:
        return self.rows[-1][-1] if self.rows and self.rows[-1] else None


class _Reader:
    def __init__(self, place: Place) -> None:
        self.place = place
        self.blocks: list[Block] = []
        self.lines: list[str] = [""]
        self.tables: list[_Table] = []

    # -- where text goes: the open data cell, else running text
    def _target(self) -> list[str]:
        if self.tables and not self.tables[-1].layout:
            cell = self.tables[-1].cell()
            if cell is not None:
                return cell
            if not self.tables[-1].rows:
                self.tables[-1].rows.append([])
            self.tables[-1].rows[-1].append([""])
            return self.tables[-1].rows[-1][-1]
        return self.lines

    def text(self, value: str) -> None:
        target = self._target()
        target[-1] += value

    def newline(self) -> None:
        target = self._target()
        if target[-1].strip():
            target.append("")

    def flush_text(self) -> None:
        lines = [_SPACES.sub(" ", line).strip() for line in self.lines]
        lines = [line for line in lines if line]
        if lines:
            self.blocks.append(TextBlock(self.place, tuple(lines)))
        self.lines = [""]

    def open_table(self) -> None:
        if self.tables:
            # A table inside a table: the outer ones are layout; what they hold so far is text.
            for outer in self.tables:
                if not outer.layout:
                    self._as_text(outer)
                    outer.layout = True
                    outer.rows = []
        self.flush_text()
        self.tables.append(_Table())

    def _as_text(self, table: _Table) -> None:
        for row in table.rows:
            for cell in row:
                self.lines.extend(cell)
                self.lines.append("")

    def open_row(self) -> None:
        if self.tables and not self.tables[-1].layout:
            self.tables[-1].rows.append([])
        else:
            self.newline()

    def open_cell(self) -> None:
        if self.tables and not self.tables[-1].layout:
            table = self.tables[-1]
            if not table.rows:
                table.rows.append([])
            table.rows[-1].append([""])
        else:
            self.newline()

    def close_table(self) -> None:
        if not self.tables:
            return
        table = self.tables.pop()
        if table.layout:
            self.newline()
            return
        self.flush_text()
        data: list[tuple[str, ...]] = []
        for row in table.rows:
            cells = [" ".join(_SPACES.sub(" ", p).strip() for p in c if p.strip()) for c in row]
            filled = [c for c in cells if c]
            long = sum(1 for c in cells if len(c) > MAX_CELL_CHARS)
            if len(filled) >= 2 and (long == 0 or (len(filled) >= 3 and long == 1)):
                data.append(tuple(cells))
                continue
            if data:
                self.blocks.append(TableBlock(self.place, tuple(data)))
                data = []
            for cell in row:  # a one-cell or paragraph row is running text
                self.lines.extend(cell)
                self.lines.append("")
            self.flush_text()
        if data:
            self.blocks.append(TableBlock(self.place, tuple(data)))

    def finish(self) -> list[Block]:
        while self.tables:
            self.close_table()
        self.flush_text()
        return self.blocks


def html_blocks(html: str, place: Place) -> list[Block]:
    """Text and table blocks of an HTML document, in reading order."""
    html = _flatten_deep(html[:MAX_HTML_BYTES])
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head", "title", "noscript"]):
        tag.decompose()
    reader = _Reader(place)
    # Iterative: a deep document must not hit Python's recursion limit.
    stack: list[tuple[object, bool]] = [(soup, False)]
    while stack:
        node, closing = stack.pop()
        if isinstance(node, NavigableString):
            reader.text(str(node))
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name.lower()
        if closing:
            if name == "table":
                reader.close_table()
            elif name in _BLOCKS:
                reader.newline()
            continue
        if name == "table":
            reader.open_table()
        elif name == "tr":
            reader.open_row()
        elif name in ("td", "th"):
            reader.open_cell()
        elif name in _BLOCKS:
            reader.newline()
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node.children)))
    return reader.finish()


def html_to_text(html: str) -> str:
    """Readable text of an HTML document: one line per block, table rows as ``a | b | c``."""
    out: list[str] = []
    for block in html_blocks(html, Place("html")):
        if isinstance(block, TextBlock):
            out.extend(block.lines)
        else:
            out.extend(CELL.join(row) for row in block.rows)
    return "\n".join(out)


def _flatten_deep(html: str) -> str:
    depth = 0
    for m in re.finditer(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)", html):
        if m.group(2).lower() in _VOID:
            continue
        depth += -1 if m.group(1) else 1
        if depth > MAX_DEPTH:
            # Drop every tag from here on: the text survives, the structure does not.
            return html[: m.start()] + re.sub(r"<[^>]*>", " ", html[m.start() :])
    return html
