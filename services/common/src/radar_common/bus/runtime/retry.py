"""When a failed message is tried again, and when the runtime gives up on it."""

from __future__ import annotations

from radar_common.bus.runtime.errors import StepTimeout
from radar_common.settings import WorkerSettings

# Used when the stage's settings have no ``step_timeout_seconds``; 0 means no limit.
DEFAULT_STEP_TIMEOUT_SECONDS = 300.0


def retry_delay(settings: WorkerSettings, deliveries: int) -> float:
    """Exponential backoff before the next delivery: base * 2**(n-1), capped."""
    delay = settings.retry_base_seconds * 2.0 ** max(0, deliveries - 1)
    return float(min(settings.retry_max_seconds, delay))


def step_timeout(settings: WorkerSettings) -> float | None:
    """The stage's handler time limit in seconds (``RADAR_STEP_TIMEOUT_SECONDS``), or None."""
    value = float(getattr(settings, "step_timeout_seconds", DEFAULT_STEP_TIMEOUT_SECONDS))
    return value if value > 0 else None


def last_attempt(settings: WorkerSettings, deliveries: int) -> bool:
    """True on the last delivery JetStream will make: a failure now is dead-lettered."""
    return deliveries >= settings.max_deliver


def give_up_reason(stage: str, exc: BaseException, deliveries: int, max_deliver: int) -> str:
    """Why a transient failure on the last delivery ends the message (the task's error)."""
    if isinstance(exc, StepTimeout):
        return f"{exc} (delivery {deliveries} of {max_deliver})"
    return f"{stage} failed after {deliveries} deliveries: {exc!r}"
