"""Sign-in through an OpenID Connect provider: authorization code with PKCE (authlib).

``GET /auth/oidc`` sends the browser to the provider with a fresh state, nonce and S256 code
challenge (kept in the session); ``GET /auth/callback`` exchanges the code with the verifier,
verifies the ID token (signature from the provider's JWKS, issuer, audience, expiry, nonce),
and reads the role from ``RADAR_OIDC_ROLE_CLAIM`` in the ID token, or else from the userinfo
endpoint. A person whose claim grants no role is not signed in.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from radar_console.auth.roles import Role, parse_role_map, role_from_claims
from radar_console.auth.session import User, sign_in
from radar_console.settings import ConsoleSettings
from radar_console.state import StateDep
from radar_console.web.frame import render
from radar_console.web.navigation import NEXT_KEY, safe_next

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


def oidc_client(settings: ConsoleSettings) -> StarletteOAuth2App | None:
    """The provider's client, or None when OpenID Connect is not configured."""
    if not settings.oidc_enabled:
        return None
    oauth = OAuth()
    client = oauth.register(
        name="oidc",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value() or None,
        server_metadata_url=(
            settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
        ),
        client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256"},
    )
    assert isinstance(client, StarletteOAuth2App)
    return client


def _refused(request: Request, message: str) -> Response:
    return render(request, "sign_in.html", {"error": message, "next": "/"}, status=403)


@router.get("/auth/oidc")
async def start(request: Request, state: StateDep, next: str = "/") -> Response:
    if state.oidc is None:
        return _refused(request, "Single sign-on is not configured for this console.")
    request.session[NEXT_KEY] = safe_next(next)
    redirect = await state.oidc.authorize_redirect(
        request, state.settings.base_url + "/auth/callback"
    )
    assert isinstance(redirect, Response)
    return redirect


@router.get("/auth/callback")
async def callback(request: Request, state: StateDep) -> Response:
    if state.oidc is None:
        return _refused(request, "Single sign-on is not configured for this console.")
    settings = state.settings
    try:
        token: dict[str, Any] = await state.oidc.authorize_access_token(request)
        claims: dict[str, Any] = dict(token.get("userinfo") or {})
        if settings.oidc_role_claim not in claims:
            claims.update(dict(await state.oidc.userinfo(token=token)))
    except OAuthError as exc:
        log.warning("OIDC sign-in refused: %s", exc)
        return _refused(request, f"The identity provider did not sign you in ({exc.error}).")
    default = Role.named(settings.oidc_default_role) if settings.oidc_default_role else None
    role = role_from_claims(
        claims, settings.oidc_role_claim, parse_role_map(settings.oidc_roles), default
    )
    email = str(claims.get("email") or claims.get("preferred_username") or claims["sub"])
    if role is None:
        log.info("OIDC sign-in of %s refused: no role in claim %s", email, settings.oidc_role_claim)
        return _refused(request, f"{email} has no Radar role. Ask an administrator for access.")
    target = safe_next(str(request.session.get(NEXT_KEY, "/")))
    user = User(
        subject=str(claims["sub"]),
        name=str(claims.get("name") or email),
        email=email,
        role=role,
        via="oidc",
    )
    sign_in(request, user)
    log.info("%s signed in as %s (oidc)", email, role.label)
    return RedirectResponse(target, status_code=303)
