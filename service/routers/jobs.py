"""Solve jobs: submit (202 + Location), poll, fetch the result (JSON or a file), cancel,
re-run, accept.

No ``from __future__ import annotations`` here: the submit routes are built in a closure
around each kind's request model, and FastAPI must see real types.
"""

import asyncio
import contextlib
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field, ValidationError
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from optimizer.calendar import TZ
from service import exports
from service.auth import Principal, Role
from service.db import transaction
from service.deps import (
    EngineDep,
    ReadSession,
    RunnerDep,
    SettingsDep,
    Viewer,
    WriteSession,
    require,
)
from service.guards import check_value
from service.jobs import (
    JOB_KINDS,
    JobKind,
    JobStatus,
    check_problem_size,
    create_job,
    get_job,
    request_model,
    seconds_between,
    set_status,
    validate_payload,
)
from service.models import AcceptedAssignmentRow, EngineerRow, JobRow, TicketRow, utcnow
from service.planning import (
    StoredDispatchRequest,
    StoredRosterRequest,
    build_dispatch_payload,
    build_roster_payload,
)
from service.problems import PROBLEM_JSON, Conflict, Forbidden, Unprocessable
from service.repo import Page, PagingDep
from service.routers import API_PREFIX
from service.tickets import TicketStatus

router = APIRouter(tags=["jobs"])

JobId = Annotated[str, Path(min_length=1, max_length=32, description="Job id")]


class JobLinks(BaseModel):
    """Where to poll the job and fetch its result."""

    self: str
    result: str


class JobPublic(BaseModel):
    """A solve job: status, progress, timings, and the problem when it failed."""

    id: str
    kind: str
    status: JobStatus
    progress: float = Field(ge=0, le=1)
    created: AwareDatetime
    started: AwareDatetime | None = None
    finished: AwareDatetime | None = None
    queue_s: float | None = Field(default=None, description="Seconds waiting for a worker")
    run_s: float | None = Field(default=None, description="Seconds running")
    error: dict[str, Any] | None = Field(default=None, description="problem+json of a failure")
    rerun_of: str | None = None
    accepted: AwareDatetime | None = None
    links: JobLinks


class AcceptReport(BaseModel):
    """What accepting a result stored."""

    job_id: str
    kind: str
    accepted: AwareDatetime
    assignments: int
    tickets_assigned: int


def job_public(row: JobRow) -> JobPublic:
    """The job as the API shows it."""
    base = f"{API_PREFIX}/jobs/{row.id}"
    return JobPublic(
        id=row.id,
        kind=row.kind,
        status=JobStatus(row.status),
        progress=row.progress,
        created=row.created,
        started=row.started,
        finished=row.finished,
        queue_s=seconds_between(row.created, row.started),
        run_s=seconds_between(row.started, row.finished),
        error=row.error,
        rerun_of=row.rerun_of,
        accepted=row.accepted,
        links=JobLinks(self=base, result=f"{base}/result"),
    )


def _accepted_response(row: JobRow) -> JSONResponse:
    body = job_public(row).model_dump(mode="json")
    return JSONResponse(body, status_code=202, headers={"Location": body["links"]["self"]})


def _store_job(
    engine: Any, kind: str, payload: dict[str, Any], by: int, rerun_of: str | None
) -> str:
    with transaction(engine) as session:
        return create_job(session, kind, payload, created_by=by, rerun_of=rerun_of).id


def _load(engine: Any, job_id: str) -> JobRow:
    with Session(engine, expire_on_commit=False) as session:
        return get_job(session, job_id)


async def _answer(request: Request, engine: Any, runner: Any, job_id: str, wait: float) -> Response:
    """202 with the job, or — when it finishes within ``wait`` seconds — its result."""
    future = runner.submit(job_id)
    if future is not None and wait > 0:
        # Still running after ``wait``, or failed: either way the stored row tells.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), timeout=wait)
    row = await run_in_threadpool(_load, engine, job_id)
    if wait > 0 and row.status == JobStatus.done.value:
        return JSONResponse(
            row.result,
            status_code=200,
            headers={"Location": f"{API_PREFIX}/jobs/{row.id}", "X-Job-Id": row.id},
        )
    if wait > 0 and row.status == JobStatus.failed.value and row.error:
        return _stored_problem(request, row)
    return _accepted_response(row)


def _stored_problem(request: Request, row: JobRow) -> JSONResponse:
    error = dict(row.error or {})
    error.setdefault("instance", request.url.path)
    error["job_id"] = row.id
    return JSONResponse(error, status_code=int(error.get("status", 422)), media_type=PROBLEM_JSON)


WaitQuery = Annotated[
    float,
    Query(ge=0, le=600, description="Seconds to wait for the result before answering 202"),
]


def add_submit_route(path: str, kind: JobKind, summary: str) -> None:
    """``POST path``: validate the kind's request, store a queued job, answer 202."""
    try:
        model: type[BaseModel] = request_model(kind)
    except Exception:  # engine not installed yet: accept any object, answer 503 on use
        model = dict  # type: ignore[assignment]
    Submitter = Annotated[Principal, Depends(require(kind.role))]  # noqa: N806

    async def submit(
        body: model,  # type: ignore[valid-type]
        request: Request,
        principal: Submitter,
        settings: SettingsDep,
        engine: EngineDep,
        runner: RunnerDep,
        wait: WaitQuery = 0.0,
    ) -> Response:
        if isinstance(body, dict):
            request_model(kind)  # raises 503 naming the missing engine
        payload = body.model_dump(mode="json", exclude_unset=True)  # type: ignore[union-attr]
        check_value(payload, "")
        check_problem_size(payload, settings)
        job_id = await run_in_threadpool(
            _store_job, engine, kind.name, payload, principal.key_id, None
        )
        return await _answer(request, engine, runner, job_id, min(wait, settings.max_wait_s))

    router.add_api_route(
        path,
        submit,
        methods=["POST"],
        status_code=202,
        summary=summary,
        name=f"submit_{kind.name}",
        response_model=JobPublic,
        responses={
            200: {"description": "Finished within ?wait=S: the result itself"},
            202: {"description": "Queued; poll the Location"},
            503: {"description": "The engine is not installed"},
        },
    )


add_submit_route("/dispatch", JOB_KINDS["dispatch"], "Plan who does which ticket when (a job)")
add_submit_route("/rosters", JOB_KINDS["roster"], "Plan shifts over dates (a job)")
add_submit_route("/staffing", JOB_KINDS["staffing"], "Engineers needed per interval (a job)")
add_submit_route("/whatif", JOB_KINDS["whatif"], "Simulate what-if scenarios (a job)")
add_submit_route(
    "/sla/deadlines", JOB_KINDS["sla_deadlines"], "SLA deadlines of many tickets (a job)"
)


@router.post(
    "/dispatch/from-store",
    status_code=202,
    response_model=JobPublic,
    summary="Plan the stored open tickets from now (a dispatch job built from the store)",
    responses={200: {"description": "Finished within ?wait=S: the plan"}},
)
async def dispatch_from_store(
    body: StoredDispatchRequest,
    request: Request,
    principal: Annotated[Principal, Depends(require(Role.dispatcher))],
    settings: SettingsDep,
    engine: EngineDep,
    runner: RunnerDep,
    wait: WaitQuery = 0.0,
) -> Response:
    kind = JOB_KINDS["dispatch"]

    def build() -> dict[str, Any]:
        with Session(engine) as session:
            payload = build_dispatch_payload(session, body)
        check_problem_size(payload, settings)
        return validate_payload(kind, payload, settings)

    payload = await run_in_threadpool(build)
    job_id = await run_in_threadpool(_store_job, engine, kind.name, payload, principal.key_id, None)
    return await _answer(request, engine, runner, job_id, min(wait, settings.max_wait_s))


@router.post(
    "/rosters/from-store",
    status_code=202,
    response_model=JobPublic,
    summary="Plan shifts for the stored engineers, absences and templates (a roster job)",
    responses={200: {"description": "Finished within ?wait=S: the roster"}},
)
async def roster_from_store(
    body: StoredRosterRequest,
    request: Request,
    principal: Annotated[Principal, Depends(require(Role.head))],
    settings: SettingsDep,
    engine: EngineDep,
    runner: RunnerDep,
    wait: WaitQuery = 0.0,
) -> Response:
    kind = JOB_KINDS["roster"]

    def build() -> dict[str, Any]:
        with Session(engine) as session:
            payload = build_roster_payload(session, body)
        check_problem_size(payload, settings)
        return validate_payload(kind, payload, settings)

    payload = await run_in_threadpool(build)
    job_id = await run_in_threadpool(_store_job, engine, kind.name, payload, principal.key_id, None)
    return await _answer(request, engine, runner, job_id, min(wait, settings.max_wait_s))


def job_filters(
    kind: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[JobStatus | None, Query()] = None,
) -> list[ColumnElement[bool]]:
    """Filters of the job list."""
    where: list[ColumnElement[bool]] = []
    if kind:
        where.append(JobRow.kind == kind)
    if status is not None:
        where.append(JobRow.status == status.value)
    return where


@router.get("/jobs", response_model=Page[JobPublic], summary="List jobs, newest first")
def list_jobs(
    session: ReadSession,
    _: Viewer,
    paging: PagingDep,
    where: Annotated[list[ColumnElement[bool]], Depends(job_filters)],
) -> Any:
    stmt = select(JobRow).where(*where)
    count = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(JobRow.created.desc(), JobRow.id).offset(paging.offset).limit(paging.limit)
    )
    return {"data": [job_public(r) for r in rows], "count": count}


@router.get(
    "/jobs/{job_id}",
    response_model=JobPublic,
    summary="A job's status, progress and timings",
    responses={404: {"description": "No such job"}},
)
def read_job(job_id: JobId, session: ReadSession, _: Viewer) -> Any:
    return job_public(get_job(session, job_id))


ResultFormat = Literal["json", "csv", "xlsx", "ics"]


@router.get(
    "/jobs/{job_id}/result",
    summary="A finished job's result: JSON, or a plan as CSV, a roster as CSV / XLSX / ICS",
    responses={
        200: {
            "content": {
                "application/json": {},
                "text/csv": {},
                "text/calendar": {},
                exports.XLSX: {},
            }
        },
        404: {"description": "No such job"},
        409: {"description": "Not finished yet"},
    },
)
def read_result(
    request: Request,
    job_id: JobId,
    session: ReadSession,
    _: Viewer,
    format: Annotated[ResultFormat, Query(description="File format")] = "json",
) -> Response:
    row = get_job(session, job_id)
    if row.status == JobStatus.failed.value and row.error:
        return _stored_problem(request, row)
    if row.status != JobStatus.done.value or row.result is None:
        raise Conflict(
            f"job {job_id!r} is {row.status}; there is no result",
            job_id=job_id,
            job_status=row.status,
        )
    if format == "json":
        return JSONResponse(row.result)
    return exports.export(row.kind, row.result, format, row.id)


@router.delete(
    "/jobs/{job_id}",
    response_model=JobPublic,
    summary="Cancel a queued or running job",
    responses={404: {"description": "No such job"}, 409: {"description": "Already finished"}},
)
def cancel_job(
    job_id: JobId,
    engine: EngineDep,
    runner: RunnerDep,
    _: Annotated[Principal, Depends(require(Role.dispatcher))],
) -> Any:
    row = _load(engine, job_id)
    if row.status not in (JobStatus.queued.value, JobStatus.running.value):
        raise Conflict(f"job {job_id!r} is already {row.status}", job_status=row.status)
    runner.cancel(job_id)
    set_status(
        engine,
        job_id,
        JobStatus.cancelled,
        (JobStatus.queued.value, JobStatus.running.value),
        finished=utcnow(),
    )
    return job_public(_load(engine, job_id))


@router.post(
    "/jobs/{job_id}/rerun",
    status_code=202,
    response_model=JobPublic,
    summary="Run a finished, failed, interrupted or cancelled job again (a new job)",
    responses={404: {"description": "No such job"}, 409: {"description": "Still active"}},
)
async def rerun_job(
    request: Request,
    job_id: JobId,
    engine: EngineDep,
    runner: RunnerDep,
    settings: SettingsDep,
    principal: Annotated[Principal, Depends(require(Role.dispatcher))],
    wait: WaitQuery = 0.0,
) -> Response:
    row = await run_in_threadpool(_load, engine, job_id)
    kind = JOB_KINDS.get(row.kind)
    if kind is None:
        raise Conflict(f"job kind {row.kind!r} is no longer known")
    if principal.role < kind.role:
        raise Forbidden(f"re-running a {kind.name} job needs the {kind.role.name} role")
    if row.status in (JobStatus.queued.value, JobStatus.running.value):
        raise Conflict(f"job {job_id!r} is still {row.status}", job_status=row.status)
    new_id = await run_in_threadpool(
        _store_job, engine, row.kind, row.payload, principal.key_id, row.id
    )
    return await _answer(request, engine, runner, new_id, min(wait, settings.max_wait_s))


@router.post(
    "/jobs/{job_id}/accept",
    response_model=AcceptReport,
    summary="Accept a finished plan or roster: store its assignments",
    responses={404: {"description": "No such job"}, 409: {"description": "Not acceptable"}},
)
def accept_job(
    job_id: JobId,
    session: WriteSession,
    principal: Annotated[Principal, Depends(require(Role.dispatcher))],
) -> Any:
    row = get_job(session, job_id)
    kind = JOB_KINDS.get(row.kind)
    if kind is None or kind.accept is None:
        raise Conflict(f"a {row.kind} job has nothing to accept")
    if principal.role < kind.role:
        raise Forbidden(f"accepting a {kind.name} result needs the {kind.role.name} role")
    if row.status != JobStatus.done.value or row.result is None:
        raise Conflict(f"job {job_id!r} is {row.status}; only a done job can be accepted")
    if row.accepted is not None:
        raise Conflict(f"job {job_id!r} was accepted at {row.accepted.isoformat()}")
    stored, assigned = _store_assignments(session, row, kind.accept)
    row.accepted = utcnow()
    session.commit()
    return AcceptReport(
        job_id=row.id,
        kind=row.kind,
        accepted=row.accepted.astimezone(TZ),
        assignments=stored,
        tickets_assigned=assigned,
    )


def _store_assignments(session: Session, job: JobRow, what: str) -> tuple[int, int]:
    """Rows for every assignment of the result; dispatched tickets become ``assigned``."""
    items = (job.result or {}).get("assignments") or []
    stored = assigned = 0
    for i, item in enumerate(items):
        try:
            a = AcceptedItem.model_validate(item)
        except ValidationError as err:
            msg = str(err.errors()[0]["msg"])
            raise Unprocessable(f"result.assignments[{i}]", item, msg) from None
        session.add(
            AcceptedAssignmentRow(
                job_id=job.id,
                kind=what,
                engineer_id=a.engineer_id,
                ticket_id=a.ticket_id,
                template_id=a.template_id,
                start=a.start,
                end=a.end,
            )
        )
        stored += 1
        if what == "dispatch" and a.ticket_id is not None:
            ticket = session.get(TicketRow, a.ticket_id)
            if ticket is not None:
                known = session.get(EngineerRow, a.engineer_id) is not None
                ticket.engineer_id = a.engineer_id if known else None
                ticket.planned_start, ticket.planned_end = a.start, a.end
                if ticket.status == TicketStatus.open.value:
                    ticket.status = TicketStatus.assigned.value
                assigned += 1
    session.flush()
    return stored, assigned


class AcceptedItem(BaseModel):
    """The part of a plan's or roster's assignment that is stored."""

    engineer_id: str
    ticket_id: str | None = None
    template_id: str | None = None
    start: AwareDatetime
    end: AwareDatetime
