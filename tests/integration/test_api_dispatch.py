"""The engines behind the job routes, end to end through the API: a small synchronous
dispatch, a dispatch built from the stored tickets, and a tiny what-if."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.conftest import engineer_body, ticket_body, unique

API = "/api/v1"
MONDAY = "2026-11-30"
OPTIONS = {"time_limit_s": 2, "num_workers": 1, "explain": False}


def _engineer(eid: str) -> dict[str, object]:
    return {
        **engineer_body(eid),
        "availability": [{"start": f"{MONDAY}T09:00:00+04:00", "end": f"{MONDAY}T18:00:00+04:00"}],
    }


def _remote(tid: str, priority: str, minutes: int) -> dict[str, object]:
    return {"id": tid, "location": {"lat": 51.53, "lon": 46.03}, "priority": priority,
            "created_at": f"{MONDAY}T08:30:00+04:00", "duration_min": minutes,
            "required_skills": ["sip_trunks"]}  # fmt: skip


def test_a_small_dispatch_is_answered_at_once_urgent_first(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    # One engineer from 09:00: the urgent ticket (due 09:00 + 30 min) goes first.
    request = {
        "now": f"{MONDAY}T09:00:00+04:00",
        "engineers": [_engineer("e1")],
        "tickets": [_remote("normal-1", "normal", 30), _remote("urgent-1", "urgent", 60)],
        "options": OPTIONS,
    }
    r = client.post(
        f"{API}/dispatch", params={"wait": 60}, json=request, headers=as_role("dispatcher")
    )
    assert r.status_code == 200, r.text
    plan = r.json()
    order = [(a["ticket_id"], a["start"]) for a in plan["assignments"]]
    assert order == [
        ("urgent-1", f"{MONDAY}T09:00:00+04:00"),
        ("normal-1", f"{MONDAY}T10:00:00+04:00"),
    ]
    assert plan["unassigned"] == [] and plan["kpis"]["breaches"] == 0


def test_a_dispatch_naming_an_unknown_site_is_422_before_queueing(
    client: TestClient, admin: dict[str, str]
) -> None:
    request = {
        "now": f"{MONDAY}T09:00:00+04:00",
        "engineers": [_engineer("e1")],
        "tickets": [{**_remote("t1", "normal", 30), "location": None, "site_id": "nowhere"}],
    }
    before = client.get(f"{API}/jobs", params={"kind": "dispatch"}, headers=admin).json()["count"]
    r = client.post(f"{API}/dispatch", json=request, headers=admin)
    assert r.status_code == 422
    assert r.json()["field"] == "tickets[0].site_id" and r.json()["value"] == "nowhere"
    after = client.get(f"{API}/jobs", params={"kind": "dispatch"}, headers=admin).json()["count"]
    assert after == before


def test_the_stored_open_tickets_are_planned_and_the_plan_accepted(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    eid, tid = unique("eng"), unique("t")
    client.post(f"{API}/engineers", json=engineer_body(eid), headers=admin)
    body = ticket_body(tid, site, created_at=f"{MONDAY}T08:00:00+04:00", priority="urgent")
    assert client.post(f"{API}/tickets", json=body, headers=admin).status_code == 201
    request = {"now": f"{MONDAY}T09:00:00+04:00", "horizon_end": f"{MONDAY}T18:00:00+04:00",
               "engineer_ids": [eid], "options": OPTIONS}  # fmt: skip
    r = client.post(f"{API}/dispatch/from-store", params={"wait": 60}, json=request, headers=admin)
    assert r.status_code == 200, r.text
    mine = [a for a in r.json()["assignments"] if a["ticket_id"] == tid]
    assert mine and mine[0]["engineer_id"] == eid
    # No roster accepted: the engineer works office hours, Monday from 09:00.
    assert mine[0]["start"] == f"{MONDAY}T09:00:00+04:00"
    accepted = client.post(f"{API}/jobs/{r.headers['x-job-id']}/accept", headers=admin)
    assert accepted.status_code == 200
    ticket = client.get(f"{API}/tickets/{tid}", headers=admin).json()
    assert (ticket["status"], ticket["engineer_id"]) == ("assigned", eid)


def test_a_dispatch_from_an_empty_store_says_there_is_nothing_to_plan(
    client: TestClient, admin: dict[str, str]
) -> None:
    request = {"now": f"{MONDAY}T09:00:00+04:00", "statuses": ["cancelled"]}
    r = client.post(f"{API}/dispatch/from-store", json=request, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "statuses"


@pytest.mark.slow
def test_a_tiny_what_if_runs_as_a_job(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    scenario = {"name": "M/M/3", "horizon_days": 1, "replications": 1, "seed": 7,
                "base": {"synthetic": {"rate_per_hour": 2, "mean_duration_min": 60,
                                       "engineers": 3}}}  # fmt: skip
    r = client.post(f"{API}/whatif", params={"wait": 120}, json=scenario, headers=as_role("head"))
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["scenarios"][0]["name"] == "M/M/3"
    assert 0 <= report["scenarios"][0]["sla_attainment"]["mean"] <= 1


def test_a_roster_from_the_store_is_accepted_and_then_bounds_the_dispatch(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    # Tuesday 2026-12-01: the only shift of the new engineer is 12:00–18:00, so a ticket
    # planned from 09:00 starts at noon.
    eid, template = unique("eng"), unique("noon")
    client.post(f"{API}/engineers", json=engineer_body(eid), headers=admin)
    shift = {"id": template, "start": "12:00:00", "end": "18:00:00", "break_min": 30}
    assert client.post(f"{API}/shift-templates", json=shift, headers=admin).status_code == 201
    need = [{"date": "2026-12-01", "start": "12:00:00", "end": "18:00:00", "group": "all",
             "required": 1}]  # fmt: skip
    body = {"start": "2026-12-01", "end": "2026-12-01", "engineer_ids": [eid],
            "requirements": need, "time_limit_s": 2}  # fmt: skip
    r = client.post(f"{API}/rosters/from-store", params={"wait": 60}, json=body, headers=admin)
    assert r.status_code == 200, r.text
    shifts = [(a["engineer_id"], a["template_id"]) for a in r.json()["assignments"]]
    assert shifts == [(eid, template)]
    assert (
        client.post(f"{API}/jobs/{r.headers['x-job-id']}/accept", headers=admin).status_code == 200
    )
    tid = unique("t")
    ticket = ticket_body(tid, site, created_at="2026-12-01T08:00:00+04:00")
    client.post(f"{API}/tickets", json=ticket, headers=admin)
    plan = client.post(
        f"{API}/dispatch/from-store", params={"wait": 60}, headers=admin,
        json={"now": "2026-12-01T09:00:00+04:00", "horizon_end": "2026-12-01T18:00:00+04:00",
              "engineer_ids": [eid], "options": OPTIONS},
    )  # fmt: skip
    assert plan.status_code == 200, plan.text
    mine = [a for a in plan.json()["assignments"] if a["ticket_id"] == tid]
    assert mine and mine[0]["start"] == "2026-12-01T12:00:00+04:00"
