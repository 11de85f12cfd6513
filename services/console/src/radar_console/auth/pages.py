"""The sign-in page and sign-out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from radar_console.auth.session import current_user, sign_out
from radar_console.state import StateDep
from radar_console.web.frame import render
from radar_console.web.navigation import safe_next

router = APIRouter(include_in_schema=False)


@router.get("/sign-in")
async def sign_in_page(request: Request, state: StateDep, next: str = "/") -> Response:
    if current_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(
        request,
        "sign_in.html",
        {
            "next": safe_next(next),
            "oidc": state.oidc is not None,
            "dev": state.settings.console_dev_sign_in,
        },
        status=401,
    )


@router.post("/sign-out")
async def sign_out_now(request: Request) -> Response:
    sign_out(request)
    return RedirectResponse("/sign-in", status_code=303)
