"""The fault suite's alert receiver: answers by policy and counts effects per notification.

A :class:`HookReceiver` is the suite's one loopback HTTP server (``tests.support.receiver``)
with two differences: it asks a policy for every answer — "answer 429 the first time this
assessment arrives, then 200" — and it counts attempts per (channel, notification), so that it
can tell a delivered alert from a refused attempt and count duplicates.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from tests.support.receiver import Answer, Received, Receiver


def channel_of(hit: Received) -> str:
    """The channel a request came in on: the first segment of its path."""
    return hit.path.strip("/").split("/")[0] or "webhook"


def _alert_field(hit: Received, name: str) -> str:
    """A field of the generic webhook's ``data``, else ``<name> <id>`` in Slack/Teams text."""
    try:
        doc = hit.json()
    except ValueError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("data"), dict):
        return str(doc["data"].get(f"{name}_id") or "")
    found = re.search(rf"{name}\W{{1,4}}([0-9a-f]{{32}})", hit.body.decode(errors="replace"))
    return found.group(1) if found else ""


def assessment_id(hit: Received) -> str:
    return _alert_field(hit, "assessment")


def task_id(hit: Received) -> str:
    return _alert_field(hit, "task")


def identity(hit: Received) -> str:
    """What makes two requests the same notification: the key, else the assessment."""
    return hit.header("Idempotency-Key") or assessment_id(hit) or hit.body.decode(errors="replace")


# policy(channel, body, attempt) -> answer; attempt counts requests with the same identity.
Policy = Callable[[str, bytes, int], Answer]


def always_ok(channel: str, body: bytes, attempt: int) -> Answer:
    return Answer()


@dataclass(frozen=True)
class Deliveries:
    """What the receiver saw, reduced to the numbers the accounting table needs."""

    requests: int
    delivered: int
    replays: int
    duplicates: int
    task_ids: frozenset[str]


class HookReceiver(Receiver):
    """Loopback HTTP server: ``url(channel)`` is where a channel should post its alerts."""

    def __init__(self, policy: Policy = always_ok) -> None:
        super().__init__()
        self.policy = policy

    def key(self, request: Received) -> Hashable:
        return (channel_of(request), identity(request))

    def answer(self, request: Received) -> Answer:
        return self.policy(channel_of(request), request.body, request.attempt)

    def url(self, path: str = "webhook") -> str:
        """Where the channel named ``path`` posts."""
        return super().url("/" + path.lstrip("/"))

    def delivered_pairs(self) -> set[tuple[str, str]]:
        """(channel, task id) of every alert answered 2xx."""
        return {(channel_of(h), task_id(h)) for h in self.snapshot() if h.delivered}

    def wait_delivered(
        self, task_ids: set[str], channels: tuple[str, ...], timeout: float
    ) -> set[tuple[str, str]]:
        """Wait until each task's alert reached each channel; return the (channel, task) missing."""
        wanted = {(c, t) for c in channels for t in task_ids}
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                seen = {(channel_of(h), task_id(h)) for h in self.received if h.delivered}
                missing = wanted - seen
                remaining = deadline - time.monotonic()
                if not missing or remaining <= 0:
                    return missing
                self._cond.wait(min(remaining, 1.0))

    def deliveries(self) -> Deliveries:
        """Count effects: a 2xx per (channel, notification) is one alert, more are repeats.

        A repeat carrying the same ``Idempotency-Key`` is a *replay* a real receiver discards;
        a repeat without one, or the same assessment under a second key, is a *duplicate*.
        """
        hits = self.snapshot()
        per_identity: defaultdict[tuple[str, str], list[Received]] = defaultdict(list)
        keys_per_assessment: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
        for h in hits:
            if not h.delivered:
                continue
            per_identity[(channel_of(h), identity(h))].append(h)
            key = h.header("Idempotency-Key")
            if assessment_id(h) and key:
                keys_per_assessment[(channel_of(h), assessment_id(h))].add(key)
        replays = duplicates = 0
        for group in per_identity.values():
            extra = len(group) - 1
            if group[0].header("Idempotency-Key"):
                replays += extra
            else:
                duplicates += extra
        duplicates += sum(len(keys) - 1 for keys in keys_per_assessment.values())
        return Deliveries(
            requests=len(hits),
            delivered=len(per_identity),
            replays=replays,
            duplicates=duplicates,
            task_ids=frozenset(task_id(h) for h in hits if h.delivered and task_id(h)),
        )
