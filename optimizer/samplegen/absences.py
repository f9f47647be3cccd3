"""Absences: a vacation plan per engineer and year (Labour Code art. 115, 120, 125), a few
sick leaves in the history year, and one week with a car in repair."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

import numpy as np

from optimizer.calendar import TZ, BusinessCalendar, default_calendar
from optimizer.domain import Absence, AbsenceKind, Engineer
from optimizer.samplegen.catalog import (
    CAR_REPAIR,
    HISTORY_END,
    HISTORY_START,
    MAX_OFF_AT_ONCE,
    MAX_VISITORS_OFF_AT_ONCE,
    SICK_DAYS,
    SICK_LEAVES,
    VACATION_PLAN,
)

PLACEMENT_TRIES = 60

DayRange = tuple[date, date]
"""[first day, day after the last day)."""


def vacation_part_end(start: date, days: int, calendar: BusinessCalendar) -> date:
    """The day after a leave of ``days`` vacation days starting ``start``: public holidays
    (art. 112) inside the leave are not counted, so they extend it (art. 120)."""
    d, counted = start, 0
    while counted < days:
        if not calendar.is_public_holiday(d):
            counted += 1
        d += timedelta(days=1)
    return d


def vacation_days(start: date, end: date, calendar: BusinessCalendar) -> int:
    """Vacation days in [start, end): calendar days minus the art. 112 holidays inside."""
    n = (end - start).days
    return n - sum(calendar.is_public_holiday(start + timedelta(days=i)) for i in range(n))


def mondays_of(year: int, month: int) -> list[date]:
    """The Mondays of a month."""
    d = date(year, month, 1)
    d += timedelta(days=(7 - d.weekday()) % 7)
    out = []
    while d.month == month:
        out.append(d)
        d += timedelta(days=7)
    return out


def generate_vacations(
    rng: np.random.Generator, engineers: list[Engineer], calendar: BusinessCalendar | None = None
) -> list[Absence]:
    """The vacation plan of every year in ``VACATION_PLAN``: each part starts on a Monday of its
    month drawn at random, staying inside the year, with at most two engineers and at most one
    visit-capable engineer away on any day (redrawn until it fits)."""
    cal = calendar or default_calendar()
    visitors = {e.id for e in engineers if e.can_visit}
    out: list[Absence] = []
    for year, plan in sorted(VACATION_PLAN.items()):
        placed: dict[str, list[DayRange]] = {}
        for eng_id in sorted(plan):
            for month, days in plan[eng_id]:
                part = place_part(rng, year, month, days, eng_id, placed, visitors, cal)
                placed.setdefault(eng_id, []).append(part)
                out.append(day_absence(eng_id, part, AbsenceKind.vacation, vacation_note(days)))
    return out


def vacation_note(days: int) -> str:
    """The note of a vacation part: its length in vacation days."""
    return f"ежегодный отпуск, {days} дн."


def place_part(
    rng: np.random.Generator,
    year: int,
    month: int,
    days: int,
    eng_id: str,
    placed: dict[str, list[DayRange]],
    visitors: set[str],
    cal: BusinessCalendar,
) -> DayRange:
    """A start Monday for one vacation part that keeps the team's limits; the first candidate
    when none fits (the plan in the catalog is designed so that one does)."""
    starts = [m for m in mondays_of(year, month) if vacation_part_end(m, days, cal).year == year]
    candidates: list[DayRange] = []
    for _ in range(PLACEMENT_TRIES):
        start = starts[int(rng.integers(len(starts)))]
        part = (start, vacation_part_end(start, days, cal))
        candidates.append(part)
        if part_fits(part, eng_id, placed, visitors):
            return part
    return candidates[0]


def part_fits(
    part: DayRange, eng_id: str, placed: dict[str, list[DayRange]], visitors: set[str]
) -> bool:
    """No overlap with the engineer's own parts, at most ``MAX_OFF_AT_ONCE`` engineers and
    ``MAX_VISITORS_OFF_AT_ONCE`` visit-capable engineers away on any day of the part."""
    if any(overlaps(part, p) for p in placed.get(eng_id, [])):
        return False
    d = part[0]
    while d < part[1]:
        away = {e for e, parts in placed.items() if any(p[0] <= d < p[1] for p in parts)}
        away.add(eng_id)
        if len(away) > MAX_OFF_AT_ONCE or len(away & visitors) > MAX_VISITORS_OFF_AT_ONCE:
            return False
        d += timedelta(days=1)
    return True


def overlaps(a: DayRange, b: DayRange) -> bool:
    """Whether two half-open day ranges share a day."""
    return a[0] < b[1] and b[0] < a[1]


def generate_sick_leaves(
    rng: np.random.Generator, engineers: list[Engineer], taken: Iterable[Absence]
) -> list[Absence]:
    """``SICK_LEAVES`` sick leaves inside the history year, each 3–8 days from a working day,
    never overlapping an engineer's other absences."""
    cal = default_calendar()
    busy: dict[str, list[DayRange]] = {}
    for a in taken:
        busy.setdefault(a.engineer_id, []).append((a.start.date(), a.end.date()))
    span = (HISTORY_END - HISTORY_START).days - SICK_DAYS[1]
    out: list[Absence] = []
    while len(out) < SICK_LEAVES:
        eng = engineers[int(rng.integers(len(engineers)))].id
        start = HISTORY_START + timedelta(days=int(rng.integers(span)))
        if not cal.is_working_day(start):
            continue
        part = (start, start + timedelta(days=int(rng.integers(SICK_DAYS[0], SICK_DAYS[1] + 1))))
        if any(overlaps(part, p) for p in busy.get(eng, [])):
            continue
        busy.setdefault(eng, []).append(part)
        out.append(day_absence(eng, part, AbsenceKind.sick, "больничный"))
    return out


def car_repair() -> Absence:
    """The week the car of one visiting engineer is in repair: works, but cannot visit."""
    eng, start, end = CAR_REPAIR
    return day_absence(eng, (start, end), AbsenceKind.car_unavailable, "автомобиль в ремонте")


def day_absence(eng_id: str, part: DayRange, kind: AbsenceKind, note: str) -> Absence:
    """An absence over whole local days [first 00:00, end 00:00)."""
    return Absence(
        engineer_id=eng_id,
        start=datetime.combine(part[0], datetime.min.time(), TZ),
        end=datetime.combine(part[1], datetime.min.time(), TZ),
        kind=kind,
        note=note,
    )


def generate_absences(rng: np.random.Generator, engineers: list[Engineer]) -> list[Absence]:
    """Vacations, sick leaves and the car repair, sorted by start, engineer and kind."""
    vacations = generate_vacations(rng, engineers)
    sick = generate_sick_leaves(rng, engineers, vacations)
    every = [*vacations, *sick, car_repair()]
    return sorted(every, key=lambda a: (a.start, a.engineer_id, a.kind.value))
