"""``validate_roster`` catches every hard rule on hand-made rosters (violated and satisfied)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from optimizer.calendar import TZ
from optimizer.domain.base import ShiftTemplate
from optimizer.domain.roster import (
    EngineerRules,
    LabourRules,
    PinnedShift,
    RequiredDayOff,
    Roster,
    RosterAssignment,
    SolverInfo,
)
from optimizer.roster import validate_roster
from tests.unit.test_roster_helpers import DAY, MONDAY, WEEKEND, away, engineer, request

EVERY_DAY = ShiftTemplate(id="any", start=time(9), end=time(18), weekdays=list(range(7)))
LATE = ShiftTemplate(id="late", start=time(14), end=time(23), weekdays=list(range(7)))
EARLY = ShiftTemplate(id="early", start=time(6), end=time(15), weekdays=list(range(7)))
TEMPLATES = {t.id: t for t in (DAY, WEEKEND, EVERY_DAY, LATE, EARLY)}


def shift(eid: str, d: date, tid: str) -> RosterAssignment:
    """A correct assignment of a template on a date (no pre-holiday dates used here)."""
    t = TEMPLATES[tid]
    return RosterAssignment(
        engineer_id=eid,
        date=d,
        day=(d - MONDAY).days,
        template_id=tid,
        start=datetime.combine(d, t.start, TZ),
        end=datetime.combine(d, t.end, TZ),
        paid_minutes=t.paid_minutes,
        kind=t.kind.value,
        non_working_day=d.weekday() >= 5,
    )


def roster(*shifts: RosterAssignment) -> Roster:
    return Roster(status="FEASIBLE", assignments=list(shifts), solver=SolverInfo(status="FEASIBLE"))


def day(i: int) -> date:
    return MONDAY + timedelta(days=i)


def rules_broken(req, r: Roster) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.rule for v in validate_roster(req, r)}


def test_an_ordinary_week_breaks_no_rule() -> None:
    req = request(shift_templates=list(TEMPLATES.values()))
    assert rules_broken(req, roster(*(shift("a", day(i), "day") for i in range(5)))) == set()


def test_a_shift_during_a_vacation_is_reported() -> None:
    req = request(absences=[away("a", day(1), 1)])
    assert "absence" in rules_broken(req, roster(shift("a", day(1), "day")))


def test_two_shifts_a_day_are_reported() -> None:
    req = request(shift_templates=list(TEMPLATES.values()))
    assert "one_shift_a_day" in rules_broken(
        req, roster(shift("a", day(0), "early"), shift("a", day(0), "late"))
    )


def test_weekend_work_without_consent_is_reported() -> None:
    req = request(engineers=[engineer("a", holiday_work_consent=False)])
    assert "art_113_consent" in rules_broken(req, roster(shift("a", day(5), "duty")))


def test_a_template_on_a_weekday_it_does_not_run_is_reported() -> None:
    req = request()
    assert "template_weekday" in rules_broken(req, roster(shift("a", day(5), "day")))


def test_wrong_clock_times_before_a_holiday_are_reported() -> None:
    # 2027-11-03 precedes a holiday: 09:00–18:00 should have been 09:00–17:00.
    wed = date(2027, 11, 3)
    req = request(start=wed, end=wed)
    a = shift("a", wed, "day").model_copy(update={"day": 0})
    assert {"template_times", "paid_minutes"} <= rules_broken(req, roster(a))


def test_short_rest_between_shifts_is_reported() -> None:
    req = request(shift_templates=list(TEMPLATES.values()))
    assert "rest_between_shifts" in rules_broken(
        req, roster(shift("a", day(0), "late"), shift("a", day(1), "early"))
    )


def test_too_many_days_in_a_row_are_reported() -> None:
    req = request(shift_templates=list(TEMPLATES.values()), end=day(13))
    shifts = [shift("a", day(i), "any") for i in range(3, 10)]  # Thursday..Wednesday
    assert "max_consecutive_days" in rules_broken(req, roster(*shifts))


def test_a_week_without_42_hours_of_rest_is_reported() -> None:
    # Monday–Saturday worked: only Sunday off inside the week, 30 hours.
    req = request(shift_templates=list(TEMPLATES.values()))
    shifts = [shift("a", day(i), "any") for i in range(6)]
    assert "weekly_rest" in rules_broken(req, roster(*shifts))
    assert "weekly_rest" not in rules_broken(req, roster(*shifts[:5]))


def test_overtime_beyond_four_hours_in_two_days_is_reported() -> None:
    # A 32-hour week and five 8-hour weekdays: Friday is 8 hours beyond the week.
    req = request(
        shift_templates=list(TEMPLATES.values()),
        rules=LabourRules(per_engineer=[EngineerRules(engineer_id="a", weekly_hours=32)]),
    )
    shifts = [shift("a", day(i), "any") for i in range(5)]
    assert "overtime_two_days" in rules_broken(req, roster(*shifts))
    assert "overtime_two_days" not in rules_broken(req, roster(*shifts[:4]))


def test_any_overtime_is_reported_when_not_allowed() -> None:
    req = request(
        shift_templates=list(TEMPLATES.values()),
        rules=LabourRules(
            weekly_rest_h=0,
            allow_overtime=False,
            per_engineer=[EngineerRules(engineer_id="a", weekly_hours=32)],
        ),
    )
    shifts = [shift("a", day(i), "any") for i in range(5)]
    assert "weekly_hours" in rules_broken(req, roster(*shifts))


def test_overtime_past_the_yearly_limit_is_reported() -> None:
    req = request(
        shift_templates=list(TEMPLATES.values()),
        rules=LabourRules(
            weekly_rest_h=0,
            per_engineer=[EngineerRules(engineer_id="a", weekly_hours=36, overtime_used_h=117)],
        ),
    )
    shifts = [shift("a", day(i), "any") for i in range(5)]  # 4 h overtime on Friday
    assert "overtime_year" in rules_broken(req, roster(*shifts))


def test_missing_pin_and_worked_required_day_off_are_reported() -> None:
    req = request(
        rules=LabourRules(
            pinned=[PinnedShift(engineer_id="a", date=day(0), template_id="day")],
            required_days_off=[RequiredDayOff(engineer_id="a", date=day(1))],
        )
    )
    assert {"pinned", "required_day_off"} <= rules_broken(req, roster(shift("a", day(1), "day")))
