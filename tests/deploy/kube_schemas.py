"""Strict Kubernetes schema validation (kubernetes-validate's schemas), validators cached.

`kubernetes_validate.validate(doc, version, strict=True)` reloads a multi-megabyte definitions
file for every document; this builds the same validator once per (version, kind, apiVersion).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import pytest

kv = pytest.importorskip(
    "kubernetes_validate", reason="kubernetes-validate not installed: run `make tools`"
)
kv_utils = pytest.importorskip("kubernetes_validate.utils")
jsonschema = pytest.importorskip("jsonschema")
referencing = pytest.importorskip("referencing")


def schema_version(desired: str) -> str:
    """The newest schema set not newer than `desired` (as kubernetes-validate picks it)."""
    wanted = tuple(int(p) for p in kv_utils.major_minor(desired).split("."))
    known = [
        v for v in kv_utils.all_versions() if tuple(int(p) for p in v.split(".")[:2]) <= wanted
    ]
    return str(known[-1])


@functools.cache
def _definitions(schema_dir: str, version: str) -> Any:
    return kv_utils.schema_contents(
        f"kubernetes-json-schema/{schema_dir}/_definitions.json", version
    )


@functools.cache
def _validator(version: str, kind: str, api_version: str) -> Any:
    schema_dir = f"v{version}-local-strict"
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    schema = kv_utils.schema_contents(
        f"kubernetes-json-schema/{schema_dir}/{kind.lower()}-{api}.json", version
    )
    resource = referencing.Resource.from_contents(schema)
    definitions = referencing.Resource.from_contents(_definitions(schema_dir, version))
    registry = definitions @ (resource @ referencing.Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)


def strict_errors(doc: dict[str, Any], kube_version: str) -> list[str]:
    """Messages of every strict-schema violation of `doc` for that Kubernetes version."""
    validator = _validator(schema_version(kube_version), doc["kind"], doc["apiVersion"])
    return [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(doc)
    ]


def latest_version() -> str:
    return str(kv_utils.latest_version())
