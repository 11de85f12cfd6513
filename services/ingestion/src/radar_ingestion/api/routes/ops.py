"""Health, readiness and metrics of the ingestion service."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from radar_common.service import run_checks
from radar_ingestion.api.deps import StateDep

router = APIRouter(tags=["ops"])


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok", "service": "ingestion"}


@router.get("/readyz", include_in_schema=False)
async def readyz(state: StateDep) -> Response:
    async def nats_ok() -> bool:
        return state.bus.connected

    ok, results = await run_checks({"nats": nats_ok})
    return JSONResponse(
        {"status": "ready" if ok else "not ready", "checks": results},
        status_code=200 if ok else 503,
    )
