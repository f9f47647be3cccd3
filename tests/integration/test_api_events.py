"""Events of the day through the API: an engineer off sick, work that overran, a car breakdown.
Each records the fact and answers with a proposal to accept: the sick engineer has no work left
after the time, the work after the overrun moves, the engineer without a car has no visits.
The explanation of a late ticket comes with its fix re-solved and checked.

Each test plays on its own date with its own engineers; the module's database is shared, so
assertions are about the test's own engineers and tickets.
"""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from tests.integration.conftest import engineer_body, ticket_body, unique

API = "/api/v1"
OPTIONS = {"time_limit_s": 1, "num_workers": 1, "seed": 0}
"""Options of an event: the budget of its CP-SAT pass, if one runs."""
ENGELS = {"lat": 51.4986, "lon": 46.1250}


def _engineer(client: TestClient, admin: dict[str, str], **changes: object) -> str:
    eid = unique("ev-e")
    body = engineer_body(eid, **changes)
    assert client.post(f"{API}/engineers", json=body, headers=admin).status_code == 201
    return eid


def _ticket(client: TestClient, d: dict[str, str], site: str, day: str, **changes: object) -> str:
    tid = unique("ev-t")
    body = ticket_body(tid, site, created_at=f"{day}T08:30:00+04:00", **changes)
    r = client.post(f"{API}/tickets", json=body, headers=d)
    assert r.status_code == 201, r.text
    return tid


def _assign(client: TestClient, d: dict[str, str], tid: str, eid: str, start: str) -> None:
    body = {"engineer_id": eid, "start": start, "as_of": start[:11] + "08:45:00+04:00"}
    r = client.post(f"{API}/tickets/{tid}/assignment", json=body, headers=d)
    assert r.status_code == 200, r.text


def _status(client: TestClient, d: dict[str, str], tid: str, status: str, at: str) -> None:
    r = client.post(f"{API}/tickets/{tid}/status", json={"status": status, "at": at}, headers=d)
    assert r.status_code == 200, r.text


def _of(plan: dict, engineer: str) -> list[dict]:  # type: ignore[type-arg]
    return [a for a in plan["assignments"] if a["engineer_id"] == engineer]


def _current(client: TestClient, d: dict[str, str], engineer: str) -> list[dict]:  # type: ignore[type-arg]
    params = {"engineer_id": engineer, "status": "current", "kind": "dispatch"}
    return client.get(f"{API}/assignments", params=params, headers=d).json()["data"]


def test_an_engineer_off_sick_at_eleven_has_no_work_after_eleven_in_the_proposal(
    client: TestClient,
    as_role,
    admin: dict[str, str],
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    d, day = as_role("dispatcher"), "2026-12-01"
    sick, other = _engineer(client, admin), _engineer(client, admin)
    under_way = _ticket(client, d, site, day, duration_min=150)
    later = [_ticket(client, d, site, day, duration_min=60) for _ in range(2)]
    _assign(client, d, under_way, sick, f"{day}T09:30:00+04:00")
    _status(client, d, under_way, "in_progress", f"{day}T09:30:00+04:00")
    _assign(client, d, later[0], sick, f"{day}T13:00:00+04:00")
    _assign(client, d, later[1], sick, f"{day}T15:00:00+04:00")
    body = {"engineer_id": sick, "at": f"{day}T11:00:00+04:00", "options": OPTIONS}
    r = client.post(f"{API}/events/sick", json=body, headers=d)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["event"]["back_to_queue"] == [under_way]
    eleven = datetime.fromisoformat(f"{day}T11:00:00+04:00")
    assert not [a for a in _of(report["plan"], sick) if datetime.fromisoformat(a["end"]) > eleven]
    mine = {a["ticket_id"] for a in report["plan"]["assignments"]}
    assert set(later) | {under_way} <= mine  # the work went to someone else
    assert client.post(f"{API}/jobs/{report['job_id']}/accept", headers=d).status_code == 200
    assert _current(client, d, sick) == []
    history = client.get(f"{API}/tickets/{under_way}/history", headers=d).json()["data"]
    assert [e["event"] for e in history][-2:] == ["sick", "plan_accepted"]
    assert other  # a healthy engineer was there to take the work


def test_an_overrun_moves_the_engineers_following_work(
    client: TestClient,
    as_role,
    admin: dict[str, str],
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    d, day = as_role("dispatcher"), "2026-12-02"
    eid = _engineer(client, admin)
    first, following = (_ticket(client, d, site, day, duration_min=60) for _ in range(2))
    _assign(client, d, first, eid, f"{day}T09:00:00+04:00")
    _assign(client, d, following, eid, f"{day}T10:00:00+04:00")
    _status(client, d, first, "in_progress", f"{day}T09:00:00+04:00")
    body = {
        "ticket_id": first,
        "new_end": f"{day}T10:40:00+04:00",
        "as_of": f"{day}T09:50:00+04:00",
        "options": OPTIONS,
    }
    r = client.post(f"{API}/events/overrun", json=body, headers=d)
    assert r.status_code == 200, r.text
    moved = next(a for a in r.json()["plan"]["assignments"] if a["ticket_id"] == following)
    start = datetime.fromisoformat(moved["start"])
    assert moved["engineer_id"] != eid or start >= datetime.fromisoformat(body["new_end"])
    change = next(c for c in r.json()["proposal"]["changes"] if c["ticket_id"] == following)
    assert change["before"] == {"engineer_id": eid, "start": f"{day}T10:00:00+04:00"}
    history = client.get(f"{API}/tickets/{first}/history", headers=d).json()["data"]
    assert history[-1]["event"] == "overrun"


def test_after_a_car_breakdown_the_engineer_has_no_visits_in_the_proposal(
    client: TestClient,
    as_role,
    admin: dict[str, str],
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    d, day = as_role("dispatcher"), "2026-12-03"
    broken, spare = _engineer(client, admin), _engineer(client, admin)
    visit = _ticket(client, d, site, day, mode="onsite", duration_min=60)
    remote = _ticket(client, d, site, day, duration_min=30)
    _assign(client, d, visit, broken, f"{day}T13:00:00+04:00")
    _assign(client, d, remote, broken, f"{day}T15:00:00+04:00")
    body = {"engineer_id": broken, "at": f"{day}T10:00:00+04:00", "options": OPTIONS}
    r = client.post(f"{API}/events/car-breakdown", json=body, headers=d)
    assert r.status_code == 200, r.text
    plan = r.json()["plan"]
    assert [a["mode"] for a in _of(plan, broken) if a["mode"] == "onsite"] == []
    kept = next(a for a in plan["assignments"] if a["ticket_id"] == remote)
    assert (kept["engineer_id"], kept["start"]) == (broken, f"{day}T15:00:00+04:00")
    assert any(a["ticket_id"] == visit for a in plan["assignments"])
    assert client.post(f"{API}/jobs/{r.json()['job_id']}/accept", headers=d).status_code == 200
    current = {a["ticket_id"] for a in _current(client, d, broken)}
    assert remote in current and visit not in current
    modes = {a["ticket_id"]: a["mode"] for a in plan["assignments"]}
    assert {modes[t] for t in current} == {"remote"}  # other queued work, never a visit
    absences = client.get(f"{API}/absences", params={"engineer_id": broken}, headers=d).json()
    assert [a["kind"] for a in absences["data"]] == ["car_unavailable"]
    assert spare


def test_an_event_for_an_unknown_engineer_is_refused_and_nothing_is_recorded(
    client: TestClient,
    as_role,  # type: ignore[no-untyped-def]
) -> None:
    d = as_role("dispatcher")
    before = client.get(f"{API}/absences", params={"limit": 1000}, headers=d).json()["count"]
    body = {"engineer_id": "nobody-here", "at": "2026-12-03T10:00:00+04:00"}
    r = client.post(f"{API}/events/sick", json=body, headers=d)
    assert r.status_code == 404
    assert (r.json()["field"], r.json()["value"]) == ("engineer_id", "nobody-here")
    after = client.get(f"{API}/absences", params={"limit": 1000}, headers=d).json()["count"]
    assert after == before


def test_the_explanation_of_a_late_ticket_comes_with_its_fix_re_solved(
    client: TestClient,
    as_role,
    admin: dict[str, str],
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    # One engineer, five 90-minute tickets due 10:30: at most two can start in time.
    d, day = as_role("dispatcher"), "2026-12-04"
    eid = _engineer(client, admin)
    tickets = [_ticket(client, d, site, day, duration_min=90) for _ in range(5)]
    body = {
        "now": f"{day}T09:00:00+04:00",
        "horizon_end": f"{day}T18:00:00+04:00",
        "engineer_ids": [eid],
        "options": {"policy": "greedy", "explain_time_s": 1},
    }
    r = client.post(f"{API}/dispatch/from-store", params={"wait": 60}, json=body, headers=d)
    assert r.status_code == 200, r.text
    job, plan = r.headers["x-job-id"], r.json()
    late = [a["ticket_id"] for a in plan["assignments"] if not a["on_time"]]
    on_time = [a["ticket_id"] for a in plan["assignments"] if a["on_time"]]
    assert set(tickets) & set(late) and set(tickets) & set(on_time)
    tid = next(t for t in tickets if t in late)
    url = f"{API}/board/plans/{job}/explanations/{tid}"
    r = client.get(url, params={"time_limit_s": 1}, headers=d)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ticket_id"] == tid and body["status"] == "late"
    assert body["reasons"] and body["message"]
    assert body["fix"] is not None
    check = body["check"]
    assert check["ticket_assigned"] is True
    assert check["holds"] == check["ticket_on_time"]
    assert check["breaches_after"] <= check["breaches_before"]
    assert "нарушений" in check["message"] or "успевает" in check["message"]
    english = client.get(url, params={"time_limit_s": 1, "lang": "en"}, headers=d).json()
    assert "breaches" in english["check"]["message"] or "on time" in english["check"]["message"]
    missing = client.get(
        f"{API}/board/plans/{job}/explanations/{next(t for t in tickets if t in on_time)}",
        headers=d,
    )
    assert missing.status_code == 404 and missing.json()["field"] == "ticket_id"


def test_a_proposals_explanation_searches_its_fix_on_demand(
    client: TestClient,
    as_role,
    admin: dict[str, str],
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    # One call-centre engineer (nobody else in the module has the skill), three 90-minute
    # call-centre tickets due 10:30 and an urgent one at 09:00: some must be late.
    d, day = as_role("dispatcher"), "2026-12-08"
    eid = _engineer(client, admin, skills=["call_center"])
    for _ in range(3):
        _ticket(client, d, site, day, duration_min=90, required_skills=["call_center"])
    urgent = ticket_body(
        unique("ev-u"),
        site,
        created_at=f"{day}T09:00:00+04:00",
        priority="urgent",
        duration_min=30,
        required_skills=["call_center"],
    )
    event = {"ticket": urgent, "options": OPTIONS}
    r = client.post(f"{API}/events/urgent-ticket", json=event, headers=d)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["passes"][0] == "greedy"
    mine = {a["ticket_id"] for a in _of(report["plan"], eid)}
    late = [e for e in report["plan"]["explanations"] if e["ticket_id"] in mine]
    assert late and all(e["fix"] is None for e in late)  # the proposal searched no fix
    url = f"{API}/board/plans/{report['job_id']}/explanations/{late[0]['ticket_id']}"
    r = client.get(url, params={"time_limit_s": 1}, headers=d)
    assert r.status_code == 200, r.text
    assert r.json()["fix"] is not None and r.json()["check"] is not None
