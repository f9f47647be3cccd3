"""The labour rules across the period's start: the request carries the previous days' shifts
(``history``) and the year's overtime so far (``rules.per_engineer[].overtime_used_h``).

The base week is Monday 2027-03-01 .. Sunday 2027-03-07; history lies in the days before.
Each rule is shown holding in a solved roster (re-checked by the independent checker), and
the checker is shown catching it on a hand-made roster.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from pydantic import ValidationError

from optimizer.calendar import TZ
from optimizer.domain.base import ShiftTemplate
from optimizer.domain.roster import (
    EngineerRules,
    LabourRules,
    PreviousShift,
    Roster,
    RosterAssignment,
    SolverInfo,
)
from optimizer.errors import InvalidInput, UnknownReference
from optimizer.roster import solve, validate_roster
from tests.unit.test_roster_helpers import MONDAY, need, request, shifts_of, solved

EVERY_DAY = ShiftTemplate(id="any", start=time(9), end=time(18), weekdays=list(range(7)))
WEDNESDAY = MONDAY + timedelta(days=2)


def worked(
    eid: str, d: date, start: int = 9, end: int = 18, paid: int | None = 480
) -> PreviousShift:
    """A shift worked before the period on ``d`` from ``start`` to ``end`` o'clock."""
    return PreviousShift(
        engineer_id=eid,
        date=d,
        start=datetime.combine(d, time(start), TZ),
        end=datetime.combine(d, time(end), TZ),
        paid_minutes=paid,
    )


def day_shift(eid: str, d: date, first: date = MONDAY) -> RosterAssignment:
    """A 09:00–18:00 shift of the ``any`` template (8 paid hours)."""
    return RosterAssignment(
        engineer_id=eid,
        date=d,
        day=(d - first).days,
        template_id="any",
        start=datetime.combine(d, time(9), TZ),
        end=datetime.combine(d, time(18), TZ),
        paid_minutes=480,
        non_working_day=d.weekday() >= 5,
    )


def roster(*shifts: RosterAssignment) -> Roster:
    return Roster(status="FEASIBLE", assignments=list(shifts), solver=SolverInfo(status="FEASIBLE"))


def rules_broken(req, r: Roster) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.rule for v in validate_roster(req, r)}


# -- rest between shifts -------------------------------------------------------------


def test_rest_between_shifts_holds_across_the_period_start() -> None:
    # Sunday 28 Feb worked 15:00–23:00: Monday 09:00 is only 10 h later (12 h needed), so
    # Monday stays unworked and short; Tuesday on is normal.
    req = request(history=[worked("a", MONDAY - timedelta(days=1), 15, 23)])
    roster_ = solved(req)
    assert MONDAY not in {d for d, _ in shifts_of(roster_, "a")}
    assert roster_.shortfall_person_hours == 9


def test_checker_reports_a_short_rest_after_the_last_shift_before_the_period() -> None:
    req = request(
        shift_templates=[EVERY_DAY], history=[worked("a", MONDAY - timedelta(days=1), 15, 23)]
    )
    assert "rest_between_shifts" in rules_broken(req, roster(day_shift("a", MONDAY)))
    ok = request(shift_templates=[EVERY_DAY], history=[worked("a", MONDAY - timedelta(days=1))])
    assert "rest_between_shifts" not in rules_broken(ok, roster(day_shift("a", MONDAY)))


# -- days in a row -------------------------------------------------------------------


SIX_DAYS_BEFORE = [worked("a", MONDAY - timedelta(days=i)) for i in range(1, 7)]
"""Tuesday 23 Feb .. Sunday 28 Feb, every day worked."""


def test_days_in_a_row_count_the_days_worked_before_the_start() -> None:
    # Six days in a row end on Sunday; at most six are allowed: Monday must be off.
    req = request(history=SIX_DAYS_BEFORE, rules=LabourRules(weekly_rest_h=0))
    roster_ = solved(req)
    days = {d for d, _ in shifts_of(roster_, "a")}
    assert MONDAY not in days and MONDAY + timedelta(days=1) in days


def test_checker_reports_a_run_that_started_before_the_period() -> None:
    req = request(
        shift_templates=[EVERY_DAY], history=SIX_DAYS_BEFORE, rules=LabourRules(weekly_rest_h=0)
    )
    assert "max_consecutive_days" in rules_broken(req, roster(day_shift("a", MONDAY)))
    later = roster(day_shift("a", MONDAY + timedelta(days=1)))
    assert "max_consecutive_days" not in rules_broken(req, later)


# -- weekly rest ---------------------------------------------------------------------


MON_TUE = [worked("a", MONDAY), worked("a", MONDAY + timedelta(days=1))]
"""Monday 1 and Tuesday 2 March worked, before a period that starts on Wednesday."""


def midweek(**kw):  # type: ignore[no-untyped-def]
    """Wednesday 3 .. Sunday 7 March, someone wanted every day, seven days in a row allowed."""
    base = {
        "start": WEDNESDAY,
        "end": WEDNESDAY + timedelta(days=4),
        "shift_templates": [EVERY_DAY],
        "requirements": need(weekdays=range(7)),
        "rules": LabourRules(max_consecutive_days=7),
    }
    base.update(kw)
    return request(**base)


def test_weekly_rest_counts_the_shifts_before_the_start() -> None:
    # Without history Monday–Tuesday are free (57 h of rest) and Wednesday–Sunday can all
    # be worked; with them worked, 42 h inside the week leave at most three of the five.
    free = solved(midweek())
    assert len(free.assignments) == 5
    busy = solved(midweek(history=MON_TUE))
    assert len(busy.assignments) == 3


def test_checker_reports_a_week_without_rest_because_of_the_days_before() -> None:
    req = midweek(history=MON_TUE)
    five = [day_shift("a", WEDNESDAY + timedelta(days=i), WEDNESDAY) for i in range(5)]
    assert "weekly_rest" in rules_broken(req, roster(*five))
    assert "weekly_rest" not in rules_broken(midweek(), roster(*five))


# -- the week's hours and overtime ---------------------------------------------------


def test_the_first_weeks_normal_time_counts_the_hours_before_the_start() -> None:
    # A 32-hour week, no overtime: Monday and Tuesday already hold 16 h, so only two of
    # Wednesday–Friday fit (three without the history).
    rules = LabourRules(
        allow_overtime=False, per_engineer=[EngineerRules(engineer_id="a", weekly_hours=32)]
    )
    weekdays = need()
    assert len(solved(midweek(rules=rules, requirements=weekdays)).assignments) == 3
    roster_ = solved(midweek(rules=rules, requirements=weekdays, history=MON_TUE))
    assert len(roster_.assignments) == 2


def test_checker_reports_overtime_made_by_the_hours_before_the_start() -> None:
    rules = LabourRules(
        allow_overtime=False, per_engineer=[EngineerRules(engineer_id="a", weekly_hours=32)]
    )
    three = [day_shift("a", WEDNESDAY + timedelta(days=i), WEDNESDAY) for i in range(3)]
    assert "weekly_hours" in rules_broken(midweek(rules=rules, history=MON_TUE), roster(*three))
    assert "weekly_hours" not in rules_broken(midweek(rules=rules), roster(*three))


def test_overtime_of_the_year_so_far_counts_toward_120_hours() -> None:
    # 118 h already this year and a 36-hour week: Friday's 4 h of overtime would make 122.
    rules = LabourRules(
        weekly_rest_h=0,
        per_engineer=[EngineerRules(engineer_id="a", weekly_hours=36, overtime_used_h=118)],
    )
    roster_ = solved(request(rules=rules))
    assert roster_.fairness.per_engineer[0].overtime_hours == 0
    assert len(roster_.assignments) == 4


# -- bad input -----------------------------------------------------------------------


def test_history_inside_the_period_is_rejected_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as err:
        request(history=[worked("a", MONDAY)])
    assert err.value.field == "history[0].date" and err.value.value == "2027-03-01"
    assert "inside the period" in str(err.value)


def test_history_of_an_unknown_engineer_is_rejected_naming_it() -> None:
    with pytest.raises(UnknownReference) as err:
        request(history=[worked("ghost", MONDAY - timedelta(days=1))])
    assert err.value.field == "history[0].engineer_id" and err.value.value == "ghost"


def test_history_shift_ending_before_it_starts_is_rejected() -> None:
    with pytest.raises(InvalidInput) as err:
        request(history=[worked("a", MONDAY - timedelta(days=1), 18, 9)])
    assert err.value.field == "history[0].end"


def test_history_shift_starting_on_another_date_is_rejected() -> None:
    sunday = MONDAY - timedelta(days=1)
    bad = worked("a", sunday).model_copy(update={"date": sunday - timedelta(days=1)})
    with pytest.raises(InvalidInput) as err:
        request(history=[bad])
    assert err.value.field == "history[0].start"


def test_overlapping_history_shifts_of_one_engineer_are_rejected() -> None:
    sunday = MONDAY - timedelta(days=1)
    with pytest.raises(InvalidInput) as err:
        request(history=[worked("a", sunday, 9, 18), worked("a", sunday, 12, 20)])
    assert err.value.field == "history[1].start" and "overlaps history[0]" in str(err.value)


def test_history_without_an_offset_is_rejected() -> None:
    data = {"engineer_id": "a", "date": "2027-02-28", "start": "2027-02-28T09:00", "end": "x"}
    with pytest.raises(ValidationError):
        PreviousShift.model_validate(data)


def test_same_request_with_history_gives_the_same_roster() -> None:
    req = request(history=SIX_DAYS_BEFORE, rules=LabourRules(weekly_rest_h=0))
    assert solve(req).assignments == solve(req).assignments
