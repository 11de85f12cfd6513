"""Notice records: list, read, review, decide, and their history.

Every write goes through the shared domain operations (:mod:`radar_common.notices`), the same
ones inference and the console use. A review changes facts, so it queues a re-assessment of
every record it touched as one task (followed like any other at ``status_url``); the alert of
the corrected assessment goes out through the pipeline as usual.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from radar_common.notices import decisions, review
from radar_common.notices.assessments import assessments_of, latest_assessment
from radar_common.notices.decisions import DecisionAction
from radar_common.notices.errors import (
    InvalidInput,
    InvalidOperation,
    NoticeError,
    NoticeNotFound,
    VersionConflict,
)
from radar_common.notices.facts import LifecycleStatus, NoticeKind, Role
from radar_common.notices.history import history
from radar_common.notices.records import (
    STATES,
    NoticeFilter,
    NoticeRecord,
    NoticeState,
    get,
    list_records,
    revisions_of,
    sources_of,
)
from radar_common.notices.severity import Severity
from radar_common.notices.work import queue_review_work
from radar_ingestion.api.deps import CredentialsFirst, PoolDep, StateDep, require_scope
from radar_ingestion.problems import Problem

# Credentials in one place: reading needs the `read` scope; review and decision change what
# people see and decide on, so they need `admin`. CredentialsFirst checks them before the body.
READ_AUTH = [require_scope("read")]
WRITE_AUTH = [require_scope("admin")]

router = APIRouter(route_class=CredentialsFirst, prefix="/v1", tags=["notices"])
RecordId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The notice record id")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such notice record"}}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    409: {"description": "The notice cannot take this now (closed, or the same as another)"},
    412: {"description": "If-Match does not name the record's current version"},
}
_ETAG = re.compile(r'^\s*(?:W/)?"?v?(\d+)"?\s*$')


def _problem(exc: NoticeError) -> Problem:
    if isinstance(exc, NoticeNotFound):
        return Problem(404, "notice-not-found", "No such notice", str(exc))
    if isinstance(exc, VersionConflict):
        return Problem(
            412, "version-conflict", "The notice changed", str(exc), current_version=exc.current
        )
    if isinstance(exc, InvalidInput):
        return Problem(422, "validation", "The request is not valid", str(exc))
    assert isinstance(exc, InvalidOperation)
    return Problem(409, "notice-conflict", "Not possible on this notice now", str(exc))


def etag(record: NoticeRecord) -> str:
    return f'"v{record.version}"'


def expected_version(if_match: str | None, body_version: int | None) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return body_version
    m = _ETAG.match(if_match)
    if m is None:
        raise Problem(422, "validation", "The request is not valid", "If-Match is not an ETag")
    return int(m.group(1))


@router.get("/notices", summary="Notice records, newest first", dependencies=READ_AUTH)
async def list_notices(
    pool: PoolDep,
    review_state: Annotated[
        Literal["pending"] | None,
        Query(alias="review", description="`pending`: notices waiting for a person to check"),
    ] = None,
    state: Annotated[list[NoticeState] | None, Query(description="Repeat to allow several")] = None,
    manufacturer: Annotated[str | None, Query(max_length=200)] = None,
    mpn: Annotated[str | None, Query(max_length=100, description="notice or matched MPN")] = None,
    kind: NoticeKind | None = None,
    severity: Severity | None = None,
    since: Annotated[datetime | None, Query(description="First received at or after")] = None,
    until: Annotated[datetime | None, Query(description="First received before")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=200, description="next_cursor")] = None,
) -> dict[str, Any]:
    where = NoticeFilter(
        review=review_state,
        states=tuple(str(s) for s in state or ()),
        manufacturer=manufacturer,
        mpn=mpn,
        kind=kind,
        severity=severity,
        since=since,
        until=until,
    )
    try:
        page = await list_records(pool, where, limit=limit, cursor=cursor)
    except ValueError as exc:
        raise Problem(422, "validation", "The request is not valid", str(exc)) from exc
    items = [r.summary() for r in page.items]
    return {"items": items, "count": len(items), "next_cursor": page.next_cursor}


@router.get(
    "/notices/{record_id}",
    summary="One notice: facts, evidence, sources, mentions, latest assessment",
    responses=NOT_FOUND,
    dependencies=READ_AUTH,
)
async def get_notice(pool: PoolDep, record_id: RecordId, response: Response) -> dict[str, Any]:
    try:
        record = await get(pool, record_id)
    except NoticeError as exc:
        raise _problem(exc) from exc
    response.headers["ETag"] = etag(record)
    return {
        **record.detail(),
        "sources": await sources_of(pool, record_id),
        "assessment": await latest_assessment(pool, record),
    }


class Corrections(BaseModel):
    """Facts a reviewer sets; a field left out is kept, ``null`` for a date clears it."""

    model_config = ConfigDict(extra="forbid")

    mpn: str | None = Field(default=None, min_length=1, max_length=200)
    manufacturer: str | None = Field(default=None, max_length=200)
    notice_number: str | None = Field(default=None, max_length=200)
    notice_kind: NoticeKind | None = None
    lifecycle_status: LifecycleStatus | None = None
    issue_date: date | None = None
    last_time_buy_date: date | None = None
    last_ship_date: date | None = None
    replacement_mpn: str | None = Field(default=None, max_length=200)
    revision: str | None = Field(default=None, max_length=100)

    def values(self) -> dict[str, str]:
        out = {}
        for name, value in self.model_dump(exclude_unset=True).items():
            out[name] = value.isoformat() if isinstance(value, date) else str(value or "")
        return out


class MentionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mpn: str = Field(min_length=1, max_length=200)
    role: Role
    replaces: str = Field(default="", max_length=200)


class ReviewBody(BaseModel):
    """Confirm what was read (no corrections), or correct facts and part roles."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "actor": "jane.doe@example.com",
                    "corrections": {"last_time_buy_date": "2026-06-05"},
                    "mentions": [{"mpn": "TPS7A4700RGWR", "role": "replacement"}],
                    "note": "05/06 is 5 June in this vendor's notices",
                }
            ]
        },
    )

    actor: str = Field(min_length=1, max_length=200, description="Who reviews")
    corrections: Corrections = Field(default_factory=Corrections)
    mentions: list[MentionBody] = Field(default_factory=list, max_length=500)
    note: str = Field(default="", max_length=4000)
    expected_version: int | None = Field(default=None, description="Same as If-Match")


class DecisionBody(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "actor": "jane.doe@example.com",
                    "action": "last_time_buy",
                    "quantity": 1200,
                    "owner": "procurement@example.com",
                    "note": "PO 4711",
                }
            ]
        },
    )

    actor: str = Field(min_length=1, max_length=200, description="Who decides")
    action: DecisionAction
    quantity: int | None = Field(default=None, gt=0, description="Units bought (last_time_buy)")
    alternate_mpn: str = Field(default="", max_length=200, description="For `alternate`")
    owner: str | None = Field(default=None, max_length=200)
    note: str = Field(default="", max_length=4000)
    expected_version: int | None = Field(default=None, description="Same as If-Match")


@router.post(
    "/notices/{record_id}/review",
    summary="Confirm or correct a notice's parts, roles and dates; re-assesses it",
    status_code=status.HTTP_202_ACCEPTED,
    responses=WRITE_ERRORS,
    dependencies=WRITE_AUTH,
)
async def review_notice(
    pool: PoolDep,
    state: StateDep,
    record_id: RecordId,
    body: ReviewBody,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> dict[str, Any]:
    """The review is stored at once (who changed what, when: see the history); the corrected
    assessment follows through the pipeline: follow ``reassessment.status_url``."""
    given = review.ReviewInput(
        actor=body.actor,
        corrections=body.corrections.values(),
        mentions=tuple(review.MentionRole(m.mpn, str(m.role), m.replaces) for m in body.mentions),
        note=body.note,
        expected_version=expected_version(if_match, body.expected_version),
    )
    try:
        result = await review.review_notice(pool, record_id, given)
    except NoticeError as exc:
        raise _problem(exc) from exc
    queued = await queue_review_work(
        state.bus,
        state.tasks,
        result.to_assess,
        [r for r in result.closed if r.assessment_id],
        actor=body.actor,
        public_url=state.settings.public_url,
    )
    response.headers["ETag"] = etag(result.record)
    return {
        "notice": result.record.detail(),
        "changes": [c.as_dict() for c in result.changes],
        "created": [r.record_id for r in result.created],
        "closed": [r.record_id for r in result.closed],
        "reassessment": queued,
    }


@router.post(
    "/notices/{record_id}/decision",
    summary="Acknowledge, decide (last-time buy, alternate, redesign, accept), assign, note",
    responses=WRITE_ERRORS,
    dependencies=WRITE_AUTH,
)
async def decide_notice(
    pool: PoolDep,
    record_id: RecordId,
    body: DecisionBody,
    response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> dict[str, Any]:
    """Recorded in the audit trail with who and when; a decision stops the reminders."""
    given = decisions.DecisionInput(
        actor=body.actor,
        action=str(body.action),
        quantity=body.quantity,
        alternate_mpn=body.alternate_mpn,
        owner=body.owner,
        note=body.note,
        expected_version=expected_version(if_match, body.expected_version),
    )
    try:
        record = await decisions.decide(pool, record_id, given)
    except NoticeError as exc:
        raise _problem(exc) from exc
    response.headers["ETag"] = etag(record)
    return {"notice": record.detail()}


@router.get(
    "/notices/{record_id}/history",
    summary="Everything that happened to a notice, in order",
    responses=NOT_FOUND,
    dependencies=READ_AUTH,
)
async def notice_history(pool: PoolDep, record_id: RecordId) -> dict[str, Any]:
    """``entries`` is the audit trail in order — arrivals, revisions, reviews, re-assessments,
    decisions, reminders, closure — each with who, when, before and after; ``revisions`` and
    ``assessments`` give the full content of each version and assessment."""
    try:
        await get(pool, record_id)
    except NoticeError as exc:
        raise _problem(exc) from exc
    return {
        "record_id": record_id,
        "entries": [e.as_dict() for e in await history(pool, record_id)],
        "revisions": await revisions_of(pool, record_id),
        "assessments": await assessments_of(pool, record_id),
    }


__all__ = ["READ_AUTH", "STATES", "WRITE_AUTH", "router"]
