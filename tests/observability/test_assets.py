"""The Grafana dashboard and the Prometheus rules: valid, and about metrics that exist."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.observability.assets import (
    EXTERNAL_METRICS,
    RULES,
    RULES_TEST,
    dashboard,
    dashboard_exprs,
    referenced_metrics,
    rules,
    static_metric_names,
)
from tests.support.prometheus import metric_names

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool not installed (Debian package `prometheus`; `make tools` installs it)",
)


def test_metric_names_are_read_from_promql() -> None:
    expr = (
        'sum by (stage) (rate(radar_a_total{x="radar_b"}[5m])) / on() '
        "histogram_quantile(0.9, radar_c_bucket) * $thr and up"
    )
    assert metric_names(expr) == {"radar_a_total", "radar_c_bucket", "up"}


def test_dashboard_is_a_grafana_dashboard_with_the_panels_on_call_needs() -> None:
    doc = dashboard()
    panels = doc["panels"]
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    assert doc["uid"] == "radar-overview"
    assert doc["title"]
    for panel in panels:
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"]), panel["title"]
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, panel["title"]
    titles = " | ".join(p["title"] for p in panels).lower()
    for needed in ("flow", "lag", "replicas", "dlq", "latency", "notifications", "llm", "trace"):
        assert needed in titles, f"no panel about {needed}"
    variables = {v["name"]: v for v in doc["templating"]["list"]}
    assert variables["trace_id"]["type"] == "textbox"
    assert variables["tracing"]["type"] == "datasource"
    traces = [p for p in panels if p["type"] == "traces"]
    assert [t["targets"][0]["query"] for t in traces] == ["${trace_id}"]
    assert any("${trace_id}" in link["url"] for link in doc["links"])


def test_every_lag_panel_draws_the_keda_threshold_line() -> None:
    lag_panels = [p for p in dashboard()["panels"] if p["title"].startswith("Lag: ")]
    assert {p["title"] for p in lag_panels} == {
        "Lag: normalizer",
        "Lag: inference",
        "Lag: notifier",
    }
    variables = {v["name"] for v in dashboard()["templating"]["list"]}
    for panel in lag_panels:
        consumer = panel["title"].removeprefix("Lag: ")
        exprs = [t["expr"] for t in panel["targets"]]
        assert f"${consumer}_lag_threshold" in exprs[-1]
        assert f"{consumer}_lag_threshold" in variables


def test_every_expression_uses_metrics_the_code_declares() -> None:
    declared = static_metric_names() | EXTERNAL_METRICS
    unknown = {name: exprs for name, exprs in referenced_metrics().items() if name not in declared}
    assert not unknown, f"dashboard/rules use metrics nobody exports: {unknown}"
    assert len(dashboard_exprs()) > 20


def test_every_alert_links_its_runbook_section() -> None:
    from tests.observability.assets import ROOT

    operations = (ROOT / "docs/operations.md").read_text().lower()
    for group in rules()["groups"]:
        for rule in group["rules"]:
            anchor = rule["annotations"]["runbook"].split("#", 1)[1]
            assert f"### {rule['alert'].lower()}" in operations, anchor
            assert rule["labels"]["severity"] in ("warning", "critical")


@needs_promtool
def test_rules_pass_promtool_check() -> None:
    assert PROMTOOL is not None
    result = subprocess.run(
        [PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@needs_promtool
def test_rules_fire_on_the_unit_test_series() -> None:
    assert PROMTOOL is not None
    result = subprocess.run(
        [PROMTOOL, "test", "rules", str(RULES_TEST)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
