"""The department head's roster month through the API: a month planned from the store with the
head's edits, read as the grid (calendar marks, Russian codes, hours against the norm), the
exports being the command line's files, accepting it, and a month outside the calendar
refused with nothing stored.

One February 2027 is solved for the module (a deterministic limit keeps it short)."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from optimizer.calendar import TZ
from optimizer.domain.roster import Roster, RosterRequest
from optimizer.io.roster_export import write_roster_exports
from service.db import transaction
from service.models import AcceptedAssignmentRow, JobRow
from service.rostering import RosterMonthRequest, build_month_payload, verified_report
from service.seed import seed

EDITS = {
    "pins": [{"engineer_id": "e03", "date": "2027-02-03", "template_id": "late"}],
    "days_off": [{"engineer_id": "e02", "date": "2027-02-01"}],
}
FAST = {"time_limit_s": 20, "max_deterministic_time": 2.0, "seed": 1}


@pytest.fixture(scope="module")
def head(client: TestClient, as_role) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The head's key, over a store seeded with the sample department."""
    seed(client.app.state.engine)  # type: ignore[attr-defined]
    return as_role("head")


@pytest.fixture(scope="module")
def february(client: TestClient, head: dict[str, str]) -> str:
    """The id of February 2027 planned with the head's edits (a finished job)."""
    r = client.post("/api/v1/rosters/month?wait=60", json={"month": "2027-02", **EDITS, **FAST},
                    headers=head)  # fmt: skip
    assert r.status_code == 200, r.text[:500]
    return r.headers["X-Job-Id"]


@pytest.fixture(scope="module")
def month(client: TestClient, head: dict[str, str], february: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/rosters/{february}/month", headers=head)
    assert r.status_code == 200, r.text[:500]
    return r.json()


def _day(month: dict[str, Any], iso: str) -> dict[str, Any]:
    return next(d for d in month["days"] if d["date"] == iso)


def test_the_february_grid_marks_the_holiday_the_moved_day_off_and_the_working_saturday(
    month: dict[str, Any],
) -> None:
    assert len(month["days"]) == 28
    assert _day(month, "2027-02-23")["mark"] == "holiday"
    assert "защитника Отечества" in _day(month, "2027-02-23")["note"]
    assert _day(month, "2027-02-22")["mark"] == "holiday"  # moved from Saturday 20.02
    assert _day(month, "2027-02-20")["mark"] == "working_weekend"
    assert _day(month, "2027-02-20")["norm_hours"] == 7  # shortened (official calendar)
    assert _day(month, "2027-02-01")["label"] == "пн 01.02"
    assert month["norm_hours"] == 151


def test_the_grid_names_engineers_with_russian_codes_a_legend_and_vacation_marks(
    month: dict[str, Any],
) -> None:
    names = [e["name"] for e in month["engineers"]]
    assert "Сергей Волков" in names and len(names) == 8
    codes = {item["code"] for item in month["legend"]}
    assert codes >= {"ОТ", "Б"}
    for code in codes:
        assert not re.search(r"[A-Za-z]", code), code
    volkov = next(e for e in month["engineers"] if e["name"] == "Сергей Волков")
    assert [c["code"] for c in volkov["cells"][:14]] == ["ОТ"] * 14  # vacation 01–14.02
    legend = {i["template_id"]: i["code"] for i in month["legend"] if i["template_id"]}
    for e in month["engineers"]:
        for c in e["cells"]:
            if c["template_id"]:
                assert c["code"] == legend[c["template_id"]]


def test_the_heads_edits_are_kept_in_the_planned_month(month: dict[str, Any]) -> None:
    cell = {
        (e["id"], c["date"]): c for e in month["engineers"] for c in e["cells"]
    }  # fmt: skip
    pinned = cell[("e03", "2027-02-03")]
    assert pinned["template_id"] == "late" and pinned["pinned"]
    off = cell[("e02", "2027-02-01")]
    assert off["template_id"] is None and off["day_off_given"]
    assert month["pins"] == EDITS["pins"] and month["days_off"] == EDITS["days_off"]


def test_hours_day_off_work_and_the_shortfall_totals_agree_with_the_roster(
    month: dict[str, Any],
) -> None:
    for e in month["engineers"]:
        paid = sum(
            (datetime.fromisoformat(c["end"]) - datetime.fromisoformat(c["start"])).seconds / 3600
            for c in e["cells"]
            if c["start"]
        )
        assert e["hours"] <= paid  # breaks are unpaid
        flagged = [c for c in e["cells"] if c["day_off_work"]]
        assert (e["day_off_hours"] > 0) == bool(flagged)
        for c in flagged:
            assert _day(month, c["date"])["mark"] in ("weekend", "holiday")
    heat = sum(c["person_hours"] for c in month["heat"])
    assert heat == pytest.approx(month["shortfall_total"], abs=0.05)
    groups = sum(g["person_hours"] for g in month["by_group"])
    assert groups == pytest.approx(month["shortfall_total"], abs=0.05)


def test_the_web_files_are_the_command_lines_files(
    client: TestClient, head: dict[str, str], february: str, tmp_path: Any
) -> None:
    result = client.get(f"/api/v1/jobs/{february}/result", headers=head).json()
    write_roster_exports(Roster.model_validate(result), tmp_path)
    csv = client.get(f"/api/v1/rosters/{february}/export?format=csv", headers=head)
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    assert csv.content == (tmp_path / "roster.csv").read_bytes()  # both with the BOM
    ics = client.get(f"/api/v1/rosters/{february}/export?format=ics&engineer_id=e01", headers=head)
    assert ics.status_code == 200
    assert ics.content == (tmp_path / "ics" / "e01.ics").read_bytes()
    assert 'filename="e01.ics"' in ics.headers["content-disposition"]
    xlsx = client.get(f"/api/v1/rosters/{february}/export?format=xlsx", headers=head)
    web = load_workbook(io.BytesIO(xlsx.content))
    cli = load_workbook(tmp_path / "roster.xlsx")
    assert web.sheetnames == cli.sheetnames == ["График", "Покрытие", "Нехватка", "Часы"]
    for name in web.sheetnames:
        assert [[c.value for c in r] for r in web[name].iter_rows()] == [
            [c.value for c in r] for r in cli[name].iter_rows()
        ]
    assert web["График"]["A1"].value == "Инженер"
    page = client.get(f"/api/v1/rosters/{february}/month", headers=head).json()
    for row, e in zip(web["График"].iter_rows(min_row=2), page["engineers"], strict=False):
        assert row[0].value == e["name"]
        for j, cell in enumerate(e["cells"], start=1):  # the page's codes, day by day
            if cell["template_id"]:
                assert row[j].value == cell["code"], (e["name"], cell["date"])
    # the jobs' own file route gives the same workbook
    again = client.get(f"/api/v1/jobs/{february}/result?format=xlsx", headers=head)
    assert load_workbook(io.BytesIO(again.content)).sheetnames == web.sheetnames


def test_an_unknown_engineers_calendar_is_a_4xx_naming_the_field(
    client: TestClient, head: dict[str, str], february: str
) -> None:
    r = client.get(f"/api/v1/rosters/{february}/export?format=ics&engineer_id=zz", headers=head)
    assert r.status_code == 422
    assert r.json()["field"] == "engineer_id"


def test_accepting_the_month_stores_its_shifts_and_the_grid_says_so(
    client: TestClient, head: dict[str, str], february: str
) -> None:
    r = client.post(f"/api/v1/jobs/{february}/accept", headers=head)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["assignments"] > 100
    month = client.get(f"/api/v1/rosters/{february}/month", headers=head).json()
    assert month["accepted"] is not None


@pytest.mark.parametrize(
    ("month", "words"),
    [("2031-03", "outside the supported range"), ("2027-13", "no such month"), ("март", "YYYY")],
)
def test_a_month_outside_the_calendar_is_refused_at_the_field_and_nothing_is_queued(
    client: TestClient, head: dict[str, str], month: str, words: str
) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as s:
        before = s.scalar(select(func.count()).select_from(JobRow))
    r = client.post("/api/v1/rosters/month", json={"month": month}, headers=head)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["field"] == "month" and body["value"] == month and words in body["detail"]
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(JobRow)) == before


def test_a_pin_outside_the_month_is_refused_at_its_field(
    client: TestClient, head: dict[str, str]
) -> None:
    pins = [{"engineer_id": "e03", "date": "2027-03-01", "template_id": "late"}]
    r = client.post("/api/v1/rosters/month", json={"month": "2027-02", "pins": pins}, headers=head)
    assert r.status_code == 422
    assert r.json()["field"] == "pins[0].date"


def test_a_replan_from_the_roster_on_screen_starts_from_its_shifts_and_is_no_worse(
    client: TestClient, head: dict[str, str], february: str
) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as s:
        earlier = Roster.model_validate(s.get(JobRow, february).result)  # type: ignore[union-attr]
        payload = build_month_payload(
            s, RosterMonthRequest(month="2027-02", **EDITS, start_from_job=february)
        )
    shifts = {(a.engineer_id, a.date.isoformat()) for a in earlier.assignments if a.date}
    assert {(x["engineer_id"], x["date"]) for x in payload["start_from"]} == shifts
    body = {"month": "2027-02", **EDITS, **FAST, "max_deterministic_time": 0.05}
    r = client.post("/api/v1/rosters/month?wait=60", json={**body, "start_from_job": february},
                    headers=head)  # fmt: skip
    assert r.status_code == 200, r.text[:500]
    assert r.json()["solver"]["objective"] <= earlier.solver.objective  # type: ignore[operator]


@pytest.mark.parametrize(
    ("month", "job", "words"),
    [("2027-03", None, "not of 2027-03-01..2027-03-31"), ("2027-02", "no-such-job", "no roster")],
)
def test_a_replan_from_a_job_of_another_month_or_no_roster_is_refused_at_the_field(
    client: TestClient, head: dict[str, str], february: str, month: str, job: str | None, words: str
) -> None:
    job = job or february
    r = client.post(
        "/api/v1/rosters/month", json={"month": month, "start_from_job": job}, headers=head
    )
    assert r.status_code == 422, r.text[:300]
    problem = r.json()
    assert problem["field"] == "start_from_job" and problem["value"] == job
    assert words in problem["detail"]


def test_a_dispatcher_may_not_plan_the_month(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/v1/rosters/month", json={"month": "2027-02"}, headers=as_role("dispatcher")
    )
    assert r.status_code == 403


def test_the_month_request_carries_the_previous_days_and_the_years_overtime(
    client: TestClient, head: dict[str, str]
) -> None:
    """Accepted shifts of late April 2026 and an accepted roster with 3 h overtime in a March
    week reach the May request as history and ``overtime_used_h``."""
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with transaction(engine) as s:
        job = JobRow(id="old-march", kind="roster", status="done", payload={}, result={
            "weekly_hours": [
                {"engineer_id": "e05", "week_start": "2026-03-09", "overtime_hours": 3.0},
                {"engineer_id": "e05", "week_start": "2025-12-29", "overtime_hours": 9.0},
            ]}, accepted=datetime(2026, 4, 1, tzinfo=TZ))  # fmt: skip
        s.add(job)
        s.flush()
        for day in (date(2026, 4, 30), date(2026, 4, 10)):
            start = datetime.combine(day, datetime.min.time(), TZ) + timedelta(hours=9)
            s.add(
                AcceptedAssignmentRow(
                    job_id=job.id, kind="roster", engineer_id="e05", template_id="office",
                    start=start, end=start + timedelta(hours=9),
                )
            )  # fmt: skip
    with Session(engine) as s:
        payload = build_month_payload(s, RosterMonthRequest(month="2026-05"))
    history = [h for h in payload["history"] if h["engineer_id"] == "e05"]
    assert [h["date"] for h in history] == ["2026-04-30"]  # 10.04 is more than 14 days before
    assert history[0]["paid_minutes"] == 8 * 60  # the office template's lunch hour unpaid
    used = {r["engineer_id"]: r["overtime_used_h"] for r in payload["rules"]["per_engineer"]}
    assert used == {"e05": 3.0}  # the week of the previous year does not count
    assert payload["requirements"], "the month is planned against the forecast's requirements"


def test_the_recommendations_come_back_measured_by_re_solving_the_month(
    client: TestClient, head: dict[str, str], february: str
) -> None:
    """The re-solves are the engine's (slow: a dozen solves); a fake solver stands in: the month
    as planned, unless the request hires someone, which removes every shortfall, so each
    "add an engineer" recommendation is measured at the whole shortfall."""
    month = client.get(f"/api/v1/rosters/{february}/month", headers=head).json()
    assert month["recommendations"], "the sample February is short of people"
    assert not any(r["verified"] for r in month["recommendations"])
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with Session(engine) as s:
        job = s.get(JobRow, february)
        assert job is not None
        roster, payload = Roster.model_validate(job.result), dict(job.payload)
    solved: list[RosterRequest] = []

    def no_shortfall(request: RosterRequest) -> Roster:
        solved.append(request)
        if len(request.engineers) > len(payload["engineers"]):
            return roster.model_copy(update={"shortfall": []})
        return roster

    request = RosterRequest.model_validate(payload)
    seen: list[float] = []
    report = verified_report(
        roster, request, solver=no_shortfall, max_deterministic_time=0.5, progress=seen.append
    )
    assert solved and all(r.max_deterministic_time == 0.5 for r in solved)
    assert len({r.model_dump_json() for r in solved}) == len(solved)  # the month solved once
    assert seen == sorted(seen) and 0 < seen[-1] < 1
    assert report.total_person_hours == month["shortfall_total"]
    hires = [r for r in report.recommendations if r.kind == "add_engineer"]
    assert hires and all(r.verified for r in hires)
    assert {r.gain_person_hours for r in hires} == {month["shortfall_total"]}


# -- the recommendations' check as a job ----------------------------------------------------------


@pytest.fixture(scope="module")
def short_week(client: TestClient) -> str:
    """A finished roster job of a tiny week: a and b on weekdays, two needed, b sick on
    Wednesday, so 9 person-hours (09–18) are short and one more engineer would cover them."""
    from tests.unit.test_roster_helpers import MONDAY, away, engineer, need, request, solved

    req = request(
        engineers=[engineer("a"), engineer("b")],
        absences=[away("b", MONDAY + timedelta(days=2), 1, "sick")],
        requirements=need(required=2),
        max_deterministic_time=1.0,
    )
    roster = solved(req)
    assert roster.shortfall_person_hours == 9
    job_id = f"short-week-{uuid.uuid4().hex[:8]}"
    with transaction(client.app.state.engine) as s:  # type: ignore[attr-defined]
        s.add(
            JobRow(id=job_id, kind="roster", status="done", progress=1.0,
                   payload=req.model_dump(mode="json"), result=roster.model_dump(mode="json"))
        )  # fmt: skip
    return job_id


def test_the_recommendations_are_measured_by_a_job_with_its_progress(
    client: TestClient, head: dict[str, str], short_week: str
) -> None:
    r = client.post(
        f"/api/v1/rosters/{short_week}/recommendations",
        params={"wait": 60, "max_deterministic_time": 1.0},
        headers=head,
    )
    assert r.status_code == 200, r.text[:500]
    result = r.json()
    assert result["roster_job_id"] == short_week and result["total_person_hours"] == 9
    (hire,) = [x for x in result["recommendations"] if x["kind"] == "add_engineer"]
    assert hire["verified"] and hire["gain_person_hours"] == 9
    assert result["solves"] == 2  # the week as it is, and with one more engineer
    job = client.get(f"/api/v1/jobs/{r.headers['X-Job-Id']}", headers=head).json()
    assert (job["kind"], job["status"], job["progress"]) == ("roster_recommendations", "done", 1)


def test_a_recommendations_job_answers_202_at_once_without_waiting(
    client: TestClient, head: dict[str, str], short_week: str
) -> None:
    r = client.post(f"/api/v1/rosters/{short_week}/recommendations", headers=head)
    assert r.status_code == 202 and r.headers["Location"].startswith("/api/v1/jobs/")
    assert r.json()["kind"] == "roster_recommendations"


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("dispatcher", 403)])
def test_only_the_head_measures_recommendations(
    client: TestClient,
    as_role,
    short_week: str,
    role: str,
    status: int,  # type: ignore[no-untyped-def]
) -> None:
    r = client.post(f"/api/v1/rosters/{short_week}/recommendations", headers=as_role(role))
    assert r.status_code == status


def test_recommendations_of_a_job_that_is_not_a_finished_roster_are_refused(
    client: TestClient, head: dict[str, str]
) -> None:
    with transaction(client.app.state.engine) as s:  # type: ignore[attr-defined]
        s.add(JobRow(id="queued-roster", kind="roster", status="queued", payload={}))
        s.add(JobRow(id="a-plan", kind="dispatch", status="done", payload={}, result={}))
    r = client.post("/api/v1/rosters/queued-roster/recommendations", headers=head)
    assert r.status_code == 409
    r = client.post("/api/v1/rosters/a-plan/recommendations", headers=head)
    assert r.status_code == 422 and r.json()["field"] == "job_id"
    assert client.post("/api/v1/rosters/nosuch/recommendations", headers=head).status_code == 404
