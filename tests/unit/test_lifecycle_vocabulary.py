"""The normalizer and the watcher map every source's words onto one lifecycle vocabulary."""

from __future__ import annotations

from radar_common.notices.facts import LIFECYCLE_ORDER, LifecycleStatus
from radar_normalizer import vocab
from radar_watcher import lifecycle


def test_the_normalizer_maps_onto_the_shared_statuses() -> None:
    words = [*vocab._STATUS, "Not Recommended for New Designs", "gibberish"]
    assert {vocab.lifecycle_status(w) for w in words} <= set(LifecycleStatus)
    assert set(vocab.KIND_STATUS.values()) <= set(LifecycleStatus)


def test_the_watcher_orders_the_shared_statuses() -> None:
    assert tuple(LIFECYCLE_ORDER) == lifecycle.STATUSES
    assert lifecycle.worst(["active", "eol", "nrnd", "unknown"]) == LifecycleStatus.EOL
