"""CSV and XLSX attachments listing parts: each sheet one table block."""

from __future__ import annotations

import csv
import io
import logging
import zipfile

from openpyxl import load_workbook

from radar_normalizer.document import Place, TableBlock

log = logging.getLogger(__name__)

MAX_ROWS = 5000
# A sheet may declare any size (A1:XFD1048576); read-only mode pads every row to the declared
# width, so the reader asks for no more columns than a notice's table has.
MAX_COLUMNS = 64
MAX_SHEETS = 10
MAX_XLSX_BYTES = 10_000_000
MAX_XLSX_UNZIPPED = 100_000_000


def csv_block(text: str, name: str) -> TableBlock:
    """A CSV (comma, semicolon or tab separated) as one table."""
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows: list[tuple[str, ...]] = []
    reader = csv.reader(io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n")), dialect)
    try:
        for i, row in enumerate(reader):
            if i >= MAX_ROWS:
                break
            cells = tuple(cell.strip() for cell in row)
            if any(cells):
                rows.append(cells)
    except csv.Error as exc:  # keep the rows read before the damage
        log.warning("CSV %s damaged after %d rows: %s", name, len(rows), exc)
    return TableBlock(Place("attachment", attachment=name), tuple(rows))


def xlsx_blocks(data: bytes, name: str) -> list[TableBlock]:
    """Each sheet of a workbook as one table (values, not formulas)."""
    if len(data) > MAX_XLSX_BYTES:
        return []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_XLSX_UNZIPPED:
                log.warning("XLSX %s skipped: expands too much", name)
                return []
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        log.warning("XLSX %s unreadable: %r", name, exc)
        return []
    out = []
    try:
        for sheet in book.worksheets[:MAX_SHEETS]:
            rows: list[tuple[str, ...]] = []
            rows_read = sheet.iter_rows(values_only=True, max_row=MAX_ROWS, max_col=MAX_COLUMNS)
            for i, row in enumerate(rows_read):
                if i >= MAX_ROWS:
                    break
                cells = [_cell(v) for v in row]
                while cells and not cells[-1]:
                    cells.pop()
                if any(cells):
                    rows.append(tuple(cells))
            place = Place("attachment", attachment=name, sheet=sheet.title)
            out.append(TableBlock(place, tuple(rows)))
    finally:
        book.close()
    return out


def _cell(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())[:10]
    return str(value).strip()
