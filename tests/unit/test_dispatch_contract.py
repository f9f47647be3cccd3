"""The dispatch contract rejects bad input before any solving, naming the field and value."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from optimizer.dispatch import DispatchRequest
from optimizer.dispatch.build import build_problem, ticket_deadline
from optimizer.errors import InvalidInput, one_line
from tests.unit.test_dispatch_fixtures import MATRIX, at, engineer, request, ticket


def _error(**kw) -> str:
    with pytest.raises((InvalidInput, ValidationError)) as err:
        request(**kw)
    return one_line(err.value)


def test_ticket_requiring_an_unknown_skill_names_the_field_and_value():
    msg = _error(engineers=[engineer("a")], tickets=[ticket("t1", skills=("teleportation",))])
    assert "tickets[0].required_skills[0]" in msg and "teleportation" in msg


def test_visit_to_a_location_missing_from_the_matrix_names_it():
    msg = _error(engineers=[engineer("a")], tickets=[ticket("v1", onsite=True, where="mars")])
    assert "tickets[0].location" in msg and "mars" in msg


def test_base_of_a_visiting_engineer_missing_from_the_matrix_names_it():
    msg = _error(engineers=[engineer("a", base="nowhere")], tickets=[])
    assert "engineers[0].base" in msg and "nowhere" in msg


def test_pinned_engineer_who_does_not_exist_is_rejected():
    msg = _error(engineers=[engineer("a")], tickets=[ticket("t1", pinned={"engineer_id": "ghost"})])
    assert "tickets[0].pinned.engineer_id" in msg and "ghost" in msg


def test_overlapping_availability_windows_name_the_second_window():
    e = engineer("a")
    e["availability"] = [
        {"start": at(9), "end": at(13)},
        {"start": at(12), "end": at(18)},
    ]
    msg = _error(engineers=[e], tickets=[])
    assert "engineers[0].availability[1]" in msg


def test_travel_matrix_that_is_not_square_is_rejected():
    bad = {**MATRIX, "minutes": [row[:-1] for row in MATRIX["minutes"]]}
    msg = _error(engineers=[engineer("a")], tickets=[], travel=bad)
    assert "travel.minutes[0]" in msg


def test_ticket_of_an_unknown_site_is_rejected():
    t = ticket("t1")
    del t["location"]
    t["site_id"] = "s404"
    msg = _error(engineers=[engineer("a")], tickets=[t])
    assert "tickets[0].site_id" in msg and "s404" in msg


def test_naive_datetime_is_rejected():
    msg = _error(engineers=[engineer("a")], tickets=[], now="2026-11-30T09:00:00")
    assert "now" in msg


def test_appointment_window_shorter_than_the_work_is_rejected():
    msg = _error(
        engineers=[engineer("a")],
        tickets=[ticket("t1", minutes=90, window={"start": at(10), "end": at(11)})],
    )
    assert "tickets[0].window" in msg


def test_unknown_field_is_rejected():
    with pytest.raises(ValidationError):
        DispatchRequest.model_validate({"now": at(9), "spaceship": True})


def test_deadline_defaults_to_two_business_hours_for_a_normal_ticket_without_a_site():
    # Created Friday 16:30 -> Monday 10:30 (the SLA clock stops over the weekend).
    req = request(
        [engineer("a")],
        [ticket("t1")],
    )
    t = req.tickets[0].model_copy(
        update={"created_at": req.now.replace(day=27, hour=16, minute=30)}
    )
    assert ticket_deadline(t, {}, {}).isoformat() == "2026-11-30T10:30:00+04:00"


def test_deadline_of_a_ticket_comes_from_its_sites_policy():
    req = DispatchRequest.model_validate(
        {
            "now": at(9),
            "tickets": [
                {
                    "id": "t1",
                    "site_id": "s1",
                    "created_at": at(9),
                    "duration_min": 30,
                }
            ],
            "sites": [
                {
                    "id": "s1",
                    "customer": "ООО Ромашка",
                    "city": "Saratov",
                    "location": {"lat": 51.53, "lon": 46.0},
                    "sla_policy": "fast",
                }
            ],
            "sla_policies": [{"id": "fast", "response_min": {"normal": 60}}],
        }
    )
    job = build_problem(req).jobs[0]
    assert job.deadline_at.isoformat() == "2026-11-30T10:00:00+04:00"


def test_site_naming_an_unknown_sla_policy_is_rejected():
    with pytest.raises(InvalidInput) as err:
        DispatchRequest.model_validate(
            {
                "now": at(9),
                "sites": [
                    {
                        "id": "s1",
                        "customer": "X",
                        "city": "Saratov",
                        "location": {"lat": 51.5, "lon": 46.0},
                        "sla_policy": "gold",
                    }
                ],
            }
        )
    assert "sites[0].sla_policy" in str(err.value)
