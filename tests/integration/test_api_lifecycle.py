"""The ticket lifecycle through the API: every legal step recorded with who and when, illegal
steps and bad manual assignments refused (422 naming the field and value, nothing stored)."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from service.db import transaction
from service.dispatching import SYSTEM, ManualAssignment, assign_manually
from service.problems import Unprocessable
from tests.integration.conftest import engineer_body, ticket_body, unique

API = "/api/v1"
DAY = "2026-11-30"
AS_OF = f"{DAY}T09:00:00+04:00"


def _engineer(client: TestClient, headers: dict[str, str], **changes: object) -> str:
    eid = unique("eng")
    r = client.post(f"{API}/engineers", json=engineer_body(eid, **changes), headers=headers)
    assert r.status_code == 201, r.text
    return eid


def _ticket(client: TestClient, headers: dict[str, str], site: str, **changes: object) -> str:
    tid = unique("t")
    body = ticket_body(tid, site, created_at=f"{DAY}T08:30:00+04:00", **changes)
    assert client.post(f"{API}/tickets", json=body, headers=headers).status_code == 201
    return tid


def _assign(client, headers, tid, eid, start=f"{DAY}T10:00:00+04:00"):  # type: ignore[no-untyped-def]
    body = {"engineer_id": eid, "start": start, "as_of": AS_OF}
    return client.post(f"{API}/tickets/{tid}/assignment", json=body, headers=headers)


def _status(client, headers, tid, status):  # type: ignore[no-untyped-def]
    return client.post(f"{API}/tickets/{tid}/status", json={"status": status}, headers=headers)


def test_a_ticket_goes_from_open_to_done_and_each_step_is_recorded_with_who(
    client: TestClient,
    as_role,
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    d = as_role("dispatcher")
    eid, tid = _engineer(client, as_role("admin")), _ticket(client, d, site)
    assert _assign(client, d, tid, eid).status_code == 200
    for step in ("en_route", "in_progress", "done"):
        r = _status(client, d, tid, step)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == step
    entries = client.get(f"{API}/tickets/{tid}/history", headers=d).json()["data"]
    steps = [(e["from_status"], e["to_status"]) for e in entries]
    assert steps == [
        (None, "open"),
        ("open", "assigned"),
        ("assigned", "en_route"),
        ("en_route", "in_progress"),
        ("in_progress", "done"),
    ]
    assert {e["by_name"] for e in entries} == {"test dispatcher"}
    assert all(e["at"].endswith("+04:00") for e in entries)
    done = client.get(f"{API}/assignments", params={"ticket_id": tid}, headers=d).json()
    assert [a["status"] for a in done["data"]] == ["done"]


def test_done_to_en_route_is_refused_naming_the_status_and_nothing_changes(
    client: TestClient,
    as_role,
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    d = as_role("dispatcher")
    eid, tid = _engineer(client, as_role("admin")), _ticket(client, d, site)
    _assign(client, d, tid, eid)
    for step in ("in_progress", "done"):
        assert _status(client, d, tid, step).status_code == 200
    before = client.get(f"{API}/tickets/{tid}/history", headers=d).json()["count"]
    r = _status(client, d, tid, "en_route")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (r.json()["field"], r.json()["value"]) == ("status", "en_route")
    assert client.get(f"{API}/tickets/{tid}", headers=d).json()["status"] == "done"
    assert client.get(f"{API}/tickets/{tid}/history", headers=d).json()["count"] == before


def test_every_other_legal_step_moves_the_ticket(
    client: TestClient,
    as_role,
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    d = as_role("dispatcher")
    eid = _engineer(client, as_role("admin"))
    paths = [
        ["waiting_customer", "open", "cancelled", "open"],
        ["@assign", "open"],
        ["@assign", "waiting_customer", "cancelled"],
        ["@assign", "cancelled"],
        ["@assign", "en_route", "assigned", "in_progress", "second_visit"],
        ["@assign", "en_route", "waiting_customer"],
        ["@assign", "en_route", "cancelled"],
        ["@assign", "in_progress", "waiting_customer"],
    ]
    for path in paths:
        tid = _ticket(client, d, site)
        for step in path:
            if step == "@assign":
                assert _assign(client, d, tid, eid, f"{DAY}T16:00:00+04:00").status_code == 200
                continue
            r = _status(client, d, tid, step)
            assert r.status_code == 200, (path, step, r.text)
            expected = "open" if step == "second_visit" else step
            assert r.json()["status"] == expected
        history = client.get(f"{API}/tickets/{tid}/history", headers=d).json()
        assert history["count"] == 1 + len(path)


def test_illegal_steps_are_refused(client: TestClient, as_role, site: str) -> None:  # type: ignore[no-untyped-def]
    d = as_role("dispatcher")
    tid = _ticket(client, d, site)
    for step in ("done", "in_progress", "en_route", "assigned", "second_visit"):
        r = _status(client, d, tid, step)
        assert r.status_code == 422, step
        assert r.json()["field"] == "status" and r.json()["value"] == step
    assert client.get(f"{API}/tickets/{tid}", headers=d).json()["status"] == "open"


def test_a_manual_assignment_to_an_engineer_on_vacation_is_refused(
    client: TestClient,
    as_role,
    admin: dict[str, str],
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    d = as_role("dispatcher")
    eid, tid = _engineer(client, as_role("admin")), _ticket(client, d, site)
    vacation = {"engineer_id": eid, "start": f"{DAY}T00:00:00+04:00",
                "end": f"{DAY}T23:59:00+04:00", "kind": "vacation"}  # fmt: skip
    assert client.post(f"{API}/absences", json=vacation, headers=admin).status_code == 201
    r = _assign(client, d, tid, eid)
    assert r.status_code == 422
    assert (r.json()["field"], r.json()["value"]) == ("engineer_id", eid)
    away = [v for v in r.json()["violations"] if v["rule"] == "absence"]
    assert len(away) == 1
    # the plan checked is the engineer's day: this ticket is its only assignment
    assert {k: away[0][k] for k in ("code", "subject", "field", "value")} == {
        "code": "engineer_away",
        "subject": tid,
        "field": "assignments[0].engineer_id",
        "value": eid,
    }
    assert "в отпуске" in away[0]["message"]  # Russian unless asked otherwise
    assert client.get(f"{API}/tickets/{tid}", headers=d).json()["status"] == "open"


def test_a_refused_manual_assignment_explains_itself_in_the_language_asked_for(
    client: TestClient,
    as_role,
    admin: dict[str, str],
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    d = as_role("dispatcher")
    eid, tid = _engineer(client, as_role("admin")), _ticket(client, d, site)
    vacation = {"engineer_id": eid, "start": f"{DAY}T00:00:00+04:00",
                "end": f"{DAY}T23:59:00+04:00", "kind": "vacation"}  # fmt: skip
    assert client.post(f"{API}/absences", json=vacation, headers=admin).status_code == 201
    body = ManualAssignment(
        engineer_id=eid,
        start=datetime.fromisoformat(f"{DAY}T10:00:00+04:00"),
        as_of=datetime.fromisoformat(AS_OF),
    )
    engine = client.app.state.engine  # type: ignore[attr-defined]
    messages = {}
    for lang in ("en", "ru"):
        with pytest.raises(Unprocessable) as refused, transaction(engine) as session:
            assign_manually(session, tid, body, SYSTEM, lang)
        (away,) = [v for v in refused.value.extensions["violations"] if v["rule"] == "absence"]
        assert away["code"] == "engineer_away"
        messages[lang] = away["message"]
    assert f"{eid} is away (vacation)" in messages["en"]
    assert "в отпуске" in messages["ru"]
    with pytest.raises(Unprocessable) as refused, transaction(engine) as session:
        assign_manually(session, tid, body, SYSTEM, "de")
    assert (refused.value.extensions["field"], refused.value.extensions["value"]) == ("lang", "de")
    assert client.get(f"{API}/tickets/{tid}", headers=d).json()["status"] == "open"


def test_a_manual_assignment_to_an_engineer_without_the_skill_or_the_car_is_refused(
    client: TestClient,
    as_role,
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    d = as_role("dispatcher")
    unskilled = _engineer(client, as_role("admin"), skills=["ip_phones"])
    r = _assign(client, d, _ticket(client, d, site), unskilled)
    assert r.status_code == 422 and r.json()["field"] == "engineer_id"
    assert r.json()["value"] == unskilled
    carless = _engineer(client, as_role("admin"), has_car=False)
    visit = _ticket(client, d, site, mode="onsite")
    r = _assign(client, d, visit, carless)
    assert r.status_code == 422 and (r.json()["field"], r.json()["value"]) == (
        "engineer_id",
        carless,
    )
    assert (
        client.get(f"{API}/assignments", params={"ticket_id": visit}, headers=d).json()["count"]
        == 0
    )


def test_a_manual_start_outside_the_shift_is_refused_naming_the_start(
    client: TestClient,
    as_role,
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    d = as_role("dispatcher")
    eid, tid = _engineer(client, as_role("admin")), _ticket(client, d, site)
    r = _assign(client, d, tid, eid, f"{DAY}T19:30:00+04:00")  # office closes at 18:00
    assert r.status_code == 422
    assert (r.json()["field"], r.json()["value"]) == ("start", f"{DAY}T19:30:00+04:00")


def test_a_second_manual_assignment_overlapping_the_first_is_refused(
    client: TestClient,
    as_role,
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    d = as_role("dispatcher")
    eid = _engineer(client, as_role("admin"))
    first, second = _ticket(client, d, site), _ticket(client, d, site)
    assert _assign(client, d, first, eid, f"{DAY}T11:00:00+04:00").status_code == 200
    r = _assign(client, d, second, eid, f"{DAY}T11:30:00+04:00")  # first runs 11:00–11:45
    assert r.status_code == 422 and r.json()["field"] == "start"
    (overlap,) = [v for v in r.json()["violations"] if v["rule"] == "overlap"]
    # the day's plan in start order: the first ticket, then the second from 11:30
    assert (overlap["code"], overlap["subject"]) == ("overlap", eid)
    assert (overlap["field"], overlap["value"]) == (
        "assignments[1].start",
        "2026-11-30T11:30:00+04:00",
    )


def test_a_pin_keeps_the_engineer_and_start_and_can_be_removed(
    client: TestClient,
    as_role,
    site: str,  # type: ignore[no-untyped-def]
) -> None:
    d = as_role("dispatcher")
    eid, tid = _engineer(client, as_role("admin")), _ticket(client, d, site)
    assert client.post(f"{API}/tickets/{tid}/pin", headers=d).status_code == 422  # no engineer
    _assign(client, d, tid, eid, f"{DAY}T13:00:00+04:00")
    pinned = client.post(f"{API}/tickets/{tid}/pin", headers=d).json()["pinned"]
    assert pinned == {"engineer_id": eid, "start": f"{DAY}T13:00:00+04:00"}
    assert client.delete(f"{API}/tickets/{tid}/pin", headers=d).json()["pinned"] is None
