"""What the inbox lists: the filter people set, its rows, and the same rows exported.

The filter is the page's query string (so a filtered inbox is a link, and the export links
carry exactly the filter on screen). Rows are read through
:func:`radar_common.notices.records.list_records`, the listing the API's ``GET /v1/notices``
uses, newest first, paged by its cursor. Exports walk the same listing page by page and
stream, so 20,000 rows never sit in memory at once.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import IO, Any
from urllib.parse import urlencode

import asyncpg
from openpyxl import Workbook

from radar_common.notices.records import Executor, NoticeFilter, NoticeRecord, list_records
from radar_console.web.formatting import DEFAULT_CURRENCY

SEVERITIES = ("critical", "high", "medium", "low", "info")
# What the inbox calls each state (closed notices are listed only when asked for).
STATE_LABELS = {
    "new": "new",
    "needs_review": "needs review",
    "acknowledged": "acknowledged",
    "decided": "decided",
    "closed": "closed",
}
OPEN_STATES = ("new", "needs_review", "acknowledged", "decided")
PAGE_SIZE = 50
EXPORT_BATCH = 1000
EXPORT_COLUMNS = (
    "severity",
    "mpn",
    "manufacturer",
    "notice_number",
    "kind",
    "state",
    "received",
    "ltb_date",
    "days_left",
    "ltb_quantity",
    "ltb_cost",
    "revenue_at_risk",
    "currency",
    "owner",
    "record_id",
)


class BadFilter(ValueError):
    """A filter value the inbox cannot use (shown to the person, nothing is listed)."""


@dataclass(frozen=True)
class InboxFilter:
    """The inbox's filter as the query string gives it (empty: not narrowed)."""

    severity: str = ""
    manufacturer: str = ""
    product: str = ""
    state: str = ""  # one of STATE_LABELS, or "" for every open notice
    since: date | None = None  # received on or after
    until: date | None = None  # received on or before
    mpn: str = ""  # part number search (prefix)
    review: str = ""  # "pending": the review queue

    @classmethod
    def parse(cls, params: dict[str, str]) -> InboxFilter:
        def day(name: str) -> date | None:
            text = params.get(name, "").strip()
            if not text:
                return None
            try:
                return date.fromisoformat(text)
            except ValueError as exc:
                raise BadFilter(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from exc

        severity = params.get("severity", "").strip().lower()
        if severity and severity not in SEVERITIES:
            raise BadFilter(f"severity: {severity!r} is not one of {', '.join(SEVERITIES)}")
        state = params.get("state", "").strip().lower()
        if state and state not in STATE_LABELS:
            raise BadFilter(f"state: {state!r} is not one of {', '.join(STATE_LABELS)}")
        review = params.get("review", "").strip().lower()
        if review and review != "pending":
            raise BadFilter("review: only 'pending' is known")
        found = cls(
            severity=severity,
            manufacturer=params.get("manufacturer", "").strip()[:200],
            product=params.get("product", "").strip()[:200],
            state=state,
            since=day("from"),
            until=day("to"),
            mpn=params.get("mpn", "").strip()[:100],
            review=review,
        )
        if found.since and found.until and found.since > found.until:
            raise BadFilter("from is after to")
        return found

    def query(self, **extra: str) -> str:
        """The query string of this filter (plus ``extra``), without empty values."""
        values = {
            "severity": self.severity,
            "manufacturer": self.manufacturer,
            "product": self.product,
            "state": self.state,
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
            "mpn": self.mpn,
            "review": self.review,
            **extra,
        }
        return urlencode({k: v for k, v in values.items() if v})

    def notice_filter(self) -> NoticeFilter:
        def start(day: date) -> datetime:
            return datetime.combine(day, time.min, tzinfo=UTC)

        return NoticeFilter(
            review=self.review or None,
            states=(self.state,) if self.state else OPEN_STATES,
            manufacturer=self.manufacturer or None,
            severity=self.severity or None,
            since=start(self.since) if self.since else None,
            until=start(self.until + timedelta(days=1)) if self.until else None,
            mpn_prefix=self.mpn or None,
            product=self.product or None,
        )


@dataclass(frozen=True)
class InboxRow:
    record: NoticeRecord
    currency: str
    days_left: int | None

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.record.state, self.record.state)

    def export(self) -> list[Any]:
        r = self.record
        return [
            r.severity,
            r.facts.mpn,
            r.facts.manufacturer,
            r.facts.notice_number,
            r.facts.notice_kind,
            self.state_label,
            r.received_on.isoformat(),
            r.effective_ltb.isoformat() if r.effective_ltb else "",
            "" if self.days_left is None else self.days_left,
            r.ltb_quantity,
            Decimal(r.ltb_cost).quantize(Decimal("0.01")),
            Decimal(r.revenue_at_risk).quantize(Decimal("0.01")),
            self.currency,
            r.owner,
            r.record_id,
        ]


async def currencies(db: Executor, ids: list[str]) -> dict[str, str]:
    """The currency of each latest assessment (by assessment id)."""
    if not ids:
        return {}
    rows = await db.fetch(
        "SELECT assessment_id, body->>'currency' AS currency FROM assessments "
        "WHERE assessment_id = ANY($1::text[])",
        ids,
    )
    return {r["assessment_id"]: r["currency"] or DEFAULT_CURRENCY for r in rows}


def days_left(record: NoticeRecord, today: date) -> int | None:
    return (record.effective_ltb - today).days if record.effective_ltb else None


async def rows_of(db: asyncpg.Pool, records: list[NoticeRecord], today: date) -> list[InboxRow]:
    money = await currencies(db, [r.assessment_id for r in records if r.assessment_id])
    return [
        InboxRow(r, money.get(r.assessment_id or "", DEFAULT_CURRENCY), days_left(r, today))
        for r in records
    ]


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    next_cursor: str | None


async def inbox_page(
    db: asyncpg.Pool, where: InboxFilter, today: date, *, cursor: str | None, limit: int = PAGE_SIZE
) -> InboxPage:
    """One page of the inbox (raises BadFilter for a cursor the inbox did not give out); both
    queries on one connection (a pool round trip each would double them)."""
    async with db.acquire() as conn:
        try:
            page = await list_records(conn, where.notice_filter(), limit=limit, cursor=cursor)
        except ValueError as exc:
            raise BadFilter(str(exc)) from exc
        return InboxPage(await rows_of(conn, page.items, today), page.next_cursor)


async def export_rows(
    db: asyncpg.Pool, where: InboxFilter, today: date
) -> AsyncIterator[list[InboxRow]]:
    """Every row of the filter, a batch at a time (the cursor carries on between batches)."""
    cursor: str | None = None
    notice_filter = where.notice_filter()
    while True:
        async with db.acquire() as conn:
            page = await list_records(conn, notice_filter, limit=EXPORT_BATCH, cursor=cursor)
            rows = await rows_of(conn, page.items, today)
        yield rows
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


async def csv_stream(db: asyncpg.Pool, where: InboxFilter, today: date) -> AsyncIterator[bytes]:
    """The filter's rows as CSV (UTF-8 with a BOM, so spreadsheet programs read it right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    yield ("\ufeff" + buffer.getvalue()).encode()
    async for batch in export_rows(db, where, today):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(row.export() for row in batch)
        yield buffer.getvalue().encode()


async def xlsx_file(db: asyncpg.Pool, where: InboxFilter, today: date) -> IO[bytes]:
    """The filter's rows as an XLSX workbook in a temporary file (openpyxl's write-only mode
    writes rows out as they come, so memory stays flat); the caller streams and closes it."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Notices")
    sheet.append(list(EXPORT_COLUMNS))
    async for batch in export_rows(db, where, today):
        for row in batch:
            sheet.append(row.export())
    out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the response that streams it
    book.save(out)
    out.seek(0)
    return out


def file_chunks(file: IO[bytes], size: int = 1 << 16) -> Iterator[bytes]:
    try:
        while chunk := file.read(size):
            yield chunk
    finally:
        file.close()


def with_review(where: InboxFilter) -> InboxFilter:
    return replace(where, review="pending")
