"""One-shot setup for a deployment (the Helm hook Job): ``python -m radar_inference.bootstrap``.

Connects with the settings from the environment, declares the JetStream streams and durable
consumers, runs the database migrations, and exits 0 (non-zero with the reason on failure).
"""

from __future__ import annotations

import asyncio
import logging
import sys

from radar_common.db import connect_pool, migrate
from radar_common.logs import configure_logging
from radar_common.worker_host import connect_bus
from radar_inference.settings import InferenceSettings

log = logging.getLogger("radar_inference.bootstrap")


async def bootstrap(settings: InferenceSettings) -> list[str]:
    """Ensure the topology and the schema; return the migrations applied now."""
    bus = await connect_bus(settings, "bootstrap")
    try:
        max_ack_pending = max(settings.fetch_batch, settings.concurrency) * 10
        await bus.ensure_topology(
            max_deliver=settings.max_deliver,
            ack_wait_seconds=settings.ack_wait_seconds,
            max_ack_pending=max_ack_pending,
        )
    finally:
        await bus.close()
    pool = await connect_pool(settings.database_url)
    try:
        return await migrate(pool)
    finally:
        await pool.close()


def main() -> int:
    settings = InferenceSettings(service_name="bootstrap")
    configure_logging("bootstrap", settings.log_level, json_lines=settings.log_json)
    try:
        applied = asyncio.run(bootstrap(settings))
    except Exception as exc:
        log.error("bootstrap failed: %r", exc)
        return 1
    log.info("topology ensured; migrations applied now: %s", ", ".join(applied) or "none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
