"""The normalizer stage: one raw event in, one notice per affected part out."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable

from radar_common.bus.buckets import FetchObject
from radar_common.bus.topology import Topology
from radar_common.bus.worker import MessageContext, PermanentError, Stage, parse_as
from radar_common.contracts import NormalizedNotice, RawEvent
from radar_normalizer.assemble import assemble
from radar_normalizer.catalog import KnownParts
from radar_normalizer.extract import NoPartsFound, event_text, extract_notices
from radar_normalizer.llm import LlmExtractor, LlmUnavailable
from radar_normalizer.objects import resolve_objects

# Extraction is CPU-bound and bounded per parser; this caps a whole event.
EXTRACTION_TIMEOUT_SECONDS = 60.0


class ExtractionTimeout(PermanentError):
    """An event took longer than any notice should: refuse it rather than block the worker."""


async def extract_in_thread(
    event: RawEvent,
    known_parts: KnownParts | None = None,
    timeout: float = EXTRACTION_TIMEOUT_SECONDS,  # noqa: ASYNC109 - a budget, not an I/O timeout
) -> list[NormalizedNotice]:
    """Run the extractor off the event loop (heartbeats and other messages go on)."""
    work = functools.partial(extract_notices, event, known_parts)
    try:
        return await asyncio.wait_for(asyncio.to_thread(work), timeout)
    except TimeoutError as exc:
        raise ExtractionTimeout(
            f"extraction of the {event.format or 'event'} event took over {timeout:.0f}s"
        ) from exc


async def llm_pass(
    event: RawEvent,
    llm: LlmExtractor,
    ctx: MessageContext,
    known_parts: KnownParts | None,
    refusal: NoPartsFound,
) -> list[NormalizedNotice]:
    """Ask the LLM for what the rules could not read; keep only what the text supports.

    An unreachable model is a transient failure (retried with backoff) until the last allowed
    delivery, when the event is refused with both reasons.
    """
    text = await asyncio.to_thread(event_text, event)
    if not text.strip():
        raise refusal
    try:
        draft = await llm.extract(text)
    except LlmUnavailable as exc:
        if ctx.last_attempt:
            raise NoPartsFound(f"{refusal}; the LLM pass failed: {exc}") from exc
        raise
    if not draft.parts:
        raise NoPartsFound(f"{refusal}; the LLM pass found none either")
    return assemble(draft, event, known_parts)


def make_normalize(
    known_parts: KnownParts | None = None,
    fetch: FetchObject | None = None,
    llm: LlmExtractor | None = None,
) -> Callable[[RawEvent, MessageContext], Awaitable[list[NormalizedNotice]]]:
    """The stage handler, with an optional catalog, object-store fetcher and LLM pass."""

    async def normalize(event: RawEvent, ctx: MessageContext) -> list[NormalizedNotice]:
        await ctx.progress(
            "running", message=f"normalizing {event.format or 'event'} from {event.source}"
        )
        event = await resolve_objects(event, fetch)
        try:
            notices = await extract_in_thread(event, known_parts)
        except NoPartsFound as refusal:
            if llm is None:
                raise
            notices = await llm_pass(event, llm, ctx, known_parts, refusal)
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
) -> Stage[RawEvent, NormalizedNotice]:
    """The normalizer's role for the runtime; catalog, object store and LLM are optional."""
    return Stage(
        name="normalizer",
        step="normalize",
        consumer=topology.normalizer_consumer,
        decode=parse_as(RawEvent),
        handle=make_normalize(known_parts, fetch, llm),
        output_subject=topology.notices,
        output_id=lambda n: n.notice_id,
    )
