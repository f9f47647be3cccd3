"""Entering absences: the art. 115/120/125 check shown before storing, and a vacation that
overlaps another absence refused at its field with nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.conftest import engineer_body, unique

# 07.06–20.06.2027: 14 calendar days with Russia Day (Saturday 12.06) inside
JUNE = {"start": "2027-06-07T00:00:00+04:00", "end": "2027-06-21T00:00:00+04:00"}


@pytest.fixture(scope="module")
def head(as_role) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return as_role("head")


@pytest.fixture
def engineer(client: TestClient, admin: dict[str, str]) -> str:
    """A new engineer with no absences; their id."""
    eid = unique("eng")
    r = client.post("/api/v1/engineers", json=engineer_body(eid), headers=admin)
    assert r.status_code == 201, r.text
    return eid


def _absences(client: TestClient, head: dict[str, str], eid: str) -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/absences?engineer_id={eid}", headers=head)
    assert r.status_code == 200
    return list(r.json()["data"])


def test_a_vacation_over_russia_day_counts_13_days_and_misses_the_14_day_part(
    client: TestClient, head: dict[str, str], engineer: str
) -> None:
    body = {"engineer_id": engineer, "kind": "vacation", **JUNE}
    r = client.post("/api/v1/absences/check", json=body, headers=head)
    assert r.status_code == 200, r.text
    check = r.json()
    assert check["calendar_days"] == 14 and check["counted_days"] == 13
    assert check["holidays_inside"] == [{"date": "2027-06-12", "name": "День России"}]
    (year,) = check["vacation"]
    assert year["counted_days"] == 13 and not year["ok"]
    assert any("ст. 115" in i for i in year["issues"])
    assert any("ст. 125" in i for i in year["issues"])
    assert check["months"] == ["2027-06"]
    assert [w["week_start"] for w in check["weeks"]] == ["2027-06-07", "2027-06-14"]
    assert _absences(client, head, engineer) == []  # a check stores nothing


def test_a_vacation_of_28_days_in_one_part_passes_the_check(
    client: TestClient, head: dict[str, str], engineer: str
) -> None:
    body = {"engineer_id": engineer, "kind": "vacation",
            "start": "2027-07-05T00:00:00+04:00", "end": "2027-08-02T00:00:00+04:00"}  # fmt: skip
    (year,) = client.post("/api/v1/absences/check", json=body, headers=head).json()["vacation"]
    assert year["ok"] and year["counted_days"] == 28 and year["issues"] == []


def test_a_vacation_overlapping_another_absence_is_refused_and_nothing_is_stored(
    client: TestClient, head: dict[str, str], engineer: str
) -> None:
    sick = {"engineer_id": engineer, "kind": "sick",
            "start": "2027-06-15T00:00:00+04:00", "end": "2027-06-18T00:00:00+04:00"}  # fmt: skip
    r = client.post("/api/v1/absences", json=sick, headers=head)
    assert r.status_code == 201, r.text
    vacation = {"engineer_id": engineer, "kind": "vacation", **JUNE}
    for path in ("/api/v1/absences", "/api/v1/absences/check"):
        r = client.post(path, json=vacation, headers=head)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        problem = r.json()
        assert problem["field"] == "start"
        assert problem["overlaps"]["kind"] == "sick"
        assert problem["overlaps"]["start"] == "2027-06-15T00:00:00+04:00"
    assert [a["kind"] for a in _absences(client, head, engineer)] == ["sick"]


def test_sick_leave_over_a_stored_vacation_is_refused_but_a_car_outage_is_not(
    client: TestClient, head: dict[str, str], engineer: str
) -> None:
    vacation = {"engineer_id": engineer, "kind": "vacation", **JUNE}
    stored = client.post("/api/v1/absences", json=vacation, headers=head)
    assert stored.status_code == 201
    sick = {**vacation, "kind": "sick"}
    assert client.post("/api/v1/absences", json=sick, headers=head).status_code == 422
    car = {**vacation, "kind": "car_unavailable"}
    assert client.post("/api/v1/absences", json=car, headers=head).status_code == 201
    # changing the stored vacation does not collide with itself
    ident = stored.json()["id"]
    note = {**vacation, "note": "перенесён по заявлению"}
    assert client.put(f"/api/v1/absences/{ident}", json=note, headers=head).status_code == 200
    r = client.post("/api/v1/absences/check", json={**vacation, "id": ident}, headers=head)
    assert r.status_code == 200


def test_moving_a_vacation_onto_sick_leave_by_patch_is_refused(
    client: TestClient, head: dict[str, str], engineer: str
) -> None:
    sick = {"engineer_id": engineer, "kind": "sick",
            "start": "2027-09-01T00:00:00+04:00", "end": "2027-09-04T00:00:00+04:00"}  # fmt: skip
    assert client.post("/api/v1/absences", json=sick, headers=head).status_code == 201
    vacation = {"engineer_id": engineer, "kind": "vacation", **JUNE}
    ident = client.post("/api/v1/absences", json=vacation, headers=head).json()["id"]
    r = client.patch(
        f"/api/v1/absences/{ident}",
        json={"start": "2027-08-25T00:00:00+04:00", "end": "2027-09-08T00:00:00+04:00"},
        headers=head,
    )
    assert r.status_code == 422 and r.json()["field"] == "start"
    stored = client.get(f"/api/v1/absences/{ident}", headers=head).json()
    assert stored["start"] == JUNE["start"]


def test_checking_an_absence_of_an_unknown_engineer_names_the_field(
    client: TestClient, head: dict[str, str]
) -> None:
    body = {"engineer_id": "nobody", "kind": "vacation", **JUNE}
    r = client.post("/api/v1/absences/check", json=body, headers=head)
    assert r.status_code == 422 and r.json()["field"] == "engineer_id"
