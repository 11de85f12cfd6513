"""Which open notices must be assessed again, and why.

An assessment is stale when one of its inputs moved:

- **facts**: the record's facts version is ahead of the version last assessed (a revision or a
  review that was recorded but, say, whose work message was lost) — trigger ``revision`` or
  ``review``;
- **catalog**: the fingerprint of its catalog inputs differs from the one its assessment used
  (trigger ``catalog``). The fingerprint digests everything the engine reads for the notice's
  part: the catalog parts its numbers can match (and whether each is in a BOM), their stock,
  price and ordering terms, their alternates, and every BOM path above them with the products'
  demand, price and end of support. A catalog import, or any change of stock or demand, moves
  the fingerprint of exactly the notices it touches;
- **time**: its ``as_of`` is before today (trigger ``daily``): the days since count as consumed.

Whoever imports a catalog calls :func:`catalog_changed`; the scheduler then recomputes the
fingerprints (:func:`input_fingerprints`, one query for all open notices) at its next tick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from radar_common.notices.records import Executor

# One query: per open record, a digest of every catalog input of its part (see the module doc).
# Candidates are found by equality joins on each match key (indexed for one record, hashed for
# all of them). {records} selects the records: every open one, or those listed in $1.
_FINGERPRINTS_SQL = """
WITH RECURSIVE recs AS (
    SELECT record_id, match_keys FROM notices WHERE {records}
),
keys AS (SELECT r.record_id, k.key FROM recs r, unnest(r.match_keys) AS k(key)),
cands AS (
    SELECT k.record_id, p.mpn FROM keys k JOIN parts p ON p.mpn = k.key
    UNION SELECT k.record_id, p.mpn FROM keys k JOIN parts p ON p.base_mpn = k.key
    UNION SELECT k.record_id, b.mpn FROM keys k JOIN bom_lines b ON b.mpn = k.key
    UNION SELECT k.record_id, b.mpn FROM keys k JOIN bom_lines b ON b.base_mpn = k.key
),
mpns AS (SELECT DISTINCT mpn FROM cands),
part_digest AS (
    SELECT m.mpn, md5(concat_ws('|', p.manufacturer, p.unit_price, p.on_hand, p.on_order,
               p.moq, p.order_multiple, p.lifecycle_status,
               (SELECT string_agg(concat_ws(',', a.alternate_mpn, a.alternate_manufacturer,
                                            a.qualified), ';' ORDER BY a.alternate_mpn)
                  FROM alternates a WHERE a.mpn = m.mpn),
               EXISTS (SELECT 1 FROM bom_lines b WHERE b.mpn = m.mpn))) AS digest
    FROM mpns m LEFT JOIN parts p ON p.mpn = m.mpn
),
up (origin, sku, nodes, qty) AS (
    SELECT b.mpn, b.parent_sku, ARRAY[b.parent_sku, b.mpn], b.quantity
    FROM bom_lines b JOIN mpns m ON b.mpn = m.mpn
    UNION ALL
    SELECT up.origin, b.parent_sku, b.parent_sku || up.nodes, b.quantity * up.qty
    FROM bom_lines b JOIN up ON b.child_sku = up.sku
    WHERE b.parent_sku <> ALL (up.nodes)
),
usage_digest AS (
    SELECT up.origin AS mpn,
           md5(string_agg(concat_ws('|', array_to_string(up.nodes, '>'), up.qty, p.name,
                                    p.unit_price, p.monthly_demand, p.end_of_support),
                          ';' ORDER BY array_to_string(up.nodes, '>'), up.qty)) AS digest
    FROM up LEFT JOIN products p ON p.sku = up.sku
    GROUP BY up.origin
)
SELECT r.record_id,
       md5(coalesce(string_agg(concat_ws('|', c.mpn, pd.digest, u.digest), ';' ORDER BY c.mpn),
                    '')) AS fingerprint
FROM recs r
LEFT JOIN cands c ON c.record_id = r.record_id
LEFT JOIN part_digest pd ON pd.mpn = c.mpn
LEFT JOIN usage_digest u ON u.mpn = c.mpn
GROUP BY r.record_id
"""
ALL_OPEN_FINGERPRINTS_SQL = _FINGERPRINTS_SQL.format(records="state <> 'closed'")
LISTED_FINGERPRINTS_SQL = _FINGERPRINTS_SQL.format(records="record_id = ANY($1::text[])")


@dataclass(frozen=True)
class DueWork:
    """An open notice whose assessment is stale, and why."""

    record_id: str
    # revision | review | catalog | daily
    trigger: str
    # What the work is about (so the same work is asked for once): facts or inputs version.
    key: str


def facts_key(facts_version: int) -> str:
    """The key of the re-assessment a new version of a notice's facts needs."""
    return f"facts:{facts_version}"


def inputs_key(facts_version: int, fingerprint: str, day: date) -> str:
    """The key of a re-assessment with unchanged facts: its facts, catalog inputs and day."""
    return f"inputs:{facts_version}:{fingerprint}:{day.isoformat()}"


def fingerprint_in(key: str, facts_version: int) -> str | None:
    """The fingerprint an ``inputs`` key carries, if it is about this facts version."""
    kind, _, rest = key.partition(":")
    version, _, rest = rest.partition(":")
    fingerprint, _, _ = rest.partition(":")
    if kind != "inputs" or version != str(facts_version) or not fingerprint:
        return None
    return fingerprint


async def input_fingerprints(
    db: Executor, record_ids: Sequence[str] | None = None
) -> dict[str, str]:
    """The catalog-input fingerprint of every open record (or of these records)."""
    if record_ids is None:
        rows = await db.fetch(ALL_OPEN_FINGERPRINTS_SQL)
    else:
        rows = await db.fetch(LISTED_FINGERPRINTS_SQL, list(record_ids))
    return {r["record_id"]: r["fingerprint"] for r in rows}


async def catalog_changed(db: Executor, origin: str) -> int:
    """Note that the catalog changed (after an import); the scheduler re-checks fingerprints."""
    value = await db.fetchval(
        "INSERT INTO notice_catalog_changes (origin) VALUES ($1) RETURNING change_id", origin
    )
    return int(value)


async def last_catalog_change(db: Executor) -> int:
    """The id of the latest catalog change recorded (0 when none)."""
    return int(await db.fetchval("SELECT coalesce(max(change_id), 0) FROM notice_catalog_changes"))


async def scheduler_state(db: Executor, name: str) -> str:
    """A scheduler's stored state by name (empty when never set)."""
    value = await db.fetchval("SELECT value FROM notice_scheduler_state WHERE name = $1", name)
    return str(value) if value is not None else ""


async def set_scheduler_state(db: Executor, name: str, value: str) -> None:
    """Store a scheduler's state by name (upsert)."""
    await db.execute(
        """
        INSERT INTO notice_scheduler_state (name, value) VALUES ($1, $2)
        ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = clock_timestamp()
        """,
        name,
        value,
    )


async def due_reassessments(
    db: Executor,
    today: date,
    *,
    fingerprints: dict[str, str] | None = None,
    grace_seconds: float = 60.0,
    retry_seconds: float = 600.0,
) -> list[DueWork]:
    """Open records whose assessment is stale (see the module doc), each once.

    Args:
        fingerprints: the current catalog-input fingerprints (None: catalog not checked now).
        grace_seconds: a facts change younger than this is left to the path that made it.
        retry_seconds: work asked for less than this long ago is not asked for again.
    """
    rows = await db.fetch(
        """
        SELECT n.record_id, n.facts_version, n.assessed_facts_version, n.inputs_fingerprint,
               n.as_of, n.work_key,
               n.updated_at < clock_timestamp() - make_interval(secs => $2) AS settled,
               coalesce(n.work_requested_at < clock_timestamp() - make_interval(secs => $3), true)
                   AS retry,
               (SELECT cause FROM notice_revisions v WHERE v.record_id = n.record_id
                 ORDER BY facts_version DESC LIMIT 1) AS cause
        FROM notices n
        WHERE n.state <> 'closed'
          AND (n.assessed_facts_version < n.facts_version OR n.as_of < $1
               OR ($4::boolean AND n.assessment_id IS NOT NULL))
        ORDER BY n.record_id
        """,
        today,
        grace_seconds,
        retry_seconds,
        fingerprints is not None,
    )
    due = []
    for r in rows:
        work: DueWork | None = None
        if r["assessed_facts_version"] < r["facts_version"]:
            if r["settled"]:
                trigger = "review" if r["cause"] == "review" else "revision"
                work = DueWork(r["record_id"], trigger, facts_key(r["facts_version"]))
        else:
            current = (fingerprints or {}).get(r["record_id"], r["inputs_fingerprint"])
            key = inputs_key(r["facts_version"], current, today)
            if current != r["inputs_fingerprint"]:
                work = DueWork(r["record_id"], "catalog", key)
            elif r["as_of"] is not None and r["as_of"] < today:
                work = DueWork(r["record_id"], "daily", key)
        if work is not None and (work.key != r["work_key"] or r["retry"]):
            due.append(work)
    return due


async def mark_requested(db: Executor, works: Sequence[DueWork]) -> None:
    """Remember that this work was asked for (not asked again within the retry time)."""
    if not works:
        return
    await db.execute(
        """
        UPDATE notices n SET work_key = w.key, work_requested_at = clock_timestamp()
        FROM unnest($1::text[], $2::text[]) AS w(record_id, key)
        WHERE n.record_id = w.record_id
        """,
        [w.record_id for w in works],
        [w.key for w in works],
    )
