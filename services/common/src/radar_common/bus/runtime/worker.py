"""One message through a stage: decode, handle, one task write, publish, ack — or retry, or DLQ.

Error policy:
- a handler raising :class:`PermanentError` (input that can never succeed) — or a payload that
  cannot be decoded — is dead-lettered at once with the reason;
- any other exception is transient: the message is naked with an exponential delay and
  redelivered, until its last allowed delivery, when it is dead-lettered with the reason;
- a handler running longer than the stage's step timeout (``RADAR_STEP_TIMEOUT_SECONDS``) is
  cancelled and counts as a transient failure: retried with backoff, and dead-lettered with
  ``"<step> timed out after Ns"`` at the last delivery; while it runs the runtime tells
  JetStream it is in progress, so a long step is not redelivered to another replica meanwhile;
- an unreachable dependency (PostgreSQL down...) is waited out inside the delivery;
- a cancelled task is skipped (acked) before the handler, and its outputs are not published;
- the handler's reports are written to the task once, before the outputs are published (with
  the record passed along to the next stage); then the message is acked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import Generic, TypeVar

from google.protobuf.message import Message
from nats.aio.msg import Msg
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from radar_common import metrics
from radar_common.bus.connection import ACCEPTED_AT_HEADER, TASK_ID_HEADER, TRACE_ID_HEADER, Bus
from radar_common.bus.runtime.context import MessageContext
from radar_common.bus.runtime.dead_lettering import dead_letter
from radar_common.bus.runtime.delivery import Delivery
from radar_common.bus.runtime.errors import PermanentError, StepTimeout
from radar_common.bus.runtime.hint import hint_headers, take_hint
from radar_common.bus.runtime.outage import through_outages
from radar_common.bus.runtime.pull import PullLoop
from radar_common.bus.runtime.retry import give_up_reason, last_attempt, retry_delay, step_timeout
from radar_common.bus.runtime.stage import Stage
from radar_common.logs import current_task_id, current_trace_id
from radar_common.settings import WorkerSettings
from radar_common.tasks import TaskState, TaskStore
from radar_common.telemetry import extract_context

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

In = TypeVar("In", bound=Message)
Out = TypeVar("Out", bound=Message)


class Worker(Generic[In, Out]):
    """Runs one :class:`Stage` against its durable pull consumer until stopped."""

    def __init__(
        self,
        bus: Bus,
        stage: Stage[In, Out],
        settings: WorkerSettings,
        *,
        tasks: TaskStore | None = None,
    ) -> None:
        self.bus = bus
        self.stage = stage
        self.settings = settings
        self.tasks = tasks
        self.ready = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Pull and handle messages until ``stop`` is set, then let in-flight work finish."""
        spec = self.stage.consumer
        if self.tasks is not None:
            await self.tasks.watch_cancellations()
        loop = PullLoop(self.bus.nc, spec.stream, spec.durable, self.settings, self._process)
        log.info("worker %s consuming %s/%s", self.stage.name, spec.stream, spec.durable)
        try:
            await loop.run(stop, self.ready)
        finally:
            log.info("worker %s stopped", self.stage.name)

    async def _process(self, msg: Msg) -> None:
        stage = self.stage.name
        metrics.MESSAGES_RECEIVED.labels(stage).inc()
        metrics.IN_FLIGHT.labels(stage).inc()
        started = time.perf_counter()
        delivery = Delivery.of(msg)

        async def in_progress() -> None:
            with contextlib.suppress(Exception):
                await msg.in_progress()

        ctx = MessageContext(
            stage=stage,
            step=self.stage.step,
            delivery=delivery,
            last_attempt=last_attempt(self.settings, delivery.num_delivered),
            tasks=self.tasks,
            in_progress=in_progress,
        )
        if self.tasks is not None:
            take_hint(self.tasks, ctx.task_id, delivery.headers)
        tokens = (current_task_id.set(ctx.task_id), current_trace_id.set(ctx.trace_id))
        try:
            with _tracer.start_as_current_span(
                f"{stage} process",
                context=extract_context(dict(delivery.headers)),
                kind=SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "nats",
                    "messaging.destination.name": delivery.subject,
                    "messaging.consumer.group.name": self.stage.consumer.durable,
                    "messaging.message.delivery_count": delivery.num_delivered,
                    "radar.task_id": ctx.task_id,
                },
            ) as span:
                await self._handle(msg, ctx, span)
        finally:
            current_task_id.reset(tokens[0])
            current_trace_id.reset(tokens[1])
            metrics.IN_FLIGHT.labels(stage).dec()
            metrics.HANDLER_LATENCY.labels(stage).observe(time.perf_counter() - started)

    async def _handle(self, msg: Msg, ctx: MessageContext, span: trace.Span) -> None:
        stage = self.stage
        try:
            with _tracer.start_as_current_span(f"{stage.name} decode"):
                decoded = stage.decode(ctx.delivery.data)
        except Exception as exc:
            await self._give_up(msg, ctx, f"undecodable {stage.name} input: {exc!r}")
            return
        if await ctx.cancelled():
            log.info("task %s cancelled; %s skips it", ctx.task_id, stage.name)
            await msg.ack()
            return
        try:
            outputs = await self._run_handler(decoded, ctx)
            written = await ctx.flush()
            cancelled = written is not None and written.state is TaskState.CANCELLED
            if outputs and (cancelled or await ctx.cancelled()):
                log.info("task %s cancelled; %s drops its outputs", ctx.task_id, stage.name)
                await msg.ack()
                return
            await self._publish_outputs(outputs, ctx)
        except PermanentError as exc:
            span.set_status(Status(StatusCode.ERROR, str(exc)))
            metrics.MESSAGES_FAILED.labels(stage.name, "permanent").inc()
            await self._give_up(msg, ctx, str(exc))
            return
        except Exception as exc:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, repr(exc)))
            metrics.MESSAGES_FAILED.labels(stage.name, "transient").inc()
            await self._failed(msg, ctx, exc)
            return
        await msg.ack()
        metrics.MESSAGES_PROCESSED.labels(stage.name).inc()
        if ctx.accepted_at:
            metrics.END_TO_END_LATENCY.labels(stage.name).observe(
                max(0.0, time.time() - ctx.accepted_at)
            )

    async def _failed(self, msg: Msg, ctx: MessageContext, exc: Exception) -> None:
        """A transient failure: dead-letter it on the last delivery, else retry after a pause."""
        if ctx.last_attempt:
            reason = give_up_reason(self.stage.name, exc, ctx.deliveries, self.settings.max_deliver)
            await self._give_up(msg, ctx, reason)
            return
        delay = retry_delay(self.settings, ctx.deliveries)
        log.warning(
            "%s failed (delivery %d), retrying in %.1fs: %r",
            self.stage.name,
            ctx.deliveries,
            delay,
            exc,
        )
        await self._report_retrying(
            ctx, f"delivery {ctx.deliveries} failed: {exc!r}; retry in {delay:.1f}s"
        )
        metrics.MESSAGES_RETRIED.labels(self.stage.name).inc()
        with contextlib.suppress(Exception):
            await msg.nak(delay=delay)

    async def _report_retrying(self, ctx: MessageContext, message: str) -> None:
        """The one place a "retrying" note is written (with the reports buffered so far)."""
        step = ctx.step_in_hand()
        with contextlib.suppress(Exception):
            await ctx.flush(lambda t: t.apply(step, "retrying", message=message))

    async def _give_up(self, msg: Msg, ctx: MessageContext, reason: str) -> None:
        if await dead_letter(self.bus, ctx, reason):
            await msg.term()
            return
        with contextlib.suppress(Exception):
            await msg.nak(delay=retry_delay(self.settings, ctx.deliveries))

    async def _run_handler(self, decoded: In, ctx: MessageContext) -> Sequence[Out]:
        """Run the handler under the step timeout, heartbeating so JetStream waits for it."""
        limit = step_timeout(self.settings)
        beat = asyncio.create_task(self._keep_in_progress(ctx))

        async def first_wait(exc: BaseException) -> None:
            await self._report_retrying(ctx, f"waiting for an unreachable dependency: {exc!r}")

        try:
            async with asyncio.timeout(limit) as deadline:
                return await through_outages(
                    lambda: self.stage.handle(decoded, ctx),
                    stage=self.stage.name,
                    first_wait=first_wait,
                )
        except TimeoutError as exc:
            if not deadline.expired():
                raise  # the handler's own timeout, not the step's
            raise StepTimeout(f"{ctx.step_in_hand()} timed out after {limit:g}s") from exc
        finally:
            beat.cancel()
            await asyncio.wait([beat])  # unlike awaiting it, never swallows our own cancel

    async def _keep_in_progress(self, ctx: MessageContext) -> None:
        interval = max(0.5, self.settings.ack_wait_seconds / 3)
        while True:
            await asyncio.sleep(interval)
            await ctx.heartbeat()

    async def _publish_outputs(self, outputs: Sequence[Out], ctx: MessageContext) -> None:
        subject, id_of = self.stage.output_subject, self.stage.output_id
        if not outputs or subject is None or id_of is None:
            return
        headers = {TASK_ID_HEADER: ctx.task_id, TRACE_ID_HEADER: ctx.trace_id}
        if ctx.accepted_at:
            headers[ACCEPTED_AT_HEADER] = repr(ctx.accepted_at)
        if self.tasks is not None:
            headers.update(hint_headers(self.tasks, ctx.task_id))
        await asyncio.gather(
            *(
                self.bus.publish(
                    subject,
                    out.SerializeToString(),
                    msg_id=f"{self.stage.name}:{id_of(out)}",
                    headers=headers,
                )
                for out in outputs
            )
        )
