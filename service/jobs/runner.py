"""Who feeds the workers: the embedded workers of the service, or the task queue.

- **Embedded** (SQLite, ``make run``): threads of the service process take the oldest
  queued row and run it in the :class:`~service.jobs.worker.Executor`'s solve processes.
  No other service is needed. A job left running by a killed service is queued again at
  the next start (:func:`recover_interrupted`); its attempts are counted.
- **Task queue** (PostgreSQL): procrastinate, on the database already in use. API
  instances defer a task per job in the job's own transaction; ``wfm worker`` processes on
  any machine (and the API process itself when ``WFM_JOB_WORKERS`` > 0) run them.
  Procrastinate workers send heartbeats; a watch in every worker re-queues the jobs of a
  worker silent for ``worker_stalled_after_s`` (killed, or its machine gone), so another
  worker finishes them, up to ``job_max_attempts`` starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any

import procrastinate
import procrastinate.exceptions
import procrastinate.jobs
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from service.db import make_engine
from service.jobs import store
from service.jobs.queue import QUEUE, RUN_TASK, uses_task_queue
from service.jobs.store import WorkItem
from service.jobs.worker import Executor, requeue_with_entry
from service.settings import Settings

log = logging.getLogger("wfm.jobs")

STALL_LOCK = 0x5746_4D02
"""Key of the PostgreSQL advisory lock held by the one worker re-queuing stalled jobs."""
IDLE_POLL_S = 1.0
"""How often idle embedded workers look for queued rows without being woken."""


def recover_interrupted(engine: Engine) -> int:
    """At the start of the embedded service, jobs and parts left running by the previous
    process are queued again (their attempts count against the limit). On PostgreSQL the
    workers' heartbeats decide instead: nothing is done here."""
    if uses_task_queue(engine.dialect.name):
        return 0
    return store.requeue_all_running(engine)


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL as psycopg/libpq expects it (no ``+driver``)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


# -- embedded ---------------------------------------------------------------------------------


class EmbeddedWorkers:
    """Threads that run queued rows in the executor, woken at each submission."""

    def __init__(self, engine: Engine, executor: Executor, threads: int) -> None:
        self.engine = engine
        self.executor = executor
        self.threads = threads
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start the threads."""
        for i in range(self.threads):
            t = threading.Thread(target=self._loop, name=f"wfm-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def wake(self) -> None:
        """Something was queued."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                item = self._next()
                if item is None:
                    self._wake.wait(IDLE_POLL_S)
                    self._wake.clear()
                    continue
                if self.executor.run(item) == "fanned_out":
                    self._wake.set()
            except Exception:  # a database hiccup must not end the worker thread
                if self._stop.is_set():
                    return
                log.exception("embedded worker error", extra={"event": "worker_error"})
                self._stop.wait(IDLE_POLL_S)

    def _next(self) -> WorkItem | None:
        with Session(self.engine) as session:
            return store.next_queued(session)

    def stop_taking(self) -> None:
        """Take no more work."""
        self._stop.set()
        self._wake.set()

    def stop(self) -> None:
        """Stop taking work and wait for the threads (the runner shuts the executor down
        first, so a running solve ends at once)."""
        self.stop_taking()
        for t in self._threads:
            t.join(timeout=10)


# -- the task queue ---------------------------------------------------------------------------


class QueueWorker:
    """A procrastinate worker whose task runs each item in the executor, and the watch that
    re-queues the jobs of workers that stopped sending heartbeats."""

    def __init__(self, engine: Engine, executor: Executor, settings: Settings) -> None:
        if settings.worker_heartbeat_s >= settings.worker_stalled_after_s:
            raise ValueError(
                "WFM_WORKER_HEARTBEAT_S must be shorter than WFM_WORKER_STALLED_AFTER_S "
                f"({settings.worker_heartbeat_s:g} ≥ {settings.worker_stalled_after_s:g})"
            )
        self.engine = engine
        self.executor = executor
        self.settings = settings
        self.app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=libpq_url(settings.database_url))
        )
        self.app.task(name=RUN_TASK, queue=QUEUE)(self._run)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[Any] | None = None
        self._thread: threading.Thread | None = None

    async def _run(self, job_id: str, part: int | None = None) -> str:
        return await asyncio.to_thread(self.executor.run, WorkItem(job_id, part))

    async def main(self, install_signal_handlers: bool = True) -> None:
        """Run until stopped (a signal, or :meth:`stop_thread`)."""
        self._loop = asyncio.get_running_loop()
        self._main = asyncio.current_task()
        s = self.settings
        async with self.app.open_async():
            watch = asyncio.create_task(self._watch_stalled(), name="wfm-stalled-watch")
            try:
                await self.app.run_worker_async(
                    queues=[QUEUE],
                    concurrency=self.executor.processes,
                    install_signal_handlers=install_signal_handlers,
                    update_heartbeat_interval=s.worker_heartbeat_s,
                    stalled_worker_timeout=s.worker_stalled_after_s,
                    fetch_job_polling_interval=IDLE_POLL_S * 2,
                    abort_job_polling_interval=IDLE_POLL_S * 2,
                    shutdown_graceful_timeout=30,
                )
            finally:
                watch.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watch

    async def _watch_stalled(self) -> None:
        while True:
            await asyncio.sleep(self.settings.worker_heartbeat_s)
            try:
                await self.requeue_stalled()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be away for a moment; try again later
                log.exception("stalled-job watch failed", extra={"event": "stall_watch_error"})

    async def requeue_stalled(self) -> int:
        """Queue again the jobs of workers silent for ``worker_stalled_after_s``. One worker
        at a time does it (an advisory lock), so a job is never re-queued twice.

        The item gets a *fresh* queue entry, deferred in the transaction that queues its
        row again, and the stalled entry is ended as failed. Retrying the stalled entry
        itself would lose the job when its worker was only late, not dead: procrastinate
        lets a worker end an entry that is back in ``todo``, so the late worker's
        "succeeded" would take the entry off the queue while the row waits for a worker."""
        connector = self.app.connector
        assert isinstance(connector, procrastinate.PsycopgConnector)
        async with connector.pool.connection() as conn:
            cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (STALL_LOCK,))
            row = await cur.fetchone()
            if not row or not row[0]:
                return 0
            try:
                stalled = list(
                    await self.app.job_manager.get_stalled_jobs(
                        queue=QUEUE,
                        task_name=RUN_TASK,
                        seconds_since_heartbeat=self.settings.worker_stalled_after_s,
                    )
                )
                for job in stalled:
                    item = WorkItem(str(job.task_kwargs["job_id"]), _part(job.task_kwargs))
                    requeued = await asyncio.to_thread(requeue_with_entry, self.engine, item)
                    await self._end_stalled_entry(job)
                    if requeued:
                        log.warning(
                            "job of a dead worker queued again",
                            extra={"event": "job_requeued", "job_id": item.describe()},
                        )
                return len(stalled)
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (STALL_LOCK,))

    async def _end_stalled_entry(self, job: procrastinate.jobs.Job) -> None:
        """End a stalled queue entry as failed. Its worker, if it was only late, may have
        ended it in the meantime: then there is nothing left to do."""
        assert job.id is not None
        try:
            await self.app.job_manager.finish_job_by_id_async(
                job.id, status=procrastinate.jobs.Status.FAILED, delete_job=False
            )
        except procrastinate.exceptions.ConnectorException as err:
            log.info(
                "stalled queue entry was ended by its worker",
                extra={"event": "stalled_entry_ended", "entry": job.id, "error": str(err)},
            )

    def start_thread(self) -> None:
        """Run the worker in a thread of this process (the API process's own workers)."""
        started = threading.Event()

        def target() -> None:
            async def run() -> None:
                started.set()
                await self.main(install_signal_handlers=False)

            with contextlib.suppress(asyncio.CancelledError):
                asyncio.run(run())

        self._thread = threading.Thread(target=target, name="wfm-queue-worker", daemon=True)
        self._thread.start()
        started.wait(30)

    def stop_thread(self) -> None:
        """Stop the worker started by :meth:`start_thread`."""
        if self._loop is not None and self._main is not None:
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._main.cancel)
        if self._thread is not None:
            self._thread.join(timeout=40)


def _part(kwargs: dict[str, Any]) -> int | None:
    part = kwargs.get("part")
    return int(part) if part is not None else None


# -- the service's runner -----------------------------------------------------------------------


class JobRunner:
    """The workers the service process runs itself: ``workers`` solve processes fed by the
    embedded threads (SQLite) or by a procrastinate worker (PostgreSQL). ``workers=0`` runs
    nothing here: jobs wait for ``wfm worker`` processes (PostgreSQL) or stay queued."""

    def __init__(
        self,
        engine: Engine,
        database_url: str,
        workers: int,
        log_level: str = "INFO",
        settings: Settings | None = None,
    ) -> None:
        self.engine = engine
        self.workers = workers
        self.settings = settings or Settings(
            database_url=database_url, job_workers=workers, log_level=log_level
        )
        self.executor = Executor(
            engine, database_url, workers, self.settings.job_max_attempts, log_level
        )
        self._feeder: EmbeddedWorkers | QueueWorker | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        """Whether this process runs jobs at all."""
        return self.workers > 0

    def start(self, prestart: bool = True) -> None:
        """Start the workers (idempotent); ``prestart`` also warms the solve processes."""
        if not self.running:
            return
        with self._lock:
            if self._feeder is not None:
                return
            if prestart:
                self.executor.prestart()
            if uses_task_queue(self.engine.dialect.name):
                queue_worker = QueueWorker(self.engine, self.executor, self.settings)
                queue_worker.start_thread()
                self._feeder = queue_worker
            else:
                embedded = EmbeddedWorkers(self.engine, self.executor, self.workers)
                embedded.start()
                self._feeder = embedded

    @property
    def warm(self) -> bool:
        """Whether the solve processes started so far are warm."""
        return self.executor.warm

    def submitted(self) -> None:
        """A job was queued: start the workers if they are not yet, and wake them."""
        if not self.running:
            return
        self.start(prestart=False)
        if isinstance(self._feeder, EmbeddedWorkers):
            self._feeder.wake()

    def solve_pids(self) -> list[int]:
        """Pids of the solve processes alive now."""
        return self.executor.solve_pids()

    def shutdown(self) -> None:
        """Stop the workers; a job still running is queued again (not counted as an
        attempt) for the next start or another worker."""
        with self._lock:
            feeder, self._feeder = self._feeder, None
        if isinstance(feeder, EmbeddedWorkers):
            feeder.stop_taking()
        self.executor.shutdown()
        if isinstance(feeder, EmbeddedWorkers):
            feeder.stop()
        elif isinstance(feeder, QueueWorker):
            feeder.stop_thread()


def run_worker(settings: Settings, concurrency: int) -> None:
    """``wfm worker``: run queue workers in this process until SIGINT / SIGTERM."""
    engine = make_engine(settings.database_url)
    executor = Executor(
        engine, settings.database_url, concurrency, settings.job_max_attempts, settings.log_level
    )
    worker = QueueWorker(engine, executor, settings)
    executor.prestart()
    try:
        asyncio.run(worker.main(install_signal_handlers=True))
    finally:
        executor.shutdown()
        engine.dispose()
