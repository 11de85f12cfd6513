"""Lifecycle statuses: the internal list, their order, and what a move between them means.

Every source speaks its own vocabulary; each adapter maps it onto :data:`STATUSES` with
:func:`status_from` and its own table. Radar's status for a part is the most severe status any
source reports now (:func:`worst`): sources that disagree are recorded and shown, never
averaged, and a part is reactivated only once no source still reports it discontinued.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

from radar_common.notices.facts import LIFECYCLE_ORDER, LifecycleStatus, NoticeKind

# The shared vocabulary (radar_common.notices.facts), as the plain strings records hold.
UNKNOWN = LifecycleStatus.UNKNOWN.value
ACTIVE = LifecycleStatus.ACTIVE.value
STATUSES = tuple(s.value for s in LIFECYCLE_ORDER)
LIFECYCLE_CHANGE = NoticeKind.LIFECYCLE_CHANGE.value
REACTIVATION = NoticeKind.REACTIVATION.value
_PARENTHESIS = re.compile(r"\(.*?\)|\[.*?\]")


def rank(status: str) -> int:
    """Position in :data:`STATUSES`; -1 for unknown."""
    return STATUSES.index(status) if status in STATUSES else -1


def worst(statuses: Iterable[str]) -> str:
    """The most severe known status, or unknown when none is known."""
    known = [s for s in statuses if s in STATUSES]
    return max(known, key=rank) if known else UNKNOWN


def status_from(raw: str, table: Mapping[str, str]) -> str:
    """A provider's word mapped through its ``table`` (keys lower case, single-spaced).

    Annotations such as Nexar's "(Last Updated: 2 years ago)" are dropped first; words the
    table does not know are unknown, never guessed.
    """
    return table.get(_vocabulary_key(raw), UNKNOWN)


@functools.lru_cache(maxsize=1024)  # providers use a handful of words, millions of times
def _vocabulary_key(raw: str) -> str:
    key = _PARENTHESIS.sub(" ", raw).replace("_", " ").lower()
    return re.sub(r"\s+", " ", key).strip(" .")


def change_kind(announced: str, new: str) -> str | None:
    """The event a move of Radar's status from ``announced`` to ``new`` produces, if any.

    - toward discontinuance (active or unknown to NRND, EOL, obsolete; NRND to EOL; ...):
      ``lifecycle_change``;
    - back to active from NRND, EOL or obsolete: ``reactivation``;
    - anything else (a first "active", a source taking back the worse of two statuses): none;
      the new status is recorded silently.
    """
    if new not in STATUSES or new == announced:
        return None
    if rank(new) > rank(announced):
        return LIFECYCLE_CHANGE if new != ACTIVE else None
    if new == ACTIVE and rank(announced) > 0:
        return REACTIVATION
    return None
