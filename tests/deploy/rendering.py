"""Render the Helm chart with the real helm binary and read the manifests back."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "radar"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
INSTALL_HINT = "run `make tools` (scripts/install-tools.sh)"

# Named values sets every check runs over: (values files, --set flags, --api-versions).
VALUES_SETS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "default": ((), (), ()),
    "production": (("charts/radar/values-production.yaml",), (), ()),
    "dev": (("k8s/values-dev.yaml",), (), ()),
    "keda-absent": (
        ("charts/radar/values-production.yaml",),
        ("capabilities.keda=false",),
        (),
    ),
    "all-options": (("tests/deploy/values/all-options.yaml",), (), ()),
    "keda-detected": (
        (),
        (),
        (
            "keda.sh/v1alpha1/ScaledObject",
            "monitoring.coreos.com/v1/ServiceMonitor",
            "monitoring.coreos.com/v1/PrometheusRule",
        ),
    ),
}
WORKERS = ("normalizer", "inference", "notifier")
SERVICES = ("ingestion", *WORKERS, "console")
# Services that take requests and scale on CPU (the console runs fixed replicas).
AUTOSCALED = ("ingestion", *WORKERS)


def tool(name: str) -> str | None:
    """A tool from the project-local .tools/bin first, then PATH, then .venv-tools/bin (uv)."""
    local = ROOT / ".tools" / "bin" / name
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    found = shutil.which(name)
    bootstrap = ROOT / ".venv-tools" / "bin" / name  # where `make venv` puts uv
    if found is None and bootstrap.is_file() and os.access(bootstrap, os.X_OK):
        return str(bootstrap)
    return found


class HelmError(RuntimeError):
    """helm exited non-zero; the message is its stderr."""


def helm(*args: str) -> str:
    binary = tool("helm")
    if binary is None:
        raise FileNotFoundError(f"helm is not installed: {INSTALL_HINT}")
    proc = subprocess.run(
        [binary, *args], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    if proc.returncode != 0:
        raise HelmError(proc.stderr.strip() or proc.stdout.strip())
    return proc.stdout


def template_args(
    values: Sequence[str] = (), sets: Sequence[str] = (), api_versions: Sequence[str] = ()
) -> list[str]:
    args = ["template", "radar", str(CHART), "--namespace", "radar", "--include-crds"]
    for path in values:
        args += ["--values", path]
    for flag in sets:
        args += ["--set", flag]
    for api in api_versions:
        args += ["--api-versions", api]
    return args


@dataclass(frozen=True)
class Rendered:
    """The documents of one `helm template` run."""

    docs: tuple[dict[str, Any], ...]

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [d for d in self.docs if d["kind"] == kind]

    def get(self, kind: str, name: str) -> dict[str, Any]:
        for doc in self.docs:
            if doc["kind"] == kind and doc["metadata"]["name"] == name:
                return doc
        raise KeyError(f"{kind}/{name} not rendered")

    def names(self, kind: str) -> set[str]:
        return {d["metadata"]["name"] for d in self.of_kind(kind)}

    def pod_specs(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(kind/name, pod spec) of every workload, hook Job and test Pod."""
        for doc in self.docs:
            ref = f"{doc['kind']}/{doc['metadata']['name']}"
            if doc["kind"] in {"Deployment", "Job", "StatefulSet"}:
                yield ref, doc["spec"]["template"]["spec"]
            elif doc["kind"] == "Pod":
                yield ref, doc["spec"]


def parse(text: str) -> Rendered:
    docs = tuple(d for d in yaml.safe_load_all(text) if d)
    return Rendered(docs)


@functools.cache
def render_cached(
    values: tuple[str, ...] = (), sets: tuple[str, ...] = (), api_versions: tuple[str, ...] = ()
) -> Rendered:
    return parse(helm(*template_args(values, sets, api_versions)))


def render(name: str) -> Rendered:
    values, sets, apis = VALUES_SETS[name]
    return render_cached(values, sets, apis)


def render_with(sets: Iterable[str] = (), values: Iterable[str] = ()) -> Rendered:
    return render_cached(tuple(values), tuple(sets), ())


def env_of(container: Mapping[str, Any]) -> dict[str, Any]:
    """name -> value (or valueFrom) of a container's env."""
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def variables_of(rendered: Rendered, kind: str, name: str) -> dict[str, str | None]:
    """Every variable one workload's container receives: name -> value.

    Merged as the kubelet does (envFrom sources in order, then ``env`` over them). Values from a
    Secret the chart does not render (existingSecret, refs) are None: only the name is known.
    """
    (container,) = rendered.get(kind, name)["spec"]["template"]["spec"]["containers"]
    found: dict[str, str | None] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            data = rendered.get("ConfigMap", source["configMapRef"]["name"]).get("data") or {}
            found.update({k: str(v) for k, v in data.items()})
        elif "secretRef" in source:
            secret_name = source["secretRef"]["name"]
            if secret_name in rendered.names("Secret"):
                secret = rendered.get("Secret", secret_name).get("stringData") or {}
                found.update({k: str(v) for k, v in secret.items()})
    for entry in container.get("env", []):
        found[entry["name"]] = entry.get("value") if "valueFrom" not in entry else None
    return found
