"""Benchmark of the HTTP service (``make bench`` runs :func:`main`).

Starts ``wfm serve --init`` (uvicorn, SQLite, the sample data) on 127.0.0.1 in a child
process, then a load generator in this process (httpx, a bounded number of threads) measures
latency p50 / p95 and throughput of:

1. reads: ticket list pages, one ticket, the engineer list — under concurrent load;
2. a small synchronous dispatch (``POST /dispatch?wait=30``: 6 tickets, 2 engineers) under
   concurrent load, answered by the worker processes.

Baselines in the same run: ``GET /health`` (no database, no key: the HTTP floor) for the
reads, and the same dispatch solved in-process without HTTP, queue or database for the
dispatch. Run alone: ``python -m bench.service [--quick]``.
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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

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
    from optimizer.dispatch import solve
    from optimizer.domain.dispatch import DispatchRequest

    req = DispatchRequest.model_validate(dispatch_request())
    solve(req)  # warm-up: imports, travel parameters
    ms = []
    t0 = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        solve(req)
        ms.append((time.perf_counter() - t) * 1000)
    return Series("dispatch in-process (baseline)", ms, time.perf_counter() - t0, 0)


def main(argv: list[str] | None = None) -> None:
    args = list(argv if argv is not None else sys.argv[1:])
    quick = "--quick" in args
    reads = READS_PER_THREAD // 4 if quick else READS_PER_THREAD
    dispatches = DISPATCHES_PER_THREAD // 4 if quick else DISPATCHES_PER_THREAD
    console = Console(width=120)
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


if __name__ == "__main__":
    main()
