"""Two dispatchers at once: the service-layer rules (never two overlapping commitments for one
engineer, never two current assignments for one ticket) hold when two requests race. Writing
requests queue on the write lock (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on
PostgreSQL), so the second sees what the first stored. Run on SQLite and, with
``WFM_TEST_POSTGRES_URL``, on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
from fastapi.testclient import TestClient

from tests.integration.conftest import engineer_body, ticket_body, unique

API = "/api/v1"
DAY = "2026-12-07"
OPTIONS = {"policy": "greedy", "explain": False}
"""The greedy policy: the same plan on any machine, at once (the race is under test here)."""


def _at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run the calls in threads released together; their responses in order."""
    barrier = threading.Barrier(len(calls))
    out: list[httpx.Response | None] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        out[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is not None for r in out)
    return [r for r in out if r is not None]


def _current(client: TestClient, d: dict[str, str], engineer: str) -> list[dict]:  # type: ignore[type-arg]
    params = {"engineer_id": engineer, "status": "current", "kind": "dispatch", "limit": 1000}
    return client.get(f"{API}/assignments", params=params, headers=d).json()["data"]


def _overlaps(rows: list[dict]) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    spans = sorted(
        (
            datetime.fromisoformat(a["start"]) - timedelta(minutes=a["travel_min"]),
            datetime.fromisoformat(a["end"]),
            a["ticket_id"],
        )
        for a in rows
    )
    return [(a[2], b[2]) for a, b in zip(spans, spans[1:], strict=False) if b[0] < a[1]]


def test_two_manual_assignments_racing_for_one_engineers_hour_store_only_one(
    client: TestClient,
    as_role,
    admin: dict[str, str],
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    d = as_role("dispatcher")
    eid = unique("race-e")
    assert (
        client.post(f"{API}/engineers", json=engineer_body(eid), headers=admin).status_code == 201
    )
    tickets = [unique("race-t") for _ in range(2)]
    for tid in tickets:
        body = ticket_body(tid, site, created_at=f"{DAY}T08:30:00+04:00", duration_min=60)
        assert client.post(f"{API}/tickets", json=body, headers=d).status_code == 201
    body = {"engineer_id": eid, "start": f"{DAY}T11:00:00+04:00", "as_of": f"{DAY}T09:00:00+04:00"}
    answers = _at_once(
        [
            lambda tid=tid: client.post(f"{API}/tickets/{tid}/assignment", json=body, headers=d)  # type: ignore[misc]
            for tid in tickets
        ]
    )
    codes = sorted(r.status_code for r in answers)
    assert codes[0] == 200 and codes[1] in (409, 422), [r.text for r in answers]
    rows = _current(client, d, eid)
    assert len(rows) == 1 and not _overlaps(rows)


def test_two_plans_of_the_same_state_accepted_at_once_leave_one_accepted(
    client: TestClient,
    as_role,
    admin: dict[str, str],
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    d = as_role("dispatcher")
    engineers = [unique("race-p") for _ in range(2)]
    for eid in engineers:
        body = engineer_body(eid)
        assert client.post(f"{API}/engineers", json=body, headers=admin).status_code == 201
    for _ in range(4):
        body = ticket_body(unique("race-q"), site, created_at=f"{DAY}T08:40:00+04:00",
                           duration_min=60)  # fmt: skip
        assert client.post(f"{API}/tickets", json=body, headers=d).status_code == 201
    plan = {"now": f"{DAY}T09:00:00+04:00", "horizon_end": f"{DAY}T18:00:00+04:00",
            "engineer_ids": engineers, "options": OPTIONS}  # fmt: skip
    jobs = []
    for seed in (0, 1):
        body = {**plan, "options": {**OPTIONS, "seed": seed}}
        r = client.post(f"{API}/dispatch/from-store", params={"wait": 60}, json=body, headers=d)
        assert r.status_code == 200, r.text
        jobs.append(r.headers["x-job-id"])
    answers = _at_once(
        [lambda job=job: client.post(f"{API}/jobs/{job}/accept", headers=d) for job in jobs]  # type: ignore[misc]
    )
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 409], [r.text for r in answers]
    refused = next(r for r in answers if r.status_code == 409).json()
    assert refused["type"].endswith("stale-plan") or refused["field"] == "job_id"
    rows = [a for eid in engineers for a in _current(client, d, eid)]
    assert rows and not any(
        _overlaps([a for a in rows if a["engineer_id"] == e]) for e in engineers
    )
    tickets = [a["ticket_id"] for a in rows]
    assert len(tickets) == len(set(tickets))
