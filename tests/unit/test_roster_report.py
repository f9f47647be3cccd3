"""Shortfall report, recommendations, vacation plan check, grid text."""

from __future__ import annotations

from datetime import date, time, timedelta

from optimizer.calendar import default_calendar
from optimizer.roster import check_vacation_plan, format_grid, format_shortfall, shortfall_report
from optimizer.roster.vacation import engineer_vacation
from tests.unit.test_roster_helpers import MONDAY, away, engineer, need, request, solved


def friday_gateways_gap():  # type: ignore[no-untyped-def]
    """Two weeks; every Friday 14–17 a visit-capable engineer with gateways is needed, and
    nobody has that skill."""
    req = request(
        end=MONDAY + timedelta(days=13),
        requirements=need()
        + need(group="skill:gateways", weekdays=[4], start=time(14), end=time(17))
        + need(group="visit", weekdays=[4], start=time(14), end=time(17)),
    )
    return req, solved(req)


def test_shortfall_cells_are_people_short_per_hour_and_group() -> None:
    req, roster = friday_gateways_gap()
    report = shortfall_report(roster, lang="en")
    fridays = {c.date for c in report.cells}
    assert fridays == {MONDAY + timedelta(days=4), MONDAY + timedelta(days=11)}
    assert {(c.hour, c.group) for c in report.cells} == {
        (h, "skill:gateways") for h in (14, 15, 16)
    }
    assert report.total_person_hours == 6
    assert report.by_group == {"skill:gateways": 6}


def test_recurring_shortfall_recommends_an_engineer_with_the_skill_on_those_days() -> None:
    req, roster = friday_gateways_gap()
    report = shortfall_report(roster, lang="en")
    texts = [r.text for r in report.recommendations]
    assert texts == ["+1 engineer with gateways skills, Fridays 14–17"]
    ru = shortfall_report(roster, lang="ru").recommendations[0].text
    assert ru == "+1 инженер, навыки: шлюзы, по пятницам 14–17"


def test_verified_recommendation_measures_the_gain_by_re_solving() -> None:
    req, roster = friday_gateways_gap()
    report = shortfall_report(roster, req, lang="en", verify=True)
    (rec,) = report.recommendations
    assert rec.verified and rec.gain_person_hours == 6


def test_a_recommendation_of_two_engineers_is_measured_with_two_hires() -> None:
    req = request(
        end=MONDAY + timedelta(days=13),
        requirements=need()
        + need(group="skill:gateways", weekdays=[4], start=time(14), end=time(17), required=2),
    )
    report = shortfall_report(solved(req), req, lang="en", verify=True)
    (rec,) = report.recommendations
    assert rec.text.startswith("+2 engineers") and rec.count == 2
    assert rec.verified and rec.gain_person_hours == 12  # one hire would remove 6 of the 12


def test_moving_a_vacation_off_the_busy_week_is_recommended_with_its_gain() -> None:
    # Two engineers needed on weekdays of two weeks; b is away the first week. Moving the
    # vacation one week later only shifts the gap, so nothing is gained; with two weeks of
    # need in week 1 only, moving it later removes the whole 45 h gap.
    req = request(
        end=MONDAY + timedelta(days=13),
        engineers=[engineer("a"), engineer("b")],
        absences=[away("b", MONDAY, 5)],
        requirements=[
            r.model_copy(update={"date": MONDAY + timedelta(days=r.weekday)})
            for r in need(required=2)
        ],
    )
    roster = solved(req)
    report = shortfall_report(roster, req, lang="en")
    moves = [r for r in report.recommendations if r.kind == "move_vacation"]
    assert len(moves) == 1 and moves[0].gain_person_hours == 45
    assert "one week later removes 45 h of shortfall" in moves[0].text


def test_no_shortfall_means_no_recommendation() -> None:
    roster = solved(request())
    report = shortfall_report(roster, request())
    assert report.total_person_hours == 0 and report.recommendations == []
    assert format_shortfall(report) == "Нехватки нет."


def test_grid_shows_engineers_by_day_with_hours_and_norm() -> None:
    roster = solved(request(absences=[away("a", MONDAY + timedelta(days=2), 1, "sick")]))
    text = format_grid(roster)
    line = next(x for x in text.splitlines() if x.startswith("Engineer a"))
    assert line.split()[2:9] == ["D", "D", "Б", "D", "D", "·", "·"]
    assert "ОТ — отпуск" in text and "OPTIMAL" in text


# -- vacation plan -------------------------------------------------------------------


def test_vacation_plan_of_28_days_with_a_14_day_part_is_fine() -> None:
    e = engineer("a")
    plan = [away("a", date(2027, 7, 5), 14), away("a", date(2027, 10, 4), 14)]
    row = engineer_vacation(e, plan, 2027, default_calendar())
    assert row.ok and row.counted_days == 28 and row.longest_part_days == 14


def test_vacation_split_into_short_parts_breaks_article_125() -> None:
    e = engineer("a")
    plan = [away("a", date(2027, m, 1), 7) for m in (3, 4, 6, 8)]  # no holiday inside
    row = engineer_vacation(e, plan, 2027, default_calendar(), lang="en")
    assert not row.ok
    assert row.issues == ["no part of at least 14 days (art. 125); the longest is 7"]


def test_public_holidays_inside_a_vacation_are_not_counted() -> None:
    # 1–14 January: eight of the days are New Year holidays and Christmas (art. 120).
    e = engineer("a")
    row = engineer_vacation(e, [away("a", date(2027, 1, 1), 14)], 2027, default_calendar(), "en")
    (part,) = row.parts
    assert (part.calendar_days, part.holidays_inside, part.counted_days) == (14, 8, 6)
    assert "6 of 28 days of leave planned (art. 115)" in row.issues


def test_adjacent_vacation_records_are_one_part() -> None:
    e = engineer("a")
    plan = [away("a", date(2027, 7, 5), 7), away("a", date(2027, 7, 12), 7)]
    row = engineer_vacation(e, plan, 2027, default_calendar())
    assert [p.counted_days for p in row.parts] == [14]


def test_vacation_impact_names_the_week_a_skill_is_left_uncovered() -> None:
    # The only gateways engineer is away the week of 5 July.
    a = engineer("a", skills=["gateways"])
    b = engineer("b")
    report = check_vacation_plan(
        [a, b], [away("a", date(2027, 7, 5), 14)], 2027, need(group="skill:gateways")
    )
    weeks = {w.week_start: w for w in report.weeks}
    assert weeks[date(2027, 7, 5)].short_groups == {"skill:gateways": 1}
    assert weeks[date(2027, 7, 5)].away == ["a"]
    assert not report.ok  # 14 days only
