"""What runs one job: a solve process, and the worker thread that watches it.

A worker claims a job (:func:`service.jobs.store.claim`) and hands it to a *solve
process*, a child that keeps its imports warm between jobs. While it runs, the worker
reads the job's row a few times a second: when the job was cancelled, or was taken from
this worker (it was presumed dead and queued again), the solve process is killed, so a
cancel stops the solve within a fraction of a second whatever the engine is doing. A solve
process never outlives its parent: on Linux the kernel kills it when the parent dies
(``PR_SET_PDEATHSIG``); elsewhere a watchdog thread exits when the parent pid changes.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from optimizer.errors import WfmError
from service.db import make_engine
from service.jobs import store
from service.jobs.kinds import JOB_KINDS, JobKind
from service.jobs.queue import enqueue
from service.jobs.store import JobStatus, WorkItem
from service.logs import configure_logging
from service.models import JobPartRow, JobRow, utcnow

log = logging.getLogger("wfm.jobs")

PR_SET_PDEATHSIG = 1
WATCH_S = 0.2
"""How often a worker reads the row of the job it runs (cancel takes effect within this)."""


def die_with_parent(parent_pid: int) -> None:
    """Make this process end when ``parent_pid`` ends (kill -9 included)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent_pid:  # the parent died before the prctl took effect
            os._exit(1)
        return

    def watchdog() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watchdog, name="parent-watchdog", daemon=True).start()


# -- inside the solve process ----------------------------------------------------------------


def run_attempt(engine: Engine, item: WorkItem, attempt: int) -> str:
    """Run a claimed job or part and store its outcome; returns what happened."""
    with Session(engine) as session:
        row = session.get(JobRow, item.job_id)
        if row is None:
            return "missing"
        kind, payload = JOB_KINDS[row.kind], row.payload
    t0 = time.perf_counter()
    try:
        if item.part is not None:
            outcome = _run_part(engine, item, attempt, kind, payload)
        elif kind.sweep is not None:
            outcome = _fan_out(engine, item, attempt, kind, payload)
        else:
            assert kind.run is not None
            result = kind.run(payload, _progress(engine, item, attempt))
            with store.job_transaction(engine) as session:
                stored = store.finish(
                    session, item, attempt, JobStatus.done, result=result, progress=1.0
                )
            outcome = JobStatus.done.value if stored else "superseded"
    except Exception as err:  # every failure is stored on the job, nothing is swallowed
        if not isinstance(err, WfmError | ValidationError):
            log.error(
                "job failed",
                extra={"event": "job_failed", "job_id": item.describe(), "kind": kind.name,
                       "error": "".join(traceback.format_exception_only(err)).strip()},
            )  # fmt: skip
        fail_attempt(engine, item, attempt, store.error_problem(err))
        return JobStatus.failed.value
    log.info(
        "job step finished",
        extra={"event": "job_done", "job_id": item.describe(), "kind": kind.name,
               "outcome": outcome, "run_s": round(time.perf_counter() - t0, 3)},
    )  # fmt: skip
    return outcome


def _progress(engine: Engine, item: WorkItem, attempt: int) -> Any:
    last = [0.0]

    def report(fraction: float) -> None:
        now = time.monotonic()
        if now - last[0] < 0.5 and fraction < 1.0:
            return
        last[0] = now
        store.set_progress(engine, item, attempt, fraction)

    return report


def _fan_out(
    engine: Engine, item: WorkItem, attempt: int, kind: JobKind, payload: dict[str, Any]
) -> str:
    """Queue one part per replication; the job stays running until its last part is done."""
    assert kind.sweep is not None
    n = kind.sweep.parts(payload)
    with store.job_transaction(engine) as session:
        moved = store.rows_changed(
            session,
            update(JobRow)
            .where(JobRow.id == item.job_id, JobRow.status == JobStatus.running.value,
                   JobRow.attempts == attempt)
            .values(parts_total=n, progress=0.0),
        )  # fmt: skip
        if not moved:
            return "superseded"
        now = utcnow()
        session.add_all(
            JobPartRow(job_id=item.job_id, part=i, status=JobStatus.queued.value, attempts=0,
                       created=now)
            for i in range(n)
        )  # fmt: skip
        session.flush()
        enqueue(session, [WorkItem(item.job_id, i) for i in range(n)])
    return "fanned_out"


def _run_part(
    engine: Engine, item: WorkItem, attempt: int, kind: JobKind, payload: dict[str, Any]
) -> str:
    """Run one part; the worker finishing the last part combines the job's result."""
    assert kind.sweep is not None and item.part is not None
    result = kind.sweep.run_part(payload, item.part)
    with store.job_transaction(engine) as session:
        # The job's row first, then the part's: the order of a cancel, so the two never
        # wait for each other.
        job = session.get(JobRow, item.job_id, with_for_update=True)
        if not store.finish(session, item, attempt, JobStatus.done, result=result):
            return "superseded"
        if job is None or job.status != JobStatus.running.value or not job.parts_total:
            return "superseded"
        # Count first: the parts' results (tens of kilobytes each) are read once, by the
        # worker that combines them, not by every part's worker under the job's row lock.
        is_done = [JobPartRow.job_id == item.job_id, JobPartRow.status == JobStatus.done.value]
        done = session.scalar(select(func.count()).where(*is_done)) or 0
        job.progress = done / job.parts_total
        if done < job.parts_total:
            return JobStatus.done.value
        results: Sequence[dict[str, Any] | None] = session.scalars(
            select(JobPartRow.result).where(*is_done).order_by(JobPartRow.part)
        ).all()
        job.result = kind.sweep.combine(payload, [r for r in results if r is not None])
        job.status, job.progress, job.finished = JobStatus.done.value, 1.0, utcnow()
    return "combined"


def fail_attempt(engine: Engine, item: WorkItem, attempt: int, error: dict[str, Any]) -> None:
    """Store a failed attempt; a failed part fails its whole job with the same problem."""
    with store.job_transaction(engine) as session:
        if item.part is None:
            store.finish(session, item, attempt, JobStatus.failed, error=error)
            return
        store.finish(session, item, attempt, JobStatus.failed)
    store.fail_job(engine, item.job_id, error)


def give_back(engine: Engine, item: WorkItem, attempt: int) -> bool:
    """Queue an attempt's item again without counting the attempt (its worker is shutting
    down, not dying); False when the attempt was no longer the item's."""
    table: Any = JobRow if item.part is None else JobPartRow
    with store.job_transaction(engine) as session:
        moved = store.rows_changed(
            session,
            update(table)
            .where(*store.fence(item, attempt))
            .values(status=JobStatus.queued.value, attempts=attempt - 1),
        )
        if moved:
            enqueue(session, [item])
        return bool(moved)


def requeue_with_entry(engine: Engine, item: WorkItem) -> bool:
    """Queue a running item of a dead worker again, with a fresh queue entry, in one
    transaction; False when it was no longer running (finished, or cancelled)."""
    with store.job_transaction(engine) as session:
        moved = store.requeue_running(session, item)
        if moved:
            enqueue(session, [item])
        return moved


def _solve_process(conn: Connection, database_url: str, log_level: str, parent_pid: int) -> None:
    """Main of a solve process: run the items the worker sends, one at a time."""
    die_with_parent(parent_pid)
    configure_logging(log_level)
    engine = make_engine(database_url)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            item, attempt = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(run_attempt(engine, item, attempt))


# -- in the worker process ---------------------------------------------------------------------


class SolveProcess:
    """A warm child process that runs one job at a time and can be killed."""

    def __init__(self, database_url: str, log_level: str) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process: BaseProcess = ctx.Process(
            target=_solve_process,
            args=(child, database_url, log_level, os.getpid()),
            name="wfm-solve",
            daemon=True,
        )
        self.process.start()
        child.close()
        self.ready = False
        self.broken = False
        self._greeting = threading.Lock()  # one reader of the "ready" message at a time

    @property
    def pid(self) -> int | None:
        """The process id."""
        return self.process.pid

    def wait_ready(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds until the process has imported everything; False
        if it is not ready yet, or died (then ``broken``)."""
        if self.ready or self.broken:
            return self.ready
        # /ready asks from a request thread while a worker thread may be waiting for the
        # same message; without the lock one of them could block in recv() for good.
        if not self._greeting.acquire(blocking=timeout > 0, timeout=timeout if timeout > 0 else -1):
            return self.ready
        try:
            if not (self.ready or self.broken) and self.conn.poll(timeout):
                self.ready = self.conn.recv()[0] == "ready"
        except (EOFError, OSError):
            self.broken = True
        finally:
            self._greeting.release()
        return self.ready

    def wait_until_ready(self) -> bool:
        """Wait as long as the process lives and has not finished warming up (a loaded
        machine may take minutes to import the engines); False when it died instead."""
        while not self.wait_ready(1.0):
            if self.broken or not self.process.is_alive():
                return False
        return self.process.is_alive()

    def kill(self) -> None:
        """Kill the process at once (a solve may not stop on its own for minutes)."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class Executor:
    """Runs claimed work items in solve processes, one item per process at a time.

    ``run`` is called by as many threads as there are processes; it claims the item,
    sends it to an idle solve process and watches the row until the solve ends, the job is
    cancelled (the process is killed and replaced), or the process dies.
    """

    def __init__(
        self, engine: Engine, database_url: str, processes: int, max_attempts: int, log_level: str
    ) -> None:
        self.engine = engine
        self.database_url = database_url
        self.processes = processes
        self.max_attempts = max_attempts
        self.log_level = log_level
        self._idle: queue.SimpleQueue[SolveProcess] = queue.SimpleQueue()
        self._all: list[SolveProcess] = []
        self._lock = threading.Lock()
        self._closed = False

    def _spawn(self) -> SolveProcess:
        with self._lock:
            if self._closed:
                raise RuntimeError("the executor is shut down")
            proc = SolveProcess(self.database_url, self.log_level)
            self._all = [p for p in self._all if p.process.is_alive()] + [proc]
            return proc

    def prestart(self) -> None:
        """Start every solve process now (they warm up in the background)."""
        for _ in range(self.processes - len(self._all)):
            self._idle.put(self._spawn())

    @property
    def warm(self) -> bool:
        """Whether the started processes have finished warming up."""
        with self._lock:
            procs = list(self._all)
        return all(p.wait_ready(0) for p in procs)

    def solve_pids(self) -> list[int]:
        """Pids of the living solve processes."""
        with self._lock:
            return [p.pid for p in self._all if p.pid is not None and p.process.is_alive()]

    def _take(self) -> SolveProcess:
        while True:
            try:
                proc = self._idle.get_nowait()
            except queue.Empty:
                proc = self._spawn()
            if proc.wait_until_ready():
                return proc
            proc.kill()

    def run(self, item: WorkItem) -> str:
        """Claim ``item`` and run it to its end; returns what happened."""
        attempt = store.claim(self.engine, item, self.max_attempts)
        if attempt is None:
            return "skipped"
        try:
            proc = self._take()
            proc.conn.send((item, attempt))
        except BaseException:  # no process to run it: the item goes back to the queue
            give_back(self.engine, item, attempt)
            raise
        while True:
            if proc.conn.poll(WATCH_S):
                try:
                    outcome = str(proc.conn.recv())
                except (EOFError, OSError):
                    outcome = None
                if outcome is not None:
                    self._idle.put(proc)
                    return outcome
            if not proc.process.is_alive() or proc.conn.closed:
                return self._died(proc, item, attempt)
            if not store.still_mine(self.engine, item, attempt):
                proc.kill()
                log.info("solve stopped", extra={"event": "job_stopped", "job_id": item.describe()})
                return "stopped"

    def _died(self, proc: SolveProcess, item: WorkItem, attempt: int) -> str:
        """The solve process died under the job (out of memory, a crash): the job is queued
        again, the attempt counted, as when a whole worker dies; after the last attempt it
        fails naming the exit code (a crash that repeats is not started a fourth time)."""
        code = proc.process.exitcode
        proc.kill()
        if self._closed:
            give_back(self.engine, item, attempt)
            return "shutdown"
        extra = {"event": "worker_died", "job_id": item.describe(), "exit_code": code}
        if attempt < self.max_attempts and requeue_with_entry(self.engine, item):
            log.warning("solve process died; the job is queued again", extra=extra)
            return "requeued"
        error = store.problem(
            "internal", "Job failed", 500,
            f"the solve process ended unexpectedly (exit code {code}) at attempt {attempt}, "
            "the last one; logged",
            attempts=attempt,
        )  # fmt: skip
        log.error("solve process died at the last attempt", extra=extra)
        fail_attempt(self.engine, item, attempt, error)
        return JobStatus.failed.value

    def shutdown(self) -> None:
        """Kill every solve process (their jobs are queued again at the next start or by
        another worker)."""
        with self._lock:
            self._closed = True
            procs, self._all = self._all, []
        for p in procs:
            p.kill()
