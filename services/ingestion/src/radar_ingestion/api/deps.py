"""Dependencies shared by the routes (typed aliases, as FastAPI recommends)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from radar_common.bus.connection import Bus
from radar_common.db import migrate
from radar_common.tasks import TaskStore
from radar_ingestion.acceptance import Acceptor
from radar_ingestion.problems import Problem, unavailable
from radar_ingestion.settings import IngestionSettings


@dataclass
class AppState:
    settings: IngestionSettings
    bus: Bus
    tasks: TaskStore
    acceptor: Acceptor
    # Opened lazily (min_size=0): the ingest path never waits on PostgreSQL.
    pool: asyncpg.Pool
    migrated: bool = False


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.radar
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_pool(state: StateDep) -> asyncpg.Pool:
    """The database pool; 503 when PostgreSQL cannot be reached (migrations run on first use)."""
    if not state.migrated:
        try:
            await migrate(state.pool)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise unavailable(f"database unavailable: {exc!r}") from exc
        state.migrated = True
    return state.pool


PoolDep = Annotated[asyncpg.Pool, Depends(get_pool)]

_bearer = HTTPBearer(auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


def require_api_key(
    state: StateDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> None:
    """Accept a configured key from `Authorization: Bearer` or `X-API-Key`."""
    if state.settings.auth_disabled:
        return
    offered = (bearer.credentials if bearer else None) or api_key or ""
    if offered and any(
        secrets.compare_digest(offered.encode(), key.encode()) for key in state.settings.key_list()
    ):
        return
    raise Problem(
        401,
        "unauthorized",
        "Missing or invalid credentials",
        "Send `Authorization: Bearer <key>` or `X-API-Key: <key>`.",
        headers={"WWW-Authenticate": "Bearer"},
    )


AuthDep = Depends(require_api_key)
