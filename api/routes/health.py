"""Liveness and readiness, for a load balancer or an orchestrator (no token needed).

/healthz: this process answers. /readyz: it can take work: the database and
Redis answer and at least one worker has a recent heartbeat; 503 otherwise,
with each check and what to do about a failed one.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.deps import SettingsDep
from grader import __version__, health

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, Any]:
    return {"status": "ok", "service": "grader", "version": __version__}


@router.get("/readyz")
async def readyz(settings: SettingsDep) -> JSONResponse:
    checks = await run_in_threadpool(health.readiness, settings)
    ready = all(check.ok for check in checks)
    body = {"status": "ready" if ready else "not ready", "checks": [c.as_dict() for c in checks]}
    return JSONResponse(body, 200 if ready else 503)
