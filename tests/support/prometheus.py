"""Reading Prometheus metrics the way Prometheus does, and the metric names PromQL refers to."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass

from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

PROMQL_KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan", "e"}
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_VARIABLES = re.compile(r"\$\{?\w+\}?")
_IDENT = re.compile(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()")


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


class Scrape:
    """One scrape of a ``/metrics`` endpoint, parsed by prometheus_client's text parser."""

    def __init__(self, text: str) -> None:
        self.families = list(text_string_to_metric_families(text))
        self.samples = [
            Sample(s.name, dict(s.labels), float(s.value)) for f in self.families for s in f.samples
        ]

    @classmethod
    def of(cls, url: str) -> Scrape:
        with urllib.request.urlopen(url, timeout=5) as r:
            return cls(r.read().decode())

    def value(self, name: str, **labels: str) -> float:
        """Sum of the samples named ``name`` whose labels include ``labels`` (0 if none)."""
        return sum(
            s.value
            for s in self.samples
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
        )

    def has(self, name: str, **labels: str) -> bool:
        return any(
            s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
            for s in self.samples
        )

    def names(self) -> set[str]:
        """Every sample name and family name seen."""
        return {s.name for s in self.samples} | names_of_families(self.families)


def names_of_families(families: Iterable[Metric]) -> set[str]:
    """The series names a family can expose, even before any labelled child exists."""
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_count", "_sum", "_created"),
        "summary": ("_count", "_sum", "_created"),
        "info": ("_info",),
        "gauge": ("",),
    }
    names: set[str] = set()
    for family in families:
        names.add(family.name)
        names.update(family.name + suffix for suffix in suffixes.get(family.type, ("",)))
    return names


def metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects (functions, labels and keywords left out)."""
    text = _VARIABLES.sub(" 1 ", _STRINGS.sub('""', expr))
    for pattern in (_GROUPING, _MATCHERS, _RANGES):
        text = pattern.sub(" ", text)
    return {m for m in _IDENT.findall(text) if m.lower() not in PROMQL_KEYWORDS}
