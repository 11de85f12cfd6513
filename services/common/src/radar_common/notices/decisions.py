"""What people decide about a notice: acknowledge it, choose an action, own it, note it.

:func:`decide` records one decision in one transaction with its audit entry (who, when, before
and after). Actions:

- ``acknowledge``: seen; ``new``/``needs_review`` -> ``acknowledged`` (reminders go on);
- ``last_time_buy`` (``quantity`` required), ``alternate`` (``alternate_mpn`` required),
  ``redesign``, ``accept``: the chosen action; the notice is ``decided`` and reminders stop;
- ``assign``: sets the ``owner`` only;
- ``note``: adds a note to the trail only.

``owner`` and ``note`` may come with any action. A closed notice takes no decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import asyncpg

from radar_common.notices import history
from radar_common.notices.errors import InvalidInput
from radar_common.notices.records import NoticeRecord, lock_for_change, update


class DecisionAction(StrEnum):
    """What people decided about a notice (``POST .../decision``)."""

    ACKNOWLEDGE = "acknowledge"
    LAST_TIME_BUY = "last_time_buy"
    ALTERNATE = "alternate"
    REDESIGN = "redesign"
    ACCEPT = "accept"
    ASSIGN = "assign"
    NOTE = "note"


# The actions that decide what to do about the notice (the others only note or assign).
CHOSEN_ACTIONS = ("last_time_buy", "alternate", "redesign", "accept")
DECISION_ACTIONS = tuple(DecisionAction)


@dataclass(frozen=True)
class DecisionInput:
    """A decision as a caller sends it; :func:`validate` checks it."""

    actor: str
    action: str
    quantity: int | None = None
    alternate_mpn: str = ""
    owner: str | None = None
    note: str = ""
    expected_version: int | None = None


def validate(decision: DecisionInput) -> None:
    """Refuse a decision that does not say enough (raises :class:`InvalidInput`)."""
    if decision.action not in DECISION_ACTIONS:
        raise InvalidInput(f"action must be one of {', '.join(DECISION_ACTIONS)}")
    if decision.action == "last_time_buy" and not (decision.quantity and decision.quantity > 0):
        raise InvalidInput("a last-time buy needs the quantity bought (> 0)")
    if decision.action == "alternate" and not decision.alternate_mpn.strip():
        raise InvalidInput("an alternate decision needs alternate_mpn")
    if decision.action == "assign" and not (decision.owner or "").strip():
        raise InvalidInput("assign needs an owner")
    if decision.action == "note" and not decision.note.strip():
        raise InvalidInput("a note needs its text")
    if not decision.actor.strip():
        raise InvalidInput("who decides (actor) is required")


async def decide(pool: asyncpg.Pool, record_id: str, decision: DecisionInput) -> NoticeRecord:
    """Record a decision (see the module doc); the record after it.

    Raises:
        NoticeNotFound, VersionConflict, InvalidInput, InvalidOperation (a closed notice).
    """
    validate(decision)
    async with pool.acquire() as conn, conn.transaction():
        record = await lock_for_change(conn, record_id, decision.expected_version)
        values: dict[str, Any] = {}
        action = decision.action
        if action == "acknowledge" and record.state in ("new", "needs_review"):
            values["state"] = "acknowledged"
        if action in CHOSEN_ACTIONS:
            values["state"] = "decided"
            values["decision"] = {
                "action": action,
                "quantity": decision.quantity if action == "last_time_buy" else None,
                "alternate_mpn": decision.alternate_mpn.strip() if action == "alternate" else "",
                "note": decision.note,
                "by": decision.actor,
            }
        if decision.owner is not None and decision.owner.strip() != record.owner:
            values["owner"] = decision.owner.strip()
        before = {k: getattr(record, k) for k in values}
        updated = await update(conn, record_id, values) if values else record
        audit_action = {
            "acknowledge": "acknowledged",
            "assign": "owner_changed",
            "note": "noted",
        }.get(action, "decided")
        await history.append(
            conn,
            record_id,
            actor=decision.actor,
            action=audit_action,
            before=before or None,
            after={**values, "action": action} if values else {"action": action},
            note=decision.note,
        )
        return updated
