"""Experiment only (``pipeline_bench.py --experiment no-task-progress``): what the task store
costs the workers. The runtime's one task write per message (progress reports and results)
and cancellation checks become no-ops in the worker processes, so a run shows the ceiling a
cheaper task store could reach. Never used by the services themselves or by any test.
"""

from __future__ import annotations

from typing import Any


async def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


async def _not_cancelled(*args: Any, **kwargs: Any) -> bool:
    return False


try:
    from radar_common.tasks.store import TaskStore
except ImportError:  # not a radar process
    pass
else:
    TaskStore.apply = _nothing  # type: ignore[method-assign,assignment]
    TaskStore.is_cancelled = _not_cancelled  # type: ignore[method-assign]
