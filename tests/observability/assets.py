"""The shipped dashboard and rules, and the metric names the code can export."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import yaml
from prometheus_client.metrics_core import Metric

from tests.support.prometheus import metric_names, names_of_families

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy/grafana/radar-dashboard.json"
RULES = ROOT / "deploy/prometheus/radar-rules.yaml"
RULES_TEST = ROOT / "deploy/prometheus/radar-rules.test.yaml"
# Series that Prometheus itself produces, not our services.
EXTERNAL_METRICS = {"up"}


def dashboard() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return doc


def rules() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(RULES.read_text())
    return doc


def dashboard_exprs() -> list[str]:
    return [
        target["expr"]
        for panel in dashboard()["panels"]
        for target in panel.get("targets", [])
        if "expr" in target
    ]


def rule_exprs() -> list[str]:
    return [str(rule["expr"]) for group in rules()["groups"] for rule in group["rules"]]


def referenced_metrics() -> dict[str, set[str]]:
    """Metric name -> the expressions (dashboard and rules) that use it."""
    used: dict[str, set[str]] = {}
    for expr in dashboard_exprs() + rule_exprs():
        for name in metric_names(expr):
            used.setdefault(name, set()).add(expr)
    return used


def static_metric_names() -> set[str]:
    """Every series name declared in the services' source (read, not imported).

    Reading the source finds metrics in modules that only a running service imports (and
    does not break while a service is half rewritten), with the suffixes each type exposes.
    """
    kinds = {
        "Counter": "counter",
        "Gauge": "gauge",
        "Histogram": "histogram",
        "Summary": "summary",
        "Info": "info",
        "Enum": "gauge",
    }
    families: list[Metric] = []
    for source in (ROOT / "services").glob("*/src/**/*.py"):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            kind = kinds.get(
                func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            )
            first = node.args[0]
            if kind and isinstance(first, ast.Constant) and isinstance(first.value, str):
                name = first.value.removesuffix("_total") if kind == "counter" else first.value
                families.append(Metric(name, "", kind))
    return names_of_families(families)
