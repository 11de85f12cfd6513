"""The receiver's accounting itself: a wrong count would let the fault suite pass blind."""

from __future__ import annotations

import json

import httpx

from tests.faults.hooks import HookReceiver
from tests.support.receiver import Answer

TASK = "a" * 32


def _alert(assessment: str) -> bytes:
    return json.dumps(
        {"type": "radar.assessment", "data": {"assessment_id": assessment, "task_id": TASK}}
    ).encode()


def _post(r: HookReceiver, channel: str, body: bytes, key: str = "") -> int:
    headers = {"Idempotency-Key": key} if key else {}
    return httpx.post(r.url(channel), content=body, headers=headers).status_code


def test_replays_with_the_same_key_are_not_duplicates() -> None:
    with HookReceiver() as r:
        _post(r, "webhook", _alert("a1"), "k1")
        _post(r, "webhook", _alert("a1"), "k1")
        _post(r, "slack", _alert("a1"), "k2")  # another channel: its own alert
        counted = r.deliveries()
    assert (counted.delivered, counted.replays, counted.duplicates) == (2, 1, 0)
    assert counted.task_ids == {TASK}


def test_the_same_assessment_under_two_keys_or_without_a_key_is_a_duplicate() -> None:
    with HookReceiver() as r:
        _post(r, "webhook", _alert("a1"), "k1")
        _post(r, "webhook", _alert("a1"), "k2")
        _post(r, "teams", _alert("a2"))
        _post(r, "teams", _alert("a2"))
        counted = r.deliveries()
    assert counted.duplicates == 2


def test_refused_attempts_are_not_deliveries_and_the_policy_sees_attempts() -> None:
    def policy(channel: str, body: bytes, attempt: int) -> Answer:
        return Answer(429, headers={"Retry-After": "1"}) if attempt == 1 else Answer()

    with HookReceiver(policy) as r:
        assert _post(r, "slack", b"task `" + TASK.encode() + b"` assessment", "k1") == 429
        assert _post(r, "slack", b"task `" + TASK.encode() + b"` assessment", "k1") == 200
        counted = r.deliveries()
        pairs = r.delivered_pairs()
    assert (counted.requests, counted.delivered, counted.replays) == (2, 1, 0)
    assert pairs == {("slack", TASK)}
