"""The inbox's filter: what the query string may say, and the link that carries it on."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import parse_qsl

import pytest

from radar_console.inbox import OPEN_STATES, BadFilter, InboxFilter


def test_a_filter_round_trips_through_its_query_string() -> None:
    params = {
        "severity": "high",
        "manufacturer": "Texas Instruments",
        "product": "GW-200",
        "state": "needs_review",
        "from": "2026-01-01",
        "to": "2026-01-31",
        "mpn": "lm35",
    }
    where = InboxFilter.parse(params)
    assert InboxFilter.parse(dict(parse_qsl(where.query()))) == where
    assert where.query(cursor="abc").endswith("cursor=abc")
    narrowed = where.notice_filter()
    assert narrowed.states == ("needs_review",)
    assert narrowed.since == datetime(2026, 1, 1, tzinfo=UTC)
    # "to" is inclusive: everything received before the next day.
    assert narrowed.until == datetime(2026, 2, 1, tzinfo=UTC)
    assert (narrowed.mpn_prefix, narrowed.product) == ("lm35", "GW-200")


def test_no_state_means_every_open_one() -> None:
    assert InboxFilter.parse({}).notice_filter().states == OPEN_STATES
    assert InboxFilter.parse({}).query() == ""


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"severity": "urgent"}, "severity"),
        ({"state": "done"}, "state"),
        ({"from": "31/01/2026"}, "from"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "after"),
        ({"review": "later"}, "review"),
    ],
)
def test_values_the_inbox_cannot_use_are_refused_with_the_reason(
    params: dict[str, str], says: str
) -> None:
    with pytest.raises(BadFilter, match=says):
        InboxFilter.parse(params)


def test_dates_are_days() -> None:
    assert InboxFilter.parse({"from": "2026-03-04"}).since == date(2026, 3, 4)
