"""Solve jobs: submit (202 + Location), poll, fetch the result (JSON or a file), cancel,
re-run, accept.

No ``from __future__ import annotations`` here: the submit routes are built in a closure
around each kind's request model, and FastAPI must see real types.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import ColumnElement, Engine, func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from service import dispatching, exports
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
from service.jobs import store
from service.jobs.kinds import JOB_KINDS, JobKind
from service.jobs.limits import check_problem_size, check_submission, validate_payload
from service.jobs.queue import enqueue
from service.jobs.runner import JobRunner
from service.jobs.store import FINAL, JobStatus, WorkItem, get_job, seconds_between
from service.models import JobRow
from service.planning import (
    StoredDispatchRequest,
    StoredRosterRequest,
    build_dispatch_payload,
    build_roster_payload,
)
from service.problems import PROBLEM_JSON, Conflict, Forbidden
from service.repo import Page, PagingDep
from service.routers import API_PREFIX
from service.settings import Settings

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


def store_job(
    engine: Any,
    settings: Any,
    kind: str,
    payload: dict[str, Any],
    by: int,
    rerun_of: str | None,
) -> str:
    """Store a queued job and put it on the queue, in one transaction; 429 when too many
    jobs wait already. Every route that queues a job (here and in the page routers) calls
    this and then :func:`answer_job`."""
    with transaction(engine) as session:
        store.check_queue_room(session, by, settings)
        job_id = store.create_job(session, kind, payload, created_by=by, rerun_of=rerun_of).id
        enqueue(session, [WorkItem(job_id)])
        return job_id


def _load(engine: Any, job_id: str) -> JobRow:
    return store.load_job(engine, job_id)


async def answer_job(
    request: Request, engine: Any, runner: Any, job_id: str, wait: float
) -> Response:
    """202 with the job, or — when it finishes within ``wait`` seconds — its result."""
    runner.submitted()
    row = await run_in_threadpool(store.wait_for, engine, job_id, FINAL, wait)
    if wait > 0 and row.status == JobStatus.done.value:
        return JSONResponse(
            row.result,
            status_code=200,
            headers={"Location": f"{API_PREFIX}/jobs/{row.id}", "X-Job-Id": row.id},
        )
    if wait > 0 and row.status == JobStatus.failed.value and row.error:
        return _stored_problem(request, row)
    return _accepted_response(row)


@dataclass(frozen=True)
class Queueing:
    """What every route that queues a job needs besides its body and caller: the request (for
    the answer), the settings (limits, longest wait), the database and the in-process runner.

    One dependency (:data:`QueueingDep`) instead of four parameters on each such route."""

    request: Request
    settings: Settings
    engine: Engine
    runner: JobRunner

    async def store_and_answer(
        self,
        kind_name: str,
        payload: dict[str, Any],
        principal: Principal,
        wait: float,
        rerun_of: str | None = None,
    ) -> Response:
        """Store a queued job (:func:`store_job`) and answer as :func:`answer_job` does."""
        job_id = await run_in_threadpool(
            store_job, self.engine, self.settings, kind_name, payload, principal.key_id, rerun_of
        )
        wait = min(wait, self.settings.max_wait_s)
        return await answer_job(self.request, self.engine, self.runner, job_id, wait)

    async def from_store(
        self,
        kind_name: str,
        build_payload: Callable[[Session], dict[str, Any]],
        principal: Principal,
        wait: float,
    ) -> Response:
        """Queue a job whose request is built from the stored state (size checked, payload
        validated like a submitted one), then answer as :func:`answer_job` does."""
        kind = JOB_KINDS[kind_name]

        def build() -> dict[str, Any]:
            with Session(self.engine) as session:
                payload = build_payload(session)
            check_problem_size(payload, self.settings)
            return validate_payload(kind, payload, self.settings)

        payload = await run_in_threadpool(build)
        return await self.store_and_answer(kind.name, payload, principal, wait)


def queueing(
    request: Request, settings: SettingsDep, engine: EngineDep, runner: RunnerDep
) -> Queueing:
    """The :class:`Queueing` dependency of a request."""
    return Queueing(request, settings, engine, runner)


QueueingDep = Annotated[Queueing, Depends(queueing)]


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
    model = kind.request
    Submitter = Annotated[Principal, Depends(require(kind.role))]  # noqa: N806

    async def submit(
        body: model,  # type: ignore[valid-type]
        principal: Submitter,
        queue: QueueingDep,
        wait: WaitQuery = 0.0,
    ) -> Response:
        payload = cast(BaseModel, body).model_dump(mode="json", exclude_unset=True)
        check_value(payload, "")
        await run_in_threadpool(check_submission, kind, payload, queue.settings)
        return await queue.store_and_answer(kind.name, payload, principal, wait)

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
            429: {"description": "Too many jobs wait for a worker (for this key, or in all)"},
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
    principal: Annotated[Principal, Depends(require(Role.dispatcher))],
    queue: QueueingDep,
    wait: WaitQuery = 0.0,
) -> Response:
    return await queue.from_store(
        "dispatch", lambda session: build_dispatch_payload(session, body), principal, wait
    )


@router.post(
    "/rosters/from-store",
    status_code=202,
    response_model=JobPublic,
    summary="Plan shifts for the stored engineers, absences and templates (a roster job)",
    responses={200: {"description": "Finished within ?wait=S: the roster"}},
)
async def roster_from_store(
    body: StoredRosterRequest,
    principal: Annotated[Principal, Depends(require(Role.head))],
    queue: QueueingDep,
    wait: WaitQuery = 0.0,
) -> Response:
    return await queue.from_store(
        "roster", lambda session: build_roster_payload(session, body), principal, wait
    )


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
    summary="A job's status, progress and timings (with ?wait=S: once it has finished)",
    responses={404: {"description": "No such job"}},
)
def read_job(
    job_id: JobId,
    engine: EngineDep,
    settings: SettingsDep,
    _: Viewer,
    wait: Annotated[
        float, Query(ge=0, le=600, description="Seconds to wait for the job to finish")
    ] = 0.0,
) -> Any:
    return job_public(store.wait_for(engine, job_id, FINAL, min(wait, settings.max_wait_s)))


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
    principal: Annotated[Principal, Depends(require(Role.dispatcher))],
) -> Any:
    """The job is marked cancelled; the worker running it kills its solve within a second.
    Cancelling needs the role that may submit the job's kind."""
    row = _load(engine, job_id)
    _check_kind_role(principal, row, "cancelling")
    if not store.cancel(engine, job_id):
        row = _load(engine, job_id)
        raise Conflict(f"job {job_id!r} is already {row.status}", job_status=row.status)
    return job_public(_load(engine, job_id))


def _check_kind_role(principal: Principal, row: JobRow, doing: str) -> JobKind:
    """403 when the key's role is weaker than the one that may submit the job's kind."""
    kind = JOB_KINDS.get(row.kind)
    if kind is None:
        raise Conflict(f"job kind {row.kind!r} is no longer known")
    if principal.role < kind.role:
        raise Forbidden(
            f"{doing} a {kind.name} job needs the {kind.role.name} role or stronger; "
            f"the key has {principal.role.name}",
            required_role=kind.role.name,
            role=principal.role.name,
        )
    return kind


@router.post(
    "/jobs/{job_id}/rerun",
    status_code=202,
    response_model=JobPublic,
    summary="Run a finished, failed, interrupted or cancelled job again (a new job)",
    responses={404: {"description": "No such job"}, 409: {"description": "Still active"}},
)
async def rerun_job(
    job_id: JobId,
    principal: Annotated[Principal, Depends(require(Role.dispatcher))],
    queue: QueueingDep,
    wait: WaitQuery = 0.0,
) -> Response:
    row = await run_in_threadpool(_load, queue.engine, job_id)
    _check_kind_role(principal, row, "re-running")
    if row.status in (JobStatus.queued.value, JobStatus.running.value):
        raise Conflict(f"job {job_id!r} is still {row.status}", job_status=row.status)
    return await queue.store_and_answer(row.kind, row.payload, principal, wait, rerun_of=row.id)


@router.post(
    "/jobs/{job_id}/accept",
    response_model=dispatching.AcceptReport,
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
    report = dispatching.accept_job(session, job_id, principal, kind.accept)
    session.commit()
    return report
