"""The catalog's columns, the names other programs give them, and a proposed column mapping.

Each kind of catalog file (:data:`KINDS`) lists the columns its canonical CSV has
(``radar_common.catalog.files`` reads them) with the header names exports commonly use for
them: ERP/spreadsheet names, KiCad's BOM exports (``Reference``/``Refs``/``Ref``, ``Value``,
``Footprint``, ``Qty``/``Qnty``, ``DNP``, user fields such as ``MPN`` and ``Manufacturer``) and
Altium's BOM report (``Comment``, ``Designator``, ``Footprint``, ``Quantity``,
``Manufacturer 1``, ``Manufacturer Part Number 1``). A header is compared after
:func:`normalize_header`, so ``Mfr. Part #`` and ``mfr_part_number`` are the same name.

Two columns are not catalog columns but help read EDA exports: ``references`` (designators,
counted when no quantity column exists) and ``dnp`` (do-not-populate rows are left out).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Supplier-chain columns numbered 2, 3, ... (Altium's "Manufacturer Part Number 2") are the
# approved alternates of the same line: they are reported, not imported, for now.
NUMBERED = re.compile(r"^(?P<stem>.+?)\s*(?P<n>[2-9])$")


def normalize_header(name: str) -> str:
    """``Mfr. Part #`` → ``mfr part number``; ``unit_price`` → ``unit price``."""
    text = name.strip().lower().replace("#", " number ")
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Field:
    name: str  # the canonical CSV column (or a helper: references, dnp)
    label: str
    required: bool
    synonyms: tuple[str, ...] = ()
    helper: bool = False  # read from the source, never written to the canonical file

    def names(self) -> set[str]:
        return {normalize_header(n) for n in (self.name, *self.synonyms)}


@dataclass(frozen=True)
class Kind:
    name: str  # products | bom | parts | alternates
    file: str  # the canonical file name import_texts takes
    label: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def columns(self) -> tuple[str, ...]:
        """The canonical columns this kind writes."""
        return tuple(f.name for f in self.fields if not f.helper)


_MPN = (
    "mpn",
    "mpn1",
    "manufacturer part number",
    "manufacturer part number 1",
    "manufacturer part no",
    "manufacturer pn",
    "mfr part number",
    "mfr part no",
    "mfr pn",
    "mfg part number",
    "mfg pn",
    "mf pn",
    "part number",
)
_MANUFACTURER = ("manufacturer", "manufacturer 1", "manufacturer name", "mfr", "mfg", "make")

KINDS: dict[str, Kind] = {
    "products": Kind(
        "products",
        "products.csv",
        "Products",
        (
            Field("sku", "SKU", True, ("product", "product sku", "item", "item number")),
            Field("name", "Name", True, ("product name", "description", "title")),
            Field("unit_price", "Unit price", True, ("price", "selling price", "sales price")),
            Field(
                "monthly_demand",
                "Monthly demand",
                True,
                ("demand", "demand per month", "monthly forecast", "forecast per month"),
            ),
            Field("end_of_support", "End of support", False, ("eos", "support end")),
        ),
    ),
    "bom": Kind(
        "bom",
        "bom.csv",
        "BOM lines",
        (
            Field(
                "parent_sku",
                "Parent assembly",
                True,
                ("parent", "assembly", "parent assembly", "assembly sku", "parent item"),
            ),
            Field("child_sku", "Sub-assembly", False, ("child", "sub assembly", "subassembly")),
            Field("mpn", "Manufacturer part number", False, _MPN),
            Field("manufacturer", "Manufacturer", False, _MANUFACTURER),
            Field(
                "quantity",
                "Quantity",
                True,
                ("qty", "qnty", "quantity per", "qty per", "qty per assembly", "q"),
            ),
            Field(
                "references",
                "Designators",
                False,
                ("reference", "refs", "ref", "designator", "designators", "reference designators"),
                helper=True,
            ),
            Field(
                "dnp",
                "Do not populate",
                False,
                ("do not populate", "do not place", "dnf", "not fitted"),
                helper=True,
            ),
        ),
    ),
    "parts": Kind(
        "parts",
        "parts.csv",
        "Parts",
        (
            Field("mpn", "Manufacturer part number", True, _MPN),
            Field("manufacturer", "Manufacturer", False, _MANUFACTURER),
            Field("unit_price", "Unit price", True, ("price", "unit cost", "cost")),
            Field("on_hand", "On hand", True, ("stock", "qty on hand", "inventory", "in stock")),
            Field("on_order", "On order", True, ("qty on order", "open orders", "open po")),
            Field("lifecycle_status", "Lifecycle", False, ("lifecycle", "status")),
            # Read by parts.csv once minimum order quantities are part of the catalog;
            # extra columns are ignored until then.
            Field("moq", "Minimum order quantity", False, ("minimum order quantity", "min qty")),
            Field("order_multiple", "Order multiple", False, ("order increment", "multiple")),
        ),
    ),
    "alternates": Kind(
        "alternates",
        "alternates.csv",
        "Alternates",
        (
            Field("mpn", "Manufacturer part number", True, _MPN),
            Field(
                "alternate_mpn",
                "Alternate part number",
                True,
                ("alternate", "alternate part number", "alt mpn", "substitute"),
            ),
            Field(
                "alternate_manufacturer",
                "Alternate manufacturer",
                False,
                ("alternate mfr", "alt manufacturer"),
            ),
            Field("qualified", "Qualified", True, ("approved", "is qualified")),
        ),
    ),
}
_ALL_NAMES = {n for kind in KINDS.values() for f in kind.fields for n in f.names()}


def header_score(cells: Iterable[str]) -> int:
    """How many cells of a row are column names the catalog knows (finds the header row)."""
    return sum(1 for c in cells if normalize_header(c) in _ALL_NAMES)


def propose_mapping(kind: Kind, header: Sequence[str]) -> dict[str, int | None]:
    """Field name → index of the source column that names it (first match), or None.

    A column is used for one field only; an exact canonical name wins over a synonym.
    """
    normalized = [normalize_header(h) for h in header]
    taken: set[int] = set()
    mapping: dict[str, int | None] = {}
    for exact in (True, False):
        for f in kind.fields:
            if mapping.get(f.name) is not None:
                continue
            wanted = {normalize_header(f.name)} if exact else f.names()
            index = next(
                (i for i, h in enumerate(normalized) if h in wanted and i not in taken), None
            )
            mapping[f.name] = index
            if index is not None:
                taken.add(index)
    return mapping


def guess_kind(file: str, header: Sequence[str]) -> Kind:
    """The kind a file most likely is: by its name, else by the columns it names."""
    stem = normalize_header(file.rsplit(".", 1)[0])
    for name in ("alternates", "products", "parts", "bom"):
        if name in stem.split() or stem.startswith(name):
            return KINDS[name]

    def coverage(kind: Kind) -> tuple[int, int]:
        mapped = propose_mapping(kind, header)
        required = sum(1 for f in kind.fields if f.required and mapped[f.name] is not None)
        return required, sum(1 for v in mapped.values() if v is not None)

    return max(KINDS.values(), key=coverage)


def unimported_alternates(header: Sequence[str]) -> list[int]:
    """Columns naming a second, third... manufacturer or part number (an AML), by index."""
    found = []
    for i, h in enumerate(header):
        match = NUMBERED.match(normalize_header(h))
        if match and f"{match['stem']} 1" in {normalize_header(n) for n in _MPN + _MANUFACTURER}:
            found.append(i)
    return found
