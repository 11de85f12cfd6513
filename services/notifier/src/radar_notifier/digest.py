"""Daily digests: assessments a digest route matched are batched and sent once a day.

Items wait in ``notifier_digest_items``. At ``RADAR_DIGEST_HOUR_UTC`` each (route, channel)
digest of the day is claimed like any notification, under the key
``digest:<route>:<day>`` (so the same lease and exactly-once rules apply), the waiting items
are bound to that key, and the one message is sent, rate-limited and retried like an alert.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from radar_common.contracts import Assessment
from radar_notifier import metrics, records
from radar_notifier.alert import Alert
from radar_notifier.channels import Channel
from radar_notifier.delivery import Outcome, attempt_delivery
from radar_notifier.formats.digest import Digest, DigestEntry
from radar_notifier.ratelimit import RateLimiter
from radar_notifier.settings import NotifierSettings

log = logging.getLogger(__name__)


async def enqueue(
    pool: asyncpg.Pool, route: str, channel: str, a: Assessment, alert: Alert
) -> None:
    """Put an assessment on a route's next digest for a channel (once)."""
    dates = ", ".join(f"{d.label} {d.raw}" for d in alert.deadlines)
    await pool.execute(
        """
        INSERT INTO notifier_digest_items
            (route, channel, assessment_id, task_id, trace_id, severity, summary, status_url)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT DO NOTHING
        """,
        route,
        channel,
        a.assessment_id,
        a.task_id,
        a.trace_id,
        alert.severity,
        f"{alert.headline}" + (f" · {dates}" if dates else ""),
        alert.link,  # the notice, else the task (scheduled work has no task)
    )


def cutoff_for(now: datetime, hour: int) -> datetime:
    """The latest digest time (``hour``:00 UTC) at or before ``now``."""
    today = now.astimezone(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return today if today <= now else today - timedelta(days=1)


@dataclass
class DigestSender:
    """Sends the digests that are due; safe to run in every replica."""

    pool: asyncpg.Pool
    channels: dict[str, Channel]
    limiter: RateLimiter
    settings: NotifierSettings
    owner: str

    async def run(self) -> None:
        """Send due digests every ``digest_poll_seconds`` until cancelled."""
        while True:
            try:
                await self.send_due(datetime.now(UTC))
            except Exception:  # the database may be away for a moment: try next round
                log.exception("sending digests failed")
            await asyncio.sleep(self.settings.digest_poll_seconds)

    async def send_due(self, now: datetime) -> dict[str, Outcome]:
        """Send every digest due at ``now``; return outcomes by digest notification key."""
        cutoff = cutoff_for(now, self.settings.digest_hour_utc)
        # Digests that failed (or whose sender died) first, under their own key and day.
        todo = [
            (r["key"], r["route"], r["channel"])
            for r in await self.pool.fetch(
                """
                SELECT assessment_id AS key, route, channel FROM notifications
                 WHERE assessment_id LIKE 'digest:%' AND state IN ('failed', 'pending')
                """
            )
        ]
        day = cutoff.date().isoformat()
        todo += [
            (f"digest:{r['route']}:{day}", r["route"], r["channel"])
            for r in await self.pool.fetch(
                """
                SELECT DISTINCT route, channel FROM notifier_digest_items
                 WHERE digest_key IS NULL AND created_at < $1
                """,
                cutoff,
            )
        ]
        outcomes: dict[str, Outcome] = {}
        for key, route, channel in dict.fromkeys(todo):
            if channel not in self.channels:
                continue
            outcome = await self._send_one(key, route, channel, cutoff)
            if outcome is not None:
                outcomes[f"{key}|{channel}"] = outcome
        return outcomes

    async def _send_one(
        self, key: str, route: str, channel_name: str, cutoff: datetime
    ) -> Outcome | None:
        claim = await records.claim(
            self.pool,
            assessment_id=key,
            channel=channel_name,
            task_id="",
            trace_id="",
            owner=self.owner,
            lease_seconds=self.settings.lease_seconds,
            route=route,
        )
        if not claim.owned:
            return None
        nid = claim.record.notification_id
        await self.pool.execute(
            """
            UPDATE notifier_digest_items SET digest_key = $1
             WHERE route = $2 AND channel = $3 AND digest_key IS NULL AND created_at < $4
            """,
            key,
            route,
            channel_name,
            cutoff,
        )
        rows = await self.pool.fetch(
            """
            SELECT assessment_id, severity, summary, status_url, trace_id
              FROM notifier_digest_items WHERE digest_key = $1 AND channel = $2
             ORDER BY array_position(ARRAY['critical','high','medium','low','info'], severity),
                      created_at
            """,
            key,
            channel_name,
        )
        digest = Digest(
            key=nid,
            route=route,
            day=key.rsplit(":", 1)[-1],
            entries=[DigestEntry(**dict(r)) for r in rows],
        )
        channel = self.channels[channel_name]

        async def clear_to_send() -> Outcome | None:
            ok = await records.renew(self.pool, nid, self.owner, self.settings.lease_seconds)
            return None if ok else "lost"

        async def send() -> None:
            await channel.send_digest(digest)

        attempted = await attempt_delivery(
            channel, send, limiter=self.limiter, settings=self.settings, clear_to_send=clear_to_send
        )
        if attempted.outcome == "lost":
            return None
        await records.settle(
            self.pool,
            nid,
            self.owner,
            attempted.outcome,
            attempts=attempted.attempts,
            error=attempted.error,
        )
        metrics.NOTIFICATIONS.labels(channel_name, attempted.outcome).inc()
        return attempted.outcome
