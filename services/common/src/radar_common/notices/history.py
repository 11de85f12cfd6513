"""The audit trail: every write to a notice adds one entry — who, when, what, before and after.

``notice_audit`` is append-only (a trigger refuses UPDATE and DELETE). Entries are written in
the same transaction as the change they describe, so the trail and the record never disagree.
The history of a notice is its trail in order.

Actions and what ``before``/``after`` hold:

| action | kind | before / after |
| --- | --- | --- |
| ``recorded`` | source | — / the facts of the first arrival |
| ``merged`` | source | — / the arrival (source, confidence); facts if they were filled in |
| ``revised`` | revision | the facts fields that changed, old / new |
| ``closed`` | state | state / state, with the reason (retracted, reactivated, reviewed) |
| ``reviewed`` | review | the corrected fields and review state, old / new |
| ``acknowledged``, ``decided``, ``owner_changed`` | decision | decision, state, owner / new |
| ``noted`` | note | — / the action; the text is the note |
| ``assessed`` | reassessment | the previous assessment's figures / this one's (trigger) |
| ``reminded`` | reminder | — / the LTB date, days left, the reminder's assessment |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from radar_common.notices.records import Executor

KIND_OF_ACTION = {
    "recorded": "source",
    "merged": "source",
    "revised": "revision",
    "closed": "state",
    "reviewed": "review",
    "acknowledged": "decision",
    "decided": "decision",
    "owner_changed": "decision",
    "noted": "note",
    "assessed": "reassessment",
    "reminded": "reminder",
}


@dataclass(frozen=True)
class AuditEntry:
    """One line of a notice record's append-only trail."""

    audit_id: int
    record_id: str
    at: datetime
    actor: str
    action: str
    before: Any
    after: Any
    note: str

    @property
    def kind(self) -> str:
        """The entry's kind as the API groups actions (``KIND_OF_ACTION``)."""
        return KIND_OF_ACTION.get(self.action, "other")

    def as_dict(self) -> dict[str, Any]:
        """The entry as the API returns it."""
        return {
            "audit_id": self.audit_id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "kind": self.kind,
            "before": self.before,
            "after": self.after,
            "note": self.note,
        }


async def append(
    conn: asyncpg.Connection,
    record_id: str,
    *,
    actor: str,
    action: str,
    before: Any = None,
    after: Any = None,
    note: str = "",
) -> int:
    """Add one entry (call inside the transaction of the change it describes); its id."""
    if action not in KIND_OF_ACTION:
        raise ValueError(f"unknown audit action {action!r}")
    value = await conn.fetchval(
        """
        INSERT INTO notice_audit (record_id, actor, action, before, after, note)
        VALUES ($1, $2, $3, $4, $5, $6) RETURNING audit_id
        """,
        record_id,
        actor or "unknown",
        action,
        before,
        after,
        note,
    )
    return int(value)


async def history(db: Executor, record_id: str) -> list[AuditEntry]:
    """The notice's trail, oldest first."""
    rows = await db.fetch(
        "SELECT * FROM notice_audit WHERE record_id = $1 ORDER BY audit_id", record_id
    )
    return [
        AuditEntry(
            audit_id=r["audit_id"],
            record_id=r["record_id"],
            at=r["at"],
            actor=r["actor"],
            action=r["action"],
            before=r["before"],
            after=r["after"],
            note=r["note"],
        )
        for r in rows
    ]
