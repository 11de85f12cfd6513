"""Schemathesis against the live ingestion OpenAPI, with and without credentials.

Every documented operation gets generated requests, valid (positive) and invalid (negative);
none may answer 5xx, every authenticated answer must match the documented schema and content
type, and no anonymous request gets in. Examples per operation and mode are bounded
(``RADAR_SCHEMA_EXAMPLES``, default 10) so that the module stays under a minute.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.hostile.conftest import Ingestion

pytestmark = pytest.mark.integration
Operation = schemathesis.APIOperation[Any, Any, Any, Any]
Case = schemathesis.Case[Operation]
EXAMPLES = int(os.environ.get("RADAR_SCHEMA_EXAMPLES", "10"))
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@pytest.fixture(scope="module")
def operations(ingestion: Ingestion) -> list[Operation]:
    schema = schemathesis.openapi.from_url(f"{ingestion.url}/openapi.json")
    ops, invalid = [], []
    for result in schema.get_all_operations():
        if isinstance(result, Ok):
            ops.append(result.ok())
        else:
            invalid.append(str(result.err()))
    assert not invalid, f"the OpenAPI document itself is invalid: {invalid}"
    assert len(ops) >= 3
    return ops


def _fuzz(
    operations: list[Operation], call: Callable[[Case], None], examples: int = EXAMPLES
) -> list[str]:
    """Run ``call`` on generated cases of every operation and mode; return what failed."""
    failures = []
    for op in operations:
        for mode in MODES:

            @given(case=op.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Case) -> None:
                call(case)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # every operation, not the first
                failures.append(f"{op.method.upper()} {op.path} [{mode.value}]: {exc}"[:1500])
    return failures


def test_authenticated_requests_never_5xx_and_match_the_schema(
    ingestion: Ingestion, operations: list[Operation]
) -> None:
    def call(case: Case) -> None:
        case.call_and_validate(
            headers={"X-API-Key": ingestion.secrets.api_key},
            checks=[not_a_server_error, response_schema_conformance],
            timeout=10,
        )

    failures = _fuzz(operations, call)
    assert not failures, "\n\n".join(failures)


def test_answers_have_the_documented_content_type(
    ingestion: Ingestion, operations: list[Operation]
) -> None:
    def call(case: Case) -> None:
        case.call_and_validate(
            headers={"X-API-Key": ingestion.secrets.api_key},
            checks=[content_type_conformance],
            timeout=10,
        )

    # A wrong content type is a property of the document, not of a value: few examples do.
    failures = _fuzz(operations, call, examples=max(1, EXAMPLES // 3))
    assert not failures, "\n\n".join(failures)


def test_anonymous_requests_are_refused_and_never_5xx(
    ingestion: Ingestion, operations: list[Operation]
) -> None:
    def call(case: Case) -> None:
        response = case.call(timeout=10)
        assert response.status_code < 500, (case.path, response.status_code, response.text[:300])
        assert not 200 <= response.status_code < 300, f"{case.method} {case.path} let us in"

    failures = _fuzz(operations, call)
    assert not failures, "\n\n".join(failures)
