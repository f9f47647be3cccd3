"""Solve jobs through the API: 202 + Location, waiting for a small job, results, failures
stored as problems, validation before queueing, acceptance and exports."""

from __future__ import annotations

import csv
import io
import time
import uuid

from fastapi.testclient import TestClient

from service.db import transaction
from service.models import JobRow, utcnow
from tests.integration.conftest import engineer_body, ticket_body, unique

API = "/api/v1"
STAFFING = {
    "intervals": [
        {"label": "пн 09-10", "rate_per_hour": 3, "aht_min": 40},
        {"label": "пн 10-11", "rate_per_hour": 6, "aht_min": 40},
    ],
    "target_sl": 0.8,
    "target_min": 120,
    "shrinkage": 0.25,
}


def _finish(client: TestClient, job_id: str, headers: dict[str, str]) -> dict:  # type: ignore[type-arg]
    """The job once a worker has finished it. The service waits on the row (up to
    ``max_wait_s`` per request); a loaded machine may need several waits, since the first
    job also starts the solve process. Nothing is asserted on how long it took."""
    deadline = time.monotonic() + 600
    while True:
        r = client.get(f"{API}/jobs/{job_id}", params={"wait": 60}, headers=headers)
        assert r.status_code == 200
        if r.json()["status"] not in ("queued", "running"):
            return r.json()
        assert time.monotonic() < deadline, f"the job did not finish: {r.json()}"


def test_a_job_is_accepted_with_202_and_a_location(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{API}/staffing", json=STAFFING, headers=as_role("head"))
    assert r.status_code == 202
    job = r.json()
    assert r.headers["location"] == f"{API}/jobs/{job['id']}"
    assert job["kind"] == "staffing" and job["status"] in ("queued", "running", "done")
    polled = _finish(client, job["id"], as_role("viewer"))
    assert polled["status"] == "done" and polled["progress"] == 1.0
    assert polled["run_s"] is not None and polled["queue_s"] is not None
    result = client.get(f"{API}/jobs/{job['id']}/result", headers=as_role("viewer")).json()
    # 3/h × 40 min = 2 erlangs: 3 engineers reach 80% within 120 min; 25% shrinkage → 4.
    assert [(i["required"], i["rostered"]) for i in result["intervals"]] == [(3, 4), (5, 7)]


def test_a_small_job_is_answered_at_once_with_wait(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = {"tickets": [{"id": "a", "created_at": "2026-11-27T16:30:00+04:00"}]}
    r = client.post(f"{API}/sla/deadlines", params={"wait": 60}, json=body, headers=admin)
    assert r.status_code == 200
    assert r.json()["deadlines"] == [
        {"id": "a", "priority": "normal", "deadline": "2026-11-30T10:30:00+04:00"}
    ]
    assert r.headers["location"].startswith(f"{API}/jobs/")


def test_an_invalid_payload_is_refused_before_any_job_is_stored(
    client: TestClient, admin: dict[str, str]
) -> None:
    before = client.get(f"{API}/jobs", headers=admin).json()["count"]
    bad = {**STAFFING, "target_sl": 1.5}
    r = client.post(f"{API}/staffing", json=bad, headers=admin)
    assert r.status_code == 422
    assert r.json()["field"] == "target_sl" and r.json()["value"] == 1.5
    assert client.get(f"{API}/jobs", headers=admin).json()["count"] == before


def test_a_job_that_fails_in_the_worker_stores_the_problem(
    client: TestClient, admin: dict[str, str]
) -> None:
    # 1950 passes the request model but is outside the production calendar's years.
    body = {"tickets": [{"id": "old", "created_at": "1950-01-10T10:00:00+04:00"}]}
    r = client.post(f"{API}/sla/deadlines", params={"wait": 60}, json=body, headers=admin)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    job_id = r.json()["job_id"]
    assert r.json()["field"] == "tickets[0].created_at"
    job = client.get(f"{API}/jobs/{job_id}", headers=admin).json()
    assert job["status"] == "failed"
    assert "outside the supported years" in job["error"]["detail"]
    result = client.get(f"{API}/jobs/{job_id}/result", headers=admin)
    assert result.status_code == 422 and result.json()["job_id"] == job_id


def test_an_unknown_job_is_404(client: TestClient, admin: dict[str, str]) -> None:
    r = client.get(f"{API}/jobs/{uuid.uuid4().hex}", headers=admin)
    assert r.status_code == 404 and r.json()["title"] == "Not found"


def test_a_done_job_can_be_rerun_as_a_new_job(client: TestClient, admin: dict[str, str]) -> None:
    first = client.post(f"{API}/staffing", params={"wait": 60}, json=STAFFING, headers=admin)
    job_id = first.headers["x-job-id"]
    r = client.post(f"{API}/jobs/{job_id}/rerun", params={"wait": 60}, headers=admin)
    assert r.status_code == 200 and r.json() == first.json()
    new_id = r.headers["x-job-id"]
    assert new_id != job_id
    assert client.get(f"{API}/jobs/{new_id}", headers=admin).json()["rerun_of"] == job_id


def test_a_finished_job_cannot_be_cancelled(client: TestClient, admin: dict[str, str]) -> None:
    r = client.post(f"{API}/staffing", params={"wait": 60}, json=STAFFING, headers=admin)
    cancel = client.delete(f"{API}/jobs/{r.headers['x-job-id']}", headers=admin)
    assert cancel.status_code == 409 and "done" in cancel.json()["detail"]


def test_jobs_list_filters_by_kind(client: TestClient, admin: dict[str, str]) -> None:
    client.post(f"{API}/staffing", params={"wait": 60}, json=STAFFING, headers=admin)
    listed = client.get(f"{API}/jobs", params={"kind": "staffing"}, headers=admin).json()
    assert listed["count"] >= 1 and all(j["kind"] == "staffing" for j in listed["data"])


# -- acceptance and exports, on results stored as a worker would store them ---------------


def _stored_job(client: TestClient, kind: str, result: dict) -> str:  # type: ignore[type-arg]
    job_id = uuid.uuid4().hex
    now = utcnow()
    with transaction(client.app.state.engine) as session:  # type: ignore[attr-defined]
        session.add(
            JobRow(id=job_id, kind=kind, status="done", progress=1.0, payload={}, result=result,
                   created=now, started=now, finished=now)
        )  # fmt: skip
    return job_id


def _plan(ticket_id: str, engineer_id: str) -> dict:  # type: ignore[type-arg]
    return {
        "assignments": [
            {"ticket_id": ticket_id, "engineer_id": engineer_id,
             "start": "2026-11-30T09:00:00+04:00", "end": "2026-11-30T09:45:00+04:00",
             "travel_min": 0, "travel_km": 0, "deadline": "2026-11-30T10:30:00+04:00",
             "on_time": True, "slack_min": 90},
        ],
        "unassigned": [{"ticket_id": "t-late", "reasons": ["no_skill"], "message": "нет навыка"}],
    }  # fmt: skip


def test_accepting_a_plan_stores_its_assignments_and_assigns_the_tickets(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    eid, tid = unique("eng"), unique("t")
    client.post(f"{API}/engineers", json=engineer_body(eid), headers=admin)
    client.post(f"{API}/tickets", json=ticket_body(tid, site), headers=admin)
    job_id = _stored_job(client, "dispatch", _plan(tid, eid))
    r = client.post(f"{API}/jobs/{job_id}/accept", headers=admin)
    assert r.status_code == 200
    assert (r.json()["assignments"], r.json()["tickets_assigned"]) == (1, 1)
    ticket = client.get(f"{API}/tickets/{tid}", headers=admin).json()
    assert (ticket["status"], ticket["engineer_id"]) == ("assigned", eid)
    assert ticket["planned_start"] == "2026-11-30T09:00:00+04:00"
    stored = client.get(f"{API}/assignments", params={"ticket_id": tid}, headers=admin).json()
    assert stored["count"] == 1 and stored["data"][0]["job_id"] == job_id
    again = client.post(f"{API}/jobs/{job_id}/accept", headers=admin)
    assert again.status_code == 409 and "accepted" in again.json()["detail"]


def test_a_plan_exports_as_csv_with_the_unassigned_tickets(
    client: TestClient, admin: dict[str, str]
) -> None:
    job_id = _stored_job(client, "dispatch", _plan("t-1", "e-1"))
    r = client.get(f"{API}/jobs/{job_id}/result", params={"format": "csv"}, headers=admin)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(row["ticket_id"], row["engineer_id"]) for row in rows] == [
        ("t-1", "e-1"),
        ("t-late", ""),
    ]
    assert rows[1]["reasons"] == "no_skill"
    assert client.get(f"{API}/jobs/{job_id}/result", headers=admin).json() == _plan("t-1", "e-1")


ROSTER = {
    "assignments": [
        {"engineer_id": "ivanov", "date": "2026-12-01", "template_id": "day",
         "start": "2026-12-01T09:00:00+04:00", "end": "2026-12-01T18:00:00+04:00"},
        {"engineer_id": "petrov", "date": "2026-12-01", "template_id": "duty",
         "start": "2026-12-01T08:00:00+04:00", "end": "2026-12-01T20:00:00+04:00"},
    ],
    "shortfall": [{"start": "2026-12-01T18:00:00+04:00", "end": "2026-12-01T20:00:00+04:00",
                   "group": "visit", "short_by": 1}],
}  # fmt: skip


def test_a_roster_exports_as_xlsx_ics_and_csv(client: TestClient, admin: dict[str, str]) -> None:
    from icalendar import Calendar
    from openpyxl import load_workbook

    from tests.unit.test_roster_helpers import DAY, MONDAY, engineer, need, request, solved

    # Ivanov and Petrov on the weekday template, two needed Monday to Friday: 10 shifts.
    roster = solved(
        request(
            engineers=[
                engineer("ivanov", name="Иван Иванов"),
                engineer("petrov", name="Пётр Петров"),
            ],
            shift_templates=[DAY.model_copy(update={"name": "Дневная 09–18"})],
            requirements=need(required=2),
        )
    )
    job_id = _stored_job(client, "roster", roster.model_dump(mode="json"))
    url = f"{API}/jobs/{job_id}/result"
    xlsx = client.get(url, params={"format": "xlsx"}, headers=admin)
    assert xlsx.status_code == 200
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["График", "Покрытие", "Нехватка", "Часы"]
    grid = wb["График"]
    assert [c.value for c in grid[1]][:3] == ["Инженер", "01.03 Пн", "02.03 Вт"]
    assert [c.value for c in grid[2]][:6] == ["Иван Иванов", "Д", "Д", "Д", "Д", "Д"]
    assert wb["Нехватка"].max_row == 1  # a header, nobody short
    ics = client.get(url, params={"format": "ics"}, headers=admin)
    events = Calendar.from_ical(ics.content).walk("VEVENT")
    assert len(events) == 10
    assert events[0].decoded("dtstart").isoformat() == f"{MONDAY}T09:00:00+04:00"
    csv_file = client.get(url, params={"format": "csv"}, headers=admin)
    assert csv_file.content.startswith(b"\xef\xbb\xbf")  # a BOM for Russian Excel
    rows = list(csv.DictReader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert len(rows) == 10 and {r["template"] for r in rows} == {"Дневная 09–18"}


def test_a_roster_result_without_dates_is_offered_as_json_only(
    client: TestClient, admin: dict[str, str]
) -> None:
    job_id = _stored_job(client, "roster", ROSTER)
    r = client.get(f"{API}/jobs/{job_id}/result", params={"format": "xlsx"}, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "format"
    assert "json" in r.json()["detail"]


def test_a_format_a_result_has_not_is_named(client: TestClient, admin: dict[str, str]) -> None:
    job_id = _stored_job(client, "dispatch", _plan("t-1", "e-1"))
    r = client.get(f"{API}/jobs/{job_id}/result", params={"format": "ics"}, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "format"


def test_accepting_a_roster_needs_the_head_role(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    job_id = _stored_job(client, "roster", ROSTER)
    assert (
        client.post(f"{API}/jobs/{job_id}/accept", headers=as_role("dispatcher")).status_code == 403
    )
    r = client.post(f"{API}/jobs/{job_id}/accept", headers=as_role("head"))
    assert r.status_code == 200 and r.json()["assignments"] == 2
