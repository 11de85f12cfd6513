"""The review queue: notices a person must check, beside what their source said.

- ``GET /review``: notices whose review is pending, newest first (the listing of
  ``GET /v1/notices?review=pending``).
- ``GET /review/{record_id}``: the source's evidence and every arrival beside a form of the
  facts and the part mentions' roles.
- ``POST /review/{record_id}`` (engineers): :func:`radar_common.notices.review.review_notice`
  with the fields the person changed (none: the reading is confirmed), then the re-assessment
  of what it touched is queued like the API's (:func:`radar_common.notices.work.queue_review_work`);
  the answer is the assessment page, whose numbers follow once inference has re-assessed.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from radar_common.notices import review
from radar_common.notices.errors import NoticeError, NoticeNotFound, VersionConflict
from radar_common.notices.facts import CORRECTABLE
from radar_common.notices.records import get, sources_of
from radar_common.notices.work import queue_review_work
from radar_console.auth.session import Engineer
from radar_console.inbox import InboxFilter, inbox_page
from radar_console.pages.notices import no_such_notice
from radar_console.state import StateDep
from radar_console.web.frame import render

router = APIRouter(include_in_schema=False)
RecordId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
FIELD_LABELS = {
    "mpn": "Part number",
    "manufacturer": "Manufacturer",
    "notice_number": "Notice number",
    "notice_kind": "Kind",
    "lifecycle_status": "Lifecycle status",
    "issue_date": "Issue date",
    "last_time_buy_date": "Last-time-buy date",
    "last_ship_date": "Last-ship date",
    "replacement_mpn": "Replacement",
    "revision": "Revision",
}
CHOICES = {"notice_kind": review.NOTICE_KINDS, "lifecycle_status": review.LIFECYCLE_STATUSES}


@router.get("/review")
async def review_queue(
    request: Request, state: StateDep, user: Engineer, cursor: str = ""
) -> Response:
    where = InboxFilter(review="pending")
    page = await inbox_page(state.pool, where, state.settings.clock.today(), cursor=cursor or None)
    return render(
        request,
        "review_queue.html",
        {
            "rows": page.rows,
            "next_link": f"/review?{urlencode({'cursor': page.next_cursor})}"
            if page.next_cursor
            else "",
        },
        active="review",
    )


@router.get("/review/{record_id}")
async def review_page(
    request: Request, state: StateDep, user: Engineer, record_id: RecordId, problem: str = ""
) -> Response:
    try:
        record = await get(state.pool, record_id)
    except NoticeNotFound:
        return no_such_notice(request, record_id, "review")
    facts = record.facts.as_dict()
    return render(
        request,
        "review.html",
        {
            "record": record,
            "fields": [(name, FIELD_LABELS[name], facts.get(name, "")) for name in CORRECTABLE],
            "inferred": set(record.facts.inferred_fields),
            "choices": CHOICES,
            "roles": review.ROLES,
            "sources": await sources_of(state.pool, record_id),
            "problem": problem[:500],
        },
        active="review",
    )


@router.post("/review/{record_id}")
async def save_review(
    request: Request, state: StateDep, user: Engineer, record_id: RecordId
) -> Response:
    form = await request.form()
    try:
        record = await get(state.pool, record_id)
    except NoticeNotFound:
        return RedirectResponse("/review", status_code=303)
    facts = record.facts.as_dict()
    corrections: dict[str, str] = {}
    for name in CORRECTABLE:
        given = form.get(name)
        if not isinstance(given, str):
            continue
        value = given.strip()
        was = "" if name in record.facts.inferred_fields else str(facts.get(name, ""))
        if value != was and not (name.endswith("_date") and not value and not was):
            corrections[name] = value
    mentions = []
    for m in record.mentions:
        mpn = str(m.get("mpn", ""))
        role = form.get(f"role:{mpn}")
        if isinstance(role, str) and role and role != m.get("role"):
            mentions.append(review.MentionRole(mpn, role, str(m.get("replaces", ""))))
    note = form.get("note")
    version = form.get("version")
    given_review = review.ReviewInput(
        actor=user.email,
        corrections=corrections,
        mentions=tuple(mentions),
        note=note.strip()[:4000] if isinstance(note, str) else "",
        expected_version=int(version) if isinstance(version, str) and version.isdigit() else None,
        today=state.settings.clock.today(),
    )
    try:
        result = await review.review_notice(state.pool, record_id, given_review)
    except VersionConflict:
        return _again(record_id, "Someone changed this notice meanwhile: check it again.")
    except NoticeError as exc:
        return _again(record_id, str(exc))
    queued = await queue_review_work(
        state.bus,
        state.tasks,
        result.to_assess,
        [r for r in result.closed if r.assessment_id],
        actor=user.email,
        public_url=state.settings.public_url,
    )
    changed = ", ".join(FIELD_LABELS.get(c.field, c.field) for c in result.changes) or "confirmed"
    done = f"review saved ({changed}); " + (
        "re-assessing" if queued["queued"] else "re-assessment at the scheduler's next tick"
    )
    target = result.record.record_id
    return RedirectResponse(f"/notices/{target}?{urlencode({'done': done})}", status_code=303)


def _again(record_id: str, problem: str) -> Response:
    return RedirectResponse(
        f"/review/{record_id}?{urlencode({'problem': problem})}", status_code=303
    )
