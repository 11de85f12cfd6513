"""The notifier's Prometheus metrics (same process registry as radar_common.metrics)."""

from __future__ import annotations

from prometheus_client import Counter

NOTIFICATIONS = Counter(
    "radar_notifier_notifications",
    "Notifications by channel and outcome (sent, failed, dead, skipped, duplicate).",
    ["channel", "outcome"],
)
RATE_LIMIT_WAIT = Counter(
    "radar_notifier_rate_limit_wait_seconds",
    "Seconds spent waiting for a destination's rate limit.",
    ["channel"],
)
HTTP_429 = Counter(
    "radar_notifier_http_429", "429 Too Many Requests answers received.", ["channel"]
)
RETRIES = Counter(
    "radar_notifier_retries", "Sends retried within a delivery after a failure.", ["channel"]
)
