"""The container images of the workspace, one a line: ``<service>`` or ``<service>:<extra>``.

A service is a workspace member that runs, ``services/<svc>/src/radar_<svc>/__main__.py``
(libraries are imported, never run, and get no image). Each service gets the image
``radar-<svc>``, built from the one Dockerfile with ``--build-arg SERVICE=<svc>``; each optional
extra it declares (``[project.optional-dependencies]``) gets a variant built with
``--build-arg EXTRAS=<extra>`` and tagged ``<tag>-<extra>``. So a new service needs no line in
the Dockerfile or the Makefile: `make images` and tests/deploy find it here.

Usage: python3 scripts/images.py   (what `make images` loops over)
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def images(root: Path = ROOT) -> list[tuple[str, str]]:
    """(service, extra) of every image, the plain one of a service first (extra "")."""
    found: list[tuple[str, str]] = []
    for main in sorted(root.glob("services/*/src/radar_*/__main__.py")):
        service = main.parents[2].name
        if main.parent.name != f"radar_{service}":
            continue  # not the service's own package
        project = tomllib.loads((main.parents[2] / "pyproject.toml").read_text())["project"]
        found.append((service, ""))
        found += [(service, extra) for extra in sorted(project.get("optional-dependencies", {}))]
    return found


def main() -> int:
    for service, extra in images():
        print(f"{service}:{extra}" if extra else service)
    return 0


if __name__ == "__main__":
    sys.exit(main())
