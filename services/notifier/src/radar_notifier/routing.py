"""Routing: which channels get which assessment, from a YAML routing file.

A route matches when every condition it sets holds (a list condition holds when any of its
entries matches); an assessment goes to the union of the channels of the routes it matches.
Without a routing file every enabled channel gets severity ``medium`` and above. ``info``
assessments are recorded but go nowhere unless a route sets ``min_severity: info``.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from radar_common.contracts import Assessment
from radar_common.notices.severity import Severity, severity_rank

log = logging.getLogger(__name__)
DEFAULT_MIN_SEVERITY: Severity = "medium"


class Route(BaseModel):
    """Conditions and the channels that get what matches them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    channels: list[str] = Field(min_length=1)
    min_severity: Severity = DEFAULT_MIN_SEVERITY
    # Case-insensitive exact names, e.g. ["Texas Instruments", "TI"].
    manufacturers: list[str] = Field(default_factory=list)
    # Product sku globs matched against the assessment's where-used products.
    skus: list[str] = Field(default_factory=list)
    # Names of product lines defined at the top of the routing file.
    product_lines: list[str] = Field(default_factory=list)
    # e.g. pdn, pcn, eol, lifecycle (case-insensitive).
    notice_kinds: list[str] = Field(default_factory=list)
    # Batch what matches into one message a day instead of alerting at once.
    digest: bool = False

    @field_validator("manufacturers", "notice_kinds")
    @classmethod
    def _lower(cls, values: list[str]) -> list[str]:
        return [v.strip().lower() for v in values]


class RoutingTable(BaseModel):
    """The whole routing file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Product line name -> sku globs, e.g. {"sensors": ["DEMO-SENSOR*", "DEMO-HUB"]}.
    product_lines: dict[str, list[str]] = Field(default_factory=dict)
    routes: list[Route] = Field(default_factory=list)

    def check(self, enabled: Iterable[str]) -> None:
        """Refuse unknown product lines; warn about channels that are not configured."""
        on = set(enabled)
        for route in self.routes:
            unknown = [p for p in route.product_lines if p not in self.product_lines]
            if unknown:
                raise ValueError(f"route {route.name!r}: unknown product lines {unknown}")
            off = [c for c in route.channels if c not in on]
            if off:
                log.warning("route %r names channels that are not configured: %s", route.name, off)

    def _sku_globs(self, route: Route) -> list[str]:
        globs = list(route.skus)
        for line in route.product_lines:
            globs += self.product_lines.get(line, [])
        return globs

    def matches(self, route: Route, a: Assessment) -> bool:
        """Whether ``a`` satisfies every condition ``route`` sets."""
        if severity_rank(a.severity) < severity_rank(route.min_severity):
            return False
        if route.manufacturers and a.manufacturer.strip().lower() not in route.manufacturers:
            return False
        if route.notice_kinds and a.notice_kind.strip().lower() not in route.notice_kinds:
            return False
        if route.skus or route.product_lines:
            globs = self._sku_globs(route)
            skus = [w.sku for w in a.where_used]
            if not any(fnmatch.fnmatchcase(s, g) for s in skus for g in globs):
                return False
        return True

    def channels_for(self, a: Assessment, enabled: Iterable[str]) -> list[str]:
        """The enabled channels that ``a`` goes to, in the order they are enabled."""
        on = list(enabled)
        wanted = {c for r in self.routes if not r.digest and self.matches(r, a) for c in r.channels}
        return [c for c in on if c in wanted]

    def digests_for(self, a: Assessment, enabled: Iterable[str]) -> list[tuple[str, str]]:
        """(route, channel) digests ``a`` joins: channels that do not get it at once."""
        on = list(enabled)
        instant = set(self.channels_for(a, on))
        return [
            (r.name, c)
            for r in self.routes
            if r.digest and self.matches(r, a)
            for c in r.channels
            if c in on and c not in instant
        ]

    @property
    def has_digests(self) -> bool:
        return any(r.digest for r in self.routes)


@dataclass(frozen=True)
class Plan:
    """What becomes of one assessment on each enabled channel (worked out without I/O).

    Attributes:
        send: channels that get the alert now, in the order they are enabled.
        digests: ``(route, channel)`` daily digests the assessment joins.
        skips: ``(channel, reason)`` for every other enabled channel (recorded as skipped).
        revive: a replayed dead letter's channel, to be tried once more (else empty).
    """

    send: tuple[str, ...]
    digests: tuple[tuple[str, str], ...] = ()
    skips: tuple[tuple[str, str], ...] = ()
    revive: str = ""


def plan(table: RoutingTable, a: Assessment, enabled: Iterable[str], *, replayed: str = "") -> Plan:
    """Where ``a`` goes: the channels its routes choose, its digests, and why the rest skip it.

    ``replayed`` names the channel of a replayed dead letter: that channel alone is sent to.
    """
    on = list(enabled)
    send = [replayed] if replayed in on else table.channels_for(a, on)
    digests = table.digests_for(a, on)
    batched: dict[str, str] = {}
    for route, channel in digests:
        batched.setdefault(channel, route)
    skips = [
        (
            channel,
            f"in the daily digest of route {batched[channel]}"
            if channel in batched
            else f"not routed (severity {a.severity or 'info'})",
        )
        for channel in on
        if channel not in send
    ]
    return Plan(
        send=tuple(send),
        digests=tuple(digests),
        skips=tuple(skips),
        revive=replayed if replayed in on else "",
    )


def default_table(enabled: Iterable[str]) -> RoutingTable:
    """Every enabled channel gets ``medium`` and above."""
    channels = list(enabled)
    if not channels:
        return RoutingTable()
    return RoutingTable(routes=[Route(name="default", channels=channels)])


def load_routes(path: Path | None, enabled: Iterable[str]) -> RoutingTable:
    """Read and check the routing file, or the default table when there is none."""
    channels = list(enabled)
    if path is None:
        return default_table(channels)
    table = RoutingTable.model_validate(yaml.safe_load(path.read_text()) or {})
    table.check(channels)
    return table
