"""Scores of extracted notices against the corpus: parts, fields and roles.

- **Parts**: the emitted notices' part numbers against the case's expected parts (precision and
  recall over all cases).
- **Fields**: per field, over the expected parts that were found. A field is scored for a case
  only when the case states it (an absent key is not an expectation). A case that expects no
  part scores its notice-wide fields against what the reader found for the notice anyway.
- **Roles**: a confusion table of the labelled role (``affected`` for expected parts, the
  ``mentions`` roles for the rest) against the role the reader gave (``absent`` when it did
  not list the string at all).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from radar_common.contracts import NormalizedNotice
from radar_normalizer.assemble import status_for
from radar_normalizer.extract import Reading
from tests.normalizer.corpus import FIELDS, Case

ROLES = ("affected", "replacement", "referenced", "excluded", "not_affected", "absent")


@dataclass
class FieldScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def count(self, want: str, have: str) -> bool:
        """Count one comparison; True when it is right."""
        if want and have == want:
            self.tp += 1
            return True
        if have:
            self.fp += 1
        if want:
            self.fn += 1
        return have == want


@dataclass
class Scores:
    parts: FieldScore = field(default_factory=FieldScore)
    fields: dict[str, FieldScore] = field(default_factory=lambda: defaultdict(FieldScore))
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def table(self) -> str:
        head = f"{'field':<20} {'precision':>9} {'recall':>7} {'tp':>5} {'fp':>4} {'fn':>4}"
        lines = [head]
        rows = [("PARTS (affected)", self.parts)] + [(n, self.fields[n]) for n in FIELDS]
        for name, s in rows:
            lines.append(
                f"{name:<20} {s.precision:>9.3f} {s.recall:>7.3f} {s.tp:>5} {s.fp:>4} {s.fn:>4}"
            )
        return "\n".join(lines)

    def confusion_table(self) -> str:
        width = max(len(r) for r in ROLES) + 1
        lines = ["labelled \\ read".ljust(16) + "".join(r.rjust(width) for r in ROLES)]
        for want in ROLES[:-1]:
            counts = [self.confusion[(want, have)] for have in ROLES]
            lines.append(want.ljust(16) + "".join(str(c).rjust(width) for c in counts))
        return "\n".join(lines)

    def failing(self, part_threshold: float, field_threshold: float) -> list[str]:
        out = []
        if self.parts.precision < part_threshold or self.parts.recall < part_threshold:
            out.append("parts")
        for name in FIELDS:
            s = self.fields[name]
            if s.precision < field_threshold or s.recall < field_threshold:
                out.append(name)
        return out


def value_of(notice: NormalizedNotice, name: str) -> str:
    if name == "inferred_fields":
        return ",".join(sorted(notice.inferred_fields))
    return str(getattr(notice, name))


def score_case(case: Case, reading: Reading, scores: Scores) -> None:
    """Add one case's parts, fields and roles to ``scores``."""
    got = {n.mpn: n for n in reading.notices}
    wanted = {row["mpn"] for row in case.expected}
    for mpn in got:
        if mpn in wanted:
            scores.parts.tp += 1
        else:
            scores.parts.fp += 1
            scores.errors.append(f"{case.name}: unexpected part {mpn!r}")
    for row in case.expected:
        notice = got.get(row["mpn"])
        if notice is None:
            scores.parts.fn += 1
            scores.errors.append(f"{case.name}: missed part {row['mpn']!r}")
            continue
        for name in FIELDS:
            if name in row and name != "mpn":
                have = value_of(notice, name)
                if not scores.fields[name].count(row[name], have):
                    scores.errors.append(
                        f"{case.name}: {row['mpn']}.{name}: want {row[name]!r}, got {have!r}"
                    )
        scores.fields["mpn"].count(row["mpn"], notice.mpn)
    if not case.expected:
        for name, want in case.notice.items():
            if name in FIELDS:
                have = _notice_value(reading, name)
                if not scores.fields[name].count(want, have):
                    scores.errors.append(f"{case.name}: notice.{name}: want {want!r}, got {have!r}")
    _roles(case, reading, scores)


def _notice_value(reading: Reading, name: str) -> str:
    if reading.notices:
        return value_of(reading.notices[0], name)
    kind = reading.facts.fields.get("notice_kind")
    if name == "lifecycle_status" and kind is not None:
        return status_for(dict(reading.facts.fields), kind).value
    return reading.facts.value(name)


def _roles(case: Case, reading: Reading, scores: Scores) -> None:
    read = {m.mpn: m.role for m in reading.roles.mentions}
    for notice in reading.notices:
        read.setdefault(notice.mpn, "affected")
    labelled = [(row["mpn"], "affected") for row in case.expected]
    labelled += [(m["mpn"], m["role"]) for m in case.mentions]
    for mpn, want in labelled:
        have = read.get(mpn, "absent")
        scores.confusion[(want, have)] += 1
        if want != have and want != "affected":
            scores.errors.append(f"{case.name}: {mpn!r} labelled {want}, read as {have}")
