"""Work on weekends and holidays as the Labour Code says (art. 95, 99, 113, 152, 153).

Day-off work happens only where a requirement asks for it, never beyond it; it is counted
apart from the week's normal time and from overtime, costs double, and never fills the norm
of hours. A pre-holiday day shortens the shifts and the weekly-pattern requirement alike.
Solved rosters pass the independent checker (``solved``); the checker itself is tested on
hand-made rosters, each rule violated and satisfied.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from optimizer.calendar import TZ
from optimizer.domain.roster import (
    EngineerRules,
    LabourRules,
    PinnedShift,
    RequiredDayOff,
    Roster,
    RosterAssignment,
    SolverInfo,
)
from optimizer.domain.staffing import CoverageRequirement
from optimizer.errors import InfeasibleRequest
from optimizer.roster import solve, validate_roster
from tests.unit.test_roster_helpers import (
    DAY,
    MONDAY,
    engineer,
    need,
    request,
    solved,
)

SATURDAY = MONDAY + timedelta(days=5)
SATURDAY_DUTY = need(weekdays=[5], start=time(10), end=time(16))
"""One engineer on duty Saturday 10:00–16:00."""
JULY_WEEK = date(2027, 6, 28)
"""Monday of the week of Saturday 3 July 2027 (no holiday in it)."""


def duty(eid: str, d: date) -> RosterAssignment:
    """A weekend duty 10:00–16:00 on ``d``."""
    return RosterAssignment(
        engineer_id=eid,
        date=d,
        day=(d - MONDAY).days,
        template_id="duty",
        start=datetime.combine(d, time(10), TZ),
        end=datetime.combine(d, time(16), TZ),
        paid_minutes=360,
        kind="on_call",
        non_working_day=True,
    )


def roster(*shifts: RosterAssignment) -> Roster:
    return Roster(status="FEASIBLE", assignments=list(shifts), solver=SolverInfo(status="FEASIBLE"))


def rules_broken(req, r: Roster) -> list[str]:  # type: ignore[no-untyped-def]
    return [v.rule for v in validate_roster(req, r)]


# -- the solver ------------------------------------------------------------------------


def test_one_engineer_on_saturday_3_july_2027_where_one_is_required() -> None:
    # Four consenting engineers, weekdays need one each, Saturday one on duty: exactly one
    # of them works the Saturday (not four, as the norm of hours once tempted the solver).
    req = request(
        start=JULY_WEEK,
        end=JULY_WEEK + timedelta(days=6),
        engineers=[engineer(x) for x in "abcd"],
        requirements=need() + SATURDAY_DUTY,
    )
    roster_ = solved(req)
    saturday = date(2027, 7, 3)
    assert sum(1 for a in roster_.assignments if a.date == saturday) == 1
    assert all(not a.non_working_day or a.date == saturday for a in roster_.assignments)


def test_no_weekend_shift_where_no_requirement_asks_for_one() -> None:
    # The weekend duty template exists and a has consented, but nobody asked for weekend work.
    roster_ = solved(request(requirements=need()))
    assert not any(a.non_working_day for a in roster_.assignments)


def test_weekend_duty_never_fills_the_norm_and_the_deficit_is_reported() -> None:
    # a must keep Monday off: four weekdays, 32 h against a 40 h norm. The Saturday duty
    # a works (6 h, asked for) is paid apart (art. 153): the deficit stays 8 h, not 2 h.
    req = request(
        requirements=need() + SATURDAY_DUTY,
        rules=LabourRules(
            weekly_rest_h=0, required_days_off=[RequiredDayOff(engineer_id="a", date=MONDAY)]
        ),
    )
    roster_ = solved(req)
    (a,) = roster_.fairness.per_engineer
    assert (a.hours, a.day_off_hours, a.norm_hours, a.norm_deficit_hours) == (38, 6, 40, 8)
    assert roster_.penalties["below_norm_hours"] == 8


def test_day_off_hours_are_apart_from_the_week_and_from_overtime() -> None:
    # Monday–Friday 40 h and the Saturday duty 6 h with no overtime allowed: legal, because
    # the Saturday is outside the 40-hour week (art. 91, 99, 153).
    req = request(
        requirements=need() + SATURDAY_DUTY,
        rules=LabourRules(allow_overtime=False, weekly_rest_h=0),
    )
    roster_ = solved(req)
    (week,) = roster_.weekly_hours
    assert (week.hours, week.normal_hours, week.overtime_hours, week.day_off_hours) == (
        46,
        40,
        0,
        6,
    )


def test_day_off_work_costs_double_in_the_roster_cost() -> None:
    # 600 RUB/h: 40 normal hours = 24 000, 6 hours on Saturday at double pay = 7 200.
    req = request(
        engineers=[engineer("a", cost_per_hour_rub=600)],
        requirements=need() + SATURDAY_DUTY,
        rules=LabourRules(weekly_rest_h=0),
    )
    roster_ = solved(req)
    assert (roster_.cost.normal_rub, roster_.cost.day_off_rub, roster_.cost.total_rub) == (
        24_000,
        7_200,
        31_200,
    )
    assert roster_.fairness.per_engineer[0].pay_rub == 31_200
    assert roster_.penalties["day_off_hours"] == 6


def test_overtime_costs_one_and_a_half_then_double() -> None:
    # A 36-hour week: Friday's 8 h shift has 4 h of overtime, 2 h at 1.5× and 2 h at 2×
    # (art. 152): 600 × (3 + 4) = 4 200 on top of 36 normal hours.
    req = request(
        engineers=[engineer("a", cost_per_hour_rub=600)],
        rules=LabourRules(per_engineer=[EngineerRules(engineer_id="a", weekly_hours=36)]),
    )
    roster_ = solved(req)
    assert roster_.cost.overtime_rub == 4_200
    assert roster_.cost.normal_rub == 36 * 600


def test_pre_holiday_day_shortens_the_weekly_requirement_with_the_shifts() -> None:
    # Wednesday 2027-11-03 precedes Unity Day: the shift is 09:00–17:00 and the weekday
    # requirement 09:00–18:00 ends at 17:00 that day, so nobody is missing 17:00–18:00.
    wed = date(2027, 11, 3)
    roster_ = solved(request(start=wed, end=wed, requirements=need(weekdays=[2])))
    assert roster_.shortfall == []
    assert [(r.start.hour, r.end.hour) for r in roster_.coverage if r.start and r.end] == [(9, 17)]


def test_a_requirement_given_for_the_date_itself_is_taken_as_written() -> None:
    # The same Wednesday with a row dated 2027-11-03 09:00–18:00: the hour after the
    # shortened shift is short.
    wed = date(2027, 11, 3)
    row = CoverageRequirement(date=wed, start=time(9), end=time(18), group="all", required=1)
    roster_ = solved(request(start=wed, end=wed, requirements=[row]))
    assert roster_.shortfall_person_hours == 1


def test_pinned_weekend_duty_nobody_asked_for_is_an_explained_infeasibility() -> None:
    pin = PinnedShift(engineer_id="a", date=SATURDAY, template_id="duty")
    with pytest.raises(InfeasibleRequest, match="no requirement asks for work on this day off"):
        solve(request(rules=LabourRules(pinned=[pin])))


# -- the independent checker -----------------------------------------------------------


def test_checker_reports_four_on_a_saturday_where_one_is_required() -> None:
    req = request(engineers=[engineer(x) for x in "abcd"], requirements=SATURDAY_DUTY)
    four = roster(*(duty(x, SATURDAY) for x in "abcd"))
    assert rules_broken(req, four).count("day_off_work") == 4
    assert rules_broken(req, roster(duty("c", SATURDAY))) == []


def test_checker_reports_weekend_work_no_requirement_asks_for() -> None:
    req = request(requirements=need())
    assert rules_broken(req, roster(duty("a", SATURDAY))) == ["day_off_work"]
    asked = request(requirements=need() + SATURDAY_DUTY)
    assert rules_broken(asked, roster(duty("a", SATURDAY))) == []


def test_checker_counts_each_engineer_a_group_needs() -> None:
    # Saturday needs two on duty, one of them with gateways; b has the skill. a and b are
    # both needed; with c as well, "all" has three for two places and neither a nor c is
    # needed by a group (b still is, for gateways).
    req = request(
        engineers=[engineer("a"), engineer("b", skills=["gateways"]), engineer("c")],
        requirements=need(required=2, weekdays=[5], start=time(10), end=time(16))
        + need(group="skill:gateways", weekdays=[5], start=time(10), end=time(16)),
    )
    assert rules_broken(req, roster(duty("a", SATURDAY), duty("b", SATURDAY))) == []
    three = roster(duty("a", SATURDAY), duty("b", SATURDAY), duty("c", SATURDAY))
    assert [(v.rule, v.engineer_id) for v in validate_roster(req, three)] == [
        ("day_off_work", "a"),
        ("day_off_work", "c"),
    ]


def test_checker_keeps_day_off_hours_out_of_overtime() -> None:
    # Mon–Fri 40 h and Saturday 6 h with overtime not allowed: not a weekly_hours violation.
    req = request(
        requirements=need() + SATURDAY_DUTY,
        rules=LabourRules(allow_overtime=False, weekly_rest_h=0),
    )
    week = [
        RosterAssignment(
            engineer_id="a",
            date=MONDAY + timedelta(days=i),
            day=i,
            template_id="day",
            start=datetime.combine(MONDAY + timedelta(days=i), DAY.start, TZ),
            end=datetime.combine(MONDAY + timedelta(days=i), DAY.end, TZ),
            paid_minutes=DAY.paid_minutes,
        )
        for i in range(5)
    ]
    assert rules_broken(req, roster(*week, duty("a", SATURDAY))) == []
