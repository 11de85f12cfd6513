"""The watcher's tables: observations per source, Radar's view per part, the outbox of changes,
and each source's cycle. Every function takes a connection inside the caller's transaction.

Guarantees: a page's observations, the changes they cause and the cycle's new position are
written in one transaction, so a crash loses at most the page in flight and never records a
change twice; each part row is locked while its sources' views are combined, so two sources
reporting the same change at once still announce it once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import asyncpg

from radar_watcher.catalog import CATALOG_SOURCE, CatalogPart
from radar_watcher.changes import (
    Announced,
    SourceView,
    alert_payload,
    change_id,
    compact_raw,
    first_view_can_move,
    raw_json,
    verdict,
)
from radar_watcher.lifecycle import status_from
from radar_watcher.makers import canonical_manufacturer
from radar_watcher.sources.catalog import VOCABULARY as CATALOG_VOCABULARY
from radar_watcher.sources.protocol import Observation


@dataclass(frozen=True)
class CycleState:
    source: str
    cycle: int
    started_at: datetime | None
    finished_at: datetime | None
    cursor: str
    checked: int
    total: int

    @property
    def in_progress(self) -> bool:
        return self.started_at is not None and self.finished_at is None


@dataclass(frozen=True)
class Change:
    change_id: str
    source: str
    mpn: str
    kind: str
    old_status: str
    new_status: str


async def cycle_state(conn: asyncpg.Connection, source: str) -> CycleState:
    """The source's current (or last) cycle; the row is created on first use."""
    await conn.execute(
        "INSERT INTO watcher_sources (source) VALUES ($1) ON CONFLICT DO NOTHING", source
    )
    row = await conn.fetchrow(
        "SELECT cycle, cycle_started_at, cycle_finished_at, cursor, checked, total"
        " FROM watcher_sources WHERE source = $1",
        source,
    )
    assert row is not None
    return CycleState(
        source,
        row["cycle"],
        row["cycle_started_at"],
        row["cycle_finished_at"],
        row["cursor"],
        row["checked"],
        row["total"],
    )


async def start_cycle(conn: asyncpg.Connection, source: str, total: int) -> CycleState:
    await conn.execute(
        "UPDATE watcher_sources SET cycle = cycle + 1, cycle_started_at = now(),"
        " cycle_finished_at = NULL, cursor = '', checked = 0, total = $2 WHERE source = $1",
        source,
        total,
    )
    return await cycle_state(conn, source)


async def advance_cycle(conn: asyncpg.Connection, source: str, cursor: str, parts: int) -> None:
    """The page ending at ``cursor`` is recorded: the next one starts after it."""
    await conn.execute(
        "UPDATE watcher_sources SET cursor = $2, checked = checked + $3,"
        " last_success_at = now(), failing_since = NULL WHERE source = $1",
        source,
        cursor,
        parts,
    )


async def finish_cycle(conn: asyncpg.Connection, source: str) -> None:
    await conn.execute(
        "UPDATE watcher_sources SET cycle_finished_at = now(), last_success_at = now(),"
        " failing_since = NULL WHERE source = $1",
        source,
    )


async def record_error(conn: asyncpg.Connection, source: str, message: str) -> None:
    await conn.execute(
        "UPDATE watcher_sources SET last_error_at = now(), last_error = $2,"
        " failing_since = coalesce(failing_since, now()) WHERE source = $1",
        source,
        message[:1000],
    )


async def _baseline(
    conn: asyncpg.Connection, source: str, parts: Sequence[CatalogPart], now: datetime
) -> None:
    """Parts seen for the first time start from what the catalog says (no change announced);
    a remote source also records the catalog's status, which always counts among the views."""
    statuses = [status_from(p.lifecycle_status, CATALOG_VOCABULARY) for p in parts]
    created = await conn.fetch(
        "INSERT INTO watcher_parts (mpn, manufacturer, status, updated_at)"
        " SELECT mpn, manufacturer, status, $4 FROM unnest($1::text[], $2::text[], $3::text[])"
        "  AS u(mpn, manufacturer, status)"
        " ON CONFLICT (mpn) DO NOTHING RETURNING mpn",
        [p.mpn for p in parts],
        [canonical_manufacturer(p.manufacturer) for p in parts],
        statuses,
        now,
    )
    if source == CATALOG_SOURCE or not created:
        return
    new = {r["mpn"] for r in created}
    chosen = [(p, s) for p, s in zip(parts, statuses, strict=True) if p.mpn in new]
    await conn.execute(
        "INSERT INTO watcher_observations (source, mpn, status, status_raw, manufacturer,"
        " found, raw, seen_at, changed_at)"
        " SELECT $1, mpn, status, status_raw, manufacturer, true,"
        "  jsonb_build_object('lifecycle_status', status_raw), $6, $6"
        " FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])"
        "  AS u(mpn, status, status_raw, manufacturer)"
        " ON CONFLICT DO NOTHING",
        CATALOG_SOURCE,
        [p.mpn for p, _ in chosen],
        [s for _, s in chosen],
        [p.lifecycle_status for p, _ in chosen],
        [p.manufacturer for p, _ in chosen],
        now,
    )


async def _upsert(
    conn: asyncpg.Connection, source: str, observations: Sequence[Observation], now: datetime
) -> dict[str, bool]:
    """Store the observations; the part numbers whose status or dates moved (or are new),
    each with whether it is the source's first view of the part.

    ``prior`` reads the statement's snapshot, i.e. the rows as they were before the upsert.
    It must not lock them (``FOR UPDATE``): a row the upsert already changed in the same
    statement is then skipped, so every part looked new and was recombined every cycle. The
    rows need no lock of their own: only the lease holder's cycle of this source writes them.
    """
    rows = await conn.fetch(
        "WITH prior AS (SELECT mpn, status, last_time_buy_date, last_ship_date"
        "  FROM watcher_observations WHERE source = $1 AND mpn = ANY($2::text[])),"
        " upserted AS ("
        "  INSERT INTO watcher_observations AS o (source, mpn, status, status_raw, manufacturer,"
        "   last_time_buy_date, last_ship_date, found, raw, seen_at, changed_at)"
        "  SELECT $1, u.mpn, u.status, u.status_raw, u.manufacturer, u.ltb, u.lsd, u.found,"
        "   u.raw::jsonb, $10, $10"
        "  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::date[],"
        "   $8::bool[], $9::text[]) AS u(mpn, status, status_raw, manufacturer, ltb, lsd, found,"
        "   raw)"
        "  ON CONFLICT (source, mpn) DO UPDATE SET status = EXCLUDED.status,"
        "   status_raw = EXCLUDED.status_raw, manufacturer = EXCLUDED.manufacturer,"
        "   last_time_buy_date = EXCLUDED.last_time_buy_date,"
        "   last_ship_date = EXCLUDED.last_ship_date, found = EXCLUDED.found,"
        "   raw = EXCLUDED.raw, seen_at = EXCLUDED.seen_at,"
        "   changed_at = CASE WHEN (o.status, o.status_raw, o.last_time_buy_date,"
        "    o.last_ship_date) IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.status_raw,"
        "    EXCLUDED.last_time_buy_date, EXCLUDED.last_ship_date)"
        "    THEN EXCLUDED.seen_at ELSE o.changed_at END"
        "  RETURNING mpn, status, last_time_buy_date, last_ship_date)"
        " SELECT u.mpn, p.mpn IS NULL AS first FROM upserted u LEFT JOIN prior p ON p.mpn = u.mpn"
        " WHERE p.mpn IS NULL OR (p.status, p.last_time_buy_date, p.last_ship_date)"
        "  IS DISTINCT FROM (u.status, u.last_time_buy_date, u.last_ship_date)",
        source,
        [o.mpn for o in observations],
        [o.status for o in observations],
        [o.status_raw for o in observations],
        [o.manufacturer for o in observations],
        [o.last_time_buy_date for o in observations],
        [o.last_ship_date for o in observations],
        [o.found for o in observations],
        [raw_json(o.raw) for o in observations],
        now,
    )
    return {r["mpn"]: r["first"] for r in rows}


async def record_page(
    conn: asyncpg.Connection,
    source: str,
    parts: Sequence[CatalogPart],
    observations: Sequence[Observation],
    now: datetime,
) -> list[Change]:
    """Record one page of a source's answers; return the changes it announces."""
    await _baseline(conn, source, parts, now)
    upserted = await _upsert(conn, source, observations, now)
    moved = sorted(upserted)
    if not moved:
        return []
    announced = {
        r["mpn"]: Announced(
            r["mpn"],
            r["manufacturer"],
            r["status"],
            r["last_time_buy_date"],
            r["last_ship_date"],
            r["version"],
        )
        for r in await conn.fetch(
            "SELECT mpn, manufacturer, status, last_time_buy_date, last_ship_date, version"
            " FROM watcher_parts WHERE mpn = ANY($1::text[]) ORDER BY mpn FOR UPDATE",
            moved,
        )
    }
    # The part rows are locked and current: a first view that cannot move them is done.
    observed = {o.mpn: o for o in observations}
    moved = [
        mpn
        for mpn in moved
        if not upserted[mpn]
        or first_view_can_move(
            announced[mpn],
            observed[mpn].status,
            observed[mpn].last_time_buy_date,
            observed[mpn].last_ship_date,
        )
    ]
    if not moved:
        return []
    views: dict[str, list[SourceView]] = {}
    for r in await conn.fetch(
        "SELECT mpn, source, status, status_raw, seen_at, last_time_buy_date, last_ship_date"
        " FROM watcher_observations WHERE mpn = ANY($1::text[]) ORDER BY mpn, source",
        moved,
    ):
        views.setdefault(r["mpn"], []).append(
            SourceView(
                r["source"],
                r["status"],
                r["status_raw"],
                r["seen_at"],
                r["last_time_buy_date"],
                r["last_ship_date"],
            )
        )
    changes = []
    for mpn in moved:
        part = announced[mpn]
        seen = views.get(mpn, [])
        new = verdict(part, seen)
        if new is None:
            continue
        version = part.version + (1 if new.kind else 0)
        await conn.execute(
            "UPDATE watcher_parts SET status = $2, last_time_buy_date = $3,"
            " last_ship_date = $4, version = $5, updated_at = $6 WHERE mpn = $1",
            mpn,
            new.status,
            new.last_time_buy_date,
            new.last_ship_date,
            version,
            now,
        )
        if new.kind is None:
            continue
        trigger = next(v for v in seen if v.source == source)
        if not part.manufacturer:  # the catalog names none: the source's name, else unknown
            maker = canonical_manufacturer(observed[mpn].manufacturer) or "unknown"
            part = replace(part, manufacturer=maker)
        payload = alert_payload(
            source=source,
            announced=part,
            verdict=new,
            trigger=trigger,
            views=seen,
            evidence=compact_raw(observed[mpn].raw),
            observed_at=now,
        )
        change = Change(
            change_id(source, mpn, version, part.status, new.status, new),
            source,
            mpn,
            new.kind,
            part.status,
            new.status,
        )
        payload["idempotency_key"] = change.change_id
        await conn.execute(
            "INSERT INTO watcher_changes (change_id, source, mpn, kind, old_status, new_status,"
            " payload, detected_at) VALUES ($1, $2, $3, $4, $5, $6, $7::text::jsonb, $8)"
            " ON CONFLICT (change_id) DO NOTHING",
            change.change_id,
            source,
            mpn,
            change.kind,
            change.old_status,
            change.new_status,
            json.dumps(payload, default=str),
            now,
        )
        changes.append(change)
    return changes


async def finished_cycles(conn: asyncpg.Connection, source: str) -> int:
    """How many cycles of ``source`` have run to their end (0 before the first)."""
    row = await conn.fetchrow(
        "SELECT cycle, cycle_finished_at IS NOT NULL AS done FROM watcher_sources"
        " WHERE source = $1",
        source,
    )
    if row is None:
        return 0
    return int(row["cycle"]) if row["done"] else int(row["cycle"]) - 1


@dataclass(frozen=True)
class ChangeState:
    change_id: str
    kind: str
    old_status: str
    new_status: str
    state: str
    task_id: str | None


async def latest_change(conn: asyncpg.Connection, mpn: str) -> ChangeState | None:
    """The part's most recent announced change, and where its delivery stands."""
    row = await conn.fetchrow(
        "SELECT change_id, kind, old_status, new_status, state, task_id FROM watcher_changes"
        " WHERE mpn = $1 ORDER BY seq DESC LIMIT 1",
        mpn,
    )
    return ChangeState(**dict(row)) if row else None
