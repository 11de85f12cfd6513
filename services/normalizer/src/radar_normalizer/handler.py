"""The normalizer stage: one raw event in, one notice per affected part out.

Each event gets a total time budget (``RADAR_EVENT_BUDGET_SECONDS``) for reading it and for the
optional LLM pass. In the service the reading runs in
:class:`~radar_normalizer.sandbox.ExtractionSandbox` children, killed at the deadline; without a
sandbox (tests, tools) it runs on a thread, which cannot be stopped — only abandoned. With an
LLM configured, a reading that is pending review, or that found no part, is given to
:class:`~radar_normalizer.llm.LlmExtractor`, which chooses only among what the text holds.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from radar_common.bus.buckets import FetchObject
from radar_common.bus.topology import Topology
from radar_common.bus.worker import MessageContext, PermanentError, Stage, parse_as
from radar_common.contracts import NormalizedNotice, RawEvent
from radar_common.partnumbers import fold_text
from radar_normalizer.catalog import KnownParts
from radar_normalizer.extract import NoPartsFound, event_text, extract_notices
from radar_normalizer.llm import LlmExtractor, LlmUnavailable, needs_llm, with_reasons
from radar_normalizer.objects import resolve_objects
from radar_normalizer.sandbox import ExtractionKilled

DEFAULT_BUDGET_SECONDS = 30.0
T = TypeVar("T")


class ExtractionTimeout(PermanentError):
    """An event took longer than its budget on the thread reader: refused, not waited for."""


@dataclass(frozen=True)
class Budget:
    """An event's time budget, counted from when its handling started."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.started)


class EventReader(Protocol):
    """What reads events: the sandbox in the service, :class:`ThreadReader` elsewhere."""

    async def extract(self, event: RawEvent, budget: float | None = None) -> list[NormalizedNotice]:
        """One notice per affected part, within ``budget`` seconds."""
        ...

    async def text(self, event: RawEvent, budget: float | None = None) -> str:
        """The readable text of the event, within ``budget`` seconds."""
        ...


class ThreadReader:
    """Reads on a thread off the event loop; a timeout abandons the thread, it does not stop it."""

    def __init__(self, known_parts: KnownParts | None = None) -> None:
        self.known_parts = known_parts

    async def extract(self, event: RawEvent, budget: float | None = None) -> list[NormalizedNotice]:
        work = functools.partial(extract_notices, event, self.known_parts)
        return await self._on_thread(work, event, budget)

    async def text(self, event: RawEvent, budget: float | None = None) -> str:
        return await self._on_thread(functools.partial(event_text, event), event, budget)

    async def _on_thread(self, work: Callable[[], T], event: RawEvent, budget: float | None) -> T:
        seconds = DEFAULT_BUDGET_SECONDS if budget is None else budget
        try:
            return await asyncio.wait_for(asyncio.to_thread(work), max(0.0, seconds))
        except TimeoutError as exc:
            raise ExtractionTimeout(
                f"reading the {event.format or 'event'} event took over {seconds:.0f}s"
            ) from exc


async def llm_reads(
    event: RawEvent,
    llm: LlmExtractor,
    ctx: MessageContext,
    refusal: NoPartsFound,
    text: str,
    budget: Budget,
) -> list[NormalizedNotice]:
    """Ask the LLM about an event the rules found no part in; keep what the text supports.

    An unreachable model is a transient failure (retried with backoff) until the last allowed
    delivery, when the event is refused with both reasons.
    """
    if not text.strip():
        raise refusal
    try:
        notices, refusals = await llm.read(event, text, budget.remaining())
    except LlmUnavailable as exc:
        if ctx.last_attempt:
            raise NoPartsFound(f"{refusal}; the LLM pass failed: {exc}") from exc
        raise
    if not notices:
        why = f" ({'; '.join(refusals)})" if refusals else ""
        raise NoPartsFound(f"{refusal}; the LLM pass found none either{why}")
    return notices


_TEXT_FIELDS = ("mpn", "replacement_mpn", "notice_number", "title", "reason", "manufacturer_raw")


def plain_text(notice: NormalizedNotice) -> NormalizedNotice:
    """``notice`` with no format characters and no disguised part numbers in what alerts show.

    Whatever a reader kept, nothing invisible (bidi overrides, zero-width characters) and no
    look-alike letters inside part numbers leave the stage (``radar_common.partnumbers``).
    """
    for name in _TEXT_FIELDS:
        setattr(notice, name, fold_text(getattr(notice, name)))
    reasons = [fold_text(r) for r in notice.review_reasons]
    del notice.review_reasons[:]
    notice.review_reasons.extend(reasons)
    for evidence in notice.evidence:
        evidence.snippet = fold_text(evidence.snippet)
    for mention in notice.mentions:
        mention.mpn = fold_text(mention.mpn)
        mention.evidence.snippet = fold_text(mention.evidence.snippet)
    return notice


async def llm_reviews(
    event: RawEvent,
    notices: list[NormalizedNotice],
    llm: LlmExtractor,
    read: EventReader,
    budget: Budget,
) -> list[NormalizedNotice]:
    """The LLM's review of pending notices; the rules' reading stands if there is no time."""
    try:
        text = await read.text(event, budget.remaining())
    except (ExtractionKilled, ExtractionTimeout) as exc:
        return [
            with_reasons(n, [f"the LLM pass could not read the notice in time: {exc}"])
            for n in notices
        ]
    return await llm.review(event, notices, text, budget.remaining())


def make_normalize(
    known_parts: KnownParts | None = None,
    fetch: FetchObject | None = None,
    llm: LlmExtractor | None = None,
    *,
    reader: EventReader | None = None,
    budget_seconds: float = DEFAULT_BUDGET_SECONDS,
) -> Callable[[RawEvent, MessageContext], Awaitable[list[NormalizedNotice]]]:
    """The stage handler, with an optional catalog, object-store fetcher, LLM pass and reader.

    ``reader`` defaults to a :class:`ThreadReader` over ``known_parts``; the service passes its
    sandbox (which holds the catalog itself).
    """
    read = reader or ThreadReader(known_parts)

    async def normalize(event: RawEvent, ctx: MessageContext) -> list[NormalizedNotice]:
        budget = Budget(budget_seconds)
        await ctx.progress(
            "running", message=f"normalizing {event.format or 'event'} from {event.source}"
        )
        event = await resolve_objects(event, fetch)
        try:
            notices = await read.extract(event, budget.remaining())
        except NoPartsFound as refusal:
            if llm is None:
                raise
            text = await read.text(event, budget.remaining())
            notices = await llm_reads(event, llm, ctx, refusal, text, budget)
        else:
            if llm is not None and needs_llm(notices):
                notices = await llm_reviews(event, notices, llm, read, budget)
        notices = [plain_text(n) for n in notices]
        await ctx.progress(
            "done", message=f"{len(notices)} part(s): " + ", ".join(n.mpn for n in notices[:10])
        )
        return notices

    return normalize


normalize = make_normalize()


def normalizer_stage(
    topology: Topology,
    *,
    known_parts: KnownParts | None = None,
    fetch: FetchObject | None = None,
    llm: LlmExtractor | None = None,
    reader: EventReader | None = None,
    budget_seconds: float = DEFAULT_BUDGET_SECONDS,
) -> Stage[RawEvent, NormalizedNotice]:
    """The normalizer's role for the runtime; catalog, object store, LLM and reader optional."""
    return Stage(
        name="normalizer",
        step="normalize",
        consumer=topology.normalizer_consumer,
        decode=parse_as(RawEvent),
        handle=make_normalize(
            known_parts, fetch, llm, reader=reader, budget_seconds=budget_seconds
        ),
        output_subject=topology.notices,
        output_id=lambda n: n.notice_id,
    )
