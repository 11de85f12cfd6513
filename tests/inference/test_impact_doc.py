"""docs/impact.md's worked example, recomputed: its catalog and notice through the engine and
PostgreSQL give every number its table and its options list state."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict

from radar_common.catalog import import_texts
from radar_common.contracts import NormalizedNotice
from radar_inference.engine import assess_notice, match_notice
from radar_inference.settings import InferenceSettings
from tests.inference.catalogs import pool_for

pytestmark = pytest.mark.integration
DOC = Path(__file__).parents[2] / "docs" / "impact.md"


def example() -> str:
    text = DOC.read_text()
    start = text.index("## Worked example")
    return text[start : text.index("\n## ", start + 1)]


def catalog(section: str) -> dict[str, str]:
    found = re.findall(r"`(\w+\.csv)`\n\n```csv\n(.*?)```", section, flags=re.S)
    return dict(found)


def notice(section: str) -> NormalizedNotice:
    (raw,) = re.findall(r"```json\n(.*?)```", section, flags=re.S)
    fields = json.loads(raw)
    received = datetime.fromisoformat(fields.pop("received_at").replace("Z", "+00:00"))
    n = NormalizedNotice(notice_id="doc-example", **fields)
    n.received_at.FromDatetime(received)
    return n


def table(section: str) -> dict[str, str]:
    return dict(re.findall(r"^\| `(\w+)` \| ([^|]+?) \|$", section, flags=re.M))


def options(section: str) -> list[tuple[str, Decimal]]:
    (line,) = re.findall(r"8\. Options.*?(?=\n9\. )", section, flags=re.S)
    return [
        (action, Decimal(cost.replace(",", "")))
        for action, cost in re.findall(r"(\w+) ([\d,]+\.\d\d)", line)
    ]


async def test_the_worked_example_is_what_the_engine_computes(database_url: str) -> None:
    section = example()
    files = catalog(section)
    assert set(files) == {"products.csv", "bom.csv", "parts.csv", "alternates.csv"}
    async with pool_for(database_url) as pool:
        await import_texts(pool, files)
        n = notice(section)
        a = await assess_notice(pool, n, await match_notice(pool, n), InferenceSettings())
    got = MessageToDict(a, preserving_proto_field_name=True)
    expected = table(section)
    assert len(expected) >= 15
    for field, value in expected.items():
        actual = got.get(field, "")
        if re.fullmatch(r"-?[\d.]+", value):
            assert Decimal(str(actual or 0)) == Decimal(value), field
        else:
            assert str(actual) == value, field
    assert [(o.action, Decimal(o.cost)) for o in a.options] == options(section)
