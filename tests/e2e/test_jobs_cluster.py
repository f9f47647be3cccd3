"""Two API instances and two queue workers on one PostgreSQL, in real processes: a worker
killed with SIGKILL mid-job leaves no orphan solve process, its job is queued again and
finished exactly once by the other worker, and no other job is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.auth import Role, create_key
from service.db import make_engine, transaction
from service.migrate import upgrade
from service.models import JobPartRow
from tests.e2e.conftest import free_port
from tests.integration.conftest import drop_postgres_database, fresh_postgres_database

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WFM = [sys.executable, "-m", "service.cli.main"]
API = "/api/v1"
# Half a minute of simulation in one replication: long enough to be killed mid-run.
LONG = {
    "name": "долгий",
    "horizon_days": 120,
    "replications": 1,
    "seed": 3,
    "base": {"synthetic": {"rate_per_hour": 60, "mean_duration_min": 30, "engineers": 40}},
}
SMALL = {"intervals": [{"label": "чт 10-11", "rate_per_hour": 5, "aht_min": 30}]}
DEADLINE_S = 600
"""How long a state of the other processes may take on a loaded machine before the test
gives up (processes start, warm up and simulate on two shared cores)."""


@pytest.fixture
def database(postgres_server: str) -> Iterator[str]:
    """A PostgreSQL database of this test's own, migrated."""
    url, name = fresh_postgres_database(postgres_server)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        drop_postgres_database(postgres_server, name)


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WFM_")}
    # A dead worker is found after 6 s of silence: short for the test, long enough that a
    # live worker on a loaded machine is not taken for dead (its attempt would be fenced off
    # and redone, and the job would show a third attempt).
    env.update(DATABASE_URL=url, WFM_LOG_LEVEL="WARNING", WFM_JOB_WORKERS="0",
               WFM_WORKER_HEARTBEAT_S="1", WFM_WORKER_STALLED_AFTER_S="6")  # fmt: skip
    return env


def _start(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*WFM, *args], env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip


def _until(check, timeout: float = DEADLINE_S) -> None:  # type: ignore[no-untyped-def]
    """Wait for a state of other processes; nothing is asserted on how long it took."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the state was not reached"
        time.sleep(0.1)


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs. A killed orphan stays a zombie until PID 1 reaps
    it, which some container inits never do: a zombie counts as ended."""
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


def _status(url: str, job_id: str, key: dict[str, str]) -> str:
    r = httpx.get(f"{url}{API}/jobs/{job_id}", headers=key, timeout=30)
    return str(r.json()["status"])


def test_a_worker_killed_mid_job_leaves_its_job_to_the_other_worker(
    database: str, tmp_path: Path
) -> None:
    env = _env(database, tmp_path)
    engine = make_engine(database)
    with transaction(engine) as session:
        key = {"X-API-Key": create_key(session, Role.head, "cluster").key}
    ports = [free_port(), free_port()]
    procs = [_start(["serve", "--no-init", "--port", str(p)], env, tmp_path) for p in ports]
    workers = [_start(["worker", "--concurrency", "1"], env, tmp_path) for _ in range(2)]
    procs += workers
    a, b = (f"http://127.0.0.1:{p}" for p in ports)
    try:
        for url in (a, b):
            _until(lambda url=url: httpx.get(f"{url}/health", timeout=2).status_code == 200)
        long_job = httpx.post(f"{a}{API}/whatif", json=LONG, headers=key, timeout=30)
        assert long_job.status_code == 202, long_job.text
        job_id = long_job.json()["id"]
        others = [
            httpx.post(f"{url}{API}/staffing", json=SMALL, headers=key, timeout=30).json()["id"]
            for url in (a, b, a, b)
        ]

        def part_running() -> bool:
            with Session(engine) as s:
                row = s.get(JobPartRow, (job_id, 0))
                return row is not None and row.status == "running"

        _until(part_running)
        with Session(engine) as s:
            row = s.get(JobPartRow, (job_id, 0))
            assert row is not None and row.worker is not None
            victim_pid = int(row.worker.rsplit(":", 1)[1])
        victim = next(w for w in workers if w.pid == victim_pid)
        solve_pids = _children(victim_pid)
        assert solve_pids, "the worker runs its solve in a child process"
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        # No orphan: the kernel ends the solve processes with their parent.
        _until(lambda: not any(_alive(p) for p in solve_pids))

        _until(lambda: _status(b, job_id, key) not in ("queued", "running"))
        job = httpx.get(f"{b}{API}/jobs/{job_id}", headers=key, timeout=30).json()
        assert job["status"] == "done", job
        assert job["progress"] == 1.0
        survivor = next(w for w in workers if w is not victim)
        with Session(engine) as s:
            part = s.get(JobPartRow, (job_id, 0))
            assert part is not None
            assert part.attempts == 2 and part.worker.endswith(f":{survivor.pid}")
            # Exactly once: the dead worker's queue entry of the part ended as failed, and
            # one fresh entry succeeded; the job's own entry (the fan-out) succeeded once.
            queued = s.execute(
                text("SELECT args->>'part' AS part, status FROM procrastinate_jobs "
                     "WHERE args->>'job_id' = :id ORDER BY id"), {"id": job_id}
            ).all()  # fmt: skip
        assert [(q.part, q.status) for q in queued] == [
            (None, "succeeded"),
            ("0", "failed"),
            ("0", "succeeded"),
        ]
        result = httpx.get(f"{a}{API}/jobs/{job_id}/result", headers=key, timeout=30)
        assert result.status_code == 200 and result.json()["scenarios"][0]["name"] == "долгий"
        for other in others:
            _until(lambda other=other: _status(a, other, key) not in ("queued", "running"))
            assert _status(a, other, key) == "done"
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        engine.dispose()
