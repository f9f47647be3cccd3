"""The job queue through the API and the store: caps (429), cancel by role, cancel kills the
solve, a claim taken once, fenced outcomes, the attempt limit, and what-if sweeps fanned out
as parts. Each test runs on SQLite, and on PostgreSQL (procrastinate) when reachable."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from procrastinate.exceptions import ConnectorException
from procrastinate.jobs import Status
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from optimizer.domain.scenario import ScenarioSet
from optimizer.simulate import run_scenarios
from service.app import create_app
from service.auth import Role, create_key
from service.db import transaction
from service.jobs import store
from service.jobs.queue import QUEUE, enqueue
from service.jobs.runner import QueueWorker
from service.jobs.store import JobStatus, WorkItem
from service.jobs.worker import Executor, run_attempt
from service.models import JobPartRow, JobRow
from tests.integration.conftest import (
    drop_postgres_database,
    fresh_postgres_database,
    make_settings,
)

API = "/api/v1"
STAFFING = {"intervals": [{"label": "ср 09-10", "rate_per_hour": 4, "aht_min": 30}]}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own for each test (the queue caps count every job)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'wfm.db'}"
        return
    base = request.getfixturevalue("postgres_server")
    url, name = fresh_postgres_database(base)
    try:
        yield url
    finally:
        drop_postgres_database(base, name)


def _whatif(days: float, replications: int = 1, scale: int = 1) -> dict[str, object]:
    """A synthetic what-if: 6 × ``scale`` calls an hour of 30 minutes on 4 × ``scale``
    engineers; its run time grows with the horizon and the scale."""
    return {
        "name": "M/M/c",
        "horizon_days": days,
        "replications": replications,
        "seed": 11,
        "base": {
            "synthetic": {
                "rate_per_hour": 6 * scale,
                "mean_duration_min": 30,
                "engineers": 4 * scale,
            }
        },
    }


def _keys(app) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    with transaction(app.state.engine) as session:
        return {r.name: {"X-API-Key": create_key(session, r, r.name).key} for r in Role}


def _until(check: Callable[[], bool], timeout: float = 300) -> None:
    """Wait for a state the test cannot be told about (a worker on its own schedule);
    nothing is asserted on how long it took."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the state was not reached"
        time.sleep(0.05)


def test_jobs_beyond_the_per_key_cap_are_refused_with_429_and_nothing_is_stored(
    database_url: str,
) -> None:
    app = create_app(make_settings(database_url, job_workers=0, max_queued_jobs_per_key=2))
    with TestClient(app) as client:
        keys = _keys(app)
        for _ in range(2):
            assert client.post(f"{API}/staffing", json=STAFFING, headers=keys["head"]).is_success
        before = client.get(f"{API}/jobs", headers=keys["admin"]).json()["count"]
        r = client.post(f"{API}/staffing", json=STAFFING, headers=keys["head"])
        assert r.status_code == 429
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["retry-after"].isdigit()
        assert r.json()["limit"] == 2 and "this key" in r.json()["detail"]
        assert client.get(f"{API}/jobs", headers=keys["admin"]).json()["count"] == before
        # Another key still has room.
        assert client.post(f"{API}/staffing", json=STAFFING, headers=keys["admin"]).is_success


def test_jobs_beyond_the_total_cap_are_refused_with_429(database_url: str) -> None:
    app = create_app(make_settings(database_url, job_workers=0, max_queued_jobs=3))
    with TestClient(app) as client:
        keys = _keys(app)
        for role in ("head", "admin", "head"):
            assert client.post(f"{API}/staffing", json=STAFFING, headers=keys[role]).is_success
        r = client.post(f"{API}/staffing", json=STAFFING, headers=keys["admin"])
        assert r.status_code == 429 and r.json()["limit"] == 3
        # A cancelled job no longer counts.
        first = client.get(f"{API}/jobs", headers=keys["admin"]).json()["data"][0]["id"]
        assert client.delete(f"{API}/jobs/{first}", headers=keys["admin"]).status_code == 200
        assert client.post(f"{API}/staffing", json=STAFFING, headers=keys["admin"]).is_success


def test_cancelling_a_job_needs_the_role_that_may_submit_its_kind(database_url: str) -> None:
    app = create_app(make_settings(database_url, job_workers=0))
    with TestClient(app) as client:
        keys = _keys(app)
        job_url = client.post(f"{API}/staffing", json=STAFFING, headers=keys["head"]).headers[
            "location"
        ]
        r = client.delete(job_url, headers=keys["dispatcher"])
        assert r.status_code == 403 and r.json()["required_role"] == "head"
        assert client.get(job_url, headers=keys["viewer"]).json()["status"] == "queued"
        assert client.delete(job_url, headers=keys["head"]).json()["status"] == "cancelled"


def test_cancelling_a_running_what_if_kills_its_solve_process(database_url: str) -> None:
    app = create_app(make_settings(database_url, job_workers=1, prestart_workers=True))
    with TestClient(app) as client:
        keys = _keys(app)
        runner = app.state.runner
        # Minutes of simulation: it would still be running long after the cancel.
        r = client.post(f"{API}/whatif", json=_whatif(1000, scale=10), headers=keys["head"])
        job_url = r.headers["location"]
        job_id = job_url.rsplit("/", 1)[1]
        part = WorkItem(job_id, 0)
        _until(lambda: _part_attempt(app, job_id) is not None)
        pids = runner.solve_pids()
        assert len(pids) == 1
        assert client.delete(job_url, headers=keys["head"]).json()["status"] == "cancelled"
        _until(lambda: not _alive(pids[0]), timeout=30)
        job = client.get(job_url, params={"wait": 5}, headers=keys["viewer"]).json()
        assert job["status"] == "cancelled" and job["progress"] == 0
        assert store.still_mine(app.state.engine, part, 1) is False


def test_a_solve_process_killed_under_a_job_runs_it_again_and_the_last_attempt_fails_it(
    database_url: str,
) -> None:
    settings = make_settings(database_url, job_workers=1, prestart_workers=True, job_max_attempts=2)
    app = create_app(settings)
    with TestClient(app) as client:
        keys = _keys(app)
        runner = app.state.runner
        r = client.post(f"{API}/whatif", json=_whatif(1000, scale=10), headers=keys["head"])
        job_url = r.headers["location"]
        job_id = job_url.rsplit("/", 1)[1]

        for attempt in (1, 2):
            # claimed, its solve process warm (one that dies warming up is replaced) and
            # at work on the simulation (its CPU time grows)
            _until(lambda a=attempt: _part_attempt(app, job_id) == a and runner.warm)
            (pid,) = runner.solve_pids()
            ticks = _cpu_ticks(pid)
            _until(lambda p=pid, t=ticks: _cpu_ticks(p) > t + 20)
            os.kill(pid, signal.SIGKILL)  # what the kernel's OOM killer does
        job = _finished(client, job_url, keys["viewer"])
        assert job["status"] == "failed" and job["error"]["status"] == 500
        assert "exit code -9" in job["error"]["detail"] and "attempt 2" in job["error"]["detail"]


def _part_attempt(app, job_id: str) -> int | None:  # type: ignore[no-untyped-def]
    """The attempt of the job's first part while it runs; None otherwise."""
    with Session(app.state.engine) as s:
        row = s.get(JobPartRow, (job_id, 0))
        return row.attempts if row is not None and row.status == "running" else None


def _cpu_ticks(pid: int) -> int:
    """User + system CPU time of process ``pid`` in clock ticks (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0
    return int(fields[11]) + int(fields[12])


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie waiting to be reaped does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _finished(client: TestClient, job_url: str, headers: dict[str, str]) -> dict[str, Any]:
    """The job once it has left queued and running. The service waits on the row (up to
    ``max_wait_s`` per request); a loaded machine may need several such waits, since a
    fresh worker first starts its solve process. Nothing is asserted on how long it took."""
    deadline = time.monotonic() + 600
    while True:
        job: dict[str, Any] = client.get(job_url, params={"wait": 60}, headers=headers).json()
        if job["status"] not in ("queued", "running"):
            return job
        assert time.monotonic() < deadline, f"the job did not finish: {job}"


def test_a_what_if_fanned_out_as_parts_gives_the_report_of_a_single_process_run(
    database_url: str,
) -> None:
    app = create_app(make_settings(database_url, job_workers=2))
    scenario = _whatif(1, replications=3)  # three parts, one a replication
    with TestClient(app) as client:
        keys = _keys(app)
        r = client.post(f"{API}/whatif", json=scenario, headers=keys["head"])
        assert r.status_code == 202, r.text
        job = _finished(client, r.headers["location"], keys["viewer"])
        assert job["status"] == "done" and job["progress"] == 1.0
        with Session(app.state.engine) as s:
            parts = s.query(JobPartRow).filter(JobPartRow.job_id == job["id"]).all()
            assert sorted((p.part, p.status) for p in parts) == [(i, "done") for i in range(3)]
        result = client.get(f"{r.headers['location']}/result", headers=keys["viewer"]).json()
    alone = run_scenarios(ScenarioSet.model_validate(scenario), workers=1).model_dump(mode="json")
    assert result == alone


def test_a_job_is_claimed_once_and_a_superseded_attempt_cannot_store(database_url: str) -> None:
    app = create_app(make_settings(database_url, job_workers=0))
    with TestClient(app):
        engine = app.state.engine
        with transaction(engine) as session:
            job_id = store.create_job(session, "staffing", STAFFING).id
        item = WorkItem(job_id)
        assert store.claim(engine, item, max_attempts=3) == 1
        assert store.claim(engine, item, max_attempts=3) is None  # taken already
        # Its worker is presumed dead: queued again and claimed by another worker.
        assert store.requeue(engine, item)
        assert store.claim(engine, item, max_attempts=3) == 2
        with transaction(engine) as session:
            assert not store.finish(session, item, 1, JobStatus.done, result={"late": True})
            assert store.finish(session, item, 2, JobStatus.done, result={"ok": True})
        row = store.load_job(engine, job_id)
        assert (row.status, row.result, row.attempts) == ("done", {"ok": True}, 2)


def test_a_what_if_already_fanned_out_stays_running_when_its_worker_is_presumed_dead(
    database_url: str,
) -> None:
    app = create_app(make_settings(database_url, job_workers=0))
    with TestClient(app):
        engine = app.state.engine
        with transaction(engine) as session:
            job_id = store.create_job(session, "whatif", _whatif(1, replications=2)).id
        item = WorkItem(job_id)
        attempt = store.claim(engine, item, max_attempts=3)
        assert attempt == 1
        assert run_attempt(engine, item, attempt) == "fanned_out"
        # Its worker dies before the queue hears that the fan-out is done: the job's queue
        # entry looks stalled. Queuing the job again would fan it out a second time.
        assert store.requeue(engine, item) is False
        row = store.load_job(engine, job_id)
        assert (row.status, row.parts_total, row.attempts) == ("running", 2, 1)
        assert store.claim(engine, WorkItem(job_id, 1), max_attempts=3) == 1


def test_a_job_whose_workers_died_at_every_attempt_is_failed_not_started_again(
    database_url: str,
) -> None:
    app = create_app(make_settings(database_url, job_workers=0))
    with TestClient(app):
        engine = app.state.engine
        with transaction(engine) as session:
            job_id = store.create_job(session, "staffing", STAFFING).id
        item = WorkItem(job_id)
        for attempt in (1, 2):
            assert store.claim(engine, item, max_attempts=2) == attempt
            assert store.requeue(engine, item)
        assert store.claim(engine, item, max_attempts=2) is None
        row = store.load_job(engine, job_id)
        assert row.status == "failed" and row.error is not None
        assert row.error["type"].endswith("/interrupted") and row.error["attempts"] == 2


def test_a_job_left_running_by_a_killed_service_runs_again_at_the_next_start(
    database_url: str,
) -> None:
    first = create_app(make_settings(database_url, job_workers=0))
    with TestClient(first) as client:
        keys = _keys(first)
        job_url = client.post(f"{API}/staffing", json=STAFFING, headers=keys["head"]).headers[
            "location"
        ]
        job_id = job_url.rsplit("/", 1)[1]
        # What a kill -9 leaves: the row claimed (running, one attempt) and nobody on it.
        assert store.claim(first.state.engine, WorkItem(job_id), max_attempts=3) == 1
    if not database_url.startswith("sqlite"):
        return  # on PostgreSQL the workers' heartbeats decide: tests/e2e/test_jobs_cluster.py
    second = create_app(make_settings(database_url, job_workers=1, prestart_workers=True))
    with TestClient(second) as client:
        job = _finished(client, job_url, keys["viewer"])
        assert (job["status"], job["rerun_of"]) == ("done", None)
        with Session(second.state.engine) as s:
            assert s.get(JobRow, job_id).attempts == 2


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A PostgreSQL database of this test's own (the queue is procrastinate's)."""
    url, name = fresh_postgres_database(postgres_server)
    try:
        yield url
    finally:
        drop_postgres_database(postgres_server, name)


def _queue_entries(engine: Engine, job_id: str) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT status FROM procrastinate_jobs WHERE args->>'job_id' = :id ORDER BY id"),
            {"id": job_id},
        )
        return [str(r.status) for r in rows]


@pytest.mark.postgres
def test_a_job_taken_from_a_worker_presumed_dead_is_not_lost_when_that_worker_ends_late(
    postgres_url: str,
) -> None:
    """A worker whose heartbeat stopped (a long pause, a stalled machine) is presumed dead:
    its job goes back on the queue. When the worker wakes up and ends its queue entry, the
    job must still be waiting for another worker, not marked as done on the queue."""
    settings = make_settings(
        postgres_url, job_workers=0, worker_heartbeat_s=0.5, worker_stalled_after_s=3
    )
    app = create_app(settings)
    with TestClient(app):
        engine = app.state.engine
        with transaction(engine) as session:
            job_id = store.create_job(session, "staffing", STAFFING).id
            enqueue(session, [WorkItem(job_id)])
        executor = Executor(engine, postgres_url, 1, settings.job_max_attempts, "WARNING")
        watch = QueueWorker(engine, executor, settings)

        async def scenario() -> None:
            async with watch.app.open_async():
                manager = watch.app.job_manager
                sleeper = await manager.register_worker()
                entry = await manager.fetch_job(queues=[QUEUE], worker_id=sleeper)
                assert entry is not None and entry.id is not None
                assert store.claim(engine, WorkItem(job_id), settings.job_max_attempts) == 1
                # The sleeper's last heartbeat is an hour old: presumed dead.
                await manager.connector.execute_query_async(
                    "UPDATE procrastinate_workers SET last_heartbeat = NOW() - INTERVAL '1 hour'"
                )
                assert await watch.requeue_stalled() == 1
                # The sleeper wakes up, finds the job is no longer its own, and ends its
                # queue entry the way procrastinate does after a task returns.
                assert not store.still_mine(engine, WorkItem(job_id), 1)
                with contextlib.suppress(ConnectorException):
                    await manager.finish_job(entry, status=Status.SUCCEEDED, delete_job=False)
                taker = await manager.register_worker()
                again = await manager.fetch_job(queues=[QUEUE], worker_id=taker)
                assert again is not None and again.task_kwargs["job_id"] == job_id

        asyncio.run(scenario())
        assert store.claim(engine, WorkItem(job_id), settings.job_max_attempts) == 2
        assert _queue_entries(engine, job_id).count("doing") == 1
