"""The optional LLM pass, against a real loopback server speaking /v1/chat/completions.

The pass works on the NormalizedNotice contract, so the rules' uncertain reading is given here
as notices (what the reader publishes: mentions, field_confidence, review), and the model's
answer comes from :class:`OpenAIStub`.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from radar_common.contracts import Evidence, NormalizedNotice, PartMention, RawEvent
from radar_normalizer.extract import NoPartsFound
from radar_normalizer.handler import Budget, ThreadReader, llm_reviews, make_normalize
from radar_normalizer.llm import LLM_CONFIDENCE, ONLY_THE_LLM, LlmExtractor, LlmUnavailable
from radar_normalizer.main import llm_extractor
from radar_normalizer.settings import NormalizerSettings
from tests.support.openai_stub import OpenAIStub, Reply

TEXT = (
    "PCN 25_0042: end of life of two operational amplifiers\n"
    "Affected parts: LM358DR, LM358PWR\n"
    "Customers may migrate to LM358BIDR.\n"
    "Last time buy: 05/06/2025. Final shipments twelve months later."
)
EVENT = RawEvent(event_id="ev-pcn", task_id="t-pcn", trace_id="a" * 32, source="sendgrid")


def mention(mpn: str, role: str, confidence: float, replaces: str = "") -> PartMention:
    snippet = next(line for line in TEXT.splitlines() if mpn in line)
    return PartMention(
        mpn=mpn,
        role=role,
        confidence=confidence,
        replaces=replaces,
        evidence=Evidence(field="mpn", snippet=snippet, location="body"),
    )


def rules_reading() -> list[NormalizedNotice]:
    """What the rules published: the migration target taken as affected, the date ambiguous."""
    mentions = [
        mention("LM358DR", "affected", 0.95),
        mention("LM358PWR", "affected", 0.9),
        mention("LM358BIDR", "affected", 0.55),
    ]
    reasons = [
        "role of LM358BIDR uncertain: 'migrate to' is near",
        "last-time-buy date ambiguous: 05/06/2025",
    ]
    notices = []
    for index, (mpn, confidence) in enumerate(
        (("LM358DR", 0.95), ("LM358PWR", 0.9), ("LM358BIDR", 0.55))
    ):
        notices.append(
            NormalizedNotice(
                notice_id=f"n-{mpn}",
                task_id="t-pcn",
                event_id="ev-pcn",
                notice_number="PCN 25_0042",
                notice_kind="discontinuance",
                manufacturer="Texas Instruments",
                mpn=mpn,
                base_mpn=mpn,
                lifecycle_status="eol",
                last_time_buy_date="2025-05-06",
                evidence=[
                    Evidence(field="mpn", snippet=mpn, location="body"),
                    Evidence(field="last_time_buy_date", snippet="05/06/2025", location="body"),
                ],
                confidence=0.7,
                extractor="rules",
                part_index=index,
                part_count=3,
                review="pending",
                review_reasons=reasons,
                field_confidence={
                    "mpn": confidence,
                    "notice_number": 0.9,
                    "last_time_buy_date": 0.5,
                },
                mentions=mentions,
            )
        )
    return notices


def answer(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "parts": [
            {"mpn": "LM358DR", "role": "affected", "replaces": ""},
            {"mpn": "LM358PWR", "role": "referenced", "replaces": ""},  # the rules were sure
            {"mpn": "LM358BIDR", "role": "replacement", "replaces": "LM358DR"},
        ],
        "last_time_buy_date": {"text": "05/06/2025", "date": "2025-06-05"},
        "issue_date": None,
        "last_ship_date": None,
        "notice_number": "PCN 25_0042",
        "notice_kind": "discontinuance",
        "manufacturer": "",
    }
    base.update(fields)
    return base


class Script:
    """What the stub answers next; requests are kept by the stub."""

    def __init__(self) -> None:
        self.reply = Reply(content="{}")

    def __call__(self, request: dict[str, Any]) -> Reply:
        return self.reply

    def answers(self, content: dict[str, Any] | str, delay: float = 0.0) -> None:
        text = content if isinstance(content, str) else json.dumps(content)
        self.reply = Reply(content=text, delay=delay)


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def stub(script: Script) -> Iterator[OpenAIStub]:
    with OpenAIStub(script) as server:
        yield server


async def extractor_for(base_url: str, timeout: float = 5.0) -> AsyncIterator[LlmExtractor]:
    settings = NormalizerSettings(
        llm_model="test-model", llm_base_url=base_url, llm_call_timeout_seconds=timeout
    )
    async with httpx.AsyncClient() as client:
        extractor = llm_extractor(settings, client)
        assert extractor is not None
        yield extractor


@pytest.fixture
async def llm(stub: OpenAIStub) -> AsyncIterator[LlmExtractor]:
    async for extractor in extractor_for(stub.base_url):
        yield extractor


def by_mpn(notices: list[NormalizedNotice]) -> dict[str, NormalizedNotice]:
    return {n.mpn: n for n in notices}


async def test_the_model_settles_uncertain_roles_and_dates_among_the_candidates(
    script: Script, stub: OpenAIStub, llm: LlmExtractor
) -> None:
    script.answers(answer())
    notices = by_mpn(await llm.review(EVENT, rules_reading(), TEXT))
    assert sorted(notices) == ["LM358DR", "LM358PWR"]  # the migration target is no notice
    lm358, pwr = notices["LM358DR"], notices["LM358PWR"]
    assert lm358.replacement_mpn == "LM358BIDR"
    assert (lm358.part_index, pwr.part_index, lm358.part_count) == (0, 1, 2)
    for notice in (lm358, pwr):
        assert notice.last_time_buy_date == "2025-06-05"  # the reading the model chose
        assert notice.field_confidence["last_time_buy_date"] == LLM_CONFIDENCE
        ltb = next(e for e in notice.evidence if e.field == "last_time_buy_date")
        assert (ltb.snippet, ltb.location) == ("05/06/2025", "llm:text")
        assert notice.extractor == "llm"
        assert (notice.review, list(notice.review_reasons)) == ("", [])
        roles = {m.mpn: (m.role, m.replaces, m.confidence) for m in notice.mentions}
        assert roles["LM358BIDR"] == ("replacement", "LM358DR", LLM_CONFIDENCE)
        assert roles["LM358PWR"] == ("affected", "", 0.9)  # the rules were sure: kept
    [request] = stub.requests
    prompt = request["messages"][1]["content"]
    assert "- LM358BIDR (now: affected, confidence 0.55)" in prompt
    assert "- 05/06/2025" in prompt
    assert "last-time-buy date ambiguous: 05/06/2025" in prompt
    assert request["model"] == "test-model"
    assert request["temperature"] == 0


async def test_an_invented_part_is_refused_and_the_notice_stays_pending(
    script: Script, llm: LlmExtractor
) -> None:
    parts = [*answer()["parts"], {"mpn": "LM358XYZ", "role": "affected", "replaces": ""}]
    script.answers(answer(parts=parts))
    notices = by_mpn(await llm.review(EVENT, rules_reading(), TEXT))
    assert "LM358XYZ" not in notices
    assert sorted(notices) == ["LM358DR", "LM358PWR"]  # the checked choices still count
    for notice in notices.values():
        assert notice.review == "pending"
        assert "the LLM named part 'LM358XYZ', which is not in the notice" in notice.review_reasons
        assert all(m.mpn != "LM358XYZ" for m in notice.mentions)


@pytest.mark.parametrize(
    ("chosen", "reason"),
    [
        (
            {"text": "30 Sep 2025", "date": "2025-09-30"},
            "the LLM's last time buy date 2025-09-30 is not a date written in the notice",
        ),
        (  # written in the notice, but no reading of 05/06/2025 is the 7th of May
            {"text": "05/06/2025", "date": "2025-05-07"},
            "the LLM's last time buy date 2025-05-07 is not a date written in the notice",
        ),
        ({"text": "soon", "date": "next spring"}, "the LLM's last time buy date 'next spring'"),
    ],
)
async def test_a_date_that_is_not_written_in_the_notice_is_refused(
    script: Script, llm: LlmExtractor, chosen: dict[str, str], reason: str
) -> None:
    script.answers(answer(last_time_buy_date=chosen))
    notices = await llm.review(EVENT, rules_reading(), TEXT)
    for notice in notices:
        assert notice.last_time_buy_date == "2025-05-06"  # the rules' reading stands
        assert notice.field_confidence["last_time_buy_date"] == 0.5
        assert notice.review == "pending"
        assert any(r.startswith(reason) for r in notice.review_reasons)
        assert "last-time-buy date ambiguous: 05/06/2025" in notice.review_reasons


async def test_an_unreachable_model_leaves_the_rules_reading_pending() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async for llm in extractor_for(f"http://127.0.0.1:{port}/v1"):
        reading = rules_reading()
        notices = await llm.review(EVENT, reading, TEXT)
    assert [n.mpn for n in notices] == [n.mpn for n in reading]
    for before, after in zip(reading, notices, strict=True):
        assert after.extractor == "rules"
        assert after.last_time_buy_date == before.last_time_buy_date
        assert after.review == "pending"
        assert list(after.review_reasons[:2]) == list(before.review_reasons)
        assert after.review_reasons[2].startswith("the LLM pass could not decide: LLM call failed")


async def test_a_slow_model_times_out_and_the_rules_reading_stands(
    script: Script, stub: OpenAIStub
) -> None:
    script.answers(answer(), delay=3.0)
    async for llm in extractor_for(stub.base_url, timeout=0.3):
        notices = await llm.review(EVENT, rules_reading(), TEXT)
    assert len(notices) == 3
    assert all(n.review == "pending" and n.extractor == "rules" for n in notices)
    assert all("Timeout" in n.review_reasons[-1] for n in notices)


async def test_no_time_left_in_the_budget_means_no_call(
    stub: OpenAIStub, llm: LlmExtractor
) -> None:
    notices = await llm.review(EVENT, rules_reading(), TEXT, budget=0.0)
    assert stub.requests == []
    assert all(
        "could not decide: no time left in the event's budget" in n.review_reasons[-1]
        for n in notices
    )


async def test_no_time_left_to_read_the_text_leaves_the_rules_reading(
    stub: OpenAIStub, llm: LlmExtractor
) -> None:
    event = RawEvent(
        event_id="ev-pcn", format="sendgrid", source="x", payload_json=json.dumps({"text": TEXT})
    )
    spent = Budget(1.0, started=time.monotonic() - 2.0)
    notices = await llm_reviews(event, rules_reading(), llm, ThreadReader(), spent)
    assert stub.requests == []
    assert [n.extractor for n in notices] == ["rules"] * 3
    assert all("could not read the notice in time" in n.review_reasons[-1] for n in notices)


async def test_a_model_that_leaves_nothing_affected_changes_nothing(
    script: Script, llm: LlmExtractor
) -> None:
    roles = (("LM358DR", "not_affected"), ("LM358PWR", "not_affected"), ("LM358BIDR", "referenced"))
    script.answers(answer(parts=[{"mpn": mpn, "role": role} for mpn, role in roles]))
    reading = rules_reading()
    reading[0].field_confidence["mpn"] = reading[1].field_confidence["mpn"] = 0.5
    for notice in reading:
        for m in notice.mentions:
            m.confidence = 0.5
    notices = await llm.review(EVENT, reading, TEXT)
    assert [n.mpn for n in notices] == ["LM358DR", "LM358PWR", "LM358BIDR"]
    assert all("the LLM left no part affected" in n.review_reasons for n in notices)


# --- events in which the rules found no part --------------------------------------------------

NOTICE = (
    "Hello,\nwe will stop making our small-signal fet 2n7002-g at the end of next summer; "
    "please buy what you need before 2025-08-31.\nRegards, Example Semi"
)


def unread_event() -> RawEvent:
    payload = {
        "sender_domain": "example-semi.com",
        "subject_line": "Notice",
        "body_content": NOTICE,
    }
    return RawEvent(
        event_id="ev-llm",
        task_id="t-llm",
        source="email_gateway",
        format="email_forward",
        payload_json=json.dumps(payload),
    )


class FakeContext:
    """The two things the handler uses of a MessageContext."""

    last_attempt = False

    async def progress(self, *args: Any, **kwargs: Any) -> None:
        return None


async def test_the_model_reads_an_event_the_rules_could_not_and_review_stays_pending(
    script: Script, stub: OpenAIStub, llm: LlmExtractor
) -> None:
    script.answers(
        {
            "parts": [
                {"mpn": "2N7002-G", "role": "affected"},
                {"mpn": "INVENTED-99", "role": "affected"},
            ],
            "last_time_buy_date": {"text": "2025-08-31", "date": "2025-08-31"},
            "notice_kind": "discontinuance",
            "manufacturer": "Example Semi",
        }
    )
    [notice] = await make_normalize(llm=llm)(unread_event(), FakeContext())  # type: ignore[arg-type]
    assert notice.mpn == "2n7002-g"  # as written in the notice
    assert notice.base_mpn == "2N7002-G"
    assert notice.extractor == "llm"
    assert notice.confidence <= 0.5
    assert (notice.notice_kind, notice.lifecycle_status) == ("discontinuance", "eol")
    assert notice.manufacturer == "Example Semiconductor"
    assert notice.last_time_buy_date == "2025-08-31"
    assert notice.review == "pending"
    assert ONLY_THE_LLM in notice.review_reasons
    assert "the LLM named part 'INVENTED-99', which is not in the notice" in notice.review_reasons
    mpn_evidence = next(e for e in notice.evidence if e.field == "mpn")
    assert "2n7002-g" in mpn_evidence.snippet
    assert mpn_evidence.location == "llm:text"
    [request] = stub.requests
    assert "- 2n7002-g" in request["messages"][1]["content"]


async def test_without_an_llm_the_rules_refuse(stub: OpenAIStub) -> None:
    with pytest.raises(NoPartsFound, match="no part number found"):
        await make_normalize()(unread_event(), FakeContext())  # type: ignore[arg-type]
    assert stub.requests == []


async def test_an_answer_naming_no_part_of_the_text_is_refused(
    script: Script, llm: LlmExtractor
) -> None:
    script.answers('```json\n{"parts": [{"mpn": "NOPE-1", "role": "affected"}]}\n```')
    with pytest.raises(NoPartsFound, match=r"LLM pass found none either \(.*'NOPE-1'"):
        await make_normalize(llm=llm)(unread_event(), FakeContext())  # type: ignore[arg-type]


async def test_an_llm_outage_is_retried_then_refused(script: Script, llm: LlmExtractor) -> None:
    script.reply = Reply(status=503)
    with pytest.raises(LlmUnavailable):
        await make_normalize(llm=llm)(unread_event(), FakeContext())  # type: ignore[arg-type]
    last = FakeContext()
    last.last_attempt = True
    with pytest.raises(NoPartsFound, match="LLM pass failed"):
        await make_normalize(llm=llm)(unread_event(), last)  # type: ignore[arg-type]


async def test_a_confident_reading_is_not_sent_to_the_model(
    stub: OpenAIStub, llm: LlmExtractor
) -> None:
    event = RawEvent(
        event_id="ev-sure",
        format="canonical",
        source="nexar",
        payload_json=json.dumps(
            {"mpn": "LM358DR", "manufacturer": "TI", "lifecycle_status": "EOL"}
        ),
    )
    [notice] = await make_normalize(llm=llm)(event, FakeContext())  # type: ignore[arg-type]
    assert (notice.mpn, notice.extractor, notice.review) == ("LM358DR", "rules", "")
    assert stub.requests == []


def test_no_model_means_no_llm() -> None:
    assert llm_extractor(NormalizerSettings(), httpx.AsyncClient()) is None
