"""The worker runtime's API for services: ``handle(message, ctx) -> list[output]`` stages.

Handlers are plain typed coroutines; acking, retries, dead letters, tracing, metrics and task
progress live in :mod:`radar_common.bus.runtime`, one role per module (see there).
"""

from radar_common.bus.runtime.context import MessageContext
from radar_common.bus.runtime.decode import parse_as
from radar_common.bus.runtime.delivery import Delivery
from radar_common.bus.runtime.errors import PermanentError, StepTimeout
from radar_common.bus.runtime.outage import dependency_unavailable
from radar_common.bus.runtime.retry import retry_delay, step_timeout
from radar_common.bus.runtime.stage import Handler, Stage
from radar_common.bus.runtime.worker import Worker

__all__: list[str] = [
    "Delivery",
    "Handler",
    "MessageContext",
    "PermanentError",
    "Stage",
    "StepTimeout",
    "Worker",
    "dependency_unavailable",
    "parse_as",
    "retry_delay",
    "step_timeout",
]
