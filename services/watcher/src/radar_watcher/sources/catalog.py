"""The offline source: the catalog's own ``parts.lifecycle_status``, as each import leaves it.

No account, no network: the cycle reads only the parts whose imported status differs from the
one this source recorded (``changed_only``), so re-importing a catalog where one part became
EOL produces exactly that part's change. The first status recorded for a part is its baseline
(what the catalog's owner already knew), never a change.
"""

from __future__ import annotations

from collections.abc import Sequence

from radar_watcher.catalog import CATALOG_SOURCE, CatalogPart
from radar_watcher.lifecycle import status_from
from radar_watcher.sources.protocol import Answer, Observation

# Words people put in a lifecycle column (manufacturer and distributor terms included).
VOCABULARY = {
    "active": "active",
    "production": "active",
    "in production": "active",
    "new": "active",
    "preview": "active",
    "nrnd": "nrnd",
    "nrfnd": "nrnd",
    "not recommended for new designs": "nrnd",
    "eol": "eol",
    "end of life": "eol",
    "ltb": "eol",
    "last time buy": "eol",
    "lifebuy": "eol",
    "obsolete": "obsolete",
    "discontinued": "obsolete",
    "inactive": "obsolete",
    "nlm": "obsolete",
}
PAGE_PARTS = 500


class CatalogSource:
    name = CATALOG_SOURCE
    parts_per_request = PAGE_PARTS
    changed_only = True

    async def check(self, parts: Sequence[CatalogPart]) -> Answer:
        return Answer(
            [
                Observation(
                    p.mpn,
                    status_from(p.lifecycle_status, VOCABULARY),
                    p.lifecycle_status,
                    p.manufacturer,
                    raw={"lifecycle_status": p.lifecycle_status},
                )
                for p in parts
            ],
            requests=0,
            units=0,
        )
