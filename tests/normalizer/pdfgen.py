"""A minimal, valid PDF writer for tests: pages of text lines in Helvetica.

pypdf reads text but does not write it; this writes just enough PDF (catalog, pages, one font,
content streams, xref) for real text extraction to run against it.
"""

from __future__ import annotations

LINES_PER_PAGE = 50


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(lines: list[str]) -> bytes:
    """A PDF whose pages show ``lines`` (Latin-1 text), 50 lines per page."""
    pages = [lines[i : i + LINES_PER_PAGE] for i in range(0, max(1, len(lines)), LINES_PER_PAGE)]
    objects: list[bytes] = []
    font_id = 3
    page_ids = []
    first_page = 4
    for index, page in enumerate(pages):
        page_id = first_page + 2 * index
        page_ids.append(page_id)
        body = (
            "BT /F1 10 Tf 14 TL 50 800 Td "
            + " ".join(f"({_escape(line)}) Tj T*" for line in page)
            + " ET"
        )
        stream = body.encode("latin-1", errors="replace")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> "
            f"/Contents {page_id + 1} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    kids = " ".join(f"{p} 0 R" for p in page_ids)
    head = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(head + objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(offsets) + 1,
        xref,
    )
    return bytes(out)
