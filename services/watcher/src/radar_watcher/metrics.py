"""The watcher's Prometheus metrics (``radar_watcher_`` prefix), labelled by source."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

PARTS_CHECKED = Counter(
    "radar_watcher_parts_checked_total", "Catalog parts a source was asked about.", ["source"]
)
CHANGES_FOUND = Counter(
    "radar_watcher_changes_total",
    "Lifecycle changes found and queued for ingestion.",
    ["source", "kind"],
)
API_ERRORS = Counter(
    "radar_watcher_api_errors_total",
    "Failed requests to a source (auth, rate_limited, quota, unavailable, error).",
    ["source", "kind"],
)
API_REQUESTS = Counter("radar_watcher_api_requests_total", "Requests made to a source.", ["source"])
QUOTA_REMAINING = Gauge(
    "radar_watcher_quota_remaining",
    "What is left of a source's daily or monthly allowance (-1: not limited).",
    ["source"],
)
LAST_SUCCESS = Gauge(
    "radar_watcher_source_last_success_timestamp_seconds",
    "When a source last answered a page (or, never having answered, was first enabled).",
    ["source"],
)
FAILING_SINCE = Gauge(
    "radar_watcher_source_failing_since_timestamp_seconds",
    "When a source's first failure since its last success happened (0: it answers).",
    ["source"],
)
CYCLE_PROGRESS = Gauge(
    "radar_watcher_cycle_checked_parts",
    "Parts checked so far in a source's current cycle.",
    ["source"],
)
CYCLE_TOTAL = Gauge(
    "radar_watcher_cycle_parts", "Parts a source's current cycle covers.", ["source"]
)
LEADER = Gauge("radar_watcher_leader", "1 when this replica holds the lease and polls.")
DELIVERIES = Counter(
    "radar_watcher_deliveries_total",
    "Changes sent to ingestion, by outcome (accepted, replayed, refused, failed).",
    ["outcome"],
)
