"""Development sign-in: no identity provider, for `radar dev` only.

Enabled only by ``RADAR_CONSOLE_DEV_SIGN_IN=true`` with a token (the settings refuse it on a
console that is not on loopback unless told explicitly). ``radar dev`` generates the token and
prints the link ``/auth/dev?token=…``; that page offers the people of
``RADAR_CONSOLE_DEV_USERS`` (one per role by default) and signs in whoever is chosen. Without the
token nobody can use it; with development sign-in off, these pages do not exist (404).
"""

from __future__ import annotations

import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from radar_console.auth.session import User, sign_in
from radar_console.settings import ConsoleSettings
from radar_console.state import StateDep
from radar_console.web.frame import render
from radar_console.web.navigation import safe_next

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


def _token_ok(settings: ConsoleSettings, token: str) -> bool:
    expected = settings.console_dev_token.get_secret_value()
    return bool(expected) and secrets.compare_digest(token.encode(), expected.encode())


def _not_found(request: Request) -> Response:
    return render(
        request, "error.html", {"title": "Not found", "message": "No such page."}, status=404
    )


@router.get("/auth/dev")
async def choose(request: Request, state: StateDep, token: str = "", next: str = "/") -> Response:
    settings = state.settings
    if not settings.console_dev_sign_in:
        return _not_found(request)
    if not _token_ok(settings, token):
        return render(
            request,
            "sign_in.html",
            {"error": "This development sign-in link is not valid.", "next": safe_next(next)},
            status=403,
        )
    return render(
        request,
        "dev_sign_in.html",
        {"people": settings.dev_users(), "token": token, "next": safe_next(next)},
    )


@router.post("/auth/dev")
async def sign_in_dev(
    request: Request,
    state: StateDep,
    token: Annotated[str, Form()],
    email: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    settings = state.settings
    if not settings.console_dev_sign_in:
        return _not_found(request)
    people = settings.dev_users()
    if not _token_ok(settings, token) or email not in people:
        return render(
            request,
            "sign_in.html",
            {"error": "This development sign-in is not valid.", "next": "/"},
            status=403,
        )
    user = User(
        subject=email,
        name=email.split("@")[0].replace(".", " ").title(),
        email=email,
        role=people[email],
        via="dev",
    )
    sign_in(request, user)
    log.info("%s signed in as %s (development sign-in)", email, user.role.label)
    return RedirectResponse(safe_next(next), status_code=303)
