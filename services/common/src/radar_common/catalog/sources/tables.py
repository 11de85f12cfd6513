"""Reading an uploaded catalog file (CSV or XLSX) into a table with a found header.

Exports from spreadsheets and EDA tools rarely start with their header: KiCad's BOM plugins
write ``Source:``/``Date:`` lines first, Altium's Excel templates put a title block above the
columns. The header is the first row, among the first few, that names the most columns the
catalog knows (:func:`radar_common.catalog.sources.fields.header_score`); the rows above it are
reported as skipped. Every data row keeps the line (CSV) or row number (XLSX) it came from, so
an error can point at the user's own file.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

MAX_ROWS = 200_000
MAX_COLUMNS = 200
HEADER_SEARCH_ROWS = 30
MAX_XLSX_UNZIPPED = 200_000_000
XLSX_SUFFIXES = (".xlsx", ".xlsm")


class SourceFileError(ValueError):
    """A file that cannot be read as a table at all (not CSV/XLSX, damaged, too large)."""

    def __init__(self, file: str, message: str) -> None:
        self.file, self.message = file, message
        super().__init__(f"{file}: {message}")


@dataclass(frozen=True)
class SourceRow:
    line: int  # CSV line or XLSX row number, 1-based, as the user's program shows it
    values: tuple[str, ...]

    def get(self, index: int) -> str:
        return self.values[index].strip() if index < len(self.values) else ""


@dataclass(frozen=True)
class SourceTable:
    """One uploaded file: its header (where found) and its data rows."""

    file: str
    header: tuple[str, ...]
    header_line: int
    rows: tuple[SourceRow, ...]
    skipped_lines: int  # non-empty lines above the header (titles, tool banners)
    spreadsheet: bool  # XLSX: columns are shown by letter

    def column_label(self, index: int) -> str:
        """How an error names a column: its header and its letter (XLSX) or position (CSV)."""
        name = self.header[index] if index < len(self.header) else ""
        where = get_column_letter(index + 1) if self.spreadsheet else str(index + 1)
        return f"{name} ({where})" if name else f"column {where}"


def read_table(
    file: str, data: bytes, score: Callable[[Iterable[str]], int] | None = None
) -> SourceTable:
    """Read ``data`` (CSV or XLSX, by name and content) into a :class:`SourceTable`.

    ``score`` rates a candidate header row (higher: more known column names); without it the
    first non-empty row is the header.

    Raises:
        SourceFileError: not readable as a table.
    """
    is_xlsx = PurePath(file).suffix.lower() in XLSX_SUFFIXES or data[:4] == b"PK\x03\x04"
    lines = _xlsx_rows(file, data) if is_xlsx else _csv_rows(file, data)
    return _with_header(file, lines, score, spreadsheet=is_xlsx)


def _decode(file: str, data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise SourceFileError(file, "not a text file (CSV) nor a workbook (XLSX)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves CSV in the ANSI code page.
        return data.decode("cp1252", errors="replace")


def _csv_rows(file: str, data: bytes) -> list[SourceRow]:
    text = _decode(file, data)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:8192], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows: list[SourceRow] = []
    try:
        for values in reader:
            if len(rows) >= MAX_ROWS:
                raise SourceFileError(file, f"more than {MAX_ROWS:,} rows")
            start = reader.line_num - sum(v.count("\n") for v in values)
            rows.append(SourceRow(start, tuple(v.strip() for v in values[:MAX_COLUMNS])))
    except csv.Error as exc:
        raise SourceFileError(file, f"line {reader.line_num}: not valid CSV ({exc})") from exc
    return rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # 2.85 stays 2.85, 45000.0 becomes 45000: the text a user sees in the cell.
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value).strip()


def _xlsx_rows(file: str, data: bytes) -> list[SourceRow]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_XLSX_UNZIPPED:
                raise SourceFileError(file, "the workbook expands to too much data")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except SourceFileError:
        raise
    except Exception as exc:
        raise SourceFileError(file, f"not a readable XLSX workbook ({exc})") from exc
    try:
        # The first sheet that holds anything: templates often keep notes on later sheets.
        for sheet in book.worksheets:
            rows = [
                SourceRow(number, tuple(_cell(v) for v in values))
                for number, values in enumerate(
                    sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS, values_only=True),
                    start=1,
                )
            ]
            if len(rows) > MAX_ROWS:
                raise SourceFileError(file, f"more than {MAX_ROWS:,} rows")
            if any(any(r.values) for r in rows):
                return rows
        return []
    finally:
        book.close()


def _with_header(
    file: str,
    lines: list[SourceRow],
    score: Callable[[Iterable[str]], int] | None,
    *,
    spreadsheet: bool,
) -> SourceTable:
    filled = [r for r in lines if any(v for v in r.values)]
    if not filled:
        raise SourceFileError(file, "the file is empty")
    best = 0
    if score is not None:
        scores = [score(r.values) for r in filled[:HEADER_SEARCH_ROWS]]
        top = max(scores)
        best = scores.index(top) if top > 0 else 0
    header = filled[best]
    width = max(i + 1 for i, v in enumerate(header.values) if v)
    return SourceTable(
        file=file,
        header=header.values[:width],
        header_line=header.line,
        rows=tuple(filled[best + 1 :]),
        skipped_lines=best,
        spreadsheet=spreadsheet,
    )
