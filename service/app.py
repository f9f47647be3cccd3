"""The FastAPI application factory: ``create_app(settings) -> FastAPI``.

Everything stateful (engine, job runner) hangs off ``app.state``, made here; nothing is
module-level. Start-up applies the migrations and marks jobs left by a previous process as
interrupted; shutdown stops the workers.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from service.auth import FailedAuthThrottle
from service.db import make_engine
from service.deps import Viewer
from service.jobs import JobRunner, recover_interrupted
from service.logs import configure_logging
from service.middleware import (
    AccessLog,
    AuthThrottle,
    BodySizeLimit,
    BodyTimeout,
    SecurityHeaders,
    StrictInput,
)
from service.migrate import upgrade
from service.problems import PROBLEM_RESPONSES, install_problem_handlers
from service.routers import (
    API_PREFIX,
    absences,
    assignments,
    board,
    engineers,
    events,
    geocode,
    health,
    jobs,
    keys,
    roster,
    shift_templates,
    sites,
    skills,
    sla_policies,
    tickets,
    whatif,
)
from service.settings import Settings

log = logging.getLogger("wfm.service")


def api_router() -> APIRouter:
    """Every resource router under ``/api/v1``."""
    api = APIRouter(prefix=API_PREFIX, responses=PROBLEM_RESPONSES)
    for module in (
        engineers,
        sites,
        sla_policies,
        skills,
        absences,
        shift_templates,
        tickets,
        jobs,
        assignments,
        board,
        events,
        geocode,
        keys,
        roster,
        whatif,
    ):
        api.include_router(module.router)
    return api


def create_app(settings: Settings | None = None) -> FastAPI:
    """A configured application; the database is migrated when it starts."""
    settings = settings or Settings()
    configure_logging(settings.log_level)
    engine = make_engine(settings.database_url)
    runner = JobRunner(
        engine, settings.database_url, settings.job_workers, settings.log_level, settings=settings
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(upgrade, engine)
        interrupted = await run_in_threadpool(recover_interrupted, engine)
        if settings.prestart_workers:
            runner.start()
        log.info(
            "service started",
            extra={
                "event": "startup",
                "database": engine.url.render_as_string(hide_password=True),
                "interrupted_jobs": interrupted,
                "job_workers": settings.job_workers,
            },
        )
        try:
            yield
        finally:
            await run_in_threadpool(runner.shutdown)
            engine.dispose()
            log.info("service stopped", extra={"event": "shutdown"})

    app = FastAPI(
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        title="wfm — workforce scheduling and dispatch",
        version="1.0.0",
        summary="Tickets, engineers, shifts; dispatch plans, rosters, staffing and what-if jobs.",
        description=(
            "Every call under /api/v1 needs an API key, sent as `X-API-Key` or "
            "`Authorization: Bearer`. Roles: viewer < dispatcher < head < admin. "
            "Errors are RFC 9457 problem+json. Datetimes carry an offset; Saratov is +04:00."
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.runner = runner
    install_problem_handlers(app)
    _install_docs(app, settings)
    app.include_router(health.router)
    app.include_router(api_router())
    _install_web(app)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/web/" if _has_web() else "/docs")

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type"],
            expose_headers=["Location", "X-Request-ID", "X-Job-Id"],
        )
    # Added innermost first: a request meets the access log, the security headers, the
    # body timeout, the throttle, the size limit and the strict input checks in this order.
    app.add_middleware(
        StrictInput,
        max_depth=settings.max_json_depth,
        skip_body=frozenset({f"{API_PREFIX}/tickets/import"}),  # reads its body strictly
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        AuthThrottle,
        throttle=FailedAuthThrottle(settings.auth_failure_limit, settings.auth_failure_window_s),
    )
    app.add_middleware(
        BodyTimeout, chunk_s=settings.body_chunk_timeout_s, total_s=settings.body_timeout_s
    )
    app.add_middleware(SecurityHeaders, tile_url=settings.map_tile_url)
    app.add_middleware(AccessLog)
    return app


DOCS_ASSETS = Path(__file__).parent / "static" / "docs"
"""Swagger UI and ReDoc, vendored from the npm registry with their licences (no CDN)."""


def _install_docs(app: FastAPI, settings: Settings) -> None:
    """The OpenAPI document and its two readers, served from the package's own assets.

    ``docs_access``: ``public`` serves all of it; ``key`` asks an API key (any role) for the
    document, which the pages send from the key the web pages keep; ``off`` serves nothing.
    """
    if settings.docs_access == "off":
        return
    app.mount("/docs-assets", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")

    if settings.docs_access == "key":

        @app.get("/openapi.json", include_in_schema=False)
        def openapi_with_key(_: Viewer) -> JSONResponse:
            return JSONResponse(app.openapi())

    else:

        @app.get("/openapi.json", include_in_schema=False)
        def openapi_public() -> JSONResponse:
            return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> FileResponse:
        return FileResponse(DOCS_ASSETS / "swagger.html", media_type="text/html")


def _has_web() -> bool:
    try:
        import service.web  # noqa: F401
    except ImportError:
        return False
    return True


def _install_web(app: FastAPI) -> None:
    """Mount the Russian web pages when they are installed."""
    if _has_web():
        from service.web import router as web_router

        app.include_router(web_router)
