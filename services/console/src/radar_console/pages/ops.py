"""/healthz, /readyz and /metrics, like every other service."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from radar_common.service import run_checks
from radar_console.state import StateDep

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok", "service": "console"}


@router.get("/readyz")
async def readyz(state: StateDep) -> Response:
    async def nats_ok() -> bool:
        return state.bus.connected

    async def postgres_ok() -> bool:
        return bool(await state.pool.fetchval("SELECT 1") == 1)

    ok, results = await run_checks({"nats": nats_ok, "postgres": postgres_ok})
    return JSONResponse(
        {"status": "ready" if ok else "not ready", "checks": results},
        status_code=200 if ok else 503,
    )
