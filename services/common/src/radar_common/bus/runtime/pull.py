"""The pull loop: keep pull requests outstanding for the work this process can take, hand out.

A JetStream pull consumer sends messages only against pull requests. Instead of one fetch per
batch (a no-wait probe, its "no messages" answer, then a waiting request: several messages on
the wire for every message at moderate load), the loop keeps requests outstanding for up to
``concurrency + fetch_batch`` messages held at once (running, queued or requested) and tops
them up a whole batch at a time (or at once when nothing is requested), so under load one
request, and at most one expiry notice, serves a batch of messages. Requests expire after
``fetch_timeout_seconds`` (the server then says so with a 408, which makes the loop ask
again); a request the server never answered (lost in a reconnect) is forgotten after its
expiry plus a margin.

Handlers run as tasks, at most ``concurrency`` at once; on stop the loop lets them finish
(``shutdown_grace_seconds``) and gives back, unstarted, the messages it still held.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from radar_common.settings import WorkerSettings

log = logging.getLogger(__name__)
JS_API_PREFIX = "$JS.API"
STATUS_HEADER = "Status"
# A request the server did not answer this long after it expired is taken as lost.
LOST_REQUEST_MARGIN_SECONDS = 2.0


@dataclass
class _Request:
    remaining: int
    expires_at: float


class PullLoop:
    """Pulls from one durable consumer and runs ``handle`` on each message, until stopped."""

    def __init__(
        self,
        nc: Client,
        stream: str,
        durable: str,
        settings: WorkerSettings,
        handle: Callable[[Msg], Coroutine[Any, Any, None]],
    ) -> None:
        self.nc = nc
        self.next_subject = f"{JS_API_PREFIX}.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self.handle = handle
        self.concurrency = settings.concurrency
        self.batch = settings.fetch_batch
        self.expires = settings.fetch_timeout_seconds
        self.grace = settings.shutdown_grace_seconds
        self.capacity = self.concurrency + self.batch
        self._queue: asyncio.Queue[Msg | None] = asyncio.Queue()
        self._requests: deque[_Request] = deque()
        self._running: set[asyncio.Task[None]] = set()
        self._slot_freed = asyncio.Event()
        self._inbox = ""
        self._sub: Subscription | None = None

    @property
    def requested(self) -> int:
        return sum(r.remaining for r in self._requests)

    @property
    def held(self) -> int:
        """Messages received and not finished: queued or running."""
        return self._queue.qsize() + len(self._running)

    async def run(self, stop: asyncio.Event, ready: asyncio.Event) -> None:
        self._inbox = self.nc.new_inbox()
        self._sub = await self.nc.subscribe(self._inbox, cb=self._arrived)
        ready.set()
        try:
            while not stop.is_set():
                self._forget_lost_requests()
                await self._top_up()
                if len(self._running) >= self.concurrency:
                    self._slot_freed.clear()
                    await _wait(self._slot_freed, stop, self.expires)
                    continue
                msg = await _get(self._queue, stop, self.expires)
                if msg is not None:
                    self._start(msg)
        finally:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            if self._running:
                await asyncio.wait(self._running, timeout=self.grace)
            await self._give_back()

    def _start(self, msg: Msg) -> None:
        task = asyncio.create_task(self.handle(msg))
        self._running.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._slot_freed.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("message handling crashed", exc_info=task.exception())

    async def _arrived(self, msg: Msg) -> None:
        status = (msg.headers or {}).get(STATUS_HEADER) if not msg.reply else None
        if status:
            # 408: a request expired (the rest of it will not be answered); 409: the server
            # dropped one (consumer changed, too many waiting); 404: nothing for a no-wait one.
            if status in ("404", "408", "409") and self._requests:
                self._requests.popleft()
            self._queue.put_nowait(None)  # wake the loop to ask again
            return
        if self._requests:
            first = self._requests[0]
            first.remaining -= 1
            if first.remaining <= 0:
                self._requests.popleft()
        self._queue.put_nowait(msg)

    async def _top_up(self) -> None:
        requested = self.requested
        want = self.capacity - self.held - requested
        if want <= 0 or (requested > 0 and want < self.batch):
            return
        body = {"batch": want, "expires": int(self.expires * 1e9)}
        try:
            await self.nc.publish(self.next_subject, json.dumps(body).encode(), reply=self._inbox)
        except Exception as exc:  # disconnected: asked again once the request is forgotten
            log.warning("pull request failed: %r", exc)
            await asyncio.sleep(min(0.5, self.expires))
            return
        self._requests.append(_Request(want, time.monotonic() + self.expires))

    def _forget_lost_requests(self) -> None:
        now = time.monotonic()
        while self._requests and self._requests[0].expires_at + LOST_REQUEST_MARGIN_SECONDS < now:
            self._requests.popleft()

    async def _give_back(self) -> None:
        """Messages held but never started go back to the stream at once (not after ack_wait)."""
        while not self._queue.empty():
            msg = self._queue.get_nowait()
            if msg is not None:
                with contextlib.suppress(Exception):
                    await msg.nak()


async def _get(queue: asyncio.Queue[Msg | None], stop: asyncio.Event, seconds: float) -> Msg | None:
    if not queue.empty():
        return queue.get_nowait()
    getter = asyncio.ensure_future(queue.get())
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({getter, stopping}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not getter.done():
            getter.cancel()
    if getter.done() and not getter.cancelled():
        return getter.result()
    return None


async def _wait(event: asyncio.Event, stop: asyncio.Event, seconds: float) -> None:
    waits = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
