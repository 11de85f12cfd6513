"""With RADAR_METRICS_PORT set, /metrics leaves the API and ops ports for its own port.

The NetworkPolicy can then let Prometheus reach the metrics and nothing else, and callers of
the API reach the API and not the metrics (which name routes, consumers and volumes).
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from radar_cli.infra import NatsServer, free_port
from radar_cli.stack import Stack

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("service", ["ingestion", "normalizer"])
def test_metrics_are_served_on_their_own_port(
    service: str, nats_server: NatsServer, database_url: str, tmp_path: Path
) -> None:
    metrics_port = free_port()
    stack = Stack(
        nats_url=nats_server.url,
        database_url=database_url,
        log_dir=tmp_path / "logs",
        extra_env={
            "RADAR_API_KEYS": "metrics-port-key",
            "RADAR_METRICS_PORT": str(metrics_port),
            "OTEL_SDK_DISABLED": "true",
        },
    )
    try:
        stack.start((service,), timeout=60)
        main = stack.services[service].url
        assert httpx.get(f"{main}/healthz").status_code == 200
        assert httpx.get(f"{main}/metrics").status_code == 404
        scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics")
        assert scraped.status_code == 200
        assert "radar_build_info" in scraped.text
        assert httpx.get(f"http://127.0.0.1:{metrics_port}/healthz").status_code == 404
    finally:
        stack.stop_all()
