"""RadarLLMFallbackRateHigh fires on the metrics real assessments emit, and stays quiet otherwise.

Notices are assessed through the engine and the crew (a loopback OpenAI-compatible server that
answers half the notices with a narrative quoting a number the engine never produced). The
counters the assessments moved are read from the process's registry, turned into the steady
rates of a promtool unit test, and the alert rule of deploy/prometheus/radar-rules.yaml is
evaluated on them by promtool itself.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import yaml
from prometheus_client import REGISTRY

from radar_common.catalog import import_texts
from radar_common.notices.arrivals import record_arrival
from radar_inference.assessor import Assessor, Origin, facts_assessment_id
from radar_inference.crew import CrewNarrator, load_crewai
from radar_inference.settings import InferenceSettings
from tests.inference.catalogs import HAND, pool_for
from tests.records.notices import arrival
from tests.support.openai_stub import OpenAIStub, Reply, tool_call

RULES = Path(__file__).parents[2] / "deploy" / "prometheus" / "radar-rules.yaml"
PROMTOOL = shutil.which("promtool")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
    pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed (`make tools`)"),
]
HONEST = "The part is discontinued; the recommended option below covers every product that uses it."
INVENTED = "LM358DR is discontinued; buy 9,999 units now to be safe."


Rates = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def counters() -> Rates:
    """The assessment and fallback counters, by name and labels."""
    out = {}
    for family in REGISTRY.collect():
        for s in family.samples:
            if s.name in ("radar_inference_assessments_total", "radar_llm_fallbacks_total"):
                out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def responder(lie_every: int) -> Any:
    """The strategist invents a number in every ``lie_every``-th narrative (0: never)."""
    calls = itertools.count(1)

    def respond(request: dict[str, Any]) -> Reply:
        system = request["messages"][0]["content"]
        if request.get("tools") and not any(m["role"] == "tool" for m in request["messages"]):
            return tool_call("impact_numbers")
        if "Mitigation strategist" in system:
            n = next(calls)
            liar = bool(lie_every) and n % lie_every == 0
            return Reply(content=json.dumps({"narrative": INVENTED if liar else HONEST}))
        return Reply(content="The notice ends supply; the numbers are the tool's.")

    return respond


async def traffic(pool: asyncpg.Pool, url: str, mpns: list[str]) -> None:
    settings = InferenceSettings(
        llm_model="stub-model", llm_base_url=url, llm_retries=0, llm_timeout_seconds=20
    )
    load_crewai()
    assessor = Assessor(settings, CrewNarrator(settings))
    for i, mpn in enumerate(mpns):
        record = (await record_arrival(pool, arrival(mpn, event=f"t{i}"))).record
        async with pool.acquire() as conn:
            await assessor.assess_record(
                conn,
                record,
                trigger="arrival",
                as_of=date(2025, 1, 1),
                assessment_id=facts_assessment_id(record),
                origin=Origin(),
            )


def promtool_case(
    name: str,
    rates: dict[tuple[str, tuple[tuple[str, str], ...]], float],
    fires: bool,
    summary: str,
) -> dict[str, Any]:
    series = [
        {
            "series": name_ + "{" + ",".join(f'{k}="{v}"' for k, v in labels) + "}",
            "values": f"0+{rate:g}x40",
        }
        for (name_, labels), rate in rates.items()
        if rate > 0
    ]
    expected: list[dict[str, Any]] = (
        [
            {
                "exp_labels": {"severity": "warning"},
                "exp_annotations": {
                    "summary": summary,
                    "runbook": "docs/operations.md#radarllmfallbackratehigh",
                },
            }
        ]
        if fires
        else []
    )
    return {
        "name": name,
        "interval": "1m",
        "input_series": series,
        "alert_rule_test": [
            {"eval_time": "35m", "alertname": "RadarLLMFallbackRateHigh", "exp_alerts": expected}
        ],
    }


async def measured(pool: asyncpg.Pool) -> tuple[Rates, Rates]:
    """How the counters moved with half the narratives refused, then with none."""
    before = counters()
    with OpenAIStub(responder(lie_every=2)) as llm:
        # Four notices a "minute": two fall back (their narrative quotes 9,999).
        await traffic(pool, llm.base_url, ["LM358DR", "NE555P", "LM2904DR", "LONELY1"])
    bad = {k: v - before.get(k, 0.0) for k, v in counters().items()}
    before = counters()
    with OpenAIStub(responder(lie_every=0)) as llm:
        await traffic(pool, llm.base_url, ["TL072CP", "LM741CN"])
    good = {k: v - before.get(k, 0.0) for k, v in counters().items()}
    return bad, good


async def test_the_fallback_alert_follows_real_traffic(database_url: str, tmp_path: Path) -> None:
    async with pool_for(database_url) as pool:
        await import_texts(pool, HAND)
        bad, good = await measured(pool)
    assert bad[("radar_llm_fallbacks_total", (("reason", "unverified_number"),))] == 2
    engines: dict[str, float] = {}
    for (name, labels), moved in bad.items():
        if name == "radar_inference_assessments_total" and moved:
            engine = dict(labels)["engine"]
            engines[engine] = engines.get(engine, 0.0) + moved
    assert engines == {"crew": 2, "rules-fallback": 2}
    assert not any(v for k, v in good.items() if k[0] == "radar_llm_fallbacks_total")
    assert sum(v for k, v in good.items() if k[0].endswith("assessments_total")) == 2

    tests = {
        "rule_files": [str(RULES)],
        "evaluation_interval": "1m",
        "tests": [
            promtool_case(
                "half fell back", bad, True, "50% of assessments fell back to the rules engine"
            ),
            promtool_case("the crew answered", good, False, ""),
        ],
    }
    path = tmp_path / "fallback.test.yaml"
    path.write_text(yaml.safe_dump(tests, sort_keys=False))
    assert PROMTOOL is not None
    result = subprocess.run(
        [PROMTOOL, "test", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
