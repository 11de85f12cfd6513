"""The CrewAI crew: three agents write the narrative and may re-rank the options.

The crew never computes a number: the deterministic assessment is handed to it as a tool, and
its answer is validated against :class:`CrewVerdict` (only a narrative and an ordering of the
options that exist), and every number in its narrative must be one the engine produced
(:mod:`radar_inference.honesty`). The recommended option stays first whatever order the crew
gives. Every call has a timeout and is observed (``radar_llm_*`` metrics, a CLIENT span);
attempts are retried with backoff inside an overall deadline, and on final failure the
deterministic narrative stands with ``engine="rules-fallback"`` and the reason recorded
(``fallback_reason``, ``radar_llm_fallbacks_total{reason}``): an alert never waits on an LLM.

``crewai`` comes with the ``radar-inference[crew]`` extra (about 800 MB, so not in the default
install); it takes seconds to import and is only imported when a model is configured.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import threading
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from google.protobuf.json_format import MessageToDict
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from radar_common import llm_calls
from radar_common.contracts import Assessment
from radar_common.notices.facts import NoticeFacts
from radar_inference.honesty import unverified_numbers
from radar_inference.settings import CREW_MISSING, InferenceSettings

log = logging.getLogger(__name__)
ENGINE_CREW = "crew"
ENGINE_FALLBACK = "rules-fallback"
# Nothing leaves the machine: no CrewAI telemetry, no trace upload. OTEL_SDK_DISABLED is not
# set here: it would also switch off this process's own tracing (the service's spans), and
# CREWAI_DISABLE_TELEMETRY alone is crewai's documented opt-out.
_OFFLINE_ENV = {
    "CREWAI_DISABLE_TELEMETRY": "true",
    "CREWAI_DISABLE_TRACKING": "true",
    "CREWAI_TRACING_ENABLED": "false",
}
_import_lock = threading.Lock()
Heartbeat = Callable[[], Awaitable[None]]


class CrewVerdict(BaseModel):
    """What the crew may change: the narrative, and the order in which options are shown."""

    model_config = ConfigDict(extra="ignore")

    narrative: str = Field(min_length=20, max_length=4000)
    option_order: list[str] = Field(default_factory=list, max_length=10)


class CrewError(RuntimeError):
    """The crew's answer is missing or does not satisfy the schema."""

    reason = "invalid_answer"


class UnverifiedNumbers(CrewError):
    """The crew's narrative quotes numbers the engine did not produce."""

    reason = "unverified_number"


class CrewUnavailable(RuntimeError):
    """crewai is not installed (the ``radar-inference[crew]`` extra)."""


def load_crewai() -> Any:
    """Import crewai once, offline (environment set before the import).

    Raises:
        CrewUnavailable: the ``crew`` extra is not installed.
    """
    with _import_lock:
        for key, value in _OFFLINE_ENV.items():
            os.environ.setdefault(key, value)
        # crewai's import chain emits import-time warnings of its own: not ours to fail on.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                import crewai
            except ImportError as exc:
                raise CrewUnavailable(CREW_MISSING) from exc

        return crewai


def fallback_reason(exc: BaseException) -> str:
    """A small, bounded label for why an attempt failed (the fallback metric's ``reason``)."""
    if isinstance(exc, CrewError):
        return exc.reason
    text = f"{type(exc).__name__} {exc}".lower()
    if isinstance(exc, TimeoutError) or "timed out" in text or "timeout" in text:
        return "timeout"
    return "error"


def parse_verdict(
    raw: str, assessment: Assessment, facts: NoticeFacts | None = None
) -> CrewVerdict:
    """Validate the crew's final answer: JSON, the schema, only options that exist, and only
    numbers the engine produced."""
    match = re.search(r"\{.*\}", raw, re.DOTALL)
    if match is None:
        raise CrewError(f"no JSON object in the crew's answer: {raw[:200]!r}")
    try:
        verdict = CrewVerdict.model_validate(json.loads(match.group(0)))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise CrewError(f"the crew's answer does not fit the schema: {exc}") from exc
    known = {o.action for o in assessment.options}
    unknown = [a for a in verdict.option_order if a not in known]
    if unknown:
        raise CrewError(f"the crew ranked options that do not exist: {unknown}")
    invented = unverified_numbers(verdict.narrative, assessment, facts)
    if invented:
        raise UnverifiedNumbers(
            f"the narrative quotes numbers the engine did not produce: {', '.join(invented[:5])}"
        )
    return verdict


def apply_verdict(assessment: Assessment, verdict: CrewVerdict) -> None:
    """Take the crew's narrative and ordering; every number stays the engine's and the
    recommended option stays first."""
    order = [assessment.recommended_action, *verdict.option_order]
    ranked = {action: i for i, action in enumerate(dict.fromkeys(order))}
    options = sorted(assessment.options, key=lambda o: ranked.get(o.action, len(ranked)))
    copies = [type(o)() for o in options]
    for copy, option in zip(copies, options, strict=True):
        copy.CopyFrom(option)
    del assessment.options[:]
    assessment.options.extend(copies)
    assessment.narrative = verdict.narrative.strip()
    assessment.engine = ENGINE_CREW


def _facts(assessment: Assessment) -> str:
    return json.dumps(
        MessageToDict(assessment, preserving_proto_field_name=True), indent=None, default=str
    )


def observed_llm(crewai: Any, model: str, **options: Any) -> Any:
    """An OpenAI-compatible crewai LLM whose every call is observed (:func:`llm_calls.llm_call`).

    crewai routes ``openai/<model>`` to its native OpenAI provider class; a subclass of that
    class wraps ``call`` to time it, count errors and the tokens the provider tracked.
    """
    probe = crewai.LLM(model=f"openai/{model}", **options)
    base = type(probe)

    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        before = self.get_token_usage_summary()
        with llm_calls.llm_call(model) as observed:
            answer = base.call(self, *args, **kwargs)
            after = self.get_token_usage_summary()
            observed.tokens(
                prompt=after.prompt_tokens - before.prompt_tokens,
                completion=after.completion_tokens - before.completion_tokens,
            )
        return answer

    observed_class = type(f"Observed{base.__name__}", (base,), {"call": call})
    return observed_class(model=probe.model, provider=probe.provider, **options)


def run_crew(assessment: Assessment, facts: NoticeFacts, settings: InferenceSettings) -> str:
    """Run the three-agent crew synchronously (call it off the event loop); its raw answer."""
    crewai = load_crewai()
    from crewai.tools import BaseTool

    numbers = _facts(assessment)

    class ImpactNumbers(BaseTool):
        name: str = "impact_numbers"
        description: str = (
            "Returns the deterministic impact assessment as JSON: where-used with BOM paths, "
            "need before and after the last-time-buy date, shortfall before it, stock left at "
            "it, last-time-buy quantity and cost, revenue at risk, alternates and every option "
            "with its cost. These numbers are final; never compute your own."
        )

        def _run(self, **_: Any) -> str:
            return numbers

    # Always the OpenAI-compatible client: "llama3.1" and "openai/llama3.1" mean the same.
    model = settings.llm_model.removeprefix("openai/")
    llm = observed_llm(
        crewai,
        model,
        base_url=settings.llm_base_url or None,
        api_key=settings.llm_api_key.get_secret_value(),
        timeout=settings.llm_call_timeout_seconds,
        max_retries=0,  # retries are ours, inside the overall deadline
        temperature=0.2,
    )
    common: dict[str, Any] = {
        "llm": llm,
        "allow_delegation": False,
        "verbose": False,
        "max_iter": 4,
        "max_retry_limit": 0,
    }
    notice_analyst = crewai.Agent(
        role="Notice analyst",
        goal="Explain what the manufacturer's notice means for supply of the part.",
        backstory="You read discontinuance and change notices (J-STD-048, J-STD-046) daily.",
        **common,
    )
    exposure_analyst = crewai.Agent(
        role="Exposure analyst",
        goal="Explain which products are exposed and how many parts are needed, "
        "using only the impact_numbers tool.",
        backstory="You own the BOM where-used analysis and never estimate numbers yourself.",
        tools=[ImpactNumbers()],
        **common,
    )
    strategist = crewai.Agent(
        role="Mitigation strategist",
        goal="Recommend what procurement should do and rank the options.",
        backstory="You weigh last-time buys, alternates and redesigns for a procurement lead.",
        **common,
    )
    notice_facts = {
        "mpn": facts.mpn,
        "manufacturer": facts.manufacturer,
        "notice_number": facts.notice_number,
        "notice_kind": facts.notice_kind,
        "lifecycle_status": facts.lifecycle_status,
        "issue_date": facts.issue_date,
        "last_time_buy_date": assessment.effective_last_time_buy_date,
        "last_ship_date": assessment.effective_last_ship_date,
        "inferred_dates": list(assessment.inferred_dates),
        "replacement_mpn": facts.replacement_mpn,
        "reason": facts.reason,
    }
    tasks = [
        crewai.Task(
            description="Summarise this notice in two sentences: " + json.dumps(notice_facts),
            expected_output="Two sentences about the notice and its dates.",
            agent=notice_analyst,
        ),
        crewai.Task(
            description="Call the impact_numbers tool and state the exposure: products, "
            "need before and after the last-time-buy date, stock left at it, last-time-buy "
            "quantity and cost, revenue at risk. Quote the numbers exactly.",
            expected_output="A short paragraph quoting the tool's numbers exactly.",
            agent=exposure_analyst,
        ),
        crewai.Task(
            description="Write the narrative for the procurement lead (at most 120 words; "
            "quote only numbers and dates the tool gave, never a number of your own) and rank "
            "these options, best first: "
            + ", ".join(o.action for o in assessment.options)
            + '. Answer with JSON only: {"narrative": "...", "option_order": ["..."]}',
            expected_output='JSON: {"narrative": string, "option_order": [string]}',
            agent=strategist,
        ),
    ]
    crew = crewai.Crew(
        agents=[notice_analyst, exposure_analyst, strategist],
        tasks=tasks,
        process=crewai.Process.sequential,
        verbose=False,
        tracing=False,
    )
    return str(crew.kickoff().raw)


class CrewNarrator:
    """Runs the crew with a deadline, retries and the deterministic fallback."""

    def __init__(
        self,
        settings: InferenceSettings,
        runner: Callable[[Assessment, NoticeFacts, InferenceSettings], str] = run_crew,
        *,
        heartbeat_seconds: float = 5.0,
    ) -> None:
        self.settings = settings
        self.runner = runner
        # Well inside JetStream's ack_wait (30 s by default).
        self.heartbeat_seconds = heartbeat_seconds

    async def warm_up(self) -> None:
        """Import crewai now (seconds) rather than on the first notice."""
        await asyncio.to_thread(load_crewai)

    async def narrate(
        self, assessment: Assessment, facts: NoticeFacts, heartbeat: Heartbeat
    ) -> Assessment:
        """The assessment with the crew's narrative, or unchanged but marked rules-fallback
        with the reason of the last failure."""
        settings = self.settings
        deadline = time.monotonic() + settings.llm_timeout_seconds
        attempts = settings.llm_retries + 1
        reason, detail = "timeout", "no answer before the deadline"
        for attempt in range(1, attempts + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                raw = await self._attempt(assessment, facts, remaining, heartbeat)
                verdict = parse_verdict(raw, assessment, facts)
            except Exception as exc:
                log.warning("crew attempt %d/%d failed: %r", attempt, attempts, exc)
                reason = fallback_reason(exc)
                detail = str(exc) or type(exc).__name__
                if attempt < attempts:
                    pause = settings.llm_retry_base_seconds * 2 ** (attempt - 1)
                    await asyncio.sleep(max(0.0, min(pause, deadline - time.monotonic())))
                continue
            result = Assessment()
            result.CopyFrom(assessment)
            apply_verdict(result, verdict)
            return result
        log.warning("crew gave no valid answer (%s); using the deterministic narrative", reason)
        llm_calls.fell_back(reason)
        fallback = Assessment()
        fallback.CopyFrom(assessment)
        fallback.engine = ENGINE_FALLBACK
        fallback.fallback_reason = f"{reason}: {detail}"[:500]
        return fallback

    async def _attempt(
        self, assessment: Assessment, facts: NoticeFacts, budget: float, heartbeat: Heartbeat
    ) -> str:
        # The crew blocks: run it in a thread, and keep the message's ack alive meanwhile.
        job = asyncio.ensure_future(
            asyncio.to_thread(self.runner, assessment, facts, self.settings)
        )
        ends = time.monotonic() + budget
        while True:
            left = ends - time.monotonic()
            if left <= 0:
                job.cancel()  # the thread ends at its own call timeout; its answer is dropped
                raise TimeoutError(f"crew took longer than {budget:.1f}s")
            done, _ = await asyncio.wait({job}, timeout=min(self.heartbeat_seconds, left))
            if done:
                return job.result()
            await heartbeat()
