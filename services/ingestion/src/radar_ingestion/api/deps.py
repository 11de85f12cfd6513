"""Dependencies shared by the routes (typed aliases, as FastAPI recommends)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPBasic, HTTPBearer

from radar_common.bus.connection import Bus
from radar_common.db import migrate
from radar_common.tasks import TaskStore
from radar_ingestion.acceptance import Acceptor
from radar_ingestion.auth import (
    Authenticator,
    SignatureError,
    StaleSignature,
    has_webhook_signature,
    offered_key,
)
from radar_ingestion.problems import Problem, unavailable
from radar_ingestion.settings import IngestionSettings
from radar_ingestion.sns import SnsVerifier


@dataclass
class AppState:
    settings: IngestionSettings
    bus: Bus
    tasks: TaskStore
    acceptor: Acceptor
    authenticator: Authenticator
    # Opened lazily (min_size=0): the ingest path never waits on PostgreSQL.
    pool: asyncpg.Pool
    migrated: bool = False
    sns: SnsVerifier | None = None


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.radar
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_pool(state: StateDep) -> asyncpg.Pool:
    """The database pool; 503 when PostgreSQL cannot be reached (migrations run on first use)."""
    if not state.migrated:
        try:
            await migrate(state.pool)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise unavailable("The database", cause=exc) from exc
        state.migrated = True
    return state.pool


PoolDep = Annotated[asyncpg.Pool, Depends(get_pool)]

# Declared for the OpenAPI document; the credentials themselves are read from the headers.
_bearer = HTTPBearer(auto_error=False, description="An API key as a Bearer token.")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)
_basic = HTTPBasic(auto_error=False, description="Any user name; an API key as the password.")
AUTH_SCHEMES = [Depends(_bearer), Depends(_api_key), Depends(_basic)]


def _unauthorized(detail: str, slug: str = "unauthorized") -> Problem:
    return Problem(
        401,
        slug,
        "Missing or invalid credentials",
        detail,
        headers={"WWW-Authenticate": 'Bearer, Basic realm="radar"'},
    )


async def require_api_key(request: Request, state: StateDep) -> None:
    """Accept a configured key from `Authorization: Bearer`, `X-API-Key` or basic auth."""
    if state.settings.auth_disabled or state.authenticator.key_ok(offered_key(request.headers)):
        return
    raise _unauthorized(
        "Send `Authorization: Bearer <key>`, `X-API-Key: <key>` or basic auth with the key."
    )


async def require_sender(request: Request, state: StateDep) -> None:
    """Accept an API key, or a valid Standard Webhooks signature over the raw body."""
    if state.settings.auth_disabled or state.authenticator.key_ok(offered_key(request.headers)):
        return
    if has_webhook_signature(request.headers) and state.authenticator.accepts_signatures:
        try:
            state.authenticator.verify_webhook(await request.body(), request.headers)
        except StaleSignature as exc:
            raise _unauthorized(str(exc), "signature-expired") from exc
        except SignatureError as exc:
            raise _unauthorized(str(exc), "invalid-signature") from exc
        mark_signed(request)
        return
    raise _unauthorized(
        "Send an API key (`Authorization: Bearer`, `X-API-Key`, basic auth) "
        "or a Standard Webhooks signature."
    )


# Set on a request whose credential is a Standard Webhooks signature (see intake.delivery_key).
SIGNED_SCOPE_KEY = "radar.signed"


def mark_signed(request: Request) -> None:
    request.scope[SIGNED_SCOPE_KEY] = True


def is_signed(request: Request) -> bool:
    return bool(request.scope.get(SIGNED_SCOPE_KEY))


AuthDep = Depends(require_api_key)
SenderDep = Depends(require_sender)
# Route dependencies: the check itself plus the schemes, so /docs shows how to authenticate.
API_KEY_AUTH = [AuthDep, *AUTH_SCHEMES]
SENDER_AUTH = [SenderDep, *AUTH_SCHEMES]
