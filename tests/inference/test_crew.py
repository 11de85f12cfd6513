"""The crew against a loopback OpenAI-compatible server: scripted answers, stalls and errors."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import REGISTRY

from radar_common.contracts import Assessment
from radar_common.notices.facts import NoticeFacts
from radar_inference.crew import CrewNarrator, load_crewai
from radar_inference.narrative import deterministic_narrative
from radar_inference.settings import InferenceSettings
from tests.support.openai_stub import OpenAIStub, Reply, Responder, tool_call

# The radar-inference[crew] extra; `make venv` (the dev group) installs it, so CI runs these.
pytest.importorskip("crewai", reason="the crew extra is not installed: run `make venv`")
# crewai warns about its own deprecations at run time (and filterwarnings turns them into errors).
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
]
NARRATIVE = "TI discontinues LM358DR; buy 536 units by 2026-01-01 to cover demand to 2029."
NOTICE = NoticeFacts(
    mpn="LM358DR",
    manufacturer="Texas Instruments",
    notice_kind="discontinuance",
    lifecycle_status="eol",
)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture(scope="module", autouse=True)
def crewai_imported() -> None:
    load_crewai()  # seconds, once per module


def assessment() -> Assessment:
    a = Assessment(
        assessment_id="a" * 32,
        mpn="LM358DR",
        matched_mpn="LM358DR",
        match_kind="exact",
        ltb_quantity=536,
        ltb_cost="268.00",
        revenue_at_risk="14666.67",
        currency="USD",
        recommended_action="last_time_buy",
        severity="medium",
        engine="rules",
        effective_last_time_buy_date="2026-01-01",
        effective_last_ship_date="2026-05-03",
    )
    a.where_used.add(sku="P1", name="Product one", eff_qty=3, support_end="2029-01-01")
    for action, cost in (
        ("last_time_buy", "268.00"),
        ("accept", "14666.67"),
        ("redesign", "1000000.00"),
    ):
        a.options.add(action=action, cost=cost, description=action)
    a.narrative = deterministic_narrative(a)
    return a


def settings(url: str, **overrides: Any) -> InferenceSettings:
    values: dict[str, Any] = {
        "llm_model": "stub-model",
        "llm_base_url": url,
        "llm_timeout_seconds": 20.0,
        "llm_call_timeout_seconds": 5.0,
        "llm_retries": 2,
        "llm_retry_base_seconds": 0.05,
    }
    values.update(overrides)
    return InferenceSettings(**values)


def scripted(verdict: dict[str, Any]) -> Responder:
    """Tool call for the exposure analyst, the verdict for the strategist, prose otherwise."""

    def respond(request: dict[str, Any]) -> Reply:
        system = request["messages"][0]["content"]
        if request.get("tools") and not any(m["role"] == "tool" for m in request["messages"]):
            return tool_call("impact_numbers")
        if "Mitigation strategist" in system:
            return Reply(content=json.dumps(verdict))
        return Reply(content="The notice ends supply; numbers are as the tool gives them.")

    return respond


@pytest.fixture
def beats() -> list[float]:
    return []


async def test_the_crew_writes_the_narrative_from_the_tools_numbers(beats: list[float]) -> None:
    verdict = {"narrative": NARRATIVE, "option_order": ["accept", "last_time_buy"]}
    with OpenAIStub(scripted(verdict)) as llm:
        narrator = CrewNarrator(settings(llm.base_url))

        async def beat() -> None:
            beats.append(time.monotonic())

        before = assessment()
        after = await narrator.narrate(before, NOTICE, beat)
    assert after.engine == "crew"
    assert after.narrative == NARRATIVE
    # The crew ranked "accept" first; the recommended option stays first, the rest as ranked.
    assert [o.action for o in after.options] == ["last_time_buy", "accept", "redesign"]
    # Every number is still the engine's.
    assert (after.ltb_quantity, after.ltb_cost, after.recommended_action) == (
        536,
        "268.00",
        "last_time_buy",
    )
    roles = [r["messages"][0]["content"].split(".")[0] for r in llm.requests]
    assert any("Notice analyst" in r for r in roles)
    assert any("Mitigation strategist" in r for r in roles)
    tool_results = [m for r in llm.requests for m in r["messages"] if m["role"] == "tool"]
    assert tool_results, "the exposure analyst called the impact_numbers tool"
    assert json.loads(tool_results[0]["content"])["ltb_quantity"] == "536"
    assert all(r["model"] == "stub-model" for r in llm.requests)


async def test_a_stalling_llm_falls_back_within_the_deadline() -> None:
    with OpenAIStub(lambda _: Reply(content="late", delay=30.0)) as llm:
        narrator = CrewNarrator(
            settings(llm.base_url, llm_timeout_seconds=5.0, llm_call_timeout_seconds=1.0)
        )
        started = time.monotonic()

        async def beat() -> None:
            return None

        before = assessment()
        after = await narrator.narrate(before, NOTICE, beat)
        elapsed = time.monotonic() - started
    assert after.engine == "rules-fallback"
    assert after.fallback_reason.startswith("timeout")
    assert after.narrative == before.narrative
    assert elapsed < 8.0  # the deadline, not the 30 s stall
    assert len(llm.requests) >= 1


async def test_errors_are_retried_then_fall_back() -> None:
    with OpenAIStub(lambda _: Reply(status=500)) as llm:
        narrator = CrewNarrator(settings(llm.base_url, llm_retries=2))

        async def beat() -> None:
            return None

        after = await narrator.narrate(assessment(), NOTICE, beat)
    assert after.engine == "rules-fallback"
    assert after.fallback_reason.startswith("error")
    assert len(llm.requests) == 3  # one per attempt: the client itself does not retry


async def test_an_answer_outside_the_schema_is_refused_and_retried() -> None:
    answers: Iterator[dict[str, Any]] = iter(
        [
            {"narrative": "short"},
            {"narrative": NARRATIVE, "option_order": ["buy_more"]},
            {"narrative": NARRATIVE, "option_order": ["redesign"]},
        ]
    )
    current: dict[str, Any] = {}

    def respond(request: dict[str, Any]) -> Reply:
        system = request["messages"][0]["content"]
        if "Notice analyst" in system:
            current.update(next(answers))  # a new attempt starts with the notice analyst
        return scripted(dict(current))(request)

    with OpenAIStub(respond) as llm:
        narrator = CrewNarrator(settings(llm.base_url, llm_retries=2))

        async def beat() -> None:
            return None

        after = await narrator.narrate(assessment(), NOTICE, beat)
    assert after.engine == "crew"
    assert [o.action for o in after.options][:2] == ["last_time_buy", "redesign"]
    assert len([r for r in llm.requests if "Notice analyst" in r["messages"][0]["content"]]) == 3


async def test_a_number_the_engine_did_not_produce_falls_back_with_the_reason() -> None:
    invented = "Buy 5,000 units of LM358DR by 2026-01-01; it costs USD 268.00 and saves 2029."
    before_fallbacks = sample("radar_llm_fallbacks_total", reason="unverified_number")
    with OpenAIStub(scripted({"narrative": invented})) as llm:
        narrator = CrewNarrator(settings(llm.base_url, llm_retries=0))

        async def beat() -> None:
            return None

        after = await narrator.narrate(assessment(), NOTICE, beat)
    assert after.engine == "rules-fallback"
    assert after.fallback_reason.startswith("unverified_number")
    assert "5,000" in after.fallback_reason
    assert after.narrative == assessment().narrative
    assert sample("radar_llm_fallbacks_total", reason="unverified_number") == before_fallbacks + 1


async def test_every_model_call_is_timed_and_its_tokens_counted() -> None:
    calls = sample("radar_llm_call_duration_seconds_count", model="metered-model")
    tokens = sample("radar_llm_tokens_total", model="metered-model", kind="prompt")
    verdict = {"narrative": NARRATIVE, "option_order": []}
    with OpenAIStub(scripted(verdict)) as llm:
        narrator = CrewNarrator(settings(llm.base_url, llm_model="metered-model"))

        async def beat() -> None:
            return None

        after = await narrator.narrate(assessment(), NOTICE, beat)
    assert after.engine == "crew"
    counted = sample("radar_llm_call_duration_seconds_count", model="metered-model") - calls
    assert counted == len(llm.requests) >= 3
    # The stub answers every call with one prompt token.
    assert sample("radar_llm_tokens_total", model="metered-model", kind="prompt") - tokens == (
        counted
    )


async def test_a_long_crew_keeps_the_message_alive_until_the_deadline() -> None:
    def slow_crew(a: Assessment, n: NoticeFacts, s: InferenceSettings) -> str:
        time.sleep(1.0)
        return json.dumps({"narrative": NARRATIVE})

    beats: list[float] = []

    async def beat() -> None:
        beats.append(time.monotonic())

    quick = CrewNarrator(
        settings("http://unused", llm_timeout_seconds=5.0), slow_crew, heartbeat_seconds=0.1
    )
    done = await quick.narrate(assessment(), NOTICE, beat)
    assert done.engine == "crew"
    assert len(beats) >= 5  # every 0.1 s while the crew worked for 1 s
    late = CrewNarrator(
        settings("http://unused", llm_timeout_seconds=0.5, llm_retries=0),
        slow_crew,
        heartbeat_seconds=0.1,
    )
    assert (await late.narrate(assessment(), NOTICE, beat)).engine == "rules-fallback"
