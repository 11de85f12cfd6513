"""Evaluate the Tiltfile with stub builtins: every path, image and object it names exists."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.scripts import load_script

from .dockerfiles import parse_dockerfile, substitute
from .rendering import ROOT, SERVICES, WORKERS, render_cached

sl = pytest.importorskip("starlark", reason="starlark-pyo3 not installed: run `make tools`")
pytestmark = pytest.mark.usefixtures("helm_binary")


@dataclass
class Call:
    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]

    def arg(self, index: int, key: str, default: Any = None) -> Any:
        return self.args[index] if len(self.args) > index else self.kwargs.get(key, default)


@dataclass
class Tilt:
    """What the Tiltfile asked for, recorded by the stubs."""

    calls: list[Call] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)

    def of(self, name: str) -> list[Call]:
        return [c for c in self.calls if c.name == name]

    def stub(self, name: str, returns: Callable[[Call], Any] | None = None) -> Any:
        def record(*args: Any, **kwargs: Any) -> Any:
            call = Call(name, args, kwargs)
            self.calls.append(call)
            return returns(call) if returns else None

        return record


BUILTINS = (
    "allow_k8s_contexts",
    "update_settings",
    "k8s_yaml",
    "k8s_resource",
    "local_resource",
    "docker_build",
)
EXTENSIONS = {
    "ext://helm_resource": ("helm_resource", "helm_repo"),
    "ext://restart_process": ("docker_build_with_restart", "custom_build_with_restart"),
}


def evaluate(path: Path) -> Tilt:
    tilt = Tilt()
    module = sl.Module()
    for name in BUILTINS:
        module.add_callable(name, tilt.stub(name))
    module.add_callable("helm", tilt.stub("helm", lambda c: f"<helm {c.args[0]}>"))
    for name in ("sync", "run", "fall_back_on"):
        module.add_callable(name, tilt.stub(name, lambda c: {"step": c.name, "n": len(tilt.calls)}))

    def load(url: str) -> Any:
        tilt.loads.append(url)
        if url not in EXTENSIONS:
            raise ValueError(f"unknown extension {url}")
        ext = sl.Module()
        for name in EXTENSIONS[url]:
            ext.add_callable(name, tilt.stub(name))
        return ext.freeze()

    ast = sl.parse("Tiltfile", path.read_text(), sl.Dialect.extended())
    sl.eval(module, ast, sl.Globals.standard(), sl.FileLoader(load))
    return tilt


@pytest.fixture(scope="module")
def tilt() -> Tilt:
    return evaluate(ROOT / "Tiltfile")


def extras_of(service: str) -> set[str]:
    """The extras `make images` builds a variant image of ``service`` with."""
    return {extra for s, extra in load_script("images").images() if s == service and extra}


def exists(rel: str) -> bool:
    return (ROOT / rel).exists()


def test_every_path_named_exists(tilt: Tilt) -> None:
    paths: list[str] = []
    for call in tilt.of("k8s_yaml"):
        arg = call.args[0]
        if not arg.startswith("<helm"):
            paths.append(arg)
    for call in tilt.of("helm"):
        paths += [call.args[0], *call.kwargs.get("values", [])]
    for call in tilt.of("docker_build_with_restart") + tilt.of("docker_build"):
        paths += [call.arg(1, "context"), call.kwargs["dockerfile"]]
        paths += call.kwargs.get("only", [])
    for call in tilt.of("sync"):
        paths.append(call.args[0])
    for call in tilt.of("fall_back_on"):
        paths += call.args[0]
    for call in tilt.of("run"):
        paths += call.kwargs.get("trigger", [])
    for call in tilt.of("helm_resource"):
        paths += call.kwargs.get("deps", [])
        paths += [f.split("=", 1)[1] for f in call.kwargs.get("flags", []) if "=" in f]
    missing = [p for p in paths if not exists(p)]
    assert not missing
    assert len(paths) > 30


def test_images_match_the_dockerfiles_and_the_chart(tilt: Tilt) -> None:
    builds = {c.args[0]: c for c in tilt.of("docker_build_with_restart")}
    assert set(builds) == {f"radar-{s}" for s in SERVICES}
    (helm_call,) = tilt.of("helm")
    rendered = render_cached(tuple(helm_call.kwargs["values"]), (), ())
    images = {
        c["image"].split(":")[0]
        for d in rendered.of_kind("Deployment")
        for c in d["spec"]["template"]["spec"]["containers"]
    }
    assert images == set(builds), "Tilt swaps images by repository name"
    for deploy in rendered.of_kind("Deployment"):
        (c,) = deploy["spec"]["template"]["spec"]["containers"]
        assert "command" not in c, "a k8s command would bypass Tilt's restart wrapper"
    for ref, call in builds.items():
        service = ref.removeprefix("radar-")
        assert call.kwargs["dockerfile"] == "Dockerfile", "the one Dockerfile"
        df = parse_dockerfile(ROOT / call.kwargs["dockerfile"])
        (entrypoint,) = df.final.of("ENTRYPOINT")
        assert json.loads(entrypoint.args) == call.kwargs["entrypoint"]
        args = call.kwargs["build_args"]
        assert args["SERVICE"] == service
        assert args["EXTRAS"] in {"", *extras_of(service)}
        assert args["APP_OWNER"] == "10001"
        assert any(a.args.startswith("APP_OWNER") for a in df.final.of("ARG"))
        copied = {
            substitute(op, args)
            for c in df.stage("builder").of("COPY")
            if "from" not in c.flags()
            for op in c.operands()[:-1]
        }
        assert copied <= set(call.kwargs["only"]), "Tilt must send what the Dockerfile copies"
        steps = call.kwargs["live_update"]
        assert steps[0]["step"] == "fall_back_on", "fall_back_on must come first"
        dests = [c.args[1] for c in tilt.of("sync") if c.args[0].endswith(f"radar_{service}")]
        assert dests == [f"/app/.venv/lib/python3.11/site-packages/radar_{service}"]
        assert "3.11" in df.final.base


def test_resources_exist_have_labels_and_deps_resolve(tilt: Tilt) -> None:
    (helm_call,) = tilt.of("helm")
    rendered = render_cached(tuple(helm_call.kwargs["values"]), (), ())
    workloads = {d["metadata"]["name"] for d in rendered.of_kind("Deployment")}
    names: set[str] = set()
    names |= {c.args[0] for c in tilt.of("helm_repo")}
    names |= {c.args[0] for c in tilt.of("helm_resource")}
    names |= {c.args[0] for c in tilt.of("local_resource")}
    names |= {"radar-postgres"}  # the StatefulSet of k8s/stack/postgres.yaml
    assert "radar-postgres" in (ROOT / "k8s/stack/postgres.yaml").read_text()
    for call in tilt.of("k8s_resource"):
        if "new_name" in call.kwargs:
            names.add(call.kwargs["new_name"])
            for selector in call.kwargs["objects"]:
                name, kind = selector.split(":")[:2]
                found = [
                    d
                    for d in rendered.docs
                    if d["metadata"]["name"] == name and d["kind"].lower() == kind
                ]
                assert found, f"Tilt object {selector} is not in the rendered chart"
        else:
            workload = call.arg(0, "workload")
            assert workload in workloads | {"radar-postgres"}, workload
            names.add(workload)
    assert workloads <= names
    every = tilt.of("k8s_resource") + tilt.of("helm_resource") + tilt.of("local_resource")
    for call in every + tilt.of("helm_repo"):
        assert call.kwargs.get("labels"), f"{call.name} {call.args[:1]} has no labels"
        for dep in call.kwargs.get("resource_deps", []):
            assert dep in names, f"{call.name}: unknown resource_dep {dep}"
    labels = {label for c in every for label in c.kwargs["labels"]}
    assert {"infra", "radar-api", "radar-workers", "monitoring"} <= labels
    assert {c.args[0] for c in tilt.of("helm_resource")} == {"nats", "keda", "monitoring"}
    assert {f"radar-{w}" for w in WORKERS} <= names


def test_port_forwards_api_nats_monitoring_grafana(tilt: Tilt) -> None:
    forwards = [pf for c in tilt.of("k8s_resource") for pf in c.kwargs.get("port_forwards", [])]
    serves = " ".join(c.kwargs.get("serve_cmd", "") for c in tilt.of("local_resource"))
    assert "8080:8080" in forwards
    assert "port-forward svc/nats-headless 8222:8222" in serves
    assert "port-forward svc/monitoring-grafana 3000:80" in serves
    assert tilt.loads == ["ext://helm_resource", "ext://restart_process"]
