"""The dispatcher's morning through the API: plan from the store, accept, a new urgent ticket
and its proposal, accept again. Nobody is double-booked, every ticket has at most one current
commitment, the urgent ticket starts within 30 minutes; a plan made before a change is refused."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from tests.integration.conftest import engineer_body, ticket_body, unique

API = "/api/v1"
DAY = "2026-11-30"
AS_OF = f"{DAY}T09:00:00+04:00"
OPTIONS = {"policy": "greedy", "explain": False}
"""The greedy policy: the same plan on any machine, at once (the loop is under test here)."""
ENGINEERS = ("loop-e1", "loop-e2")


def _setup(client: TestClient, admin: dict[str, str], site: str) -> None:
    for eid in ENGINEERS:
        client.post(f"{API}/engineers", json=engineer_body(eid), headers=admin)
    for i in range(6):
        body = ticket_body(f"loop-t{i}", site, created_at=f"{DAY}T08:{10 + i:02d}:00+04:00",
                           duration_min=60)  # fmt: skip
        assert client.post(f"{API}/tickets", json=body, headers=admin).status_code == 201


def _plan(client: TestClient, headers: dict[str, str], as_of: str = AS_OF):  # type: ignore[no-untyped-def]
    body = {"now": as_of, "horizon_end": f"{DAY}T18:00:00+04:00",
            "engineer_ids": list(ENGINEERS), "options": OPTIONS}  # fmt: skip
    r = client.post(f"{API}/dispatch/from-store", params={"wait": 60}, json=body, headers=headers)
    assert r.status_code == 200, r.text
    return r.headers["x-job-id"], r.json()


def _current(client: TestClient, headers: dict[str, str]) -> list[dict]:  # type: ignore[type-arg]
    r = client.get(f"{API}/assignments", params={"status": "current", "kind": "dispatch",
                                                  "limit": 1000}, headers=headers)  # fmt: skip
    return r.json()["data"]


def _no_double_booking(rows: list[dict]) -> None:  # type: ignore[type-arg]
    by_engineer: dict[str, list[tuple[datetime, datetime, str]]] = {}
    for a in rows:
        start = datetime.fromisoformat(a["start"]) - timedelta(minutes=a["travel_min"])
        by_engineer.setdefault(a["engineer_id"], []).append(
            (start, datetime.fromisoformat(a["end"]), a["ticket_id"])
        )
    for spans in by_engineer.values():
        spans.sort()
        for (_, a1, at), (b0, _, bt) in zip(spans, spans[1:], strict=False):
            assert b0 >= a1, f"{at} and {bt} overlap"
    tickets = [a["ticket_id"] for a in rows]
    assert len(tickets) == len(set(tickets)), "a ticket has two current commitments"


def test_the_dispatchers_morning_never_double_books_and_starts_the_urgent_ticket_at_once(
    client: TestClient,
    as_role,
    admin: dict[str, str],
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    d = as_role("dispatcher")
    _setup(client, admin, site)
    job, plan = _plan(client, d)
    assert len(plan["assignments"]) == 6
    accepted = client.post(f"{API}/jobs/{job}/accept", headers=d)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["tickets_assigned"] == 6
    first = _current(client, d)
    _no_double_booking(first)
    # 09:20: telephony is down at a customer; the proposal keeps the accepted plan where it can.
    urgent = ticket_body("loop-urgent", site, created_at=f"{DAY}T09:20:00+04:00",
                         priority="urgent", duration_min=40)  # fmt: skip
    r = client.post(f"{API}/events/urgent-ticket", json={"ticket": urgent, "options": OPTIONS},
                    headers=d)  # fmt: skip
    assert r.status_code == 200, r.text
    report = r.json()
    start = next(
        a["start"] for a in report["plan"]["assignments"] if a["ticket_id"] == "loop-urgent"
    )
    assert datetime.fromisoformat(start) <= datetime.fromisoformat(f"{DAY}T09:50:00+04:00")
    again = client.post(f"{API}/jobs/{report['job_id']}/accept", headers=d)
    assert again.status_code == 200, again.text
    rows = _current(client, d)
    _no_double_booking(rows)
    assert {a["ticket_id"] for a in rows} == {f"loop-t{i}" for i in range(6)} | {"loop-urgent"}
    moved = report["proposal"]["moved_starts"]
    assert moved == again.json()["superseded"]
    history = client.get(f"{API}/assignments", params={"status": "superseded"}, headers=d).json()
    assert history["count"] == moved  # the replaced commitments are kept as history
    # Accepting the first plan again is refused: it was accepted already.
    assert client.post(f"{API}/jobs/{job}/accept", headers=d).status_code == 409


def test_a_plan_made_before_a_ticket_was_added_is_refused_with_what_changed(
    client: TestClient,
    as_role,
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    d = as_role("dispatcher")
    job, _ = _plan(client, d, f"{DAY}T10:00:00+04:00")
    body = ticket_body("loop-late-comer", site, created_at=f"{DAY}T09:55:00+04:00")
    assert client.post(f"{API}/tickets", json=body, headers=d).status_code == 201
    r = client.post(f"{API}/jobs/{job}/accept", headers=d)
    assert r.status_code == 409 and r.json()["type"].endswith("stale-plan")
    changed = r.json()["what_changed"]
    assert {"what": "ticket_added", "ticket_id": "loop-late-comer"}.items() <= changed[0].items()
    proposal = client.get(f"{API}/board/proposals/{job}", headers=d).json()
    assert proposal["stale"] is True
    rejected = client.post(f"{API}/board/proposals/{job}/reject", headers=d)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert client.post(f"{API}/jobs/{job}/accept", headers=d).status_code == 409


def test_a_plan_made_before_a_ticket_was_reassigned_by_hand_is_refused(
    client: TestClient,
    as_role,
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    d = as_role("dispatcher")
    job, plan = _plan(client, d, f"{DAY}T10:30:00+04:00")
    moved = next(a for a in plan["assignments"] if a["ticket_id"] == "loop-late-comer")
    other = next(e for e in ENGINEERS if e != moved["engineer_id"])
    body = {
        "engineer_id": other,
        "start": f"{DAY}T17:00:00+04:00",
        "as_of": f"{DAY}T10:30:00+04:00",
    }
    r = client.post(f"{API}/tickets/loop-late-comer/assignment", json=body, headers=d)
    assert r.status_code == 200, r.text
    r = client.post(f"{API}/jobs/{job}/accept", headers=d)
    assert r.status_code == 409
    assert [c["what"] for c in r.json()["what_changed"]] == ["ticket_reassigned"]


def test_the_board_shows_the_commitments_and_the_queue_of_the_day(
    client: TestClient,
    as_role,
    admin: dict[str, str],
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    # Its own tickets: the test does not lean on what the other tests of the module left.
    tag = unique("board")
    for eid in ENGINEERS:
        client.post(f"{API}/engineers", json=engineer_body(eid), headers=admin)
    planned = ticket_body(f"{tag}-planned", site, created_at=f"{DAY}T08:30:00+04:00")
    assert client.post(f"{API}/tickets", json=planned, headers=admin).status_code == 201
    job, _ = _plan(client, as_role("dispatcher"))
    accepted = client.post(f"{API}/jobs/{job}/accept", headers=as_role("dispatcher"))
    assert accepted.status_code == 200, accepted.text
    queued = ticket_body(f"{tag}-queued", site, created_at=f"{DAY}T10:30:00+04:00")
    assert client.post(f"{API}/tickets", json=queued, headers=admin).status_code == 201

    d = as_role("viewer")
    board = client.get(f"{API}/board", params={"as_of": f"{DAY}T11:00:00+04:00"}, headers=d).json()
    assert board["as_of"] == f"{DAY}T11:00:00+04:00"
    mine = [e for e in board["engineers"] if e["id"] in ENGINEERS]
    assert mine and all(e["availability"] and e["lunch"] for e in mine)
    assert f"{tag}-planned" in {a["ticket_id"] for a in board["assignments"]}
    assert f"{tag}-queued" in {q["ticket_id"] for q in board["queue"]}
    assert all(a["late_min"] >= 0 for a in board["assignments"])
