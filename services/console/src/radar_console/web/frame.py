"""The page frame: templates, navigation, and ``render`` — how every page answers.

To add a page (phase B: inbox, review, products): write a template that ``{% extends
"frame.html" %}``, a route that takes its role dependency and calls :func:`render`, and give
its :class:`NavItem` a ``path`` below (an item without a path shows as "coming").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from radar_console.auth.roles import Role
from radar_console.auth.session import current_user
from radar_console.web.csrf import CSRF_FIELD, CSRF_HEADER, csrf_token
from radar_console.web.formatting import FILTERS

PACKAGE = Path(str(resources.files("radar_console")))
STATIC_DIR = PACKAGE / "static"
TEMPLATES_DIR = PACKAGE / "templates"


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    path: str | None  # None: not built yet, shown as "coming"
    role: Role  # the least role that sees it as a link


NAV: tuple[NavItem, ...] = (
    NavItem("inbox", "Inbox", "/inbox", Role.VIEWER),
    NavItem("review", "Review", "/review", Role.ENGINEER),
    NavItem("products", "Products", "/products", Role.VIEWER),
    NavItem("catalog", "Catalog", "/catalog", Role.VIEWER),
    NavItem("operations", "Operations", "/operations", Role.ENGINEER),
)


def vendored() -> dict[str, Any]:
    """What ``scripts/vendor-htmx.sh`` recorded about the vendored htmx (version, integrity)."""
    data: dict[str, Any] = json.loads((STATIC_DIR / "vendor" / "vendored.json").read_text())
    return data


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.filters.update(FILTERS)
    templates.env.globals["htmx"] = vendored()["htmx.org"]
    templates.env.globals["nav_items"] = NAV
    return templates


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    active: str = "",
) -> HTMLResponse:
    """Render ``template`` inside the frame, for whoever is signed in (or nobody)."""
    templates: Jinja2Templates = request.app.state.templates
    token = csrf_token(request)
    user = current_user(request)
    page = {
        "request": request,
        "user": user,
        "active": active,
        "csrf_token": token,
        "csrf_field_name": CSRF_FIELD,
        # htmx sends the token as a header on every request it makes.
        "htmx_headers": json.dumps({CSRF_HEADER: token}),
        **(context or {}),
    }
    return templates.TemplateResponse(request, template, page, status_code=status)
