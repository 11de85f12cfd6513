"""Known parts: an optional catalog that confirms extracted part numbers.

Extraction works without one. When a catalog is given, a part found in it (exactly or by base
number) gains confidence, and the last-resort prose scan keeps only catalog parts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Protocol

import asyncpg

from radar_common.partnumbers import base_mpn

log = logging.getLogger(__name__)


class KnownParts(Protocol):
    """Anything that answers "is this part number known?" (a ``frozenset`` of MPNs will do)."""

    def __contains__(self, mpn: object, /) -> bool: ...


class CatalogParts:
    """Known parts indexed by orderable and base number (upper case)."""

    def __init__(
        self, mpns: Iterable[str], manufacturer: str = "", bases: Iterable[str] = ()
    ) -> None:
        self._mpns = {m.strip().upper() for m in mpns if m.strip()}
        self._bases = {base_mpn(m, manufacturer) for m in self._mpns}
        self._bases.update(b.strip().upper() for b in bases if b.strip())

    def __contains__(self, mpn: object, /) -> bool:
        return isinstance(mpn, str) and (mpn.upper() in self._mpns or mpn.upper() in self._bases)

    def __len__(self) -> int:
        return len(self._mpns)

    def entries(self) -> tuple[frozenset[str], frozenset[str]]:
        """The orderable and base numbers held (to rebuild the same set in another process)."""
        return frozenset(self._mpns), frozenset(self._bases)


def catalog_match(known: KnownParts | None, mpn: str, base: str) -> str:
    """``exact``, ``base`` or ``""`` (no catalog, or not in it)."""
    if known is None or not known:
        return ""  # no catalog, or an empty one: nothing to confirm against
    if mpn in known or mpn.upper() in known:
        return "exact"
    if base and (base in known or base.upper() in known):
        return "base"
    return "none"


class CatalogSnapshot:
    """The ``parts`` table of the catalog, read at start and refreshed in the background.

    Matching stays synchronous and in memory (extraction runs in a thread); a refresh that fails
    keeps the previous snapshot.
    """

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._parts = CatalogParts([])

    def __contains__(self, mpn: object, /) -> bool:
        return mpn in self._parts

    def __len__(self) -> int:
        return len(self._parts)

    @property
    def parts(self) -> CatalogParts:
        """The current snapshot (replaced, never changed, by a refresh)."""
        return self._parts

    async def refresh(self) -> int:
        """Reload the snapshot; returns how many parts it holds."""
        rows = await self.pool.fetch("SELECT mpn, base_mpn FROM parts")
        self._parts = CatalogParts(
            (str(r["mpn"]) for r in rows), bases=(str(r["base_mpn"]) for r in rows)
        )
        return len(self._parts)

    async def keep_fresh(self, every_seconds: float, stop: asyncio.Event) -> None:
        """Refresh every ``every_seconds`` until ``stop`` is set."""
        while not stop.is_set():
            try:
                await self.refresh()
            except (asyncpg.PostgresError, OSError) as exc:
                log.warning("catalog refresh failed, keeping the last snapshot: %r", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_seconds)
