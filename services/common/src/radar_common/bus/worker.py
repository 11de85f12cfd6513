"""The pull loop every worker runs: fetch in batches, handle, publish, ack — or retry, or DLQ.

Handlers are plain typed coroutines ``handle(message, ctx) -> list[output]``; acking, retries,
dead letters, tracing, metrics and task progress live here once.

Error policy:
- a handler raising :class:`PermanentError` (input that can never succeed) — or a payload that
  cannot be decoded — is dead-lettered at once with the reason;
- any other exception is transient: the message is naked with an exponential delay and
  redelivered, until its last allowed delivery, when it is dead-lettered with the reason;
- a handler running longer than the stage's step timeout (``RADAR_STEP_TIMEOUT_SECONDS``) is
  cancelled and counts as a transient failure: retried with backoff, and dead-lettered with
  ``"<step> timed out after Ns"`` at the last delivery; while it runs the runtime tells
  JetStream it is in progress, so a long step is not redelivered to another replica meanwhile;
- a cancelled task is skipped (acked) before the handler, and its outputs are not published;
- the message is acked only after the handler succeeded and its outputs were durably published.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import asyncpg
import nats.errors
from google.protobuf.message import Message
from nats.aio.msg import Msg
from nats.js.errors import FetchTimeoutError
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from radar_common import metrics
from radar_common.bus.connection import (
    ACCEPTED_AT_HEADER,
    TASK_ID_HEADER,
    TRACE_ID_HEADER,
    Bus,
    PublishError,
)
from radar_common.bus.dead_letters import send_dead_letter
from radar_common.bus.topology import ConsumerSpec
from radar_common.logs import current_task_id, current_trace_id
from radar_common.settings import WorkerSettings
from radar_common.telemetry import extract_context

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

In = TypeVar("In", bound=Message)
Out = TypeVar("Out", bound=Message)


class PermanentError(Exception):
    """The input can never be processed (malformed, no part found...): dead-letter it now."""


class StepTimeout(Exception):
    """The handler ran longer than the step timeout; retried like any transient failure."""


# Used when the stage's settings have no ``step_timeout_seconds``; 0 means no limit.
DEFAULT_STEP_TIMEOUT_SECONDS = 300.0


def step_timeout(settings: WorkerSettings) -> float | None:
    """The stage's handler time limit in seconds (``RADAR_STEP_TIMEOUT_SECONDS``), or None."""
    value = float(getattr(settings, "step_timeout_seconds", DEFAULT_STEP_TIMEOUT_SECONDS))
    return value if value > 0 else None


class TaskHooks(Protocol):
    """What the runtime needs of the task store (see :mod:`radar_common.tasks`)."""

    async def is_cancelled(self, task_id: str) -> bool: ...

    async def fail(self, task_id: str, step: str, reason: str) -> None: ...

    async def report(
        self,
        task_id: str,
        step: str,
        state: str,
        *,
        unit: str = "",
        total_units: int = 0,
        message: str = "",
        error: str = "",
    ) -> None: ...

    async def add_result(self, task_id: str, kind: str, item: dict[str, Any], key: str) -> None: ...


@dataclass
class MessageContext:
    """What a handler may know and do about the message in hand."""

    stage: str
    step: str
    task_id: str
    trace_id: str
    deliveries: int
    last_attempt: bool
    accepted_at: float | None
    msg: Msg
    tasks: TaskHooks | None = None
    log_lines: list[str] = field(default_factory=list)
    # The step the handler last reported on: where a timeout or dead letter is recorded.
    last_step: str = ""

    async def heartbeat(self) -> None:
        """Tell JetStream the message is still being worked on (resets ack_wait)."""
        with contextlib.suppress(Exception):
            await self.msg.in_progress()

    async def cancelled(self) -> bool:
        """True when a caller cancelled the task; check between sub-steps and stop."""
        return bool(self.tasks and self.task_id and await self.tasks.is_cancelled(self.task_id))

    async def progress(
        self,
        state: str,
        *,
        step: str | None = None,
        unit: str = "",
        total_units: int = 0,
        message: str = "",
    ) -> None:
        """Report progress of a (sub-)step of this task (states: tasks.REPORT_STATES)."""
        self.last_step = step or self.step
        if self.tasks and self.task_id:
            await self.tasks.report(
                self.task_id,
                step or self.step,
                state,
                unit=unit,
                total_units=total_units,
                message=message,
            )

    async def add_result(self, kind: str, item: dict[str, Any], key: str) -> None:
        """Attach a result (notice, assessment or notification summary) to the task."""
        if self.tasks and self.task_id:
            await self.tasks.add_result(self.task_id, kind, item, key)


Handler = Callable[[In, MessageContext], Awaitable[Sequence[Out]]]


@dataclass(frozen=True)
class Stage(Generic[In, Out]):
    """One worker's role: what it consumes, how it handles it, where its outputs go."""

    name: str
    step: str
    consumer: ConsumerSpec
    decode: Callable[[bytes], In]
    handle: Handler[In, Out]
    output_subject: str | None = None
    output_id: Callable[[Out], str] | None = None


OUTAGE_WAIT_BASE_SECONDS = 0.1
OUTAGE_WAIT_MAX_SECONDS = 5.0
# PostgreSQL error classes that mean "the server is going away or not accepting yet".
_PG_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.InterfaceError,  # e.g. the connection was closed under us
)


def dependency_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says a backing service is unreachable now, not that the input is bad.

    Connection refusals/resets and PostgreSQL's shutdown and connection errors qualify; plain
    timeouts do not (they stay ordinary transient failures, bounded by the deliveries).
    """
    if isinstance(exc, TimeoutError):
        return False
    if isinstance(exc, (ConnectionError, *_PG_UNAVAILABLE)):
        return True
    # asyncpg raises a bare OSError ("Multiple exceptions: [Errno 111] ...") when every
    # address of the host refuses.
    return type(exc) is OSError


def retry_delay(settings: WorkerSettings, deliveries: int) -> float:
    """Exponential backoff before the next delivery: base * 2**(n-1), capped."""
    delay = settings.retry_base_seconds * 2.0 ** max(0, deliveries - 1)
    return float(min(settings.retry_max_seconds, delay))


def _header(msg: Msg, name: str) -> str:
    return (msg.headers or {}).get(name, "")


class Worker(Generic[In, Out]):
    """Runs one :class:`Stage` against its durable pull consumer until stopped."""

    def __init__(
        self,
        bus: Bus,
        stage: Stage[In, Out],
        settings: WorkerSettings,
        *,
        tasks: TaskHooks | None = None,
    ) -> None:
        self.bus = bus
        self.stage = stage
        self.settings = settings
        self.tasks = tasks
        self.ready = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Pull and handle messages until ``stop`` is set, then let in-flight work finish."""
        spec = self.stage.consumer
        sub = await self.bus.js.pull_subscribe_bind(spec.durable, stream=spec.stream)
        self.ready.set()
        log.info("worker %s consuming %s/%s", self.stage.name, spec.stream, spec.durable)
        sem = asyncio.Semaphore(self.settings.concurrency)
        try:
            while not stop.is_set():
                free = max(1, min(self.settings.fetch_batch, sem._value))
                try:
                    batch = await sub.fetch(free, timeout=self.settings.fetch_timeout_seconds)
                except (FetchTimeoutError, TimeoutError):
                    continue
                except (nats.errors.ConnectionClosedError, nats.errors.ConnectionDrainingError):
                    break
                except Exception as exc:  # disconnected, server restarting, ...
                    log.warning("fetch failed, retrying: %r", exc)
                    await _sleep_or_stop(stop, 0.5)
                    continue
                for msg in batch:
                    await sem.acquire()
                    task = asyncio.create_task(self._process(msg))
                    self._inflight.add(task)
                    task.add_done_callback(self._done_callback(sem))
        finally:
            if self._inflight:
                await asyncio.wait(self._inflight, timeout=self.settings.shutdown_grace_seconds)
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
            log.info("worker %s stopped", self.stage.name)

    def _done_callback(self, sem: asyncio.Semaphore) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            self._inflight.discard(task)
            sem.release()

        return done

    async def _process(self, msg: Msg) -> None:
        stage = self.stage.name
        metrics.MESSAGES_RECEIVED.labels(stage).inc()
        metrics.IN_FLIGHT.labels(stage).inc()
        started = time.perf_counter()
        deliveries = int(msg.metadata.num_delivered or 1)
        task_id = _header(msg, TASK_ID_HEADER)
        trace_id = _header(msg, TRACE_ID_HEADER)
        accepted = _header(msg, ACCEPTED_AT_HEADER)
        ctx = MessageContext(
            stage=stage,
            step=self.stage.step,
            task_id=task_id,
            trace_id=trace_id,
            deliveries=deliveries,
            last_attempt=deliveries >= self.settings.max_deliver,
            accepted_at=float(accepted) if accepted else None,
            msg=msg,
            tasks=self.tasks,
        )
        tokens = (current_task_id.set(task_id), current_trace_id.set(trace_id))
        parent = extract_context(msg.headers)
        try:
            with _tracer.start_as_current_span(
                f"{stage} process",
                context=parent,
                kind=SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "nats",
                    "messaging.destination.name": msg.subject,
                    "messaging.consumer.group.name": self.stage.consumer.durable,
                    "messaging.message.delivery_count": deliveries,
                    "radar.task_id": task_id,
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
                decoded = stage.decode(msg.data)
        except Exception as exc:
            await self._dead_letter(msg, ctx, f"undecodable {stage.name} input: {exc!r}")
            return
        if await ctx.cancelled():
            log.info("task %s cancelled; %s skips it", ctx.task_id, stage.name)
            await msg.ack()
            return
        try:
            outputs = await self._run_handler(decoded, ctx)
            if outputs and await ctx.cancelled():
                log.info("task %s cancelled; %s drops its outputs", ctx.task_id, stage.name)
                await msg.ack()
                return
            await self._publish_outputs(outputs, ctx)
        except PermanentError as exc:
            span.set_status(Status(StatusCode.ERROR, str(exc)))
            metrics.MESSAGES_FAILED.labels(stage.name, "permanent").inc()
            await self._dead_letter(msg, ctx, str(exc))
            return
        except Exception as exc:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, repr(exc)))
            metrics.MESSAGES_FAILED.labels(stage.name, "transient").inc()
            if ctx.last_attempt:
                if isinstance(exc, StepTimeout):
                    reason = f"{exc} (delivery {ctx.deliveries} of {self.settings.max_deliver})"
                else:
                    reason = f"{stage.name} failed after {ctx.deliveries} deliveries: {exc!r}"
                await self._dead_letter(msg, ctx, reason)
                return
            delay = retry_delay(self.settings, ctx.deliveries)
            log.warning(
                "%s failed (delivery %d), retrying in %.1fs: %r",
                stage.name,
                ctx.deliveries,
                delay,
                exc,
            )
            if self.tasks and ctx.task_id:
                with contextlib.suppress(Exception):
                    await self.tasks.report(
                        ctx.task_id,
                        ctx.last_step or stage.step,
                        "retrying",
                        message=f"delivery {ctx.deliveries} failed: {exc!r}; retry in {delay:.1f}s",
                    )
            metrics.MESSAGES_RETRIED.labels(stage.name).inc()
            with contextlib.suppress(Exception):
                await msg.nak(delay=delay)
            return
        await msg.ack()
        metrics.MESSAGES_PROCESSED.labels(stage.name).inc()
        if ctx.accepted_at:
            metrics.END_TO_END_LATENCY.labels(stage.name).observe(
                max(0.0, time.time() - ctx.accepted_at)
            )

    async def _run_handler(self, decoded: In, ctx: MessageContext) -> Sequence[Out]:
        """Run the handler under the step timeout, heartbeating so JetStream waits for it."""
        limit = step_timeout(self.settings)
        beat = asyncio.create_task(self._keep_in_progress(ctx))
        try:
            async with asyncio.timeout(limit) as deadline:
                return await self._handle_waiting_out_outages(decoded, ctx)
        except TimeoutError as exc:
            if not deadline.expired():
                raise  # the handler's own timeout, not the step's
            step = ctx.last_step or self.stage.step
            raise StepTimeout(f"{step} timed out after {limit:g}s") from exc
        finally:
            beat.cancel()
            await asyncio.wait([beat])  # unlike awaiting it, never swallows our own cancel

    async def _handle_waiting_out_outages(self, decoded: In, ctx: MessageContext) -> Sequence[Out]:
        """Call the handler; while a dependency is unreachable, wait and call it again.

        An outage of PostgreSQL (or another backing service) says nothing about the message,
        so it must not use up its deliveries and land good work in the dead-letter stream.
        The wait stays inside this delivery (heartbeats keep the message ours) and is bounded
        by the step timeout; handlers are idempotent, so calling one again is safe.
        """
        waits = 0
        while True:
            try:
                return await self.stage.handle(decoded, ctx)
            except Exception as exc:
                if not dependency_unavailable(exc):
                    raise
                waits += 1
                delay = min(OUTAGE_WAIT_MAX_SECONDS, OUTAGE_WAIT_BASE_SECONDS * 2 ** min(waits, 8))
                metrics.MESSAGES_FAILED.labels(self.stage.name, "unavailable").inc()
                log.warning(
                    "%s: a dependency is unreachable (%r); waiting %.1fs, attempt %d",
                    self.stage.name,
                    exc,
                    delay,
                    waits,
                )
                if waits == 1 and self.tasks and ctx.task_id:
                    with contextlib.suppress(Exception):
                        await self.tasks.report(
                            ctx.task_id,
                            ctx.last_step or self.stage.step,
                            "retrying",
                            message=f"waiting for an unreachable dependency: {exc!r}",
                        )
                await asyncio.sleep(delay)

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
        for out in outputs:
            await self.bus.publish(
                subject,
                out.SerializeToString(),
                msg_id=f"{self.stage.name}:{id_of(out)}",
                headers=headers,
            )

    async def _dead_letter(self, msg: Msg, ctx: MessageContext, reason: str) -> None:
        """Move the message to the dead-letter stream with the reason, then terminate it."""
        stage = self.stage.name
        meta = msg.metadata
        try:
            await send_dead_letter(
                self.bus,
                msg,
                stage=stage,
                reason=reason,
                deliveries=ctx.deliveries,
                task_id=ctx.task_id,
                trace_id=ctx.trace_id,
                msg_id=f"dlq:{stage}:{meta.stream}:{meta.sequence.stream}",
            )
        except PublishError:
            log.exception("could not dead-letter; the message will be redelivered")
            with contextlib.suppress(Exception):
                await msg.nak(delay=retry_delay(self.settings, ctx.deliveries))
            return
        log.error("dead-lettered %s message: %s", stage, reason)
        metrics.MESSAGES_DEAD_LETTERED.labels(stage).inc()
        await msg.term()
        if self.tasks and ctx.task_id:
            try:
                await self.tasks.fail(ctx.task_id, ctx.last_step or self.stage.step, reason)
            except Exception:
                log.exception("could not mark task %s failed", ctx.task_id)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def parse_as(cls: type[In]) -> Callable[[bytes], In]:
    """A decoder for a protobuf message type that refuses trailing garbage and empty ids."""

    def decode(data: bytes) -> In:
        obj = cls()
        obj.ParseFromString(data)
        return obj

    return decode


__all__: list[str] = [
    "Handler",
    "MessageContext",
    "PermanentError",
    "Stage",
    "StepTimeout",
    "TaskHooks",
    "Worker",
    "parse_as",
    "retry_delay",
    "step_timeout",
]
