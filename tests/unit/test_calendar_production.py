"""The packaged production calendar against the official facts of 2024–2027.

``tests/data/ru_production_calendar_facts.csv`` is a copy of the facts (every date that
differs from "Monday–Friday working, Saturday and Sunday off", restated from the decrees);
the expected monthly norms below are the published norms of hours for the 40-hour week
(2025, 2026) and, for 2027, the norm the Ministry of Labour's procedure (order 588n) gives on
those facts: 8 h a working day, one hour less on a shortened day. The tests read the
packaged data through the calendar, never the shared folder.
"""

from __future__ import annotations

import csv
import json
import warnings
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest

from optimizer.calendar import (
    TZ,
    BusinessCalendar,
    ProductionCalendar,
    ProductionCalendarWarning,
    calendar_year,
    default_calendar,
    month_norm_minutes,
)
from optimizer.calendar.production import DATA_FILE, parse_years
from optimizer.errors import InvalidInput

FACTS = Path(__file__).parent.parent / "data" / "ru_production_calendar_facts.csv"
CAL = default_calendar()

NORMS_40H = {
    2025: [136, 160, 167, 175, 144, 151, 184, 168, 176, 184, 151, 176],
    2026: [120, 152, 168, 175, 151, 167, 184, 168, 176, 176, 159, 176],
    2027: [120, 151, 176, 175, 152, 167, 176, 176, 176, 168, 159, 176],
}
"""Norm hours per month, 40-hour week."""
YEAR_NORMS = {
    # year: (working days, 40 h, 36 h, 24 h)
    2025: (247, 1972, 1774.4, 1181.6),
    2026: (247, 1972, 1774.4, 1181.6),
    2027: (247, 1972, 1774.4, 1181.6),
}


def facts() -> dict[date, dict[str, str]]:
    with FACTS.open(encoding="utf-8") as f:
        return {date.fromisoformat(r["date"]): r for r in csv.DictReader(f)}


def every_date(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def test_every_date_of_2024_to_2027_agrees_with_the_official_facts() -> None:
    listed = facts()
    wrong = []
    for d in every_date(date(2024, 1, 1), date(2027, 12, 31)):
        kind = listed[d]["kind"] if d in listed else "plain"
        off = kind == "day_off" or (kind == "plain" and d.weekday() >= 5)
        shortened = kind == "shortened"
        got = (CAL.is_non_working(d), CAL.is_pre_holiday(d))
        if got != (off, shortened):
            wrong.append((d.isoformat(), kind, got))
    assert wrong == []


def test_every_transferred_day_off_names_the_day_it_came_from() -> None:
    listed = facts()
    for d, row in listed.items():
        fact = CAL.production_year(d.year).fact(d)
        assert fact is not None, d
        assert fact.kind.value == row["kind"], d
        moved = date.fromisoformat(row["moved_from"]) if row["moved_from"] else None
        assert fact.moved_from == moved, d
        assert (fact.holiday is not None) == bool(row["holiday"]), d


def test_the_shortened_working_saturdays_end_an_hour_early() -> None:
    # 2025-11-01 and 2027-02-20 are working Saturdays, each an hour shorter; both keep the
    # hours of the Monday whose day off they swapped with (09:00–18:00 → 17:00).
    for sat in (date(2025, 11, 1), date(2027, 2, 20)):
        assert CAL.is_working_day(sat) and CAL.is_pre_holiday(sat)
        assert CAL.norm_minutes(sat) == 420
        assert CAL.open_intervals(sat) == [
            (datetime.combine(sat, datetime.min.time(), TZ).replace(hour=9),
             datetime.combine(sat, datetime.min.time(), TZ).replace(hour=17))
        ]  # fmt: skip


@pytest.mark.parametrize("year", sorted(NORMS_40H))
def test_monthly_norms_of_the_40_hour_week_are_the_official_ones(year: int) -> None:
    got = [month_norm_minutes(CAL, year, m) / 60 for m in range(1, 13)]
    assert got == NORMS_40H[year]


@pytest.mark.parametrize("year", sorted(YEAR_NORMS))
def test_year_norms_of_the_40_36_and_24_hour_weeks(year: int) -> None:
    cy = calendar_year(year)
    days, h40, h36, h24 = YEAR_NORMS[year]
    assert cy.official and cy.warning is None
    assert cy.total.working_days == days
    assert cy.total.norm_hours == {40: h40, 36: pytest.approx(h36), 24: pytest.approx(h24)}


def test_quarters_add_up_their_months() -> None:
    cy = calendar_year(2027)
    for q, quarter in enumerate(cy.quarters):
        months = cy.months[3 * q : 3 * q + 3]
        assert quarter.working_days == sum(m.working_days for m in months)
        assert quarter.norm_hours[40] == sum(m.norm_hours[40] for m in months)
    assert [q.norm_hours[40] for q in cy.quarters] == [447, 494, 528, 503]


def test_each_official_year_names_its_decree() -> None:
    prod = CAL.production
    assert prod.official_years == [2024, 2025, 2026, 2027]
    for y in prod.official_years:
        assert "О переносе выходных дней в " + str(y) in prod.year(y).source


def test_the_calendar_data_ships_inside_the_package() -> None:
    text = resources.files("optimizer.calendar").joinpath(DATA_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    assert set(data["years"]) == {"2024", "2025", "2026", "2027"}
    assert "xmlcalendar" in data["source"]


def test_a_year_without_data_warns_and_follows_the_rule() -> None:
    # 2028: 4 November is a Saturday, so the Code moves the day off to Monday 6 November;
    # 8 March is a Wednesday, so Tuesday 7 March is an hour shorter.
    cal = BusinessCalendar(production=ProductionCalendar({}))
    with pytest.warns(ProductionCalendarWarning, match="no official production calendar for 2028"):
        assert cal.is_non_working(date(2028, 11, 6))
    assert cal.is_pre_holiday(date(2028, 3, 7))
    assert cal.is_working_day(date(2028, 11, 3))
    assert not cal.production_year(2028).official


def test_the_rule_does_not_move_new_year_days_that_fall_on_a_weekend() -> None:
    # Art. 112 part 2: a weekend on 1–8 January is not moved by the Code (only by decree).
    cal = BusinessCalendar(production=ProductionCalendar({}))
    with pytest.warns(ProductionCalendarWarning):
        assert cal.is_working_day(date(2028, 1, 10))


def test_the_rule_agrees_with_the_decree_outside_the_new_year_moves() -> None:
    # 2026: the decree moves only 3 and 4 January; every other date follows the rule.
    rule = BusinessCalendar(production=ProductionCalendar({}))
    moved_by_decree = {date(2026, 1, 9), date(2026, 12, 31)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProductionCalendarWarning)
        differ = [
            d
            for d in every_date(date(2026, 1, 1), date(2026, 12, 31))
            if (rule.is_non_working(d), rule.is_pre_holiday(d))
            != (CAL.is_non_working(d), CAL.is_pre_holiday(d))
        ]
    assert set(differ) == moved_by_decree


def test_a_year_with_data_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProductionCalendarWarning)
        assert calendar_year(2026).official


def test_calendar_data_with_a_date_outside_its_year_is_rejected_naming_the_field() -> None:
    bad = {"years": {"2026": {"decree": "x", "days": [{"date": "2027-01-01", "kind": "day_off"}]}}}
    with pytest.raises(InvalidInput) as err:
        parse_years(bad)
    assert err.value.field == "years.2026.days[0].date" and err.value.value == "2027-01-01"


def test_norm_of_a_shortened_day_for_shorter_weeks() -> None:
    # 7.2 h a day for 36 h (432 min), 4.8 h for 24 h (288 min), one hour less when shortened.
    wed = date(2027, 11, 3)
    assert [CAL.norm_minutes(wed, w) for w in (40, 36, 24)] == [420, 372, 228]
    assert CAL.norm_minutes(date(2027, 11, 4), 36) == 0
