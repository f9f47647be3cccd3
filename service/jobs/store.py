"""Jobs in the database: rows, statuses, claims by workers, and the views of a job.

A job row carries its status, progress, timings, payload and outcome. A worker *claims* a
queued job before it runs it: the claim moves the row to ``running`` and counts an attempt,
in one conditional update, so two workers never both run it. Every later write of that
worker names the attempt (a fence): a worker presumed dead whose job was queued again can
no longer store anything, so a job's outcome is stored exactly once. A job whose workers
died ``max_attempts`` times is failed instead of being started again.

A fanned-out job (a what-if) keeps its parts in ``job_parts``; a part is claimed, fenced
and retried the same way, and only while its job is running (a cancelled job's parts stop).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from sqlalchemy import CursorResult, Engine, Executable, and_, exists, func, select, update
from sqlalchemy.orm import Session

from optimizer.errors import InfeasibleRequest, InvalidInput, WfmError
from service.db import transaction
from service.models import JobPartRow, JobRow, utcnow
from service.problems import (
    NotFound,
    TooManyRequests,
    field_errors,
    problem_type,
    safe_value,
)
from service.settings import Settings


class JobStatus(StrEnum):
    """Where a job is in its life."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
    interrupted = "interrupted"
    cancelled = "cancelled"


ACTIVE = (JobStatus.queued.value, JobStatus.running.value)
"""A job in one of these may still change."""


@dataclass(frozen=True)
class WorkItem:
    """What a worker runs: a job, or one part of a fanned-out job."""

    job_id: str
    part: int | None = None

    def describe(self) -> str:
        """``job`` or ``job#part``, for logs."""
        return self.job_id if self.part is None else f"{self.job_id}#{self.part}"


QUEUE_RETRY_AFTER_S = 10
"""Seconds a client refused for a full queue is asked to wait."""


class QueueFull(TooManyRequests):
    """Too many jobs are waiting for a worker (429 with Retry-After)."""

    slug, title = "queue-full", "Too many queued jobs"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(QUEUE_RETRY_AFTER_S)}, **extensions)


def rows_changed(session: Session, statement: Executable) -> int:
    """Run an UPDATE in ``session`` and return how many rows it changed (a claim or a fence
    that matched nothing changed none)."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return int(result.rowcount or 0)


@contextmanager
def job_transaction(engine: Engine) -> Iterator[Session]:
    """A transaction of a worker's writes on jobs and parts, committed on success.

    On SQLite it is the service's writing transaction (``BEGIN IMMEDIATE``: writers queue on
    the file's lock). On PostgreSQL it does not take the service-wide write lock: every write
    here is fenced by the rows' own conditions (a claim, an attempt, a running job), and
    combining a sweep locks the job's row, so workers on many machines need not queue behind
    one another, nor behind the API's imports, while a report is combined."""
    if engine.dialect.name != "postgresql":
        with transaction(engine) as session:
            yield session
        return
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


def worker_name() -> str:
    """``host:pid`` of this process, stored on the jobs it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


# -- creating and reading ------------------------------------------------------------------


def new_job_id() -> str:
    """A fresh, unguessable job id."""
    return uuid.uuid4().hex


def check_queue_room(session: Session, created_by: int | None, settings: Settings) -> None:
    """Refuse (429) a job when too many wait for a worker, for this key or in all. Called in
    the writing transaction that stores the job, so concurrent submissions count each other."""
    queued = JobRow.status == JobStatus.queued.value
    total = session.scalar(select(func.count()).select_from(JobRow).where(queued)) or 0
    if total >= settings.max_queued_jobs:
        raise QueueFull(
            f"{total} jobs are waiting for a worker; at most {settings.max_queued_jobs}. "
            "Retry when some have finished",
            queued=total,
            limit=settings.max_queued_jobs,
        )
    if created_by is None:
        return
    mine = (
        session.scalar(
            select(func.count()).select_from(JobRow).where(queued, JobRow.created_by == created_by)
        )
        or 0
    )
    if mine >= settings.max_queued_jobs_per_key:
        raise QueueFull(
            f"this key has {mine} jobs waiting for a worker; at most "
            f"{settings.max_queued_jobs_per_key}. Retry when some have finished",
            queued=mine,
            limit=settings.max_queued_jobs_per_key,
        )


def create_job(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    created_by: int | None = None,
    rerun_of: str | None = None,
) -> JobRow:
    """Store a queued job (the caller puts it on the queue and commits)."""
    row = JobRow(
        id=new_job_id(),
        kind=kind,
        status=JobStatus.queued.value,
        progress=0.0,
        payload=payload,
        created=utcnow(),
        created_by=created_by,
        rerun_of=rerun_of,
        attempts=0,
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


def load_job(engine: Engine, job_id: str) -> JobRow:
    """The job read in a session of its own (detached), or 404."""
    with Session(engine, expire_on_commit=False) as session:
        return get_job(session, job_id)


def wait_for(engine: Engine, job_id: str, statuses: frozenset[str], timeout: float) -> JobRow:
    """The job once its status is one of ``statuses``, or as it is after ``timeout`` seconds.
    Reads the row at growing intervals (20 ms up to 0.5 s): the job may run on another
    machine, and the database is what they share."""
    deadline = time.monotonic() + timeout
    pause = 0.02
    while True:
        row = load_job(engine, job_id)
        left = deadline - time.monotonic()
        if row.status in statuses or left <= 0:
            return row
        time.sleep(min(pause, left))
        pause = min(pause * 1.5, 0.5)


FINAL = frozenset(s.value for s in JobStatus) - frozenset(ACTIVE)
"""Statuses a job does not leave."""


# -- claims and outcomes -------------------------------------------------------------------


def claim(engine: Engine, item: WorkItem, max_attempts: int) -> int | None:
    """Claim a queued job or part for this worker: the attempt number, or None when it is
    not there to run (taken, cancelled, finished). A queued one whose attempts are used up
    is failed here instead."""
    now = utcnow()
    with Session(engine) as session, session.begin():
        if item.part is None:
            table: Any = JobRow
            where = [JobRow.id == item.job_id]
        else:
            table = JobPartRow
            where = [
                JobPartRow.job_id == item.job_id,
                JobPartRow.part == item.part,
                exists().where(JobRow.id == item.job_id, JobRow.status == JobStatus.running.value),
            ]
        queued = table.status == JobStatus.queued.value
        values: dict[str, Any] = {
            "status": JobStatus.running.value,
            "attempts": table.attempts + 1,
            "worker": worker_name(),
            "started": now,
        }
        result = session.execute(
            update(table)
            .where(*where, queued, table.attempts < max_attempts)
            .values(**values)
            .returning(table.attempts)
        )
        attempt = result.scalar_one_or_none()
        if attempt is not None:
            return int(attempt)
        exhausted = session.execute(
            select(table.attempts).where(*where[:2], queued, table.attempts >= max_attempts)
        ).scalar_one_or_none()
    if exhausted is not None:
        fail_job(engine, item.job_id, _exhausted_problem(int(exhausted)))
    return None


def _exhausted_problem(attempts: int) -> dict[str, Any]:
    return problem(
        "interrupted",
        "Job interrupted",
        409,
        f"the workers running this job stopped {attempts} times; it is not started again. "
        "Re-run it when the cause is fixed",
        attempts=attempts,
    )


def fail_job(engine: Engine, job_id: str, error: dict[str, Any]) -> bool:
    """Fail an active job (whatever its attempt) with ``error``; its queued parts stop."""
    with Session(engine) as session, session.begin():
        moved = rows_changed(
            session,
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.status.in_(ACTIVE))
            .values(status=JobStatus.failed.value, error=error, finished=utcnow()),
        )
        _stop_parts(session, job_id)
        return bool(moved)


def _stop_parts(session: Session, job_id: str) -> None:
    session.execute(
        update(JobPartRow)
        .where(JobPartRow.job_id == job_id, JobPartRow.status.in_(ACTIVE))
        .values(status=JobStatus.cancelled.value, finished=utcnow())
    )


def fence(item: WorkItem, attempt: int) -> list[Any]:
    """The rows an attempt may still write: its own, while running."""
    if item.part is None:
        return [
            JobRow.id == item.job_id,
            JobRow.status == JobStatus.running.value,
            JobRow.attempts == attempt,
        ]
    return [
        JobPartRow.job_id == item.job_id,
        JobPartRow.part == item.part,
        JobPartRow.status == JobStatus.running.value,
        JobPartRow.attempts == attempt,
    ]


def finish(
    session: Session, item: WorkItem, attempt: int, status: JobStatus, **values: Any
) -> bool:
    """Store an attempt's outcome in ``session``'s transaction; False when the attempt is no
    longer the job's (cancelled, or queued again after its worker was presumed dead)."""
    table: Any = JobRow if item.part is None else JobPartRow
    moved = rows_changed(
        session,
        update(table)
        .where(*fence(item, attempt))
        .values(status=status.value, finished=utcnow(), **values),
    )
    return bool(moved)


def still_mine(engine: Engine, item: WorkItem, attempt: int) -> bool:
    """Whether the attempt should go on: the job (and part) is still running it."""
    with Session(engine) as session:
        if item.part is not None:
            job_running = (
                session.scalar(select(JobRow.status).where(JobRow.id == item.job_id))
                == JobStatus.running.value
            )
            if not job_running:
                return False
        return bool(session.scalar(select(func.count()).where(*fence(item, attempt))))


def set_progress(engine: Engine, item: WorkItem, attempt: int, fraction: float) -> None:
    """Record a running job's progress (0..1)."""
    if item.part is not None:
        return
    with Session(engine) as session, session.begin():
        session.execute(
            update(JobRow)
            .where(*fence(item, attempt))
            .values(progress=max(0.0, min(1.0, float(fraction))))
        )


def cancel(engine: Engine, job_id: str) -> bool:
    """Cancel a queued or running job (and its parts); False when it had finished already.
    The worker running it sees the change and stops the solve."""
    with Session(engine) as session, session.begin():
        moved = rows_changed(
            session,
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.status.in_(ACTIVE))
            .values(status=JobStatus.cancelled.value, finished=utcnow()),
        )
        _stop_parts(session, job_id)
        return bool(moved)


def requeue(engine: Engine, item: WorkItem) -> bool:
    """Queue a running job or part again (its worker died); the next claim counts the
    attempt. A cancelled or finished job stays as it is."""
    with Session(engine) as session, session.begin():
        return requeue_running(session, item)


def requeue_running(session: Session, item: WorkItem) -> bool:
    """:func:`requeue` in ``session``'s transaction (the caller may queue the item in the
    same transaction); False when the item was not running. A job already fanned out into
    parts stays running: its parts carry the work (fanning it out again would fail)."""
    if item.part is None:
        stmt = update(JobRow).where(
            JobRow.id == item.job_id,
            JobRow.status == JobStatus.running.value,
            JobRow.parts_total.is_(None),
        )
    else:
        stmt = update(JobPartRow).where(
            JobPartRow.job_id == item.job_id,
            JobPartRow.part == item.part,
            JobPartRow.status == JobStatus.running.value,
        )
    return bool(rows_changed(session, stmt.values(status=JobStatus.queued.value)))


def requeue_all_running(engine: Engine) -> int:
    """At the start of the embedded service: every job or part left running by a previous
    process (which died, or was killed) is queued again. Jobs fanned out into parts stay
    running; their parts are queued again."""
    with Session(engine) as session, session.begin():
        jobs = rows_changed(
            session,
            update(JobRow)
            .where(JobRow.status == JobStatus.running.value, JobRow.parts_total.is_(None))
            .values(status=JobStatus.queued.value),
        )
        parts = rows_changed(
            session,
            update(JobPartRow)
            .where(JobPartRow.status == JobStatus.running.value)
            .values(status=JobStatus.queued.value),
        )
        return jobs + parts


def next_queued(session: Session) -> WorkItem | None:
    """The work item waiting longest: parts of started sweeps first, then jobs."""
    part = session.execute(
        select(JobPartRow.job_id, JobPartRow.part)
        .join(JobRow, and_(JobRow.id == JobPartRow.job_id))
        .where(
            JobPartRow.status == JobStatus.queued.value,
            JobRow.status == JobStatus.running.value,
        )
        .order_by(JobPartRow.created, JobPartRow.part)
        .limit(1)
    ).first()
    if part is not None:
        return WorkItem(part.job_id, part.part)
    job_id = session.scalar(
        select(JobRow.id)
        .where(JobRow.status == JobStatus.queued.value)
        .order_by(JobRow.created, JobRow.id)
        .limit(1)
    )
    return WorkItem(job_id) if job_id is not None else None


# -- problems stored on jobs ----------------------------------------------------------------


def problem(slug: str, title: str, status: int, detail: str, **ext: Any) -> dict[str, Any]:
    """A problem+json body stored on a job."""
    body = {"type": problem_type(slug), "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in ext.items() if v is not None})
    return body


def error_problem(err: BaseException) -> dict[str, Any]:
    """The problem+json body stored for a job that failed with ``err``."""
    if isinstance(err, InfeasibleRequest):
        return problem(
            "infeasible", "Infeasible request", 422, err.explanation, reasons=err.reasons
        )
    if isinstance(err, InvalidInput):
        value = safe_value(err.value)
        return problem(
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
        return problem(
            "invalid-input",
            "Invalid input",
            422,
            f"{first['field']}: {first['value']!r} — {first['message']}",
            field=first["field"],
            value=first["value"],
            errors=fields,
        )
    if isinstance(err, WfmError):
        return problem("invalid-input", "Invalid input", 422, str(err))
    return problem("internal", "Job failed", 500, f"an unexpected {type(err).__name__}; logged")


# -- views ---------------------------------------------------------------------------------


def seconds_between(a: datetime | None, b: datetime | None) -> float | None:
    """``b - a`` in seconds, when both are known."""
    if a is None or b is None:
        return None
    return round((b - a).total_seconds(), 3)
