"""The drive back to base is working time: it lies inside the engineer's hours, in the same
stretch of hours as the last visit (nobody stays at a client's site overnight)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from optimizer.dispatch import DispatchPlan
from optimizer.dispatch.validate import validate_plan
from tests.unit.test_dispatch_fixtures import at, engineer, request, solved, ticket

TWO_DAYS = [
    {"start": at(9, 0), "end": at(18, 0)},
    {"start": at(9, 0, day=1), "end": at(18, 0, day=1)},
]


def _two_day_request(tickets: list[dict], **kw: object):  # type: ignore[no-untyped-def]
    eng = engineer("e1", availability=TWO_DAYS, **kw)
    return request([eng], tickets, horizon_end=at(20, 0, day=1))


def _shift_end_of(moment: datetime) -> datetime:
    """18:00 of the day ``moment`` lies in (the test engineer's end of shift)."""
    return moment.replace(hour=18, minute=0, second=0, microsecond=0)


def _late_visit() -> dict:
    """A 60-minute visit at site_far (30 min from the office) that may start from 17:00."""
    return ticket(
        "late",
        minutes=60,
        onsite=True,
        where="site_far",
        created=(16, 0),
        earliest_start=at(17, 0),
    )


@pytest.mark.parametrize("policy", ["optimal", "greedy"])
def test_a_visit_whose_drive_back_would_end_after_the_shift_moves_to_a_day_it_fits(
    policy: str,
) -> None:
    plan = solved(_two_day_request([_late_visit()]), policy)
    (a,) = plan.assignments
    route = plan.route("e1")
    assert route is not None
    back = route.stops[-1].arrive
    assert back <= _shift_end_of(a.start), (a.start, back)
    assert a.start.date() == back.date()


@pytest.mark.parametrize("policy", ["optimal", "greedy"])
def test_an_engineer_away_from_base_without_visits_drives_back_inside_the_first_day(
    policy: str,
) -> None:
    req = _two_day_request([ticket("r", minutes=30)], current_location={"id": "site_far"})
    req = req.model_copy(update={"now": datetime.fromisoformat(at(7, 0))})
    plan = solved(req, policy)
    route = plan.route("e1")
    assert route is not None
    leave, back = route.stops[0].depart, route.stops[-1].arrive
    assert datetime.fromisoformat(at(9, 0)) <= leave
    assert back <= datetime.fromisoformat(at(18, 0)), (leave, back)


def _with_drive_back_at(plan: DispatchPlan, depart: datetime) -> DispatchPlan:
    """The plan with engineer e1's drive back (its minutes unchanged) moved to ``depart``."""
    route = plan.route("e1")
    assert route is not None
    prev, end = route.stops[-2], route.stops[-1]
    minutes = end.arrive - prev.depart
    stops = [
        *route.stops[:-2],
        prev.model_copy(update={"depart": depart}),
        end.model_copy(update={"arrive": depart + minutes, "depart": depart + minutes}),
    ]
    routes = [
        r.model_copy(update={"stops": stops}) if r.engineer_id == "e1" else r for r in plan.routes
    ]
    return plan.model_copy(update={"routes": routes})


def test_the_checker_rejects_a_drive_back_after_the_shift_of_the_last_visit() -> None:
    req = _two_day_request([ticket("v", minutes=60, onsite=True, where="site_far")])
    plan = solved(req, "greedy")
    evening = datetime.fromisoformat(at(18, 10))
    found = validate_plan(req, _with_drive_back_at(plan, evening))
    assert any(v.rule == "availability" for v in found), [str(v) for v in found]


def test_the_checker_rejects_a_drive_back_the_morning_after_the_last_visit() -> None:
    req = _two_day_request([ticket("v", minutes=60, onsite=True, where="site_far")])
    plan = solved(req, "greedy")
    (a,) = plan.assignments
    assert a.start < datetime.fromisoformat(at(18, 0))
    next_morning = datetime.fromisoformat(at(9, 0, day=1))
    found = validate_plan(req, _with_drive_back_at(plan, next_morning))
    assert any(v.rule == "route" and v.code == "back_after_last_visit" for v in found), [
        str(v) for v in found
    ]


def test_the_checker_accepts_the_drive_back_right_after_the_last_visit() -> None:
    req = _two_day_request([ticket("v", minutes=60, onsite=True, where="site_far")])
    plan = solved(req, "greedy")
    route = plan.route("e1")
    assert route is not None
    (a,) = plan.assignments
    moved = _with_drive_back_at(plan, a.end + timedelta(minutes=5))
    assert validate_plan(req, moved) == []
