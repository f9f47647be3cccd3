"""Solve jobs: a store in the database and worker processes that run them.

A job is a row (kind, payload, status, progress, timings, result or error). ``POST``
validates the payload with the kind's request model, stores the row as ``queued`` and
hands its id to a :class:`JobRunner`, whose ``ProcessPoolExecutor`` runs
:func:`execute_job` in a worker process: the worker marks the row ``running``, calls the
kind's function, and stores the result (``done``) or a problem (``failed``). The API
process never solves, so it stays responsive.

A job cut off by a crash or a restart stays ``queued``/``running`` in the table; the next
start marks it ``interrupted`` (:func:`mark_interrupted`), and it can be re-run. A job
cancelled while running is marked ``cancelled`` at once; its worker finishes the solve
(bounded by the solver's time limit) and the result is discarded.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import multiprocessing
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from optimizer.errors import InfeasibleRequest, InvalidInput, WfmError
from service.auth import Role
from service.db import make_engine
from service.models import JobRow, utcnow
from service.problems import (
    NotFound,
    ProblemTooLarge,
    ServiceUnavailable,
    field_errors,
    problem_type,
    safe_value,
)
from service.settings import Settings

log = logging.getLogger("wfm.jobs")


class JobStatus(StrEnum):
    """Where a job is in its life."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    interrupted = "interrupted"
    cancelled = "cancelled"


ACTIVE = (JobStatus.queued.value, JobStatus.running.value)
FINISHED = frozenset({JobStatus.done, JobStatus.failed, JobStatus.interrupted, JobStatus.cancelled})


@dataclass(frozen=True)
class JobKind:
    """A kind of job: the request model that validates its payload, the function that runs
    it (both ``module:name``), the weakest role that may submit it, and what accepting its
    result stores (``dispatch`` / ``roster`` / nothing)."""

    name: str
    request: str
    run: str
    role: Role
    accept: str | None = None


JOB_KINDS: Mapping[str, JobKind] = MappingProxyType(
    {
        k.name: k
        for k in (
            JobKind(
                "dispatch",
                "optimizer.domain.dispatch:DispatchRequest",
                "service.jobkinds:run_dispatch",
                Role.dispatcher,
                accept="dispatch",
            ),
            JobKind(
                "roster",
                "optimizer.domain.roster:RosterRequest",
                "service.jobkinds:run_roster",
                Role.head,
                accept="roster",
            ),
            JobKind(
                "staffing",
                "service.jobkinds:StaffingRequest",
                "service.jobkinds:run_staffing",
                Role.head,
            ),
            JobKind(
                "whatif",
                "optimizer.domain.scenario:ScenarioSet",
                "service.jobkinds:run_whatif",
                Role.head,
            ),
            JobKind(
                "sla_deadlines",
                "service.jobkinds:SlaDeadlinesRequest",
                "service.jobkinds:run_sla_deadlines",
                Role.dispatcher,
            ),
        )
    }
)
"""Every job kind, by name (read-only)."""


def resolve(path: str) -> Any:
    """The object named ``module:attribute``."""
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr)


def request_model(kind: JobKind) -> type[BaseModel]:
    """The kind's request model; 503 when its engine is not installed yet."""
    try:
        model = resolve(kind.request)
    except (ImportError, AttributeError):
        raise ServiceUnavailable(
            f"the {kind.name} engine is not available in this installation", kind=kind.name
        ) from None
    assert isinstance(model, type) and issubclass(model, BaseModel)
    return model


# -- validation before queueing ----------------------------------------------------------


def check_problem_size(payload: Any, settings: Settings) -> None:
    """A problem is refused (422) when it has more tickets, engineers, roster days or
    replications than the service admits; checked before the costly validation."""
    if not isinstance(payload, dict):
        return
    _check_count(payload, "tickets", settings.max_tickets)
    _check_count(payload, "engineers", settings.max_engineers)
    _check_replications(payload, "", settings.max_replications)
    for i, scenario in enumerate(_list(payload.get("scenarios"))):
        _check_replications(scenario, f"scenarios[{i}].", settings.max_replications)
    _check_replications(payload.get("defaults"), "defaults.", settings.max_replications)
    options = payload.get("options")
    limit = options.get("time_limit_s") if isinstance(options, dict) else None
    limit = payload.get("time_limit_s", limit)
    if _number(limit) and limit > settings.max_time_limit_s:
        raise ProblemTooLarge(
            "options.time_limit_s" if "time_limit_s" not in payload else "time_limit_s",
            limit,
            f"at most {settings.max_time_limit_s:g} seconds of solving per job",
        )
    start, end = _as_date(payload.get("start")), _as_date(payload.get("end"))
    if start is not None and end is not None and (end - start).days > settings.max_roster_days:
        raise ProblemTooLarge(
            "end",
            payload.get("end"),
            f"the horizon is {(end - start).days} days; at most {settings.max_roster_days}",
        )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_replications(item: Any, prefix: str, limit: int) -> None:
    reps = item.get("replications") if isinstance(item, dict) else None
    if _number(reps) and reps > limit:
        raise ProblemTooLarge(f"{prefix}replications", reps, f"at most {limit} replications")


def _check_count(payload: dict[str, Any], field: str, limit: int) -> None:
    items = payload.get(field)
    if isinstance(items, list) and len(items) > limit:
        raise ProblemTooLarge(
            field, f"{len(items)} items", f"at most {limit} {field} per problem; split it"
        )


def _as_date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def validate_payload(kind: JobKind, payload: Any, settings: Settings) -> dict[str, Any]:
    """The payload checked for size and validated by the kind's request model, as JSON."""
    check_problem_size(payload, settings)
    model = request_model(kind)
    validated = model.model_validate(payload)
    dumped = validated.model_dump(mode="json", exclude_unset=True)
    assert isinstance(dumped, dict)
    return dumped


# -- the store -------------------------------------------------------------------------


def new_job_id() -> str:
    """A fresh, unguessable job id."""
    return uuid.uuid4().hex


def create_job(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    created_by: int | None = None,
    rerun_of: str | None = None,
) -> JobRow:
    """Store a queued job (the caller commits, then submits it to the runner)."""
    row = JobRow(
        id=new_job_id(),
        kind=kind,
        status=JobStatus.queued.value,
        progress=0.0,
        payload=payload,
        created=utcnow(),
        created_by=created_by,
        rerun_of=rerun_of,
    )
    session.add(row)
    session.flush()
    return row


def get_job(session: Session, job_id: str) -> JobRow:
    """The job, or 404."""
    row = session.get(JobRow, job_id)
    if row is None:
        raise NotFound(f"no job {job_id!r}", job_id=job_id)
    return row


def mark_interrupted(engine: Engine) -> int:
    """Jobs left queued or running by a previous process are marked interrupted (at start-up)."""
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(JobRow)
            .where(JobRow.status.in_(ACTIVE))
            .values(
                status=JobStatus.interrupted.value,
                finished=utcnow(),
                error=_problem(
                    "interrupted",
                    "Job interrupted",
                    409,
                    "the service stopped before the job finished; re-run it",
                ),
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)


def set_status(
    engine: Engine, job_id: str, status: JobStatus, only_from: tuple[str, ...], **values: Any
) -> bool:
    """Move a job to ``status`` if it is in one of ``only_from``; True when it moved."""
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.status.in_(only_from))
            .values(status=status.value, **values)
        )
        return bool(getattr(result, "rowcount", 0))


def _problem(slug: str, title: str, status: int, detail: str, **ext: Any) -> dict[str, Any]:
    body = {"type": problem_type(slug), "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in ext.items() if v is not None})
    return body


def error_problem(err: BaseException) -> dict[str, Any]:
    """The problem+json body stored for a job that failed with ``err``."""
    if isinstance(err, InfeasibleRequest):
        return _problem(
            "infeasible", "Infeasible request", 422, err.explanation, reasons=err.reasons
        )
    if isinstance(err, InvalidInput):
        value = safe_value(err.value)
        return _problem(
            "invalid-input",
            "Invalid input",
            422,
            str(err),
            field=err.field,
            value=value,
            errors=[{"field": err.field, "value": value, "message": err.message}],
        )
    if isinstance(err, ValidationError):
        fields = field_errors(err.errors(include_url=False))
        first = fields[0]
        return _problem(
            "invalid-input",
            "Invalid input",
            422,
            f"{first['field']}: {first['value']!r} — {first['message']}",
            field=first["field"],
            value=first["value"],
            errors=fields,
        )
    if isinstance(err, WfmError):
        return _problem("invalid-input", "Invalid input", 422, str(err))
    return _problem("internal", "Job failed", 500, f"an unexpected {type(err).__name__}; logged")


# -- the worker side -------------------------------------------------------------------


@lru_cache(maxsize=4)
def _worker_engine(database_url: str) -> Engine:
    """One engine per database per worker process."""
    return make_engine(database_url)


def _progress_reporter(engine: Engine, job_id: str) -> Callable[[float], None]:
    last = [0.0]

    def report(fraction: float) -> None:
        now = time.monotonic()
        if now - last[0] < 0.5 and fraction < 1.0:
            return
        last[0] = now
        with Session(engine) as session, session.begin():
            session.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status == JobStatus.running.value)
                .values(progress=max(0.0, min(1.0, float(fraction))))
            )

    return report


def execute_job(database_url: str, job_id: str) -> str:
    """Run one stored job in this (worker) process and store its outcome; returns the status."""
    engine = _worker_engine(database_url)
    with Session(engine) as session:
        row = session.get(JobRow, job_id)
        if row is None:
            return "missing"
        kind_name, payload = row.kind, row.payload
    if not set_status(
        engine, job_id, JobStatus.running, (JobStatus.queued.value,), started=utcnow()
    ):
        return "skipped"
    t0 = time.perf_counter()
    try:
        fn = resolve(JOB_KINDS[kind_name].run)
        if "progress" in inspect.signature(fn).parameters:
            result = fn(payload, progress=_progress_reporter(engine, job_id))
        else:
            result = fn(payload)
    except Exception as err:  # every failure is stored on the job, nothing is swallowed
        if not isinstance(err, WfmError | ValidationError):
            log.error(
                "job failed",
                extra={"event": "job_failed", "job_id": job_id, "kind": kind_name,
                       "error": "".join(traceback.format_exception_only(err)).strip()},
            )  # fmt: skip
        set_status(
            engine,
            job_id,
            JobStatus.failed,
            (JobStatus.running.value,),
            error=error_problem(err),
            finished=utcnow(),
        )
        return JobStatus.failed.value
    wall = time.perf_counter() - t0
    stored = set_status(
        engine,
        job_id,
        JobStatus.done,
        (JobStatus.running.value,),
        result=result,
        progress=1.0,
        finished=utcnow(),
    )
    log.info(
        "job finished",
        extra={"event": "job_done", "job_id": job_id, "kind": kind_name, "run_s": round(wall, 3)},
    )
    return JobStatus.done.value if stored else JobStatus.cancelled.value


WARM_MODULES = ("service.jobkinds", "optimizer.calendar", "optimizer.dispatch")
"""Modules a worker imports when it starts, so the first job does not pay for them."""


def _warm_up(log_level: str = "INFO") -> None:
    """Set up the worker's structured logs and import the heavy modules once, when the
    worker starts, not in its first job."""
    from service.logs import configure_logging

    configure_logging(log_level)
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an engine not installed yet: its jobs answer 503 anyway
            continue


def _ping() -> int:
    """A no-op task: makes the pool start a worker process."""
    return os.getpid()


# -- the runner in the API process -----------------------------------------------------


class JobRunner:
    """Submits stored jobs to a pool of worker processes and watches them finish.

    ``workers=0`` queues jobs without running them (maintenance mode; used by tests of the
    restart path). The pool is started on the first submission and rebuilt if a worker
    dies (a crashed worker fails its jobs as ``interrupted``; they can be re-run).
    """

    def __init__(
        self, engine: Engine, database_url: str, workers: int, log_level: str = "INFO"
    ) -> None:
        self.engine = engine
        self.database_url = database_url
        self.workers = workers
        self.log_level = log_level
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._futures: dict[str, Future[str]] = {}
        self._pings: list[Future[int]] = []

    @property
    def running(self) -> bool:
        """Whether jobs are executed at all."""
        return self.workers > 0

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_warm_up,
                initargs=(self.log_level,),
            )
        return self._executor

    def start(self) -> None:
        """Start the worker processes now (at service start) instead of at the first job."""
        if not self.running:
            return
        with self._lock:
            pool = self._pool()
            self._pings = [pool.submit(_ping) for _ in range(self.workers)]

    @property
    def warm(self) -> bool:
        """Whether the workers started by :meth:`start` are up (True when not started)."""
        return all(p.done() for p in self._pings)

    def submit(self, job_id: str) -> Future[str] | None:
        """Start ``job_id`` in a worker; None when the runner does not run jobs."""
        if not self.running:
            return None
        with self._lock:
            try:
                future = self._pool().submit(execute_job, self.database_url, job_id)
            except BrokenProcessPool:
                self._executor = None
                future = self._pool().submit(execute_job, self.database_url, job_id)
            self._futures[job_id] = future
        future.add_done_callback(lambda f, j=job_id: self._finished(j, f))
        return future

    def future(self, job_id: str) -> Future[str] | None:
        """The future of a job submitted by this process, while it is pending."""
        with self._lock:
            return self._futures.get(job_id)

    def cancel(self, job_id: str) -> bool:
        """Withdraw a job that has not started; False when it is already running."""
        future = self.future(job_id)
        return future is not None and future.cancel()

    def _finished(self, job_id: str, future: Future[str]) -> None:
        with self._lock:
            self._futures.pop(job_id, None)
        try:
            future.result()
        except CancelledError:
            return
        except BrokenProcessPool:
            with self._lock:
                self._executor = None
            log.error("worker died", extra={"event": "worker_died", "job_id": job_id})
            set_status(
                self.engine,
                job_id,
                JobStatus.interrupted,
                ACTIVE,
                finished=utcnow(),
                error=_problem(
                    "interrupted", "Job interrupted", 409, "the worker process died; re-run it"
                ),
            )
        except Exception as err:
            log.error("job crashed", extra={"event": "job_crashed", "job_id": job_id})
            set_status(
                self.engine,
                job_id,
                JobStatus.failed,
                ACTIVE,
                finished=utcnow(),
                error=error_problem(err),
            )

    def shutdown(self) -> None:
        """Stop the workers; jobs still queued or running are marked interrupted."""
        with self._lock:
            executor, self._executor = self._executor, None
            pending = list(self._futures)
        if executor is not None:
            processes = list(getattr(executor, "_processes", {}).values())
            executor.shutdown(wait=False, cancel_futures=True)
            for p in processes:  # a solve can run for minutes; do not wait for it
                if p.is_alive():
                    p.terminate()
            for p in processes:
                p.join(timeout=5)
        for job_id in pending:
            set_status(
                self.engine,
                job_id,
                JobStatus.interrupted,
                ACTIVE,
                finished=utcnow(),
                error=_problem(
                    "interrupted",
                    "Job interrupted",
                    409,
                    "the service stopped before the job finished; re-run it",
                ),
            )


# -- views -------------------------------------------------------------------------------


def seconds_between(a: datetime | None, b: datetime | None) -> float | None:
    """``b - a`` in seconds, when both are known."""
    if a is None or b is None:
        return None
    return round((b - a).total_seconds(), 3)


def list_active(session: Session) -> list[str]:
    """Ids of jobs queued or running."""
    return list(session.scalars(select(JobRow.id).where(JobRow.status.in_(ACTIVE))))
