"""From uploaded files and a column mapping to the catalog's canonical CSV files, with every error.

:func:`convert` applies a :class:`FileMapping` to each :class:`SourceTable`, writes the
canonical rows (the columns ``radar_common.catalog.files`` reads) and validates them with those
same parsers, so the rules live in one place. Unlike an import, which stops at the first bad
line, the check goes on: each row is parsed on its own, then each kind's rows together (keys
given twice, BOM cycles), and every error is reported against the user's own file, line and
column. Only a conversion without errors yields texts for ``import_texts``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from radar_common.catalog.files import (
    CatalogError,
    parse_alternates,
    parse_bom,
    parse_parts,
    parse_products,
)
from radar_common.catalog.sources.designators import DesignatorError, count_designators
from radar_common.catalog.sources.fields import KINDS, Kind, unimported_alternates
from radar_common.catalog.sources.tables import SourceRow, SourceTable

PARSERS: dict[str, Callable[[str, str], Sequence[object]]] = {
    "products": parse_products,
    "bom": parse_bom,
    "parts": parse_parts,
    "alternates": parse_alternates,
}
# Whole-file problems (a key given twice, a cycle) are looked for again after each one found,
# up to this many per kind; row problems are all reported.
MAX_FILE_ERRORS = 50
_DNP_VALUES = {"dnp", "dnf", "yes", "y", "true", "x", "1", "do not populate", "do not place"}


@dataclass(frozen=True)
class SourceError:
    """A problem in an uploaded file, where the user can find it."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = [self.file, f"line {self.line}" if self.line else "", self.column]
        return f"{', '.join(w for w in where if w)}: {self.message}"


@dataclass(frozen=True)
class FileMapping:
    """How one uploaded file becomes catalog rows.

    ``columns``: field name → source column index (None: not mapped). ``assembly``: for a
    BOM exported from an EDA tool (no parent column), the assembly (product SKU) it belongs to.
    """

    kind: str
    columns: dict[str, int | None]
    assembly: str = ""


@dataclass(frozen=True)
class _Canonical:
    values: dict[str, str]
    source: SourceTable
    row: SourceRow


@dataclass
class Conversion:
    """The outcome of converting uploaded files."""

    errors: list[SourceError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # kind → rows to import
    skipped: dict[str, int] = field(default_factory=dict)  # file → DNP rows left out
    texts: dict[str, str] = field(default_factory=dict)  # canonical file → CSV (no errors only)
    samples: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # kind → first rows

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.texts)


def convert(tables: Sequence[SourceTable], mappings: Sequence[FileMapping]) -> Conversion:
    """Map, combine per kind and validate; ``texts`` is filled only when nothing is wrong."""
    result = Conversion()
    by_kind: dict[str, list[_Canonical]] = {}
    for table, mapping in zip(tables, mappings, strict=True):
        kind = KINDS[mapping.kind]
        rows = _map_file(table, kind, mapping, result)
        if rows is not None:
            by_kind.setdefault(kind.name, []).extend(rows)
    for name, rows in by_kind.items():
        kind = KINDS[name]
        result.rows[name] = len(rows)
        result.samples[name] = [r.values for r in rows[:5]]
        if not rows:
            files = sorted(mappings_for(name, tables, mappings))
            if not any(e.file in files for e in result.errors):
                result.errors.append(
                    SourceError(
                        ", ".join(files), 0, "", f"no data rows: {kind.label} would be emptied"
                    )
                )
            continue
        result.errors.extend(_validate(kind, rows, mappings_for(name, tables, mappings)))
    result.errors.sort(key=lambda e: (e.file, e.line, e.column))
    if not result.errors and by_kind:
        result.texts = {
            KINDS[name].file: _csv(KINDS[name], [r.values for r in rows])
            for name, rows in by_kind.items()
        }
    return result


def mappings_for(
    kind: str, tables: Sequence[SourceTable], mappings: Sequence[FileMapping]
) -> dict[str, FileMapping]:
    return {t.file: m for t, m in zip(tables, mappings, strict=True) if m.kind == kind}


def _map_file(
    table: SourceTable, kind: Kind, mapping: FileMapping, result: Conversion
) -> list[_Canonical] | None:
    cols = {name: mapping.columns.get(name) for name in (f.name for f in kind.fields)}
    for index in cols.values():
        if index is not None and index >= len(table.header):
            result.errors.append(
                SourceError(table.file, table.header_line, "", "the mapping names no such column")
            )
            return None
    missing = []
    for f in kind.fields:
        if not f.required or cols[f.name] is not None:
            continue
        if f.name == "parent_sku" and mapping.assembly.strip():
            continue
        if f.name == "quantity" and cols.get("references") is not None:
            continue
        missing.append(f.label)
    if kind.name == "bom" and cols["mpn"] is None and cols["child_sku"] is None:
        missing.append(f"{kind.field('mpn').label} or {kind.field('child_sku').label}")
    if missing:
        result.errors.extend(
            SourceError(table.file, table.header_line, label, "no column is mapped to it")
            for label in missing
        )
        return None
    for index in unimported_alternates(table.header):
        result.warnings.append(
            f"{table.file}: column {table.column_label(index)} is not imported "
            "(several approved parts per line come in a later version)"
        )
    rows: list[_Canonical] = []
    skipped = 0
    for row in table.rows:
        if cols.get("dnp") is not None and row.get(cols["dnp"] or 0).lower() in _DNP_VALUES:
            skipped += 1
            continue
        values = {
            name: row.get(index)
            for name, index in cols.items()
            if index is not None and name in kind.columns()
        }
        if kind.name == "bom":
            error = _bom_row(table, row, cols, mapping, values)
            if error is not None:
                result.errors.append(error)
                continue
        rows.append(_Canonical(values, table, row))
    if skipped:
        result.skipped[table.file] = skipped
    return rows


def _bom_row(
    table: SourceTable,
    row: SourceRow,
    cols: dict[str, int | None],
    mapping: FileMapping,
    values: dict[str, str],
) -> SourceError | None:
    """Fill what an EDA export leaves implicit: the assembly, the count of designators."""
    if cols["parent_sku"] is None:
        values["parent_sku"] = mapping.assembly.strip()
    refs = cols.get("references")
    if refs is not None and not values.get("quantity"):
        try:
            values["quantity"] = str(count_designators(row.get(refs)))
        except DesignatorError as exc:
            return SourceError(table.file, row.line, table.column_label(refs), str(exc))
    if cols["child_sku"] is None and not values.get("mpn"):
        column = table.column_label(cols["mpn"] or 0)
        return SourceError(table.file, row.line, column, "no manufacturer part number")
    return None


def _csv(kind: Kind, rows: Sequence[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(kind.columns())
    for values in rows:
        # One record per line, so that a parser's line number finds its row again.
        writer.writerow([" ".join(values.get(c, "").split()) for c in kind.columns()])
    return out.getvalue()


def _validate(
    kind: Kind, rows: list[_Canonical], mappings: dict[str, FileMapping]
) -> list[SourceError]:
    parse = PARSERS[kind.name]
    errors: list[SourceError] = []
    good: list[_Canonical] = []
    for row in rows:
        try:
            parse(_csv(kind, [row.values]), kind.file)
        except CatalogError as exc:
            errors.append(_locate(exc, kind, [row], mappings))
        else:
            good.append(row)
    for _ in range(MAX_FILE_ERRORS):
        try:
            parse(_csv(kind, [r.values for r in good]), kind.file)
            break
        except CatalogError as exc:
            errors.append(_locate(exc, kind, good, mappings))
            index = exc.line - 2
            if not 0 <= index < len(good):
                break
            del good[index]
    return errors


def _locate(
    exc: CatalogError, kind: Kind, rows: list[_Canonical], mappings: dict[str, FileMapping]
) -> SourceError:
    """Translate an error about the canonical CSV into one about the uploaded file."""
    index = exc.line - 2  # line 1 is the canonical header
    if not 0 <= index < len(rows):
        return SourceError(kind.file, exc.line, exc.column, exc.message)
    row = rows[index]
    mapping = mappings[row.source.file]
    field_name = exc.column.split(" (", 1)[0]
    source_index = mapping.columns.get(field_name)
    if field_name == "quantity" and source_index is None:
        source_index = mapping.columns.get("references")  # counted from the designators
    if source_index is not None:
        column = row.source.column_label(source_index)
    elif field_name == "parent_sku" and mapping.assembly:
        column = "assembly (given on the page)"
    else:
        column = field_name
    return SourceError(row.source.file, row.row.line, column, exc.message)
