"""Leader election through one PostgreSQL row: replicas never poll twice.

The replica holding the lease row renews it every third of its lifetime; another takes it only
once it has expired, and every takeover increments ``token``. Each page a cycle records starts
by locking the row ``FOR SHARE`` and checking holder and token (:meth:`Lease.fence`), so a
replica that lost the lease while a request was in flight cannot record the answer; the
takeover itself waits for such a transaction to finish.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from dataclasses import dataclass

import asyncpg

log = logging.getLogger(__name__)
LEASE_NAME = "watcher"


class LeaseLost(RuntimeError):
    """Another replica holds the lease now: stop polling."""


@dataclass(frozen=True)
class Holder:
    holder: str
    token: int
    seconds_left: float


def holder_name() -> str:
    """host/pid/random: unique per process, readable in the lease row."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(self, pool: asyncpg.Pool, seconds: float, holder: str | None = None) -> None:
        self.pool = pool
        self.seconds = seconds
        self.holder = holder or holder_name()
        self.token = 0

    async def acquire(self) -> bool:
        """Take the lease if it is free, expired or already ours."""
        token = await self.pool.fetchval(
            "INSERT INTO watcher_lease (name, holder, token, expires_at)"
            " VALUES ($1, $2, 1, now() + make_interval(secs => $3))"
            " ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder,"
            "  token = watcher_lease.token + CASE WHEN watcher_lease.holder = EXCLUDED.holder"
            "   THEN 0 ELSE 1 END,"
            "  expires_at = EXCLUDED.expires_at"
            " WHERE watcher_lease.expires_at < now() OR watcher_lease.holder = EXCLUDED.holder"
            " RETURNING token",
            LEASE_NAME,
            self.holder,
            self.seconds,
        )
        self.token = int(token or 0)
        return token is not None

    async def renew(self) -> None:
        """Extend the lease.

        Raises:
            LeaseLost: it expired and another replica took it.
        """
        renewed = await self.pool.fetchval(
            "UPDATE watcher_lease SET expires_at = now() + make_interval(secs => $4)"
            " WHERE name = $1 AND holder = $2 AND token = $3 RETURNING token",
            LEASE_NAME,
            self.holder,
            self.token,
            self.seconds,
        )
        if renewed is None:
            raise LeaseLost(f"{self.holder} lost the lease")

    async def release(self) -> None:
        """Give the lease up at once (clean shutdown): a standby need not wait for expiry."""
        await self.pool.execute(
            "UPDATE watcher_lease SET expires_at = now() - interval '1 second'"
            " WHERE name = $1 AND holder = $2 AND token = $3",
            LEASE_NAME,
            self.holder,
            self.token,
        )

    async def fence(self, conn: asyncpg.Connection) -> None:
        """Inside a transaction: hold the lease row still and check it is ours.

        Raises:
            LeaseLost: it is not (the transaction must not commit).
        """
        ours = await conn.fetchval(
            "SELECT expires_at > now() FROM watcher_lease"
            " WHERE name = $1 AND holder = $2 AND token = $3 FOR SHARE",
            LEASE_NAME,
            self.holder,
            self.token,
        )
        if not ours:
            raise LeaseLost(f"{self.holder} no longer holds the lease")

    async def keep(self) -> None:
        """Renew until cancelled; raises :class:`LeaseLost` when renewal fails."""
        while True:
            await asyncio.sleep(self.seconds / 3)
            try:
                await self.renew()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                # The database is unreachable: keep trying until the lease would have run out.
                log.warning("lease renewal failed: %r", exc)
                await self._renew_until_expiry()

    async def _renew_until_expiry(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds * 2 / 3
        while loop.time() < deadline:
            await asyncio.sleep(1.0)
            try:
                await self.renew()
                return
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                continue
        raise LeaseLost(f"{self.holder} could not renew the lease in time")

    async def current(self) -> Holder | None:
        """Who holds the lease now (None when nobody does)."""
        row = await self.pool.fetchrow(
            "SELECT holder, token, extract(epoch FROM expires_at - now()) AS left"
            " FROM watcher_lease WHERE name = $1 AND expires_at > now()",
            LEASE_NAME,
        )
        return Holder(row["holder"], row["token"], float(row["left"])) if row else None
