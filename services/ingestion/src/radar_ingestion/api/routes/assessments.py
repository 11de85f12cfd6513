"""GET /v1/assessments/{id} and GET /v1/assessments — read what the impact engine concluded."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from google.protobuf.json_format import MessageToDict, ParseDict

from radar_common.contracts import Assessment
from radar_common.notices.severity import Severity
from radar_common.partnumbers import normalize_mpn
from radar_ingestion.api.deps import CredentialsFirst, PoolDep, require_scope
from radar_ingestion.problems import Problem

router = APIRouter(
    route_class=CredentialsFirst,
    prefix="/v1",
    tags=["assessments"],
    dependencies=[require_scope("read")],
)


def _document(body: dict[str, Any]) -> dict[str, Any]:
    """The stored body with every field present (zeros and empty lists included)."""
    message = ParseDict(body, Assessment(), ignore_unknown_fields=True)
    return MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


@router.get("/assessments/{assessment_id}", summary="One assessment, with every number")
async def get_assessment(
    pool: PoolDep, assessment_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
) -> dict[str, Any]:
    body = await pool.fetchval(
        "SELECT body FROM assessments WHERE assessment_id = $1", assessment_id
    )
    if body is None:
        raise Problem(
            404, "assessment-not-found", "No such assessment", f"{assessment_id} is unknown"
        )
    return _document(body)


@router.get("/assessments", summary="Recent assessments, newest first")
async def list_assessments(
    pool: PoolDep,
    mpn: Annotated[str | None, Query(max_length=100, description="notice or matched MPN")] = None,
    severity: Severity | None = None,
    record_id: Annotated[
        str | None, Query(pattern=r"^[0-9a-f]{32}$", description="the notice record's")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    part = normalize_mpn(mpn) if mpn else None
    rows = await pool.fetch(
        """
        SELECT body FROM assessments
        WHERE ($1::text IS NULL OR upper(mpn) = $1 OR matched_mpn = $1)
          AND ($2::text IS NULL OR severity = $2)
          AND ($4::text IS NULL OR record_id = $4)
        ORDER BY computed_at DESC, assessment_id
        LIMIT $3
        """,
        part,
        severity,
        limit,
        record_id,
    )
    items = [_document(r["body"]) for r in rows]
    return {"items": items, "count": len(items)}
