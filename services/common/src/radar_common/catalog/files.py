"""Reading the four catalog CSV files, with errors that name the file, line and column.

Each file is read as a stream of rows (``iter_products``, ``iter_bom``...: a catalog of a
million BOM lines is never held whole); the import copies the rows into staging tables as they
are read, inside one transaction, so a bad row anywhere changes nothing. The ``parse_*``
functions read a whole text into a list (tests, the console's preview). Blank lines are
skipped; a UTF-8 byte-order mark is tolerated; extra columns are ignored.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from radar_common.partnumbers import base_mpn, normalize_mpn

T = TypeVar("T")
CATALOG_FILES = ("products.csv", "bom.csv", "parts.csv", "alternates.csv")
# Larger values do not fit the catalog's numeric columns (and are typos, not prices).
_TOO_LARGE = Decimal(10) ** 9


class CatalogError(ValueError):
    """A catalog file that cannot be imported; says where (file, line, column) and why.

    Args:
        file: the file's name (``bom.csv``), or "" when the problem is the set of files.
        line: the 1-based line, or 0 when the problem is the whole file.
        column: the column's name, or "".
        message: what is wrong, for the person who wrote the file.
    """

    def __init__(self, file: str, line: int, column: str, message: str) -> None:
        self.file, self.line, self.column, self.message = file, line, column, message
        where = ", ".join(
            part
            for part in (file, f"line {line}" if line else "", f"column {column}" if column else "")
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Product:
    """A row of ``products.csv``: something the company sells.

    Attributes:
        sku: the product's key.
        name: its name, as alerts show it.
        unit_price: its price, for the revenue at risk.
        monthly_demand: units sold per month.
        end_of_support: until when it must be built or serviced (None: the horizon applies).
    """

    sku: str
    name: str
    unit_price: Decimal
    monthly_demand: Decimal
    end_of_support: date | None


@dataclass(frozen=True)
class BomLine:
    """A row of ``bom.csv``: an assembly uses a sub-assembly or a part, ``quantity`` of it.

    Attributes:
        parent_sku: the assembly (a product or a sub-assembly).
        child_sku: the sub-assembly used, or None when the line names a part.
        mpn: the part used (normalized), or None when the line names a sub-assembly.
        base_mpn: the part's base number (without packaging suffixes), or None.
        manufacturer: the part's manufacturer as the BOM gives it ("" when not given).
        quantity: how many per parent.
        line: the line of the file, for errors found later (cycles).
    """

    parent_sku: str
    child_sku: str | None
    mpn: str | None
    base_mpn: str | None
    manufacturer: str
    quantity: Decimal
    line: int


@dataclass(frozen=True)
class Part:
    """A row of ``parts.csv``: a part with its price and stock.

    Attributes:
        mpn: the orderable part number (normalized).
        base_mpn: its base number, to match notices that name another packaging.
        manufacturer: its manufacturer ("" when not given).
        unit_price: price per unit, for the last-time-buy cost.
        on_hand: units in stock.
        on_order: units ordered and not yet received.
        lifecycle_status: the status the company records ("" when not given), lower case.
    """

    mpn: str
    base_mpn: str
    manufacturer: str
    unit_price: Decimal
    on_hand: int
    on_order: int
    lifecycle_status: str
    # Ordering terms (optional columns): a buy is raised to the minimum order quantity and
    # rounded up to the order multiple (docs/impact.md).
    moq: int | None = None
    order_multiple: int | None = None


@dataclass(frozen=True)
class Alternate:
    """A row of ``alternates.csv``: a part that can replace another.

    Attributes:
        mpn: the part replaced (normalized).
        alternate_mpn: the part that can replace it (normalized).
        alternate_manufacturer: the alternate's manufacturer ("" when not given).
        qualified: whether it is already approved (a switch, not a requalification).
    """

    mpn: str
    alternate_mpn: str
    alternate_manufacturer: str
    qualified: bool


class _Row:
    """One CSV record with typed accessors that raise :class:`CatalogError`."""

    __slots__ = ("file", "header", "index", "line", "values")

    def __init__(
        self, file: str, line: int, header: list[str], index: dict[str, int], values: list[str]
    ) -> None:
        # ``index``: column name -> position, built once per file (a row only keeps its values).
        self.file, self.line, self.header, self.index, self.values = (
            file,
            line,
            header,
            index,
            values,
        )

    def label(self, column: str) -> str:
        """``name (position)``, as errors show a column."""
        position = self.header.index(column) + 1 if column in self.header else 0
        return f"{column} ({position})" if position else column

    def error(self, column: str, message: str) -> CatalogError:
        return CatalogError(self.file, self.line, self.label(column), message)

    def text(self, column: str, *, required: bool = True) -> str:
        i = self.index.get(column, len(self.values))
        value = self.values[i].strip() if i < len(self.values) else ""
        if required and not value:
            raise self.error(column, "a value is required")
        return value

    def mpn(self, column: str, *, required: bool = True) -> str:
        """A part number as the catalog key (:func:`normalize_mpn`); refuses other scripts."""
        value = _normalized(self.text(column, required=required))
        if required and not value:
            raise self.error(column, "a value is required")
        if not value.isascii():
            raise self.error(
                column, f"{value!r} is not a part number: it has letters with no Latin twin"
            )
        return value

    def decimal(
        self,
        column: str,
        *,
        minimum: Decimal = Decimal(0),
        strict: bool = False,
        default: Decimal | None = None,
    ) -> Decimal:
        raw = self.text(column, required=default is None)
        if not raw:
            assert default is not None
            return default
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise self.error(column, f"{raw!r} is not a number") from None
        if not value.is_finite() or abs(value) >= _TOO_LARGE:
            raise self.error(column, f"{raw!r} is not a plausible number")
        if value < minimum or (strict and value == minimum):
            bound = f"greater than {minimum}" if strict else f"at least {minimum}"
            raise self.error(column, f"{raw} must be {bound}")
        return value

    def integer(self, column: str) -> int:
        value = self.decimal(column, default=Decimal(0))
        if value != value.to_integral_value():
            raise self.error(column, f"{value} is not a whole number")
        return int(value)

    def optional_count(self, column: str, *, minimum: int) -> int | None:
        """A whole number of units in an optional column (None when empty)."""
        if not self.text(column, required=False):
            return None
        value = self.integer(column)
        if value < minimum:
            raise self.error(column, f"{value} must be at least {minimum}")
        return value

    def day(self, column: str) -> date | None:
        raw = self.text(column, required=False)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise self.error(column, f"{raw!r} is not a date (YYYY-MM-DD)") from None

    def boolean(self, column: str) -> bool:
        raw = self.text(column).lower()
        if raw not in ("true", "false"):
            raise self.error(column, f"{raw!r} is not true or false")
        return raw == "true"


# A catalog names the same parts on many lines: each distinct number is normalized once.
@functools.lru_cache(maxsize=1 << 18)
def _normalized(text: str) -> str:
    return normalize_mpn(text)


@functools.lru_cache(maxsize=1 << 18)
def _base(mpn: str, manufacturer: str) -> str:
    return base_mpn(mpn, manufacturer)


Lines = str | Iterable[str]


def _rows(file: str, lines: Lines, required: tuple[str, ...]) -> Iterator[_Row]:
    """The records of a CSV text or of an iterable of its lines (an open file streams)."""
    reader = csv.reader(io.StringIO(lines) if isinstance(lines, str) else lines)
    header: list[str] | None = None
    index: dict[str, int] = {}
    for values in reader:
        if not "".join(values).strip():  # blank, or only separators
            continue
        if header is None:
            header = [v.strip().lower() for v in values]
            if header:
                header[0] = header[0].removeprefix("\ufeff")
            index = {name: i for i, name in enumerate(header)}
            missing = [c for c in required if c not in header]
            if missing:
                raise CatalogError(file, reader.line_num, "", f"missing column(s) {missing}")
            continue
        yield _Row(file, reader.line_num, header, index, values)
    if header is None:
        raise CatalogError(file, 1, "", f"no header; expected columns {list(required)}")


def _unique(items: Iterable[tuple[_Row, str, str, T]]) -> Iterator[T]:
    """Refuse a key given twice (items: row, key column, key, parsed item); only keys are kept."""
    seen: dict[str, int] = {}
    for row, column, key, item in items:
        if key in seen:
            raise row.error(column, f"{key} already given on line {seen[key]}")
        seen[key] = row.line
        yield item


def parse_products(text: str, file: str = "products.csv") -> list[Product]:
    """Parse ``products.csv`` completely (see :func:`iter_products`)."""
    return list(iter_products(text, file))


def iter_products(lines: Lines, file: str = "products.csv") -> Iterator[Product]:
    """The products of ``products.csv``, as they are read.

    Args:
        lines: the file's content, or its lines (an open file).
        file: the name errors give.

    Raises:
        CatalogError: a missing column, a bad value or a repeated key, with line and column.
    """

    def items() -> Iterator[tuple[_Row, str, str, Product]]:
        for row in _rows(file, lines, ("sku", "name", "unit_price", "monthly_demand")):
            sku = row.text("sku")
            product = Product(
                sku=sku,
                name=row.text("name"),
                unit_price=row.decimal("unit_price"),
                monthly_demand=row.decimal("monthly_demand"),
                end_of_support=row.day("end_of_support"),
            )
            yield row, "sku", sku, product

    return _unique(items())


def parse_bom(text: str, file: str = "bom.csv") -> list[BomLine]:
    """Parse ``bom.csv`` completely and refuse a cycle (see :func:`iter_bom`)."""
    return list(iter_bom(text, file))


def iter_bom(lines: Lines, file: str = "bom.csv") -> Iterator[BomLine]:
    """The lines of ``bom.csv``, as they are read; after the last, a cycle is refused.

    Only the sub-assembly lines are kept until the end (for the cycle check), never the part
    lines.

    Args:
        lines: the file's content, or its lines (an open file).
        file: the name errors give.

    Raises:
        CatalogError: a missing column, a bad value, or a cycle, with line and column.
    """
    assemblies: list[BomLine] = []
    for row in _rows(file, lines, ("parent_sku", "child_sku", "mpn", "quantity")):
        parent, child = row.text("parent_sku"), row.text("child_sku", required=False)
        mpn = row.mpn("mpn", required=False)
        if bool(child) == bool(mpn):
            raise row.error("child_sku", "give either child_sku (a sub-assembly) or mpn (a part)")
        if child == parent:
            raise row.error("child_sku", f"cycle: {parent} contains itself")
        manufacturer = row.text("manufacturer", required=False)
        line = BomLine(
            parent_sku=parent,
            child_sku=child or None,
            mpn=mpn or None,
            base_mpn=_base(mpn, manufacturer) if mpn else None,
            manufacturer=manufacturer,
            quantity=row.decimal("quantity", strict=True),
            line=row.line,
        )
        if child:
            assemblies.append(line)
        yield line
    check_acyclic(assemblies, file)


def check_acyclic(lines: list[BomLine], file: str = "bom.csv") -> None:
    """Refuse a BOM in which an assembly contains itself at any depth.

    Raises:
        CatalogError: the cycle, as ``A -> B -> A``, at the line that closes it.
    """
    children: dict[str, list[BomLine]] = {}
    for line in lines:
        if line.child_sku:
            children.setdefault(line.parent_sku, []).append(line)
    done: set[str] = set()
    for root in sorted(children):
        if root in done:
            continue
        # Iterative depth-first search: a deep BOM must not hit the recursion limit.
        path = [root]
        stack: list[Iterator[BomLine]] = [iter(children[root])]
        while stack:
            edge = next(stack[-1], None)
            if edge is None:
                stack.pop()
                done.add(path.pop())
                continue
            child = edge.child_sku
            assert child is not None
            if child in path:
                cycle = [*path[path.index(child) :], child]
                raise CatalogError(
                    file, edge.line, "child_sku (2)", f"cycle in the BOM: {' -> '.join(cycle)}"
                )
            if child not in done:
                path.append(child)
                stack.append(iter(children.get(child, [])))


def parse_parts(text: str, file: str = "parts.csv") -> list[Part]:
    """Parse ``parts.csv`` completely (see :func:`iter_parts`)."""
    return list(iter_parts(text, file))


def iter_parts(lines: Lines, file: str = "parts.csv") -> Iterator[Part]:
    """The parts of ``parts.csv``, as they are read.

    Args:
        lines: the file's content, or its lines (an open file).
        file: the name errors give.

    Raises:
        CatalogError: a missing column, a bad value or a repeated key, with line and column.
    """
    return _unique(_part_items(lines, file))


def _part_items(lines: Lines, file: str) -> Iterator[tuple[_Row, str, str, Part]]:
    for row in _rows(file, lines, ("mpn", "manufacturer", "unit_price", "on_hand", "on_order")):
        mpn = row.mpn("mpn")
        manufacturer = row.text("manufacturer", required=False)
        part = Part(
            mpn=mpn,
            base_mpn=_base(mpn, manufacturer),
            manufacturer=manufacturer,
            unit_price=row.decimal("unit_price"),
            on_hand=row.integer("on_hand"),
            on_order=row.integer("on_order"),
            lifecycle_status=row.text("lifecycle_status", required=False).lower(),
            moq=row.optional_count("moq", minimum=0),
            order_multiple=row.optional_count("order_multiple", minimum=1),
        )
        yield row, "mpn", mpn, part


def parse_alternates(text: str, file: str = "alternates.csv") -> list[Alternate]:
    """Parse ``alternates.csv`` completely (see :func:`iter_alternates`)."""
    return list(iter_alternates(text, file))


def iter_alternates(lines: Lines, file: str = "alternates.csv") -> Iterator[Alternate]:
    """The alternates of ``alternates.csv``, as they are read.

    Args:
        lines: the file's content, or its lines (an open file).
        file: the name errors give.

    Raises:
        CatalogError: a missing column, a bad value or a repeated key, with line and column.
    """
    return _unique(_alternate_items(lines, file))


def _alternate_items(lines: Lines, file: str) -> Iterator[tuple[_Row, str, str, Alternate]]:
    for row in _rows(file, lines, ("mpn", "alternate_mpn", "qualified")):
        mpn, alternate = row.mpn("mpn"), row.mpn("alternate_mpn")
        if mpn == alternate:
            raise row.error("alternate_mpn", f"{mpn} cannot be its own alternate")
        item = Alternate(
            mpn=mpn,
            alternate_mpn=alternate,
            alternate_manufacturer=row.text("alternate_manufacturer", required=False),
            qualified=row.boolean("qualified"),
        )
        yield row, "alternate_mpn", f"{mpn} -> {alternate}", item


@dataclass
class CatalogFiles:
    """The parsed content of the files given; a file not given is None (its table is kept)."""

    products: list[Product] | None = None
    bom: list[BomLine] | None = None
    parts: list[Part] | None = None
    alternates: list[Alternate] | None = None


def parse_catalog(texts: dict[str, str]) -> CatalogFiles:
    """Parse the files given by name (``products.csv``...); refuse unknown names and no file.

    Args:
        texts: file name -> content, for any of :data:`CATALOG_FILES`.

    Returns:
        The parsed files; a file not given is None (its table is left as it is).

    Raises:
        CatalogError: an unknown file name, no file at all, or a file that does not parse.
    """
    check_names(texts)
    files = CatalogFiles()
    if "products.csv" in texts:
        files.products = parse_products(texts["products.csv"])
    if "bom.csv" in texts:
        files.bom = parse_bom(texts["bom.csv"])
    if "parts.csv" in texts:
        files.parts = parse_parts(texts["parts.csv"])
    if "alternates.csv" in texts:
        files.alternates = parse_alternates(texts["alternates.csv"])
    return files


def check_names(names: Iterable[str]) -> None:
    """Refuse unknown file names, and no file at all.

    Raises:
        CatalogError: naming the first unknown file.
    """
    given = set(names)
    unknown = sorted(given - set(CATALOG_FILES))
    if unknown:
        raise CatalogError(unknown[0], 0, "", f"unknown catalog file; expected {CATALOG_FILES}")
    if not given:
        raise CatalogError("", 0, "", f"no catalog file given; expected any of {CATALOG_FILES}")
