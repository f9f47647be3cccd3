"""validate_plan catches broken rules in a plan it did not make (plans tampered with by hand)."""

from __future__ import annotations

from datetime import timedelta

from optimizer.dispatch.validate import validate_plan
from tests.unit.test_dispatch_fixtures import engineer, request, solved, ticket


def _rules(req, plan) -> set[str]:
    return {v.rule for v in validate_plan(req, plan)}


def _base():
    req = request(
        [engineer("a", skills=("asterisk_dialplan", "sip_trunks")), engineer("b", car=False)],
        [ticket("v1", onsite=True), ticket("r1", minutes=30)],
    )
    return req, solved(req, "greedy")


def test_a_valid_plan_has_no_violations():
    req, plan = _base()
    assert validate_plan(req, plan) == []


def test_work_given_to_an_engineer_without_the_skill_is_caught():
    req = request(
        [engineer("a", skills=("sip_trunks",)), engineer("b", skills=("gateways",))],
        [ticket("t1", skills=("sip_trunks",))],
    )
    plan = solved(req, "greedy")
    plan.assignments[0].engineer_id = "b"
    assert "skills" in _rules(req, plan)


def test_remote_work_overlapping_a_drive_is_caught():
    req, plan = _base()
    route = plan.route(plan.assignment("v1").engineer_id)
    depart = route.stops[0].depart
    r1 = plan.assignment("r1")
    r1.engineer_id = route.engineer_id
    r1.start, r1.end = depart, depart + timedelta(minutes=30)
    assert "overlap" in _rules(req, plan)


def test_a_drive_shorter_than_the_travel_time_is_caught():
    req, plan = _base()
    route = plan.route(plan.assignment("v1").engineer_id)
    route.stops[1].arrive = route.stops[0].depart + timedelta(minutes=2)
    assert "travel" in _rules(req, plan)


def test_a_visit_by_an_engineer_without_a_car_is_caught():
    req, plan = _base()
    plan.assignment("v1").engineer_id = "b"
    assert "visit" in _rules(req, plan)


def test_a_ticket_missing_from_the_plan_is_caught():
    req, plan = _base()
    plan.assignments = [a for a in plan.assignments if a.ticket_id != "r1"]
    assert "coverage" in _rules(req, plan)


def test_work_outside_availability_is_caught():
    req, plan = _base()
    r1 = plan.assignment("r1")
    r1.start += timedelta(hours=12)
    r1.end += timedelta(hours=12)
    assert "availability" in _rules(req, plan)


def test_a_wrong_on_time_flag_is_caught():
    req, plan = _base()
    plan.assignment("r1").on_time = not plan.assignment("r1").on_time
    assert "on_time" in _rules(req, plan)


def test_a_missing_lunch_is_caught():
    lunch = {
        "earliest_start": "2026-11-30T12:00:00+04:00",
        "latest_end": "2026-11-30T14:00:00+04:00",
    }
    req = request([engineer("a", breaks=[lunch])], [ticket("t1")])
    plan = solved(req, "greedy")
    plan.route("a").breaks = []
    assert "break" in _rules(req, plan)


def test_no_lunch_is_owed_by_an_engineer_busy_until_after_the_horizon():
    lunch = {
        "earliest_start": "2026-11-30T13:00:00+04:00",
        "latest_end": "2026-11-30T14:30:00+04:00",
        "duration_min": 30,
    }
    busy = engineer("a", breaks=[lunch], busy_until="2026-11-30T13:15:00+04:00")
    req = request([busy], [], now="2026-11-30T10:45:00+04:00",
                  horizon_end="2026-11-30T12:00:00+04:00")  # fmt: skip
    for policy in ("optimal", "greedy"):
        assert solved(req, policy).route("a").breaks == []
