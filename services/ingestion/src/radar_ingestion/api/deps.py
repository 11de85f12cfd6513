"""Dependencies shared by the routes (typed aliases, as FastAPI recommends).

Credentials: every ``/v1`` route declares the scope it needs with :func:`require_scope`
(``ingest``, ``read`` or ``admin``; see :mod:`radar_ingestion.auth`). The same object checks
the request (401 without a valid credential, 403 for a known key without the scope) and tells
the OpenAPI document which security the operation has (:mod:`radar_ingestion.openapi`).

Credentials before bodies: FastAPI reads (and parses) a request's body before it runs any
dependency, so routers use ``route_class=CredentialsFirst``, which runs the route's
credential check before the body is touched — a wrong key costs the server nothing but the
request head.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import Depends, Request, Response
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute

from radar_common.api_keys import ALL_SCOPES
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

Scope = Literal["ingest", "read", "admin"]
# Where the request's checked credentials are kept (the check runs once per request).
PRINCIPAL_SCOPE_KEY = "radar.principal"


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


@dataclass(frozen=True)
class Principal:
    """Who is calling: what they may do and how they proved it."""

    scopes: frozenset[str]
    # "api-key", "signature" (Standard Webhooks), "mailgun-signature" (checked by the route
    # while it reads the form), "auth-disabled".
    via: str

    @property
    def signed(self) -> bool:
        return self.via == "signature"


def _unauthorized(detail: str, slug: str = "unauthorized") -> Problem:
    return Problem(
        401,
        slug,
        "Missing or invalid credentials",
        detail,
        headers={"WWW-Authenticate": 'Bearer, Basic realm="radar"'},
    )


def _forbidden(scope: str) -> Problem:
    return Problem(
        403,
        "insufficient-scope",
        "This key may not do that",
        f"The operation needs a key with the `{scope}` scope (RADAR_API_KEYS key:{scope}).",
        required_scope=scope,
    )


@dataclass(frozen=True)
class Credentials:
    """The credential check of a route, as a FastAPI dependency (see :func:`require_scope`).

    ``signatures``: a Standard Webhooks signature is accepted too (JSON deliveries; the body is
    read to verify it, after its timestamp was found fresh). ``body_signature``: the provider
    signs inside the body (``"mailgun"``); with its signing key configured the route checks it
    while reading the form, otherwise an API key is required.
    """

    scope: Scope
    signatures: bool = False
    body_signature: str = ""

    async def __call__(self, request: Request) -> Principal:
        principal: Principal | None = request.scope.get(PRINCIPAL_SCOPE_KEY)
        if principal is None:
            principal = await self.check(request, request.app.state.radar)
            request.scope[PRINCIPAL_SCOPE_KEY] = principal
        return principal

    async def check(self, request: Request, state: AppState) -> Principal:
        settings, authenticator = state.settings, state.authenticator
        if settings.auth_disabled:
            return Principal(ALL_SCOPES, "auth-disabled")
        if self.body_signature == "mailgun" and settings.mailgun_signing_key:
            return Principal(frozenset({self.scope}), "mailgun-signature")
        offered = offered_key(request.headers)
        scopes = authenticator.key_scopes(offered)
        if scopes is not None:
            if self.scope not in scopes:
                raise _forbidden(self.scope)
            return Principal(scopes, "api-key")
        signed = has_webhook_signature(request.headers)
        if self.signatures and authenticator.accepts_signatures and signed:
            return await self._verify_signature(request, state)
        raise _unauthorized(
            "Send an API key (`Authorization: Bearer`, `X-API-Key`, basic auth)"
            + (" or a Standard Webhooks signature." if self.signatures else ".")
        )

    async def _verify_signature(self, request: Request, state: AppState) -> Principal:
        authenticator = state.authenticator
        try:
            # Cheap first: a stale or malformed timestamp is refused before the body is read,
            # and so is a body larger than what may be read before its signature is verified.
            authenticator.check_webhook_timestamp(request.headers)
            _refuse_large_unverified(request, state.settings.preauth_max_bytes)
            authenticator.verify_webhook(await request.body(), request.headers)
        except StaleSignature as exc:
            raise _unauthorized(str(exc), "signature-expired") from exc
        except SignatureError as exc:
            raise _unauthorized(str(exc), "invalid-signature") from exc
        return Principal(frozenset({"ingest"}), "signature")


def _refuse_large_unverified(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise Problem(
            413,
            "body-too-large",
            "Signed body too large",
            f"A body verified by its signature may be at most {limit} bytes "
            "(RADAR_PREAUTH_MAX_BYTES); send larger ones with an API key.",
        )


class CredentialsFirst(APIRoute):
    """A route that checks its :class:`Credentials` before FastAPI reads the body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        credentials = credentials_of(self.dependencies)
        if credentials is None:
            return handler

        async def checked(request: Request) -> Response:
            await credentials(request)  # kept on the request: the dependency reuses it
            return await handler(request)

        return checked


def require_scope(
    scope: Scope, *, signatures: bool = False, body_signature: str = ""
) -> DependsParam:
    """A route dependency: the caller needs ``scope``.

    Reusable by every router, e.g. ``dependencies=[require_scope("read")]``; the OpenAPI
    document lists its security and scope.
    """
    dependency: DependsParam = Depends(
        Credentials(scope, signatures=signatures, body_signature=body_signature)
    )
    return dependency


def credentials_of(dependencies: list[DependsParam]) -> Credentials | None:
    """The :class:`Credentials` among a route's dependencies, if any."""
    for dependency in dependencies:
        if isinstance(dependency.dependency, Credentials):
            return dependency.dependency
    return None


def principal_of(request: Request) -> Principal | None:
    """The credentials a route's dependency checked for this request."""
    principal: Principal | None = request.scope.get(PRINCIPAL_SCOPE_KEY)
    return principal


def is_signed(request: Request) -> bool:
    """True when the request's credential is a Standard Webhooks signature."""
    principal = principal_of(request)
    return principal is not None and principal.signed
