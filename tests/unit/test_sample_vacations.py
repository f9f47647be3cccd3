"""The vacation plan obeys the Labour Code: 28 calendar days a year (art. 115), one part of at
least 14 days (art. 125), public holidays inside a leave not counted (art. 120)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest

from optimizer.calendar import default_calendar
from optimizer.domain import AbsenceKind, DataSet
from optimizer.io.sample import SAMPLE_NOW, load_sample_dataset
from optimizer.samplegen.absences import vacation_days, vacation_part_end


@pytest.fixture(scope="module")
def dataset() -> DataSet:
    """The committed master data."""
    return load_sample_dataset()


def parts_by_engineer_and_year(ds: DataSet) -> dict[tuple[str, int], list[tuple[date, date]]]:
    """Vacation parts as [first day, day after) per (engineer, year of the first day)."""
    out: dict[tuple[str, int], list[tuple[date, date]]] = defaultdict(list)
    for a in ds.absences:
        if a.kind == AbsenceKind.vacation:
            out[(a.engineer_id, a.start.date().year)].append((a.start.date(), a.end.date()))
    return out


def test_a_week_of_leave_over_new_year_holidays_is_extended_past_them() -> None:
    # Mon 2027-01-04 + 7 vacation days: Jan 4-8 are art. 112 holidays (not counted), so the
    # leave runs Jan 4 .. Jan 15 (7 counted days: Jan 9-15) and ends the day after.
    cal = default_calendar()
    assert vacation_part_end(date(2027, 1, 4), 7, cal) == date(2027, 1, 16)
    assert vacation_days(date(2027, 1, 4), date(2027, 1, 16), cal) == 7


def test_a_leave_without_holidays_is_as_long_as_its_days() -> None:
    cal = default_calendar()
    assert vacation_part_end(date(2027, 7, 5), 14, cal) == date(2027, 7, 19)


def test_every_engineer_has_28_vacation_days_in_2026_and_in_2027(dataset: DataSet) -> None:
    cal = default_calendar()
    parts = parts_by_engineer_and_year(dataset)
    for year in (2026, 2027):
        for e in dataset.engineers:
            ranges = parts[(e.id, year)]
            days = [vacation_days(a, b, cal) for a, b in ranges]
            assert sum(days) == 28, (e.id, year, ranges)
            assert max(days) >= 14, (e.id, year, ranges)
            assert all(a.year == year and (b - timedelta(days=1)).year == year for a, b in ranges)


def test_some_leave_actually_contains_a_public_holiday(dataset: DataSet) -> None:
    cal = default_calendar()
    extended = [
        a
        for a in dataset.absences
        if a.kind == AbsenceKind.vacation
        and vacation_days(a.start.date(), a.end.date(), cal) < (a.end - a.start).days
    ]
    assert extended, "the plan should exercise art. 120 at least once"


def test_at_most_two_engineers_and_one_driver_are_on_vacation_at_once(dataset: DataSet) -> None:
    drivers = {e.id for e in dataset.engineers if e.can_visit}
    away: dict[date, set[str]] = defaultdict(set)
    for a in dataset.absences:
        if a.kind == AbsenceKind.vacation:
            d = a.start.date()
            while d < a.end.date():
                away[d].add(a.engineer_id)
                d += timedelta(days=1)
    assert max(len(v) for v in away.values()) <= 2
    assert max(len(v & drivers) for v in away.values()) <= 1


def test_planning_months_february_and_july_2027_and_december_2026_have_vacations(
    dataset: DataSet,
) -> None:
    starts = [a.start for a in dataset.absences if a.kind == AbsenceKind.vacation]
    months = {(s.year, s.month) for s in starts}
    assert {(2027, 2), (2027, 7), (2026, 12)} <= months


def test_sick_leaves_lie_in_the_history_and_one_car_is_in_repair_for_a_week(
    dataset: DataSet,
) -> None:
    sick = [a for a in dataset.absences if a.kind == AbsenceKind.sick]
    assert 3 <= len(sick) <= 8
    assert all(date(2025, 12, 1) <= a.start.date() and a.end <= SAMPLE_NOW for a in sick)
    car = [a for a in dataset.absences if a.kind == AbsenceKind.car_unavailable]
    assert len(car) == 1 and (car[0].end - car[0].start).days == 7
    assert car[0].engineer_id in {e.id for e in dataset.engineers if e.can_visit}


def test_own_absences_of_an_engineer_never_overlap(dataset: DataSet) -> None:
    by_eng: dict[str, list[tuple[object, object]]] = defaultdict(list)
    for a in dataset.absences:
        if a.kind != AbsenceKind.car_unavailable:
            by_eng[a.engineer_id].append((a.start, a.end))
    for spans in by_eng.values():
        spans.sort()
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            assert end <= start  # type: ignore[operator]
