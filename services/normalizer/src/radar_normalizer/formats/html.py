"""HTML bodies to text lines, tables kept as rows of ``|``-joined cells.

Bounded: input is cut at :data:`MAX_HTML_BYTES` and element nesting deeper than
:data:`MAX_DEPTH` is flattened, so a hostile body cannot exhaust time or the stack.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag

from radar_normalizer.sources import CELL

MAX_HTML_BYTES = 2_000_000
MAX_DEPTH = 200
_BLOCKS = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
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


def html_to_text(html: str) -> str:
    """Readable text of an HTML document: one line per block, one line per table row."""
    html = html[:MAX_HTML_BYTES]
    # html.parser builds the tree without recursion; flatten absurd nesting before walking it.
    html = _flatten_deep(html)
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head", "title", "noscript"]):
        tag.decompose()
    out: list[str] = []
    _walk(soup, out)
    text = "".join(out)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(
        r"\n\s*\n\s*(\n\s*)+", "\n\n", "\n".join(line.strip() for line in text.split("\n"))
    ).strip()


def _flatten_deep(html: str) -> str:
    depth = 0
    for m in re.finditer(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)", html):
        depth += -1 if m.group(1) else 1
        if depth > MAX_DEPTH:
            # Drop every tag from here on: the text survives, the structure does not.
            return html[: m.start()] + re.sub(r"<[^>]*>", " ", html[m.start() :])
    return html


def _walk(root: Tag, out: list[str]) -> None:
    # Iterative: a deep document must not hit Python's recursion limit.
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, closing = stack.pop()
        if isinstance(node, NavigableString):
            out.append(str(node))
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name.lower()
        if name == "tr" and not closing:
            cells = [
                c.get_text(" ", strip=True) for c in node.find_all(["td", "th"], recursive=False)
            ]
            out.append("\n" + CELL.join(cells))
            continue
        if closing:
            if name in _BLOCKS:
                out.append("\n")
            continue
        if name in _BLOCKS:
            out.append("\n")
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node.children)))
