"""CSRF protection on every form: a synchronizer token bound to the session.

Each session (signed, HttpOnly cookie; anonymous sessions included, so the sign-in forms are
covered too) holds one random token. Every page puts it in its forms as the hidden field
``csrftoken`` (``csrf_field_name``/``csrf_token`` in the templates) and htmx sends it as the
``X-CSRF-Token`` header (``hx-headers`` on ``<body>``). :func:`require_csrf_token` runs before
every route of the app: a POST, PUT, PATCH or DELETE whose token is missing or differs from the
session's gets 403 and changes nothing. A cross-site page cannot read the token, and the session
cookie is ``SameSite=Lax`` besides.

(``asgi-csrf`` was tried first: it cannot read multipart bodies with the python-multipart the
workspace uses, and its cookie-only double submit is not tied to the session.)
"""

from __future__ import annotations

import secrets

from fastapi import Request

CSRF_FIELD = "csrftoken"
CSRF_HEADER = "x-csrf-token"
SESSION_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class CsrfRefused(Exception):
    """An unsafe request without the session's CSRF token."""


def csrf_token(request: Request) -> str:
    """The session's token, created on first use."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


async def require_csrf_token(request: Request) -> None:
    """App-wide dependency: unsafe methods must carry the session's token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(SESSION_KEY)
    offered = request.headers.get(CSRF_HEADER, "")
    if not offered:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            offered = value if isinstance(value, str) else ""
    if not (
        isinstance(expected, str)
        and expected
        and offered
        and secrets.compare_digest(offered.encode(), expected.encode())
    ):
        raise CsrfRefused
