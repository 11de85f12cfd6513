"""Giving up on a delivery: into the dead-letter stream with the reason, the task failed."""

from __future__ import annotations

import logging

from radar_common import metrics
from radar_common.bus.connection import Bus, PublishError
from radar_common.bus.dead_letters import send_dead_letter
from radar_common.bus.runtime.context import MessageContext

log = logging.getLogger(__name__)


async def dead_letter(bus: Bus, ctx: MessageContext, reason: str) -> bool:
    """Store the delivery as a dead letter and fail its task; False when it could not be stored.

    The letter's id is the stage and the message's place in its stream, so a second attempt
    (the message came back because the first one's answer was lost) stores one letter.
    """
    delivery = ctx.delivery
    try:
        await send_dead_letter(
            bus,
            delivery,
            stage=ctx.stage,
            reason=reason,
            deliveries=ctx.deliveries,
            task_id=ctx.task_id,
            trace_id=ctx.trace_id,
            msg_id=f"dlq:{ctx.stage}:{delivery.stream}:{delivery.stream_sequence}",
        )
    except PublishError:
        log.exception("could not dead-letter; the message will be redelivered")
        return False
    log.error("dead-lettered %s message: %s", ctx.stage, reason)
    metrics.MESSAGES_DEAD_LETTERED.labels(ctx.stage).inc()
    step = ctx.step_in_hand()
    try:
        await ctx.flush(lambda t: t.fail(step, reason))
    except Exception:
        log.exception("could not mark task %s failed", ctx.task_id)
    return True
