"""Precision and recall per field of extracted notices against the corpus expectations."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from radar_common.contracts import NormalizedNotice
from tests.normalizer.corpus import FIELDS


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


@dataclass
class Scores:
    fields: dict[str, FieldScore] = field(default_factory=lambda: defaultdict(FieldScore))
    errors: list[str] = field(default_factory=list)

    def table(self) -> str:
        lines = [f"{'field':<20} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}"]
        for name in FIELDS:
            s = self.fields[name]
            lines.append(
                f"{name:<20} {s.precision:>9.3f} {s.recall:>7.3f} {s.tp:>4} {s.fp:>4} {s.fn:>4}"
            )
        return "\n".join(lines)


def value_of(notice: NormalizedNotice, name: str) -> str:
    if name == "inferred_fields":
        return ",".join(sorted(notice.inferred_fields))
    return str(getattr(notice, name))


def score_case(
    name: str, expected: list[dict[str, str]], got: list[NormalizedNotice], scores: Scores
) -> None:
    """Count each field of each expected part; extra parts count as false positives."""
    by_mpn = {n.mpn: n for n in got}
    for row in expected:
        notice = by_mpn.pop(row["mpn"], None)
        for fname in FIELDS:
            want = row[fname]
            have = value_of(notice, fname) if notice is not None else ""
            s = scores.fields[fname]
            if want and have == want:
                s.tp += 1
            else:
                if have:
                    s.fp += 1
                if want:
                    s.fn += 1
                if have != want:
                    scores.errors.append(
                        f"{name}: {row['mpn']}.{fname}: want {want!r}, got {have!r}"
                    )
    for extra in by_mpn.values():
        for fname in FIELDS:
            if value_of(extra, fname):
                scores.fields[fname].fp += 1
        scores.errors.append(f"{name}: unexpected part {extra.mpn!r}")
