"""One test per roster rule on a tiny week where the answer is obvious; every produced
roster is re-checked by ``validate_roster`` (inside ``solved``)."""

from __future__ import annotations

from datetime import date, time, timedelta

from optimizer.domain.base import ShiftTemplate
from optimizer.domain.roster import EngineerRules, LabourRules, RosterWeights
from optimizer.roster import solve
from tests.unit.test_roster_helpers import (
    DAY,
    MONDAY,
    WEEKEND,
    at,
    away,
    engineer,
    need,
    request,
    shifts_of,
    solved,
)

ALL_WEEK = range(7)
EVERY_DAY = ShiftTemplate(id="any", start=time(9), end=time(18), weekdays=list(ALL_WEEK))


# -- hard rules ------------------------------------------------------------------------


def test_engineer_on_vacation_gets_no_shift_during_the_vacation() -> None:
    # a is on vacation Wednesday and Thursday; b is there all week.
    req = request(
        engineers=[engineer("a"), engineer("b")],
        absences=[away("a", MONDAY + timedelta(days=2), 2)],
        requirements=need(required=2),
    )
    roster = solved(req)
    a_days = {d for d, _ in shifts_of(roster, "a")}
    assert MONDAY + timedelta(days=2) not in a_days and MONDAY + timedelta(days=3) not in a_days
    assert roster.shortfall_person_hours == 2 * 9  # one person short Wed and Thu, 09–18


def test_engineer_without_a_car_that_day_does_not_count_toward_visits() -> None:
    # The only car is in repair on Tuesday: the visit requirement is short that day only.
    req = request(
        absences=[away("a", MONDAY + timedelta(days=1), 1, kind="car_unavailable")],
        requirements=need() + need(group="visit"),
    )
    roster = solved(req)
    short_days = {r.date for r in roster.shortfall if r.group == "visit"}
    assert short_days == {MONDAY + timedelta(days=1)}
    assert len(shifts_of(roster, "a")) == 5  # still works Tuesday (remote work)


def test_weekend_duty_goes_only_to_an_engineer_who_consented() -> None:
    # Saturday needs one on duty; a never agreed to work days off (art. 113), b did.
    req = request(
        engineers=[engineer("a", holiday_work_consent=False), engineer("b")],
        requirements=need(weekdays=[5], start=time(10), end=time(16)),
    )
    roster = solved(req)
    saturday = MONDAY + timedelta(days=5)
    assert all(d != saturday for d, _ in shifts_of(roster, "a"))
    assert (saturday, "duty") in shifts_of(roster, "b")


def test_nobody_works_a_day_off_without_consent_even_when_short() -> None:
    req = request(
        engineers=[engineer("a", holiday_work_consent=False)],
        requirements=need(weekdays=[5, 6], start=time(10), end=time(16)),
    )
    roster = solved(req)
    assert roster.assignments == [] or all(not a.non_working_day for a in roster.assignments)
    assert roster.shortfall_person_hours == 12


def test_shift_before_a_holiday_ends_an_hour_earlier() -> None:
    # Wednesday 2027-11-03 precedes Unity Day (art. 95): 09:00–17:00, 7 paid hours.
    wed = date(2027, 11, 3)
    req = request(start=wed, end=wed, requirements=need(weekdays=[2]))
    roster = solved(req)
    (a,) = roster.assignments
    assert (a.start, a.end, a.paid_minutes) == (at(wed, 9), at(wed, 17), 7 * 60)


def test_holiday_on_a_weekday_is_planned_like_a_sunday() -> None:
    # Monday 2027-03-08 is a holiday: the weekday template does not run, the duty does.
    holiday = date(2027, 3, 8)
    req = request(start=holiday, end=holiday, requirements=need(weekdays=[0, 6]))
    roster = solved(req)
    assert [(a.template_id, a.non_working_day) for a in roster.assignments] == [("duty", True)]


def test_working_saturday_uses_the_templates_of_the_weekday_it_replaces() -> None:
    # Saturday 2027-02-20 is a working day of the production calendar (a transferred day).
    sat = date(2027, 2, 20)
    req = request(
        start=sat,
        end=sat,
        engineers=[engineer("a", holiday_work_consent=False)],
        requirements=need(weekdays=range(5)),
    )
    roster = solved(req)
    assert [(a.template_id, a.non_working_day) for a in roster.assignments] == [("day", False)]


def test_templates_run_only_on_their_weekdays() -> None:
    # A template for Fridays only; the requirement is every weekday: short Monday–Thursday.
    friday_only = DAY.model_copy(update={"id": "fri", "weekdays": [4]})
    req = request(shift_templates=[friday_only])
    roster = solved(req)
    assert [a.date.weekday() for a in roster.assignments if a.date] == [4]
    assert roster.shortfall_person_hours == 4 * 9


def test_normal_time_stays_within_the_week_when_overtime_is_not_allowed() -> None:
    # Every weekday needs someone; 8 paid hours a shift, a 32-hour week: four shifts at most.
    req = request(
        requirements=need(),
        rules=LabourRules(
            allow_overtime=False, per_engineer=[EngineerRules(engineer_id="a", weekly_hours=32)]
        ),
    )
    roster = solved(req)
    assert len(roster.assignments) == 4
    assert roster.weekly_hours[0].hours == 32


def test_overtime_is_at_most_four_hours_in_two_days() -> None:
    # 32 h a week cap; five 8-hour shifts would be 8 h of overtime on Friday: only four
    # hours fit, so a short 4-hour shift is used instead.
    short = ShiftTemplate(id="half", start=time(9), end=time(13), break_min=0, weekdays=[4])
    req = request(
        shift_templates=[DAY, short],
        requirements=need(),
        rules=LabourRules(
            weekly_rest_h=0, per_engineer=[EngineerRules(engineer_id="a", weekly_hours=32)]
        ),
        weights=RosterWeights(overtime_per_hour=1),
    )
    roster = solved(req)
    assert roster.weekly_hours[0].overtime_hours == 4
    assert (MONDAY + timedelta(days=4), "half") in shifts_of(roster, "a")


def test_overtime_is_at_most_the_hours_left_in_the_year() -> None:
    # 118 h of overtime already this year: 2 h remain, so no 4-hour Friday.
    short = ShiftTemplate(id="half", start=time(9), end=time(13), break_min=0, weekdays=[4])
    rules = LabourRules(
        weekly_rest_h=0,
        per_engineer=[EngineerRules(engineer_id="a", weekly_hours=32, overtime_used_h=118)],
    )
    roster = solved(request(shift_templates=[DAY, short], rules=rules))
    assert roster.weekly_hours[0].overtime_hours == 0
    assert len(roster.assignments) == 4


def test_each_week_has_an_uninterrupted_rest_of_42_hours() -> None:
    # Every day of the week needs someone and two engineers may take it: neither works all
    # seven days, each keeps two consecutive days off inside the week (a single day off
    # between 09–18 shifts is only 39 h).
    req = request(
        engineers=[engineer("a"), engineer("b")],
        shift_templates=[EVERY_DAY],
        requirements=need(weekdays=ALL_WEEK),
        rules=LabourRules(max_consecutive_days=7, allow_overtime=False),
    )
    roster = solved(req)
    for eid in ("a", "b"):
        off = sorted(set(req.days) - {d for d, _ in shifts_of(roster, eid)})
        assert any(b - a == timedelta(days=1) for a, b in zip(off, off[1:], strict=False))
    assert roster.shortfall_person_hours == 0


def test_no_more_working_days_in_a_row_than_the_limit() -> None:
    # Two weeks, weekend duty wanted; max three days in a row.
    req = request(
        end=MONDAY + timedelta(days=13),
        shift_templates=[EVERY_DAY],
        requirements=need(weekdays=ALL_WEEK),
        rules=LabourRules(max_consecutive_days=3, weekly_rest_h=0),
    )
    roster = solved(req)
    worked = sorted(d for d, _ in shifts_of(roster, "a"))
    run = longest = 1
    for x, y in zip(worked, worked[1:], strict=False):
        run = run + 1 if y - x == timedelta(days=1) else 1
        longest = max(longest, run)
    assert longest == 3


def test_rest_between_shifts_forbids_a_late_shift_followed_by_an_early_one() -> None:
    # late 14–23 then early 06–15 leaves 7 h; the rule wants 12 h.
    late = ShiftTemplate(id="late", start=time(14), end=time(23), weekdays=[0])
    early = ShiftTemplate(id="early", start=time(6), end=time(15), weekdays=[1])
    req = request(
        end=MONDAY + timedelta(days=1),
        shift_templates=[late, early],
        requirements=need(weekdays=[0], start=time(14), end=time(23))
        + need(weekdays=[1], start=time(6), end=time(15)),
    )
    roster = solved(req)
    assert len(roster.assignments) == 1
    assert roster.shortfall_person_hours == 9


def test_one_shift_a_day_even_when_two_templates_are_wanted() -> None:
    early = ShiftTemplate(id="early", start=time(6), end=time(10), break_min=0, weekdays=[0])
    late = ShiftTemplate(id="late", start=time(18), end=time(22), break_min=0, weekdays=[0])
    req = request(
        end=MONDAY,
        shift_templates=[early, late],
        requirements=need(weekdays=[0], start=time(6), end=time(10))
        + need(weekdays=[0], start=time(18), end=time(22)),
    )
    roster = solved(req)
    assert len(roster.assignments) == 1


# -- soft goals ------------------------------------------------------------------------


def test_shortfall_is_the_people_missing_per_interval() -> None:
    # Two needed on weekdays, one engineer: exactly one short, every weekday 09–18.
    roster = solved(request(requirements=need(required=2)))
    assert {r.short_by for r in roster.shortfall} == {1}
    assert roster.shortfall_person_hours == 5 * 9
    assert roster.penalties["shortfall_person_hours"] == 45


def test_a_skill_requirement_is_covered_by_the_engineer_who_has_the_skill() -> None:
    # Monday needs someone with gateways; only b has the skill, so b works Monday.
    req = request(
        start=MONDAY,
        end=MONDAY,
        engineers=[engineer("a"), engineer("b", skills=["gateways"])],
        requirements=need(group="skill:gateways", weekdays=[0]),
        weights=RosterWeights(below_norm_per_hour=0),
    )
    roster = solved(req)
    assert shifts_of(roster, "b") == [(MONDAY, "day")]
    assert roster.shortfall == []


def test_a_missing_person_weighs_more_than_a_denied_day_off_request() -> None:
    # a asked for Wednesday off (weight 5), but a is the only one: coverage wins.
    wed = MONDAY + timedelta(days=2)
    a = engineer("a", preferences=[{"date": wed.isoformat(), "kind": "off", "weight": 5}])
    roster = solved(request(engineers=[a]))
    assert (wed, "day") in shifts_of(roster, "a")
    assert roster.fairness.per_engineer[0].requests_denied == 1


def test_a_day_off_request_is_granted_when_someone_else_can_cover() -> None:
    wed = MONDAY + timedelta(days=2)
    a = engineer("a", preferences=[{"date": wed.isoformat(), "kind": "off", "weight": 5}])
    roster = solved(request(engineers=[a, engineer("b")]))
    assert wed not in {d for d, _ in shifts_of(roster, "a")}
    assert roster.fairness.per_engineer[0].requests_granted == 1


def test_weekend_duties_are_shared_evenly() -> None:
    # Two weekends of duty (15–28 March 2027, no holiday), two consenting engineers: two
    # duties each.
    req = request(
        start=date(2027, 3, 15),
        end=date(2027, 3, 28),
        engineers=[engineer("a"), engineer("b")],
        requirements=need(weekdays=[5, 6], start=time(10), end=time(16)),
    )
    roster = solved(req)
    duties = {f.engineer_id: f.on_call_shifts for f in roster.fairness.per_engineer}
    assert duties == {"a": 2, "b": 2}
    assert roster.fairness.duty_spread == 0


def test_engineers_are_planned_up_to_their_norm_of_hours() -> None:
    # No requirement at all: the norm (5 × 8 h) still fills the week.
    roster = solved(request(requirements=[]))
    assert roster.fairness.per_engineer[0].hours == 40
    assert roster.fairness.per_engineer[0].norm_hours == 40


def test_same_request_and_seed_give_the_same_roster() -> None:
    req = request(
        engineers=[engineer("a"), engineer("b"), engineer("c")],
        requirements=need(required=2) + need(weekdays=[5, 6], start=time(10), end=time(16)),
        shift_templates=[DAY, WEEKEND],
    )
    first, second = solve(req), solve(req)
    assert first.assignments == second.assignments
    assert first.objective == second.objective


def test_two_deterministic_workers_give_the_same_roster_twice() -> None:
    req = request(
        engineers=[engineer("a"), engineer("b"), engineer("c")],
        requirements=need(required=2) + need(weekdays=[5, 6], start=time(10), end=time(16)),
        num_workers=2,
    )
    first, second = solve(req), solve(req)
    assert first.solver.status == "OPTIMAL"
    assert first.assignments == second.assignments
