"""The optional LLM pass, against a real loopback server answering as /v1/chat/completions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from radar_common.contracts import RawEvent
from radar_normalizer.extract import NoPartsFound
from radar_normalizer.handler import make_normalize
from radar_normalizer.llm import LlmExtractor, LlmUnavailable
from radar_normalizer.main import llm_extractor
from radar_normalizer.settings import NormalizerSettings
from tests.support.receiver import Answer, Receiver

PATH = "/v1/chat/completions"
NOTICE = (
    "Hello,\nwe will stop making our small-signal fet 2n7002-g at the end of next summer; "
    "please buy what you need before 2025-08-31.\nRegards, Example Semi"
)


class FakeContext:
    """The two things the handler uses of a MessageContext."""

    last_attempt = False

    async def progress(self, *args: Any, **kwargs: Any) -> None:
        return None


def completion(content: dict[str, Any] | str) -> Answer:
    text = content if isinstance(content, str) else json.dumps(content)
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "test-model",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
    }
    return Answer(200, json.dumps(body).encode(), {"Content-Type": "application/json"})


@pytest.fixture
def server() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


@pytest.fixture
async def llm(server: Receiver) -> AsyncIterator[LlmExtractor]:
    settings = NormalizerSettings(
        llm_model="test-model", llm_base_url=server.url("/v1"), llm_call_timeout_seconds=5
    )
    async with httpx.AsyncClient() as client:
        extractor = llm_extractor(settings, client)
        assert extractor is not None
        yield extractor


def event() -> RawEvent:
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


async def test_the_llm_reads_what_the_rules_cannot_and_is_checked(
    server: Receiver, llm: LlmExtractor
) -> None:
    server.script(
        PATH,
        completion(
            {
                "notice_number": "",
                "notice_kind": "discontinuance",
                "manufacturer": "Example Semi",
                "last_time_buy_date": "2025-08-31",
                "reason": "end of production",
                "parts": [
                    {"mpn": "2N7002-G", "replacement_mpn": ""},
                    {"mpn": "INVENTED-99", "replacement_mpn": ""},
                ],
            }
        ),
    )
    normalize = make_normalize(llm=llm)
    notices = await normalize(event(), FakeContext())  # type: ignore[arg-type]
    assert [n.mpn for n in notices] == ["2N7002-G"]  # the invented part is not in the text
    [notice] = notices
    assert notice.extractor == "llm"
    assert notice.confidence <= 0.5
    assert notice.notice_kind == "discontinuance"
    assert notice.manufacturer == "Example Semiconductor"
    assert notice.last_time_buy_date == "2025-08-31"
    mpn_evidence = next(e for e in notice.evidence if e.field == "mpn")
    assert "2n7002-g" in mpn_evidence.snippet
    assert mpn_evidence.location == "llm:text"
    [request] = server.requests_to(PATH)
    sent = request.json()
    assert sent["model"] == "test-model"
    assert "2n7002-g" in sent["messages"][1]["content"]
    assert request.headers["Authorization"] == "Bearer not-needed"


async def test_without_an_llm_the_rules_refuse(server: Receiver) -> None:
    with pytest.raises(NoPartsFound, match="no part number found"):
        await make_normalize()(event(), FakeContext())  # type: ignore[arg-type]
    assert server.requests_to(PATH) == []


async def test_an_answer_naming_no_real_part_is_refused(
    server: Receiver, llm: LlmExtractor
) -> None:
    server.script(PATH, completion('```json\n{"parts": [{"mpn": "NOPE-1"}]}\n```'))
    with pytest.raises(NoPartsFound, match="LLM pass found none either"):
        await make_normalize(llm=llm)(event(), FakeContext())  # type: ignore[arg-type]


async def test_an_llm_outage_is_retried_then_refused(server: Receiver, llm: LlmExtractor) -> None:
    server.default(PATH, Answer(503, b"overloaded"))
    with pytest.raises(LlmUnavailable):
        await make_normalize(llm=llm)(event(), FakeContext())  # type: ignore[arg-type]
    last = FakeContext()
    last.last_attempt = True
    with pytest.raises(NoPartsFound, match="LLM pass failed"):
        await make_normalize(llm=llm)(event(), last)  # type: ignore[arg-type]


def test_no_model_means_no_llm() -> None:
    assert llm_extractor(NormalizerSettings(), httpx.AsyncClient()) is None
