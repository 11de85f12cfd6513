"""Tasks: every accepted event is a task whose progress a caller can follow."""

from radar_common.tasks.model import REPORT_STATES, STEPS, Task, TaskState
from radar_common.tasks.store import TaskNotFound, TaskStore

__all__ = ["REPORT_STATES", "STEPS", "Task", "TaskNotFound", "TaskState", "TaskStore"]
