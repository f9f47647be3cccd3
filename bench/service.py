"""Benchmarks of the service (``make bench`` runs :func:`main`).

**queue** — jobs per minute through the task queue (procrastinate on PostgreSQL) with 1, 2
and 4 ``wfm worker`` processes (one solve process each), on two kinds of job:

- M dispatches: the M snapshot of ``bench/dispatch.py`` (20 engineers, 150 tickets) with a
  *deterministic* CP-SAT limit and one CP-SAT thread, so every job does the same work
  however loaded the machine is (a wall-clock limit would hide contention: each job would
  stop on time, with a worse plan);
- what-if sweeps: two sample-department scenarios of 91 days, fanned out as one part per
  replication on the same queue and combined by the worker that finishes the last part.

Baseline in the same run: the same jobs one after another in this process, by the same job
functions, without queue, database or worker processes. Every queue round starts with warm
workers (each has run a dispatch and a sweep part). The private PostgreSQL database of the
run is created on the server of ``WFM_BENCH_POSTGRES_URL`` (or ``WFM_TEST_POSTGRES_URL``)
and dropped at the end; without one the round is skipped.

**http** — starts ``wfm serve --init`` (uvicorn, SQLite, the sample data) on 127.0.0.1 in a
child process, then a load generator in this process (httpx, a bounded number of threads)
measures latency p50 / p95 and throughput of reads (ticket list pages, one ticket, the
engineer list) and of a small synchronous dispatch (``POST /dispatch?wait=30``: 6 tickets,
2 engineers) answered by the worker processes. Baselines: ``GET /health`` (no database, no
key: the HTTP floor) for the reads, the same dispatch solved in-process for the dispatch.

Run alone: ``python -m bench.service [queue] [http] [--quick]`` (default: both).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from optimizer.dispatch import DispatchOptions, solve
from optimizer.dispatch.snapshots import snapshot
from optimizer.domain.dispatch import DispatchRequest
from service.db import make_engine, transaction
from service.jobs import store
from service.jobs.kinds import JOB_KINDS
from service.jobs.limits import validate_payload
from service.jobs.queue import enqueue
from service.jobs.store import FINAL, WorkItem
from service.migrate import upgrade
from service.models import JobPartRow, JobRow
from service.settings import Settings

THREADS = 8
READS_PER_THREAD = 60
DISPATCH_THREADS = 4
DISPATCHES_PER_THREAD = 8
DISPATCH_WORKERS = 2


@dataclass
class Series:
    """Latencies of one kind of request, in milliseconds, and the wall time of the run."""

    name: str
    ms: list[float]
    wall_s: float
    errors: int

    def pct(self, q: float) -> float:
        """The ``q`` quantile (0–100) of the latencies."""
        data = sorted(self.ms)
        if not data:
            return float("nan")
        k = max(0, min(len(data) - 1, round(q / 100 * (len(data) - 1))))
        return data[k]

    @property
    def rps(self) -> float:
        """Requests per second over the run."""
        return len(self.ms) / self.wall_s if self.wall_s else float("nan")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(folder: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WFM_")}
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'var' / 'wfm.db'}",
        WFM_LOG_LEVEL="WARNING",
        WFM_JOB_WORKERS=str(DISPATCH_WORKERS),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli.main", "serve", "--port", str(port)],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    key = None
    assert proc.stdout is not None
    for _ in range(20):
        line = proc.stdout.readline()
        match = re.search(r"(wfm_[0-9a-f]{12}_\S+)", line)
        if match:
            key = match.group(1)
            break
    if key is None:
        proc.kill()
        raise RuntimeError("the service did not print a key")
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return proc, key
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the service did not become ready")


def _load(
    name: str, threads: int, per_thread: int, call: Callable[[httpx.Client, int], int],
    url: str, key: str,
) -> Series:  # fmt: skip
    def worker(t: int) -> tuple[list[float], int]:
        out: list[float] = []
        errors = 0
        with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=60) as client:
            for i in range(per_thread):
                t0 = time.perf_counter()
                status = call(client, t * per_thread + i)
                out.append((time.perf_counter() - t0) * 1000)
                errors += status >= 400
        return out, errors

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(worker, range(threads)))
    wall = time.perf_counter() - t0
    return Series(name, [m for r, _ in results for m in r], wall, sum(e for _, e in results))


def dispatch_request() -> dict[str, object]:
    """A small dispatch: 6 remote and on-site tickets in Saratov and Engels, 2 engineers."""
    day = "2026-11-30"
    engineers = [
        {"id": f"e{i}", "name": f"Инженер {i}", "skills": ["sip_trunks", "ip_phones"],
         "licence_b": True, "has_car": True, "base": {"lat": 51.5331, "lon": 46.0342},
         "availability": [{"start": f"{day}T09:00:00+04:00", "end": f"{day}T18:00:00+04:00"}]}
        for i in (1, 2)
    ]  # fmt: skip
    points = [(51.53, 46.03), (51.50, 46.00), (51.49, 46.12), (51.56, 46.05), (51.52, 45.99),
              (51.48, 46.11)]  # fmt: skip
    tickets = [
        {"id": f"t{i}", "location": {"lat": lat, "lon": lon},
         "created_at": f"{day}T08:{10 + i:02d}:00+04:00", "duration_min": 30 + 10 * (i % 3),
         "priority": "urgent" if i == 0 else "normal", "mode": "onsite" if i % 2 else "remote",
         "required_skills": ["sip_trunks"] if i % 2 else ["ip_phones"]}
        for i, (lat, lon) in enumerate(points)
    ]  # fmt: skip
    return {
        "now": f"{day}T09:00:00+04:00",
        "engineers": engineers,
        "tickets": tickets,
        "options": {"time_limit_s": 1, "num_workers": 1, "explain": False},
    }


def _in_process_dispatch(n: int) -> Series:
    req = DispatchRequest.model_validate(dispatch_request())
    solve(req)  # warm-up: imports, travel parameters
    ms = []
    t0 = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        solve(req)
        ms.append((time.perf_counter() - t) * 1000)
    return Series("dispatch in-process (baseline)", ms, time.perf_counter() - t0, 0)


def http_bench(quick: bool, console: Console) -> None:
    """Latency and throughput of reads and small synchronous dispatches over HTTP."""
    reads = READS_PER_THREAD // 4 if quick else READS_PER_THREAD
    dispatches = DISPATCHES_PER_THREAD // 4 if quick else DISPATCHES_PER_THREAD
    solo = _in_process_dispatch(max(4, dispatches * 2))  # before the server: no contention
    with tempfile.TemporaryDirectory(prefix="wfm-bench-") as tmp:
        port = _free_port()
        proc, key = _start_server(Path(tmp), port)
        url = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=url, headers={"X-API-Key": key}) as c:
                ids = [
                    t["id"] for t in c.get("/api/v1/tickets", params={"limit": 50}).json()["data"]
                ]
                c.post("/api/v1/dispatch", params={"wait": 60}, json=dispatch_request())  # warm
            ids = ids or ["none"]

            def health(client: httpx.Client, i: int) -> int:
                return client.get("/health").status_code

            def read(client: httpx.Client, i: int) -> int:
                if i % 3 == 0:
                    return client.get(
                        "/api/v1/tickets", params={"limit": 20, "offset": i % 10}
                    ).status_code
                if i % 3 == 1:
                    return client.get(f"/api/v1/tickets/{ids[i % len(ids)]}").status_code
                return client.get("/api/v1/engineers").status_code

            def dispatch(client: httpx.Client, i: int) -> int:
                r = client.post("/api/v1/dispatch", params={"wait": 30}, json=dispatch_request())
                return r.status_code if r.status_code != 202 else 599

            series = [
                _load("GET /health (baseline)", THREADS, reads, health, url, key),
                _load("reads: tickets page / ticket / engineers", THREADS, reads, read, url, key),
                _load("POST /dispatch?wait=30, one client", 1, dispatches, dispatch, url, key),
                _load(
                    f"POST /dispatch?wait=30, {DISPATCH_THREADS} clients",
                    DISPATCH_THREADS,
                    dispatches,
                    dispatch,
                    url,
                    key,
                ),  # fmt: skip
                solo,
            ]
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    table = Table(
        title=f"service on 127.0.0.1 (SQLite, {DISPATCH_WORKERS} job workers, "
        f"{os.cpu_count()} CPUs)"
    )
    for col in ("load", "requests", "threads", "p50 ms", "p95 ms", "req/s", "errors"):
        table.add_column(col, justify="left" if col == "load" else "right")
    threads = [THREADS, THREADS, 1, DISPATCH_THREADS, 1]
    for s, th in zip(series, threads, strict=True):
        table.add_row(
            s.name, str(len(s.ms)), str(th), f"{s.pct(50):.1f}", f"{s.pct(95):.1f}",
            f"{s.rps:.0f}", str(s.errors),
        )  # fmt: skip
    console.print(table)
    floor, reads_s, one, many, solo = series
    console.print(
        f"reads p50 = {reads_s.pct(50) / floor.pct(50):.1f}× the /health floor; "
        f"dispatch p50, one client = {one.pct(50) / solo.pct(50):.2f}× the in-process solve "
        f"(+{one.pct(50) - solo.pct(50):.0f} ms for HTTP, queue, worker process, database); "
        f"{DISPATCH_THREADS} clients on {DISPATCH_WORKERS} workers = "
        f"{many.pct(50) / solo.pct(50):.1f}×."
    )
    console.print("The dispatch: 6 tickets, 2 engineers, time_limit_s 1, one CP-SAT worker.")


# -- queue: jobs per minute with 1, 2 and 4 worker processes ----------------------------------

QUEUE_WORKERS = (1, 2, 4)
DISPATCH_JOBS = 6
"""M dispatches per round (``--quick``: 4)."""
DISPATCH_LIMIT_S = 1.0
"""Deterministic CP-SAT limit of each M dispatch (× ``work_per_second``)."""
SWEEPS = 2
"""What-if sweeps per round."""
SWEEP_REPLICATIONS = 5
"""Replications per scenario of a sweep (``--quick``: 2); two scenarios each."""
SWEEP_HORIZON_DAYS = 91
ROUND_DEADLINE_S = 900.0
"""A round not finished by then is reported as failed (a worker that never started)."""


@dataclass
class Round:
    """What one configuration did with one kind of job: how many jobs and work items (a
    job, or the parts of a sweep), the wall time from the first submitted to the last
    finished, the mean time a work item ran (claimed to stored: it grows when the workers
    compete for the cores), and how many jobs did not end done."""

    jobs: int
    parts: int
    wall_s: float
    item_run_s: float
    failed: int

    @property
    def jobs_per_min(self) -> float:
        """Jobs finished per minute of wall time."""
        return 60 * self.jobs / self.wall_s if self.wall_s > 0 else float("nan")

    @property
    def parts_per_min(self) -> float:
        """Work items (jobs, or parts of a sweep) finished per minute."""
        return 60 * self.parts / self.wall_s if self.wall_s > 0 else float("nan")


def dispatch_payload() -> dict[str, Any]:
    """The M snapshot as a dispatch job's payload: a deterministic limit, one CP-SAT thread."""
    options = DispatchOptions(
        time_limit_s=DISPATCH_LIMIT_S, num_workers=1, deterministic=True, explain=False
    )
    request = snapshot("M", "base", options=options)
    return validate_payload(
        JOB_KINDS["dispatch"], request.model_dump(mode="json", exclude_unset=True), Settings()
    )


def sweep_payload(replications: int, seed: int) -> dict[str, Any]:
    """A what-if of the sample department: as it is, and with two more engineers."""
    common = {"horizon_days": SWEEP_HORIZON_DAYS, "replications": replications, "seed": seed}
    body = {
        "name": f"bench {seed}",
        "scenarios": [
            {"name": "как есть", **common},
            {"name": "+2 инженера", **common,
             "changes": {"add_engineers": [{"like": "e01", "count": 2}]}},
        ],
    }  # fmt: skip
    return validate_payload(JOB_KINDS["whatif"], body, Settings())


def in_process(payloads: Sequence[dict[str, Any]], kind: str) -> Round:
    """The jobs one after another in this process, by the kind's own functions."""
    job = JOB_KINDS[kind]
    t0 = time.perf_counter()
    parts = 0
    for payload in payloads:
        if job.sweep is not None:
            n = job.sweep.parts(payload)
            job.sweep.combine(payload, [job.sweep.run_part(payload, i) for i in range(n)])
            parts += n
        else:
            assert job.run is not None
            job.run(payload, lambda _: None)
            parts += 1
    wall = time.perf_counter() - t0
    return Round(len(payloads), parts, wall, wall / parts, 0)


@contextmanager
def private_database(server_url: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database on ``server_url``, dropped afterwards."""
    name = f"wfm_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def submit(engine: Engine, kind: str, payloads: Sequence[dict[str, Any]]) -> list[str]:
    """Store the jobs and put them on the queue, all in one transaction (as the API does)."""
    with transaction(engine) as session:
        ids = [store.create_job(session, kind, p).id for p in payloads]
        enqueue(session, [WorkItem(i) for i in ids])
    return ids


def wait_done(engine: Engine, ids: Sequence[str]) -> Round:
    """Wait until every job has finished; the round's wall time is read from the rows (first
    created to last finished), so the polling here does not count."""
    deadline = time.monotonic() + ROUND_DEADLINE_S
    while True:
        with Session(engine) as s:
            active = s.scalar(
                select(func.count()).where(JobRow.id.in_(ids), JobRow.status.not_in(FINAL))
            )
        if not active:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"{active} of {len(ids)} jobs still unfinished")
        time.sleep(0.1)
    with Session(engine) as s:
        rows = s.scalars(select(JobRow).where(JobRow.id.in_(ids))).all()
        parts = s.scalars(select(JobPartRow).where(JobPartRow.job_id.in_(ids))).all()
    first = min(r.created for r in rows)
    last = max(r.finished for r in rows if r.finished is not None)
    items: Sequence[JobRow | JobPartRow] = parts or rows
    runs = [
        (i.finished - i.started).total_seconds()
        for i in items
        if i.started is not None and i.finished is not None
    ]
    failed = sum(r.status != "done" for r in rows)
    return Round(
        len(ids), len(items), (last - first).total_seconds(), sum(runs) / len(runs), failed
    )


def start_workers(url: str, n: int, folder: Path) -> list[subprocess.Popen[bytes]]:
    """``n`` ``wfm worker --concurrency 1`` processes on the database ``url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WFM_")}
    env.update(DATABASE_URL=url, WFM_LOG_LEVEL="WARNING")
    return [
        subprocess.Popen(
            [sys.executable, "-m", "service.cli.main", "worker", "--concurrency", "1"],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(n)
    ]


def stop_workers(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    """Stop the workers as an operator would (SIGINT), killing what does not stop."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
    for p in procs:
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def wait_registered(engine: Engine, n: int, procs: Sequence[subprocess.Popen[bytes]]) -> None:
    """Wait until ``n`` queue workers are registered (have started fetching)."""
    deadline = time.monotonic() + ROUND_DEADLINE_S
    while True:
        with engine.connect() as conn:
            registered = conn.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar()
        if registered == n:
            return
        dead = [p.pid for p in procs if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            raise RuntimeError(f"{registered} of {n} workers registered; ended: {dead}")
        time.sleep(0.2)


def queue_rounds(
    url: str, n: int, dispatches: Sequence[dict[str, Any]], sweeps: Sequence[dict[str, Any]],
) -> tuple[Round, Round]:  # fmt: skip
    """One configuration: ``n`` worker processes, warmed, then the dispatch and sweep rounds."""
    warm = (dispatches[0], sweep_payload(2 * n, 99))
    engine = make_engine(url)
    with tempfile.TemporaryDirectory(prefix="wfm-bench-") as tmp:
        procs = start_workers(url, n, Path(tmp))
        try:
            wait_registered(engine, n, procs)
            # Warm-up: every idle worker takes one dispatch (concurrency 1), then parts of a
            # sweep (4 per worker: each loads the sample department once).
            wait_done(engine, submit(engine, "dispatch", [warm[0]] * n))
            wait_done(engine, submit(engine, "whatif", [warm[1]]))
            dispatch = wait_done(engine, submit(engine, "dispatch", dispatches))
            sweep = wait_done(engine, submit(engine, "whatif", sweeps))
        finally:
            stop_workers(procs)
            engine.dispose()
    return dispatch, sweep


def postgres_server_url() -> str | None:
    """The PostgreSQL server the bench may create its database on, if any."""
    url = os.environ.get("WFM_BENCH_POSTGRES_URL") or os.environ.get("WFM_TEST_POSTGRES_URL")
    return Settings(database_url=url).database_url if url else None


def queue_bench(quick: bool, console: Console) -> None:
    """Jobs per minute through the queue with 1, 2 and 4 worker processes vs in-process."""
    server = postgres_server_url()
    if server is None:
        console.print("queue: skipped (set WFM_BENCH_POSTGRES_URL or WFM_TEST_POSTGRES_URL)")
        return
    n_dispatch = 4 if quick else DISPATCH_JOBS
    reps = 2 if quick else SWEEP_REPLICATIONS
    dispatch = dispatch_payload()
    dispatches = [dispatch] * n_dispatch
    sweeps = [sweep_payload(reps, seed) for seed in range(1, SWEEPS + 1)]
    in_process([dispatch], "dispatch")  # warm-up of this process: imports, sample, travel
    in_process([sweep_payload(1, 99)], "whatif")
    load_before = os.getloadavg()[0]
    # The load of the shared machine drifts during a run: each configuration is set against
    # the in-process baseline measured just before it.
    rows: list[tuple[int, Round, Round, Round, Round]] = []
    with private_database(server) as url:
        for n in QUEUE_WORKERS:
            base_d, base_s = in_process(dispatches, "dispatch"), in_process(sweeps, "whatif")
            d, s = queue_rounds(url, n, dispatches, sweeps)
            rows.append((n, base_d, base_s, d, s))
    table = Table(
        title=f"jobs through the task queue (procrastinate on PostgreSQL), {os.cpu_count()} CPUs, "
        f"load average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after the run"
    )
    columns = ("workers", "M jobs", "base/min", "queue/min", "run s", "× base",
               "sweeps (parts)", "base/min", "queue/min", "parts/min", "part s", "× base",
               "failed")  # fmt: skip
    for col in columns:
        table.add_column(col, justify="right")
    for n, base_d, base_s, d, s in rows:
        table.add_row(
            str(n), str(d.jobs), f"{base_d.jobs_per_min:.1f}", f"{d.jobs_per_min:.1f}",
            f"{d.item_run_s:.1f}", f"{d.jobs_per_min / base_d.jobs_per_min:.2f}",
            f"{s.jobs} ({s.parts})", f"{base_s.jobs_per_min:.1f}", f"{s.jobs_per_min:.1f}",
            f"{s.parts_per_min:.0f}", f"{s.item_run_s:.2f}",
            f"{s.jobs_per_min / base_s.jobs_per_min:.2f}", str(d.failed + s.failed),
        )  # fmt: skip
    console.print(table)
    console.print(
        f"M dispatch: 20 engineers, 150 tickets, deterministic limit {DISPATCH_LIMIT_S:g} s × "
        f"work_per_second, 1 CP-SAT thread. Sweep: 2 scenarios × {reps} replications of "
        f"{SWEEP_HORIZON_DAYS} days of the sample department, one part per replication. "
        "Each worker process runs one job at a time in one solve process. base/min: the "
        "same jobs one after another in this process (no queue, no database), measured just "
        "before each row. queue/min: jobs finished per minute, first submitted to last "
        "finished. run s, part s: mean time a job or part ran, claimed to stored (it grows "
        "when the processes share the cores)."
    )


def main(argv: list[str] | None = None) -> None:
    args = list(argv if argv is not None else sys.argv[1:])
    quick = "--quick" in args
    # words that are not ours (``python -m bench.run service`` leaves "service" in argv)
    chosen = [a for a in args if a in ("queue", "http")] or ["queue", "http"]
    console = Console(width=140)
    if "queue" in chosen:
        queue_bench(quick, console)
    if "http" in chosen:
        http_bench(quick, console)


if __name__ == "__main__":
    main()
