"""What the extractors find, before it becomes a :class:`NormalizedNotice`.

Every value is a :class:`Found`: the value, the snippet of source text it was read from and
where that snippet is. Extractors fill a :class:`NoticeDraft` (fields of the whole notice plus
one :class:`PartDraft` per affected part); :mod:`radar_normalizer.assemble` turns it into
notices, one per part.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_PARTS = 1000


@dataclass(frozen=True)
class Found:
    """One extracted value and where it came from."""

    value: str
    snippet: str
    location: str
    # Set when the value was completed rather than read (e.g. a day chosen for "Q3 2025").
    inferred: str = ""


@dataclass
class PartDraft:
    """One affected part: its number as written and any per-part fields."""

    mpn: Found
    fields: dict[str, Found] = field(default_factory=dict)
    # Base number when the source states it (smartPCN itemMfrTypeIdent); else derived.
    base_mpn: Found | None = None


@dataclass
class NoticeDraft:
    """A notice as read: notice-wide fields and the affected parts.

    ``method`` says how the parts were found (``structured``, ``table``, ``labelled``,
    ``scan``); it drives the confidence.
    """

    fields: dict[str, Found] = field(default_factory=dict)
    parts: list[PartDraft] = field(default_factory=list)
    method: str = "labelled"
    extractor: str = "rules"
    _index: dict[str, PartDraft] = field(default_factory=dict, repr=False)

    def put(self, name: str, found: Found | None) -> None:
        """Keep the first value found for a notice-wide field (sources come best first)."""
        if found is not None and found.value and name not in self.fields:
            self.fields[name] = found

    def add_part(self, part: PartDraft) -> None:
        """Add a part, merging per-part fields into an already known one.

        At most :data:`MAX_PARTS` parts are kept: a notice naming more is a catalogue, not a
        notice, and would flood the pipeline.
        """
        if len(self._index) != len(self.parts):  # parts was replaced or filtered
            self._index = {p.mpn.value: p for p in self.parts}
        known = self._index.get(part.mpn.value)
        if known is not None:
            for name, found in part.fields.items():
                known.fields.setdefault(name, found)
            if known.base_mpn is None:
                known.base_mpn = part.base_mpn
            return
        if len(self.parts) >= MAX_PARTS:
            return
        self.parts.append(part)
        self._index[part.mpn.value] = part

    def merge(self, other: NoticeDraft) -> None:
        """Fill what this draft lacks from a lesser source."""
        for name, found in other.fields.items():
            self.put(name, found)
        for part in other.parts:
            self.add_part(part)
