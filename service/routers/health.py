"""Liveness (``/health``) and readiness (``/ready``): no key needed, nothing secret said."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from service.deps import EngineDep, RunnerDep
from service.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])


@router.get("/health", summary="The process is up")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="The database answers, its schema is current, jobs can run",
    responses={503: {"description": "Not ready"}},
)
def ready(engine: EngineDep, runner: RunnerDep) -> Any:
    checks: dict[str, Any] = {}
    ok = True
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
        current, head = current_revision(engine), head_revision()
        checks["schema"] = "current" if current == head else f"at {current}, head is {head}"
        ok = current == head
    except Exception as err:  # readiness reports the failure instead of raising
        checks["database"] = f"unavailable ({type(err).__name__})"
        ok = False
    checks["job_workers"] = runner.workers
    checks["workers_started"] = runner.warm
    ok = ok and runner.warm
    body = {"status": "ready" if ok else "not ready", "checks": checks}
    return JSONResponse(body, status_code=200 if ok else 503)
