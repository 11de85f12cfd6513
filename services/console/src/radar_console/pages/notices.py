"""The inbox, its exports, and the assessment page with its decisions.

- ``GET /inbox``: notices and their assessments, newest first, filtered by the query string
  (``radar_console.inbox``), paged by cursor; ``/inbox.csv`` and ``/inbox.xlsx`` export exactly
  that filter, streamed.
- ``GET /notices/{record_id}``: the notice with its evidence, the where-used tree, the LTB
  working line by line, the options and alternates, the reminders, and the history.
- ``POST /notices/{record_id}/decision`` (engineers): acknowledge, decide, assign, note —
  :func:`radar_common.notices.decisions.decide`, the operation of
  ``POST /v1/notices/{id}/decision``, with the signed-in person as the actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from google.protobuf.json_format import ParseDict
from starlette.concurrency import iterate_in_threadpool

from radar_common.contracts import Assessment
from radar_common.notices import decisions
from radar_common.notices.assessments import ACTION_LABELS as OPTION_LABELS
from radar_common.notices.assessments import assessments_of, latest_assessment
from radar_common.notices.errors import NoticeError, NoticeNotFound, VersionConflict
from radar_common.notices.history import history
from radar_common.notices.records import (
    Executor,
    NoticeRecord,
    get,
    revisions_of,
    sources_of,
)
from radar_console.auth.session import Engineer, User, Viewer
from radar_console.inbox import (
    SEVERITIES,
    STATE_LABELS,
    BadFilter,
    InboxFilter,
    csv_stream,
    file_chunks,
    inbox_page,
    xlsx_file,
)
from radar_console.state import ConsoleState, StateDep
from radar_console.web.formatting import money, quantity
from radar_console.web.frame import render

router = APIRouter(include_in_schema=False)
RecordId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACTION_LABELS = {
    **OPTION_LABELS,
    "alternate": "Alternate",
    "acknowledge": "acknowledged",
    "assign": "owner assigned",
    "note": "note added",
}


def no_such_notice(request: Request, record_id: str, active: str) -> Response:
    return render(
        request,
        "error.html",
        {"title": "No such notice", "message": f"Notice {record_id} is not on record."},
        status=404,
        active=active,
    )


def _filter_or_error(request: Request) -> InboxFilter | Response:
    try:
        return InboxFilter.parse(dict(request.query_params))
    except BadFilter as exc:
        return render(
            request,
            "error.html",
            {"title": "This filter cannot be used", "message": str(exc)},
            status=422,
            active="inbox",
        )


@router.get("/inbox")
async def inbox(request: Request, state: StateDep, user: Viewer, cursor: str = "") -> Response:
    where = _filter_or_error(request)
    if isinstance(where, Response):
        return where
    try:
        page = await inbox_page(
            state.pool, where, state.settings.clock.today(), cursor=cursor or None
        )
    except BadFilter as exc:
        return render(
            request, "error.html", {"title": "Bad page link", "message": str(exc)}, status=422
        )
    return render(
        request,
        "inbox.html",
        {
            "where": where,
            "page": page,
            "first": not cursor,
            "severities": SEVERITIES,
            "states": STATE_LABELS,
            "next_link": f"/inbox?{where.query(cursor=page.next_cursor)}"
            if page.next_cursor
            else "",
        },
        active="inbox",
    )


def _export_name(where: InboxFilter, today: date, suffix: str) -> str:
    return f'attachment; filename="radar-notices-{today.isoformat()}.{suffix}"'


@router.get("/inbox.csv")
async def inbox_csv(request: Request, state: StateDep, user: Viewer) -> Response:
    where = _filter_or_error(request)
    if isinstance(where, Response):
        return where
    today = state.settings.clock.today()
    return StreamingResponse(
        csv_stream(state.pool, where, today),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": _export_name(where, today, "csv")},
    )


@router.get("/inbox.xlsx")
async def inbox_xlsx(request: Request, state: StateDep, user: Viewer) -> Response:
    where = _filter_or_error(request)
    if isinstance(where, Response):
        return where
    today = state.settings.clock.today()
    file = await xlsx_file(state.pool, where, today)
    return StreamingResponse(
        iterate_in_threadpool(file_chunks(file)),
        media_type=XLSX,
        headers={"Content-Disposition": _export_name(where, today, "xlsx")},
    )


@dataclass(frozen=True)
class Working:
    """One line of the LTB working: what, how it is computed, the number."""

    key: str
    label: str
    how: str
    value: str


def ltb_working(a: Assessment, money: Any, qty: Any) -> list[Working]:
    """The LTB arithmetic of ``a`` line by line (docs/impact.md), with its own numbers."""
    cur = a.currency or "USD"
    lines = [
        Working("as_of", "Assessed as of", "the day the numbers are for", a.as_of),
        Working(
            "ltb_date",
            "LTB date",
            "stated" if "last_time_buy" not in a.inferred_dates else "inferred (J-STD-048)",
            a.effective_last_time_buy_date or "none",
        ),
        Working(
            "need_before_ltb",
            "Need before the LTB date",
            "Σ demand until the LTB date",
            qty(a.need_before_ltb),
        ),
        Working(
            "need_after_ltb",
            "Need after the LTB date",
            "Σ demand until support ends",
            qty(a.need_after_ltb),
        ),
        Working(
            "available_stock", "Stock and open orders", "on hand + on order", qty(a.available_stock)
        ),
        Working(
            "shortfall",
            "Short before the LTB date",
            "max(0, need before - stock), bought through regular orders",
            f"{qty(a.shortfall_before_ltb)} ({money(a.shortfall_cost or 0, cur)})",
        ),
        Working(
            "stock_at_ltb",
            "Stock left at the LTB date",
            "max(0, stock - need before)",
            qty(a.stock_at_ltb),
        ),
        Working(
            "ltb_need",
            "Units to cover",
            "ceil(need after x (1 + safety) - stock left)",
            qty(a.ltb_need),
        ),
        Working(
            "ordering_terms",
            "Ordering terms",
            "raised to the MOQ, rounded up to the order multiple",
            f"MOQ {qty(a.moq)}, multiple {qty(a.order_multiple)}",
        ),
        Working(
            "ltb_quantity", "LTB quantity", "units to order by the LTB date", qty(a.ltb_quantity)
        ),
        Working("unit_price", "Unit price", "the part's price", money(a.part_unit_price or 0, cur)),
        Working("ltb_cost", "LTB cost", "LTB quantity x unit price", money(a.ltb_cost or 0, cur)),
        Working("uncovered", "Uncovered", "max(0, need after - stock left)", qty(a.uncovered)),
        Working(
            "revenue_at_risk",
            "Revenue at risk",
            "Σ products' share of the uncovered units / units per product x product price",
            money(a.revenue_at_risk or 0, cur),
        ),
    ]
    return lines


@dataclass(frozen=True)
class ReminderPlan:
    stopped: str  # why reminders stopped ("" while they go on)
    upcoming: list[tuple[int, date]]  # (days before, day), not yet sent
    sent: list[dict[str, Any]]


async def reminder_plan(
    db: Executor, offsets: tuple[int, ...], record: NoticeRecord, today: date
) -> ReminderPlan:
    sent = [
        dict(r)
        for r in await db.fetch(
            "SELECT ltb, offset_days, sent_on FROM notice_reminders WHERE record_id = $1"
            " ORDER BY sent_on, offset_days DESC",
            record.record_id,
        )
    ]
    if record.state == "decided":
        by = (record.decision or {}).get("by", "")
        return ReminderPlan(f"decided{f' by {by}' if by else ''}", [], sent)
    if record.state == "closed":
        return ReminderPlan("the notice is closed", [], sent)
    ltb = record.effective_ltb
    if ltb is None or record.ltb_passed or ltb < today:
        return ReminderPlan("no LTB date ahead", [], sent)
    if record.ltb_quantity <= 0:
        return ReminderPlan("nothing to buy", [], sent)
    done = {(s["ltb"], s["offset_days"]) for s in sent}
    upcoming = [
        (o, ltb - timedelta(days=o))
        for o in offsets
        if (ltb, o) not in done and ltb - timedelta(days=o) >= today
    ]
    return ReminderPlan("", upcoming, sent)


def where_used_tree(a: Assessment) -> list[dict[str, Any]]:
    """Products using the part, each with its BOM paths (product → assemblies → part)."""
    return [
        {
            "sku": w.sku,
            "name": w.name,
            "eff_qty": w.eff_qty,
            "monthly_demand": w.monthly_demand,
            "unit_price": w.unit_price,
            "support_end": w.support_end,
            "paths": [{"nodes": list(p.nodes), "quantity": p.quantity} for p in w.paths],
        }
        for w in a.where_used
    ]


async def notice_context(
    state: ConsoleState, db: Executor, user: User, record: NoticeRecord
) -> dict[str, Any]:
    """What the assessment page shows, read on one connection (``db``): a page is several
    small queries, and a pool round trip per query would double them."""
    body = await latest_assessment(db, record)
    assessment = (
        ParseDict(body, Assessment(), ignore_unknown_fields=True) if body is not None else None
    )
    today = state.settings.clock.today()
    return {
        "record": record,
        "facts": record.facts,
        "state_label": STATE_LABELS.get(record.state, record.state),
        "a": assessment,
        "currency": (assessment.currency if assessment else "") or "USD",
        "tree": where_used_tree(assessment) if assessment else [],
        "working": ltb_working(assessment, money, quantity) if assessment else [],
        "action_labels": ACTION_LABELS,
        "days_left": (record.effective_ltb - today).days if record.effective_ltb else None,
        "reminders": await reminder_plan(db, state.settings.reminder_offsets, record, today),
        "sources": await sources_of(db, record.record_id),
        "entries": await history(db, record.record_id),
        "revisions": await revisions_of(db, record.record_id),
        "assessments": await assessments_of(db, record.record_id),
        "may_decide": user.may_decide,
        "actions": decisions.CHOSEN_ACTIONS,
    }


@router.get("/notices/{record_id}")
async def notice_page(
    request: Request,
    state: StateDep,
    user: Viewer,
    record_id: RecordId,
    done: str = "",
    problem: str = "",
) -> Response:
    async with state.pool.acquire() as db:
        try:
            record = await get(db, record_id)
        except NoticeNotFound:
            return no_such_notice(request, record_id, "inbox")
        context = await notice_context(state, db, user, record)
    return render(
        request,
        "notice.html",
        {**context, "done": done[:200], "problem": problem[:500]},
        active="inbox",
    )


@router.post("/notices/{record_id}/decision")
async def notice_decision(
    request: Request,
    state: StateDep,
    user: Engineer,
    record_id: RecordId,
    action: Annotated[str, Form(max_length=40)],
    version: Annotated[int | None, Form()] = None,
    quantity: Annotated[str, Form(max_length=20)] = "",
    alternate_mpn: Annotated[str, Form(max_length=200)] = "",
    owner: Annotated[str | None, Form(max_length=200)] = None,
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """One button of the assessment page; the answer is the page again (PRG), with what
    happened or why nothing did."""
    amount: int | None = None
    if quantity.strip():
        try:
            amount = int(quantity.replace(",", "").strip())
        except ValueError:
            return _back(record_id, problem=f"quantity: {quantity!r} is not a whole number")
    given = decisions.DecisionInput(
        actor=user.email,
        action=action,
        quantity=amount,
        alternate_mpn=alternate_mpn,
        owner=owner if action == "assign" or (owner or "").strip() else None,
        note=note,
        expected_version=version,
    )
    try:
        await decisions.decide(state.pool, record_id, given)
    except VersionConflict:
        return _back(
            record_id,
            problem="Someone changed this notice while you were looking at it: "
            "check the page as it is now and decide again.",
        )
    except NoticeError as exc:
        return _back(record_id, problem=str(exc))
    return _back(record_id, done=ACTION_LABELS.get(action, action.replace("_", " ")))


def _back(record_id: str, *, done: str = "", problem: str = "") -> Response:
    query = urlencode({k: v for k, v in {"done": done, "problem": problem}.items() if v})
    return RedirectResponse(f"/notices/{record_id}?{query}#decide", status_code=303)
