"""The console app: ``create_app(settings)``; connections live in the lifespan.

Requests pass, outermost first: security headers → session cookie → CSRF check (an app-wide
dependency) → the role check of the page → the page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from radar_common import metrics
from radar_common.bus.dead_letters import DeadLetters
from radar_common.db import connect_pool, migrate
from radar_common.service import VERSION, metrics_endpoint
from radar_common.tasks import TaskStore
from radar_common.worker_host import connect_bus
from radar_console.auth import dev, oidc, pages
from radar_console.auth.oidc import oidc_client
from radar_console.auth.session import NotAllowed, SignInRequired
from radar_console.pages import catalog, home, notices, operations, ops, products, review
from radar_console.settings import ConsoleSettings
from radar_console.state import ConsoleState
from radar_console.web.csrf import CsrfRefused, require_csrf_token
from radar_console.web.frame import STATIC_DIR, make_templates, render
from radar_console.web.security import SecurityHeaders

SESSION_COOKIE = "radar_console_session"


def create_app(settings: ConsoleSettings) -> FastAPI:
    """Build the console for these settings (validated: see ConsoleSettings)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        bus = await connect_bus(settings, settings.service_name)
        try:
            await bus.ensure_topology(consumers=())
            tasks = await TaskStore.open(bus.js, bus.topology.tasks_bucket)
            pool = await connect_pool(settings.database_url)
            try:
                await migrate(pool)
                app.state.console = ConsoleState(
                    settings=settings,
                    bus=bus,
                    tasks=tasks,
                    dead_letters=DeadLetters(bus, tasks),
                    pool=pool,
                    oidc=oidc_client(settings),
                )
                yield
            finally:
                await pool.close()
        finally:
            await bus.close()

    app = FastAPI(
        title="Obsolescence Radar console",
        version=VERSION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        # Every route: unsafe methods need the session's CSRF token (web/csrf.py).
        dependencies=[Depends(require_csrf_token)],
    )
    app.state.templates = make_templates()
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    for router in (
        ops.router,
        pages.router,
        oidc.router,
        dev.router,
        home.router,
        catalog.router,
        operations.router,
        notices.router,
        review.router,
        products.router,
    ):
        app.include_router(router)
    if not settings.metrics_port:  # else served on its own port (radar_common.service.run_api)
        app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    _answer_errors_as_pages(app)
    metrics.BUILD_INFO.labels("console").info({"version": VERSION})

    secret = settings.console_session_secret.get_secret_value()
    # The last added runs outermost.
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=int(settings.console_session_hours * 3600),
        same_site="lax",  # sent on the identity provider's redirect back, not on cross-site posts
        https_only=settings.console_cookie_secure,
    )
    app.add_middleware(SecurityHeaders, hsts=settings.console_url.startswith("https://"))
    return app


def _answer_errors_as_pages(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, _: Exception) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method == "GET" and not request.headers.get("hx-request"):
            return RedirectResponse(f"/sign-in?next={quote(target, safe='/')}", status_code=303)
        # htmx follows HX-Redirect; anything else gets the sign-in page with 401.
        response = render(request, "sign_in.html", {"next": "/"}, status=401)
        response.headers["HX-Redirect"] = "/sign-in"
        return response

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _: Exception) -> Response:
        return render(
            request,
            "error.html",
            {
                "title": "This form has expired",
                "message": "The form was sent without its security token (CSRF), so nothing "
                "was changed. Go back, reload the page and send it again.",
            },
            status=403,
        )

    @app.exception_handler(NotAllowed)
    async def not_allowed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NotAllowed)
        return render(
            request,
            "error.html",
            {
                "title": "Not allowed",
                "message": f"You are signed in as {exc.user.role.label}; "
                f"this needs the {exc.needed.label} role.",
            },
            status=403,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        titles = {404: "Not found", 405: "Not allowed here", 422: "Not understood"}
        return render(
            request,
            "error.html",
            {"title": titles.get(exc.status_code, "Error"), "message": str(exc.detail)},
            status=exc.status_code,
        )
