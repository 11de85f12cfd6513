"""The start page: what the catalog holds and what needs attention in operations."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from radar_console.auth.session import Viewer
from radar_console.pages.catalog import catalog_counts
from radar_console.state import StateDep
from radar_console.web.frame import render

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request, state: StateDep, user: Viewer) -> Response:
    counts = await catalog_counts(state.pool)
    return render(request, "home.html", {"counts": counts}, active="home")
