"""Attachments built to exhaust a parser, generated (never stored) for the tests that need them.

- :func:`huge_dimension_xlsx`: a small workbook whose sheet declares ``A1:XFD1048576`` and has a
  cell in the last column of every row, so a reader that trusts the declared size renders
  16,384 cells per row (about a minute of CPU for the rows a reader keeps).
- :func:`text_operator_pdf`: a one-page PDF whose content stream holds 200,000 text-showing
  operators (compressed to a few kilobytes); text extraction grows worse than linearly with
  them and spends minutes of CPU on one page.

Both are well-formed files: the readers accept them, which is the point.
"""

from __future__ import annotations

import io
import zipfile

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_LAST_COLUMN = "XFD"  # column 16,384
_LAST_ROW = 1_048_576

_OOXML = "application/vnd.openxmlformats"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    f'<Default Extension="rels" ContentType="{_OOXML}-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OOXML}-officedocument'
    '.spreadsheetml.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OOXML}-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Parts" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def huge_dimension_xlsx(rows: int = 34_700) -> bytes:
    """A workbook (about 262 KB with the default ``rows``) declaring ``A1:XFD1048576``.

    Row 1 is a plausible header (``Part Number``, ``Status``); every row, and the declared last
    one, has a cell in column XFD, so the sheet is 16,384 columns wide wherever it is read.
    """
    cells = [
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Part Number</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>Status</t></is></c>'
        f'<c r="{_LAST_COLUMN}1"><v>1</v></c></row>'
    ]
    cells.extend(
        f'<row r="{r}"><c r="{_LAST_COLUMN}{r}"><v>{r}</v></c></row>' for r in range(2, rows + 1)
    )
    cells.append(f'<row r="{_LAST_ROW}"><c r="{_LAST_COLUMN}{_LAST_ROW}"><v>0</v></c></row>')
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:{_LAST_COLUMN}{_LAST_ROW}"/><sheetData>'
        + "".join(cells)
        + "</sheetData></worksheet>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


# Filler words, no part number: were extraction to finish, it would find nothing to report.
_SHOWN = b"(lorem ipsum dolor sit amet consectetur elit ) Tj "


def text_operator_pdf(operators: int = 200_000) -> bytes:
    """A valid one-page PDF whose (deflated) content stream shows ``operators`` text strings."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
    )
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 10 Tf 50 800 Td " + _SHOWN * operators + b"ET")
    page.replace_contents(content.flate_encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
