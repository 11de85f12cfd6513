"""scripts/check_imports.py: what it reads from the source and how it judges the declarations.

The syncing and probing run in `make lint` over the real workspace; here a member written into
a temporary folder is judged against given resolutions, one rule at a time.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.support.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
check = load_script("check_imports")
FIRST_PARTY = {"radar_common": "radar-common", "radar_demo": "radar-demo"}
OWNERS = {
    "asyncpg": {"asyncpg"},
    "google.protobuf.json_format": {"protobuf"},
    "google.protobuf": {"protobuf"},
    "crewai": {"crewai"},
    "httpx": {"httpx"},
}


def member(tmp_path: Path, dependencies: list[str], source: str, extras: str = "") -> object:
    root = tmp_path / "services" / "demo"
    (root / "src" / "radar_demo").mkdir(parents=True)
    (root / "src" / "radar_demo" / "__init__.py").write_text("")
    (root / "src" / "radar_demo" / "work.py").write_text(textwrap.dedent(source))
    deps = ", ".join(f'"{d}"' for d in dependencies)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "radar-demo"\ndependencies = [{deps}]\n'
        + (f"[project.optional-dependencies]\n{extras}\n" if extras else "")
    )
    (found,) = check.read_workspace(tmp_path)
    return found


def judge(tmp_path: Path, dependencies: list[str], source: str, extras: str = "") -> list[str]:
    demo = member(tmp_path, dependencies, source, extras)
    uses = check.imports_of(demo, set(FIRST_PARTY))
    findings: list[str] = check.judge(demo, uses, OWNERS, FIRST_PARTY)
    return findings


def test_an_import_that_arrives_through_another_package_must_be_declared(tmp_path: Path) -> None:
    findings = judge(tmp_path, ["radar-common"], "import radar_common\nimport asyncpg\n")
    assert findings == [
        "radar-demo: imports asyncpg (src/radar_demo/work.py:2) but does not declare it"
    ]


def test_declared_and_imported_passes(tmp_path: Path) -> None:
    source = "import radar_common\nimport asyncpg\nfrom google.protobuf import json_format\n"
    assert judge(tmp_path, ["radar-common", "asyncpg>=0.30", "protobuf>=5"], source) == []


def test_a_workspace_member_imported_must_be_declared(tmp_path: Path) -> None:
    findings = judge(tmp_path, [], "from radar_common.settings import RadarSettings\n")
    assert findings == [
        "radar-demo: imports radar-common (src/radar_demo/work.py:1) but does not declare it"
    ]


def test_a_declared_distribution_never_imported_is_reported(tmp_path: Path) -> None:
    findings = judge(tmp_path, ["radar-common", "httpx>=0.28"], "import radar_common\n")
    assert findings == ["radar-demo: declares httpx but never imports it"]


def test_an_extra_imported_lazily_is_fine_at_module_level_it_is_not(tmp_path: Path) -> None:
    extras = 'crew = ["crewai>=1"]'
    lazy = "import radar_common\ndef run():\n    import crewai\n"
    assert judge(tmp_path, ["radar-common"], lazy, extras) == []
    eager = "import radar_common\nimport crewai\n"
    (finding,) = judge(tmp_path / "again", ["radar-common"], eager, extras)
    assert "imports crewai (an extra's) at module level" in finding


def test_an_import_nothing_provides_is_reported(tmp_path: Path) -> None:
    findings = judge(tmp_path, ["radar-common"], "import radar_common\nimport yaml\n")
    assert findings == [
        "radar-demo: src/radar_demo/work.py:2 imports yaml, which no environment of it provides"
    ]


@pytest.mark.parametrize(
    ("name", "canonical"),
    [("PyYAML", "pyyaml"), ("nats_py", "nats-py"), ("zope.interface", "zope-interface")],
)
def test_distribution_names_compare_as_pep_503(name: str, canonical: str) -> None:
    assert check.canonical(name) == canonical


def test_the_inference_crew_import_is_lazy_in_the_real_source() -> None:
    members = {m.name: m for m in check.read_workspace(ROOT)}
    inference = members["radar-inference"]
    first_party = {m.package_dir.name: m.name for m in members.values()}
    crew = [u for u in check.imports_of(inference, set(first_party)) if u.top == "crewai"]
    assert crew, "crew.py imports crewai"
    assert all(u.lazy for u in crew), "crewai must stay a lazy import (the [crew] extra)"
    assert inference.extras == {"crew": {"crewai"}}
    assert "crewai" not in inference.declared
