"""Routing: conditions to channels, the default table, and the example routing file."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from radar_common.contracts import WhereUsed
from radar_notifier.routing import Plan, Route, RoutingTable, default_table, load_routes, plan
from tests.notifier.samples import assessment

EXAMPLE = Path(__file__).parents[2] / "examples" / "routes.yaml"
ALL = ["slack", "teams", "webhook", "email"]


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("critical", ALL), ("high", ALL), ("medium", ALL), ("low", []), ("info", []), ("", [])],
)
def test_default_sends_medium_and_above_everywhere(severity: str, expected: list[str]) -> None:
    assert default_table(ALL).channels_for(assessment(severity=severity), ALL) == expected


def test_example_routing_file() -> None:
    table = load_routes(EXAMPLE, ALL)
    # high PDN from Example Semiconductor used in sensors: engineering + procurement + owners.
    assert table.channels_for(assessment(), ALL) == ["slack", "teams", "email"]
    # info about a sensor part: only the sensor owners (info is never sent by default).
    info = assessment(severity="info", notice_kind="pcn")
    assert table.channels_for(info, ALL) == ["teams"]
    # info about a part no route covers: recorded, sent nowhere.
    spare = assessment(severity="info", where_used=[WhereUsed(sku="DEMO-MAIN")])
    assert table.channels_for(spare, ALL) == []
    # critical TI part: the ERP webhook too (manufacturer match ignores case).
    ti = assessment(severity="critical", manufacturer="texas instruments", where_used=[])
    assert table.channels_for(ti, ALL) == ["slack", "teams", "webhook", "email"]
    # a channel that is not configured is never chosen.
    assert table.channels_for(ti, ["slack"]) == ["slack"]


def test_sku_globs_and_notice_kinds() -> None:
    route = Route(name="r", channels=["slack"], skus=["DEMO-H*"], notice_kinds=["PCN"])
    table = RoutingTable(routes=[route])
    assert table.matches(route, assessment(notice_kind="pcn"))
    assert not table.matches(route, assessment(notice_kind="pdn"))
    assert not table.matches(route, assessment(notice_kind="pcn", where_used=[]))


def test_unknown_product_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text("routes:\n  - {name: x, channels: [slack], product_lines: [nope]}\n")
    with pytest.raises(ValueError, match="unknown product lines"):
        load_routes(path, ALL)


def test_typos_and_bad_severities_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text("routes:\n  - {name: x, channel: [slack]}\n")
    with pytest.raises(ValidationError):
        load_routes(path, ALL)
    path.write_text("routes:\n  - {name: x, channels: [slack], min_severity: urgent}\n")
    with pytest.raises(ValidationError):
        load_routes(path, ALL)


def test_digest_routes_batch_only_what_a_channel_did_not_get_at_once() -> None:
    table = load_routes(EXAMPLE, ALL)
    low_spare = assessment(severity="low", where_used=[WhereUsed(sku="DEMO-MAIN")])
    assert table.channels_for(low_spare, ALL) == []
    assert table.digests_for(low_spare, ALL) == [("daily-summary", "teams")]
    # Teams gets the high PDN at once (procurement), so not again in the digest.
    assert table.digests_for(assessment(), ALL) == []
    assert table.has_digests
    assert not default_table(ALL).has_digests


def test_the_plan_sends_digests_and_says_why_the_rest_skip() -> None:
    table = RoutingTable(
        routes=[
            Route(name="now", channels=["slack"], min_severity="high"),
            Route(name="daily", channels=["slack", "email"], min_severity="low", digest=True),
        ]
    )
    high = plan(table, assessment(severity="high"), ["slack", "teams", "email"])
    assert high == Plan(
        send=("slack",),
        digests=(("daily", "email"),),
        skips=(
            ("teams", "not routed (severity high)"),
            ("email", "in the daily digest of route daily"),
        ),
    )
    low = plan(table, assessment(severity="low"), ["slack", "email"])
    assert low.send == ()
    assert low.digests == (("daily", "slack"), ("daily", "email"))


def test_a_replayed_dead_letter_plans_its_channel_alone() -> None:
    table = default_table(ALL)
    replay = plan(table, assessment(severity="critical"), ALL, replayed="teams")
    assert replay.send == ("teams",)
    assert replay.revive == "teams"
    assert [c for c, _ in replay.skips] == ["slack", "webhook", "email"]
    # A channel that is no longer configured is not revived; the routes decide as usual.
    gone = plan(table, assessment(severity="critical"), ["slack"], replayed="teams")
    assert (gone.send, gone.revive) == (("slack",), "")
