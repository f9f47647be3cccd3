"""The year's vacation plan against the Labour Code, and what it does to coverage.

- art. 115: 28 calendar days of annual paid leave a year;
- art. 125: leave may be split, but one part is at least 14 calendar days;
- art. 120: public holidays (art. 112) inside a leave are not counted in its days.

Coverage impact: per calendar week, who is away and which requirement groups cannot be
covered on some working day even if everyone left worked (capacity), or have no one to
spare. With a roster request, :func:`vacation_roster_impact` measures the shortfall of
the roster with and without the vacations.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from optimizer.calendar import TZ, BusinessCalendar, default_calendar
from optimizer.domain.base import Absence, Engineer
from optimizer.domain.common import AbsenceKind
from optimizer.domain.roster import (
    EngineerVacation,
    RosterRequest,
    VacationPart,
    VacationPlanReport,
    VacationWeekImpact,
)
from optimizer.domain.staffing import CoverageRequirement
from optimizer.roster.problem import (
    Day,
    day_requirements,
    effective_weekday,
    engineer_bank,
    in_group,
)
from optimizer.roster.solve import solve

ENTITLEMENT_DAYS = 28
MIN_LONG_PART_DAYS = 14

MESSAGES = {
    "ru": {
        "short": "запланировано {n} из {e} дней отпуска (ст. 115)",
        "over": "запланировано {n} дней, больше положенных {e} (ст. 115)",
        "no_long": "нет части отпуска не менее 14 дней (ст. 125), самая длинная — {n}",
    },
    "en": {
        "short": "{n} of {e} days of leave planned (art. 115)",
        "over": "{n} days planned, more than the {e} due (art. 115)",
        "no_long": "no part of at least 14 days (art. 125); the longest is {n}",
    },
}


def check_vacation_plan(
    engineers: list[Engineer],
    absences: list[Absence],
    year: int,
    requirements: list[CoverageRequirement] | None = None,
    calendar: BusinessCalendar | None = None,
    lang: str = "ru",
    entitlement_days: int = ENTITLEMENT_DAYS,
) -> VacationPlanReport:
    """Each engineer's leave in ``year`` checked (art. 115, 120, 125), and its weekly
    coverage impact against ``requirements`` (weekly patterns or dated rows)."""
    cal = calendar or default_calendar()
    rows = [engineer_vacation(e, absences, year, cal, lang, entitlement_days) for e in engineers]
    weeks = weekly_impact(engineers, absences, year, requirements or [], cal)
    return VacationPlanReport(
        year=year,
        entitlement_days=entitlement_days,
        ok=all(r.ok for r in rows),
        engineers=rows,
        weeks=weeks,
    )


def vacation_parts(absences: list[Absence], engineer_id: str, year: int) -> list[tuple[date, date]]:
    """Continuous leaves (first and last date) of an engineer overlapping ``year``; adjacent
    or overlapping vacation records are one leave."""
    spans = sorted(
        _dates(a)
        for a in absences
        if a.engineer_id == engineer_id and a.kind == AbsenceKind.vacation
    )
    merged: list[tuple[date, date]] = []
    for first, last in spans:
        if merged and first <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return [(a, b) for a, b in merged if a.year <= year <= b.year]


def engineer_vacation(
    e: Engineer,
    absences: list[Absence],
    year: int,
    cal: BusinessCalendar,
    lang: str = "ru",
    entitlement_days: int = ENTITLEMENT_DAYS,
) -> EngineerVacation:
    """One engineer's leave in a year: parts, counted days (holidays inside not counted),
    the longest part, and the rules it breaks."""
    parts = []
    for first, last in vacation_parts(absences, e.id, year):
        lo, hi = max(first, date(year, 1, 1)), min(last, date(year, 12, 31))
        days = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
        holidays = sum(1 for d in days if cal.is_public_holiday(d))
        parts.append(
            VacationPart(
                start=first,
                end=last,
                calendar_days=len(days),
                holidays_inside=holidays,
                counted_days=len(days) - holidays,
            )
        )
    counted = sum(p.counted_days for p in parts)
    longest = max((p.counted_days for p in parts), default=0)
    msg = MESSAGES[lang]
    issues = []
    if counted < entitlement_days:
        issues.append(msg["short"].format(n=counted, e=entitlement_days))
    elif counted > entitlement_days:
        issues.append(msg["over"].format(n=counted, e=entitlement_days))
    if longest < MIN_LONG_PART_DAYS:
        issues.append(msg["no_long"].format(n=longest))
    return EngineerVacation(
        engineer_id=e.id,
        name=e.name,
        parts=parts,
        counted_days=counted,
        longest_part_days=longest,
        ok=not issues,
        issues=issues,
    )


def weekly_impact(
    engineers: list[Engineer],
    absences: list[Absence],
    year: int,
    requirements: list[CoverageRequirement],
    cal: BusinessCalendar,
) -> list[VacationWeekImpact]:
    """Per calendar week of the year with somebody on leave: who, and the groups whose
    requirement exceeds (short) or equals (tight) the engineers present on some working day."""
    away: dict[date, set[str]] = defaultdict(set)
    for a in absences:
        if a.kind == AbsenceKind.vacation:
            first, last = _dates(a)
            for i in range((last - first).days + 1):
                away[first + timedelta(days=i)].add(a.engineer_id)
    banks = {e.id: engineer_bank(e) for e in engineers}
    out = []
    monday = date(year, 1, 1) - timedelta(days=date(year, 1, 1).weekday())
    while monday.year <= year:
        days = [monday + timedelta(days=i) for i in range(7)]
        who = sorted({eid for d in days for eid in away.get(d, set())})
        if who:
            short: dict[str, int] = {}
            tight: set[str] = set()
            for d in days:
                if cal.is_non_working(d):
                    continue
                day = Day(0, d, effective_weekday(d, cal), False, False, 0)
                for group, rows in day_requirements(requirements, day).items():
                    need = max(r for _, _, r in rows)
                    present = sum(
                        1
                        for e in engineers
                        if e.id not in away.get(d, set())
                        and in_group(e, group, e.can_visit, banks[e.id])
                    )
                    if present < need:
                        short[group] = max(short.get(group, 0), need - present)
                    elif present == need and need > 0:
                        tight.add(group)
            out.append(
                VacationWeekImpact(
                    week_start=monday,
                    away=who,
                    short_groups=short,
                    tight_groups=sorted(tight - set(short)),
                )
            )
        monday += timedelta(days=7)
    return out


def vacation_roster_impact(request: RosterRequest) -> tuple[float, float]:
    """Shortfall person-hours of the roster with the vacations, and without them."""
    with_vac = solve(request).shortfall_person_hours
    others = [a for a in request.absences if a.kind != AbsenceKind.vacation]
    without = solve(request.model_copy(update={"absences": others})).shortfall_person_hours
    return with_vac, without


def _dates(a: Absence) -> tuple[date, date]:
    first = a.start.astimezone(TZ).date()
    last = (a.end.astimezone(TZ) - timedelta(microseconds=1)).date()
    return first, last
