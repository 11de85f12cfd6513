"""The notifier stage: one assessment in, alerts out on every routed channel, each recorded.

Per channel: claim the (assessment, channel) record with a lease, check the task is not
cancelled, send (rate-limited, bounded retries), record the outcome. Channels run concurrently,
so a slow or dead one never holds up the others. When a channel fails transiently the handler
raises after the others are done; the runtime naks the message and the redelivery sends only
what is not settled yet.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg

from radar_common.bus.connection import Bus, PublishError
from radar_common.bus.dead_letters import send_dead_letter
from radar_common.bus.worker import MessageContext, PermanentError, Stage, parse_as
from radar_common.contracts import Assessment, NotificationResult
from radar_notifier import metrics, records
from radar_notifier.alert import build_alert
from radar_notifier.channels import Channel
from radar_notifier.delivery import Outcome, attempt_delivery
from radar_notifier.digest import enqueue
from radar_notifier.ratelimit import RateLimiter
from radar_notifier.records import NotificationRecord
from radar_notifier.routing import Plan, RoutingTable, plan
from radar_notifier.settings import NotifierSettings

log = logging.getLogger(__name__)


# On a dead notification's dead letter: replaying the letter retries that channel only.
CHANNEL_HEADER = "Radar-Notify-Channel"


class ChannelsPending(Exception):
    """Some channels are not settled yet; the message must be delivered again."""


def sender_identity() -> str:
    """Who holds a lease: host, process and a per-start nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def as_result(r: NotificationRecord) -> NotificationResult:
    out = NotificationResult(
        notification_id=r.notification_id,
        assessment_id=r.assessment_id,
        task_id=r.task_id,
        trace_id=r.trace_id,
        channel=r.channel,
        state=r.state,
        attempts=r.attempts,
        last_error=r.last_error or "",
    )
    if r.sent_at is not None:
        out.sent_at.FromDatetime(r.sent_at)
    return out


@dataclass
class Notifier:
    """Everything the handler needs, built once at start."""

    pool: asyncpg.Pool
    bus: Bus
    channels: dict[str, Channel]
    routes: RoutingTable
    settings: NotifierSettings
    limiter: RateLimiter = field(init=False)
    owner: str = field(default_factory=sender_identity)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.pool)

    async def handle(self, a: Assessment, ctx: MessageContext) -> list[NotificationResult]:
        if not a.assessment_id:
            raise PermanentError("assessment without an assessment_id")
        replayed = ctx.delivery.header(CHANNEL_HEADER)
        chosen = plan(self.routes, a, self.channels, replayed=replayed)
        await self._record_plan(chosen, a)
        # Every channel runs to its end even when another fails (say, the database blinked
        # while recording an outcome); the first error then fails this delivery. The runtime
        # heartbeats the message meanwhile (rate limits and retries may take a while).
        results = await asyncio.gather(
            *(self._notify(c, a, ctx) for c in chosen.send), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
        newly_dead = [c for c, o in zip(chosen.send, results, strict=True) if o == "dead"]
        if ctx.last_attempt:
            newly_dead += await self._give_up(a, chosen.send, ctx.deliveries)
        rows = await records.of_assessment(self.pool, a.assessment_id)
        for r in rows:
            await ctx.add_result("notifications", r.summary(), "notification_id")
        by_channel = {r.channel: r for r in rows}
        for channel in newly_dead:
            await self._dead_letter(by_channel[channel], ctx)
        pending = [r for r in rows if r.channel in chosen.send and not r.settled]
        if pending:
            raise ChannelsPending(
                "; ".join(f"{r.channel}: {r.last_error or r.state}" for r in pending)
            )
        await self._report(a, ctx, [by_channel[c] for c in chosen.send if c in by_channel])
        return [as_result(r) for r in rows]

    async def _record_plan(self, chosen: Plan, a: Assessment) -> None:
        """Revive a replayed channel, queue the digests, record the skipped channels."""
        if chosen.revive:
            await records.revive(self.pool, a.assessment_id, chosen.revive)
        if chosen.digests:
            alert = build_alert(
                a, public_url=self.settings.public_url, console_url=self.settings.console_url
            )
            for route, channel in chosen.digests:
                await enqueue(self.pool, route, channel, a, alert)
        for channel, reason in chosen.skips:
            await records.skip(
                self.pool,
                assessment_id=a.assessment_id,
                channel=channel,
                task_id=a.task_id,
                trace_id=a.trace_id,
                reason=reason,
            )
            metrics.NOTIFICATIONS.labels(channel, "skipped").inc()

    async def _give_up(self, a: Assessment, channels: Sequence[str], deliveries: int) -> list[str]:
        """At the last delivery, failed notifications become dead; returns their channels."""
        rows = await records.of_assessment(self.pool, a.assessment_id)
        dead: list[str] = []
        for r in rows:
            if r.channel in channels and r.state == "failed":
                reason = f"gave up after {deliveries} deliveries: {r.last_error}"
                if await records.give_up(self.pool, r.notification_id, reason):
                    metrics.NOTIFICATIONS.labels(r.channel, "dead").inc()
                    dead.append(r.channel)
        return dead

    async def _notify(self, channel_name: str, a: Assessment, ctx: MessageContext) -> str:
        """Send on one channel unless settled or held by a live sender; return the outcome."""
        channel = self.channels[channel_name]
        claim = await self._claim(channel_name, a)
        # Another sender holds the lease: a replica still sending (it will settle soon) or a
        # process that died mid-send (its lease runs out). Wait for either, at most one lease,
        # rather than burning redeliveries; the runtime's heartbeat holds the message.
        waited = 0.0
        while not claim.owned and not claim.record.settled:
            remaining = await records.lease_remaining(self.pool, claim.record.notification_id)
            if waited > self.settings.lease_seconds:
                break
            pause = min(0.5, remaining + 0.05)
            await asyncio.sleep(pause)
            waited += pause
            claim = await self._claim(channel_name, a)
        record = claim.record
        if not claim.owned:
            if record.state == "sent":
                metrics.NOTIFICATIONS.labels(channel_name, "duplicate").inc()
            return "settled" if record.settled else "held"
        alert = build_alert(
            a,
            public_url=self.settings.public_url,
            notification_key=record.notification_id,
            console_url=self.settings.console_url,
        )

        async def clear_to_send() -> Outcome | None:
            # No alert for a cancelled task, and none once another sender holds the lease.
            if await ctx.cancelled():
                return "cancelled"
            renewed = await records.renew(
                self.pool, record.notification_id, self.owner, self.settings.lease_seconds
            )
            return None if renewed else "lost"

        async def send() -> None:
            await channel.send(alert, a)

        attempted = await attempt_delivery(
            channel,
            send,
            limiter=self.limiter,
            settings=self.settings,
            clear_to_send=clear_to_send,
        )
        if attempted.outcome == "lost":
            return "held"
        state = "skipped" if attempted.outcome == "cancelled" else attempted.outcome
        await records.settle(
            self.pool,
            record.notification_id,
            self.owner,
            state,
            attempts=attempted.attempts,
            error=attempted.error,
        )
        metrics.NOTIFICATIONS.labels(channel_name, state).inc()
        if attempted.outcome != "sent":
            log.warning("%s not sent (%s): %s", channel_name, attempted.outcome, attempted.error)
        return attempted.outcome

    async def _claim(self, channel: str, a: Assessment) -> records.Claim:
        return await records.claim(
            self.pool,
            assessment_id=a.assessment_id,
            channel=channel,
            task_id=a.task_id,
            trace_id=a.trace_id,
            owner=self.owner,
            lease_seconds=self.settings.lease_seconds,
        )

    async def _report(
        self, a: Assessment, ctx: MessageContext, chosen: list[NotificationRecord]
    ) -> None:
        dead = [r for r in chosen if r.state == "dead"]
        unit, total = str(a.part_index), max(1, a.part_count)
        if chosen and len(dead) == len(chosen):
            reasons = "; ".join(f"{r.channel}: {r.last_error}" for r in dead)
            await ctx.progress(
                "failed", step="notify", message=f"no channel took the alert: {reasons}"
            )
            return
        message = "; ".join(f"{r.channel} dead: {r.last_error}" for r in dead)
        await ctx.progress("done", step="notify", unit=unit, total_units=total, message=message)

    async def _dead_letter(self, r: NotificationRecord, ctx: MessageContext) -> None:
        """Put a dead notification on the dead-letter stream, with its reason."""
        try:
            await send_dead_letter(
                self.bus,
                ctx.delivery,
                stage="notifier",
                reason=r.last_error or f"{r.channel}: dead",
                deliveries=ctx.deliveries,
                task_id=r.task_id,
                trace_id=r.trace_id,
                msg_id=f"dlq:notifier:{r.notification_id}",
                extra_headers={CHANNEL_HEADER: r.channel},
            )
        except PublishError:
            log.exception("could not dead-letter notification %s", r.notification_id)


def notifier_stage(notifier: Notifier) -> Stage[Assessment, NotificationResult]:
    """The stage the worker runtime hosts; outcomes go to the notifications stream."""
    return Stage(
        name="notifier",
        step="notify",
        consumer=notifier.bus.topology.notifier_consumer,
        decode=parse_as(Assessment),
        handle=notifier.handle,
        output_subject=notifier.bus.topology.notifications,
        output_id=lambda r: f"{r.notification_id}.{r.state}",
    )
