"""The task record travels with the work, so the next stage writes without reading it first.

After its one task write, a stage puts the record as written (compressed JSON) and its KV
revision on its output messages. The stage that receives them seeds its task store with that
copy: its own write then goes straight to compare-and-set at that revision. When another
writer got in between, the write is refused and the store reads the record after all, so the
hint can make a write cheaper, never wrong.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Mapping

from radar_common.tasks import TaskStore

TASK_REVISION_HEADER = "Radar-Task-Revision"
TASK_RECORD_HEADER = "Radar-Task-Record"
HINT_HEADERS = (TASK_REVISION_HEADER, TASK_RECORD_HEADER)
# Records larger than this (compressed, base64) are not sent along: the next stage reads.
MAX_HINT_BYTES = 16_384


def hint_headers(tasks: TaskStore, task_id: str) -> dict[str, str]:
    """Headers carrying the record this process last wrote for ``task_id`` (or none)."""
    known = tasks.last_known(task_id) if task_id else None
    if known is None:
        return {}
    data, revision = known
    packed = base64.b64encode(zlib.compress(data, 1)).decode("ascii")
    if len(packed) > MAX_HINT_BYTES:
        return {}
    return {TASK_REVISION_HEADER: str(revision), TASK_RECORD_HEADER: packed}


def take_hint(tasks: TaskStore, task_id: str, headers: Mapping[str, str]) -> None:
    """Seed ``tasks`` with the record a delivery carries (ignored when absent or garbled)."""
    revision, packed = headers.get(TASK_REVISION_HEADER, ""), headers.get(TASK_RECORD_HEADER, "")
    if not (task_id and revision.isdigit() and packed):
        return
    try:
        data = zlib.decompress(base64.b64decode(packed, validate=True))
    except (ValueError, zlib.error):
        return
    tasks.seed(task_id, data, int(revision))
