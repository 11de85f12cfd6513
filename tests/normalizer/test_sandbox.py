"""The extraction sandbox: real child processes, killed at the deadline or by the kernel."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from radar_common.contracts import Attachment, RawEvent
from radar_normalizer.catalog import CatalogParts
from radar_normalizer.extract import NoPartsFound
from radar_normalizer.handler import make_normalize
from radar_normalizer.sandbox import (
    ExtractionKilled,
    ExtractionSandbox,
    SandboxLimits,
)
from tests.support.hostile_files import text_operator_pdf

pytestmark = pytest.mark.slow

NOTICE = (
    "Product discontinuance notice. Affected parts: LM358DR, TL072CP. Last time buy: 2026-01-31."
)


def text_event(text: str = NOTICE, event_id: str = "ev-good") -> RawEvent:
    return RawEvent(
        event_id=event_id,
        format="sendgrid",
        source="sendgrid",
        payload_json=json.dumps({"subject": "PDN 25_0001", "text": text}),
    )


def pdf_event() -> RawEvent:
    event = text_event("See the attached notice.", "ev-pdf")
    event.attachments.append(
        Attachment(
            filename="notice.pdf", content_type="application/pdf", content=text_operator_pdf()
        )
    )
    return event


def json_bomb_event(lists: int = 4_000_000) -> RawEvent:
    """12 MB of JSON that becomes a quarter of a gigabyte of Python lists when parsed."""
    return RawEvent(
        event_id="ev-bomb", format="canonical", source="x", payload_json="[" + "[]," * lists + "[]]"
    )


@asynccontextmanager
async def sandbox(**limits: float) -> AsyncIterator[ExtractionSandbox]:
    settings = {"processes": 1, "budget_seconds": 30.0, **limits}
    box = ExtractionSandbox(SandboxLimits(**settings), log_json=False)  # type: ignore[arg-type]
    async with box:
        yield box


async def until(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.05)


async def test_events_are_read_in_a_warm_child_that_serves_many() -> None:
    async with sandbox() as box:
        [pid] = box.pids
        for _ in range(3):
            notices = await box.extract(text_event())
            assert [n.mpn for n in notices] == ["LM358DR", "TL072CP"]
            assert notices[0].last_time_buy_date == "2026-01-31"
        assert "LM358DR" in await box.text(text_event())
        assert box.pids == [pid]
        assert box.stats.started == 1


async def test_a_refusal_is_the_events_fault_and_keeps_the_child() -> None:
    async with sandbox() as box:
        [pid] = box.pids
        with pytest.raises(NoPartsFound, match="no part number found in the sendgrid event"):
            await box.extract(text_event("Hello, nothing to see here."))
        assert box.pids == [pid]
        assert not box.stats.killed


async def test_the_child_is_killed_at_the_deadline_and_replaced() -> None:
    async with sandbox(budget_seconds=2.0) as box:
        [first] = box.pids
        started = time.monotonic()
        with pytest.raises(ExtractionKilled, match="stopped at its deadline") as caught:
            await box.extract(pdf_event())
        elapsed = time.monotonic() - started
        assert caught.value.limit == "deadline"
        assert "notice.pdf" in str(caught.value)
        assert elapsed < 20  # reading this page in full costs tens of seconds of CPU
        await until(lambda: len(box.pids) == 1)
        assert box.pids != [first]
        assert box.stats.started == 2
        assert box.stats.killed == {"deadline": 1}
        assert [n.mpn for n in await box.extract(text_event())] == ["LM358DR", "TL072CP"]


async def test_the_kernel_stops_a_child_that_uses_more_cpu_than_allowed() -> None:
    async with sandbox(budget_seconds=120.0, cpu_seconds=1.0) as box:
        with pytest.raises(ExtractionKilled, match=r"used more than 1s of CPU") as caught:
            await box.extract(pdf_event())
        assert caught.value.limit == "cpu"
        assert box.stats.killed == {"cpu": 1}
        await until(lambda: len(box.pids) == 1)
        assert len(await box.extract(text_event())) == 2


async def test_a_child_past_its_memory_limit_fails_the_event_not_the_service() -> None:
    async with sandbox(memory_mb=96) as box:
        with pytest.raises(ExtractionKilled, match=r"needed more than 96 MB of memory") as caught:
            await box.extract(json_bomb_event())
        assert caught.value.limit == "memory"
        await until(lambda: len(box.pids) == 1)
        assert len(await box.extract(text_event())) == 2


async def test_an_abandoned_event_does_not_leave_its_child_running() -> None:
    async with sandbox() as box:
        [first] = box.pids
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(box.extract(pdf_event()), 1.0)  # e.g. the step timeout
        await until(lambda: len(box.pids) == 1 and box.pids != [first])
        assert len(await box.extract(text_event())) == 2


async def test_a_child_killed_while_idle_costs_the_next_event_nothing() -> None:
    async with sandbox() as box:
        [first] = box.pids
        os.kill(first, signal.SIGKILL)  # e.g. a container's out-of-memory killer
        await asyncio.sleep(0.2)
        assert len(await box.extract(text_event())) == 2  # on the replacement
        assert box.pids != [first]
        assert not box.stats.killed


async def test_a_busy_child_does_not_hold_up_the_others() -> None:
    async with sandbox(processes=2, budget_seconds=8.0) as box:
        hostile = asyncio.create_task(box.extract(pdf_event()))
        await asyncio.sleep(0.2)  # the PDF has taken one child
        assert len(await box.extract(text_event())) == 2
        assert not hostile.done()
        with pytest.raises(ExtractionKilled):
            await hostile


async def test_the_catalog_reaches_the_child_and_follows_its_refresh() -> None:
    async with sandbox() as box:
        # Parts found only by scanning prose are kept when the catalog knows them.
        box.known_parts = CatalogParts(["LM358DR"])
        [notice] = await box.extract(text_event())
        assert notice.mpn == "LM358DR"
        assert any(e.location == "catalog:exact" for e in notice.evidence)
        box.known_parts = CatalogParts(["TL072CP"])  # a refresh replaces the snapshot
        [notice] = await box.extract(text_event())
        assert notice.mpn == "TL072CP"


async def test_no_invisible_or_disguised_characters_leave_the_stage() -> None:
    subject = "EOL \u202eof\u202c L\u041c358DR"  # bidi override, Cyrillic EM
    text = "Product discontinuance. Affected parts: L\u041c358\u200bDR. Last time buy: 2026-01-31."
    event = RawEvent(
        event_id="ev-spoof",
        format="sendgrid",
        source="sendgrid",
        payload_json=json.dumps({"subject": subject, "text": text}),
    )
    async with sandbox() as box:
        normalize = make_normalize(reader=box)
        [notice] = await normalize(event, _Context())  # type: ignore[arg-type]
    assert notice.mpn == "LM358DR"
    assert notice.title == "EOL of LM358DR"
    assert all(e.snippet.isascii() for e in notice.evidence)


class _Context:
    last_attempt = False

    async def progress(self, *args: object, **kwargs: object) -> None:
        return None
