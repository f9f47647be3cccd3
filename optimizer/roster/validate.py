"""Every hard rule re-checked on a finished roster, independently of the CP-SAT model.

The checks work on the assignments' own dates and clock times and on the production
calendar, not on the model's variables, so a bug in the model shows up here as a violation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from optimizer.calendar import TZ, BusinessCalendar, default_calendar
from optimizer.domain.common import AbsenceKind
from optimizer.domain.roster import Roster, RosterAssignment, RosterRequest

AWAY = {AbsenceKind.vacation, AbsenceKind.sick, AbsenceKind.training}


@dataclass(frozen=True)
class RosterViolation:
    """A hard rule a roster breaks: which, whose, when, and in plain words."""

    rule: str
    engineer_id: str
    date: date | None
    message: str

    def __str__(self) -> str:
        when = self.date.isoformat() if self.date else "-"
        return f"[{self.rule}] {self.engineer_id} {when}: {self.message}"


def validate_roster(
    request: RosterRequest, roster: Roster, calendar: BusinessCalendar | None = None
) -> list[RosterViolation]:
    """Every hard-rule violation of ``roster`` against ``request`` (empty when it is legal)."""
    cal = calendar or default_calendar()
    out: list[RosterViolation] = []
    out += check_references_and_times(request, roster, cal)
    by_engineer: dict[str, list[RosterAssignment]] = defaultdict(list)
    for a in roster.assignments:
        by_engineer[a.engineer_id].append(a)
    for eid, shifts in by_engineer.items():
        shifts.sort(key=lambda a: a.start or datetime.min.replace(tzinfo=TZ))
        out += check_one_shift_a_day(eid, shifts)
        out += check_absences(request, eid, shifts)
        out += check_rest_between_shifts(request, eid, shifts)
        out += check_max_consecutive_days(request, eid, shifts)
        out += check_weekly_rest(request, eid, shifts)
        out += check_overtime(request, eid, shifts)
    out += check_pins_and_days_off(request, roster)
    return out


def check_references_and_times(
    request: RosterRequest, roster: Roster, cal: BusinessCalendar
) -> list[RosterViolation]:
    """Known engineer and template, a date in the period, the template valid that day (its
    weekdays; a working Saturday as the day it replaces, a holiday as a Sunday), the clock
    times of the template (an hour shorter before a holiday, art. 95), consent to work a
    day off (art. 113)."""
    out: list[RosterViolation] = []
    engineers = {e.id: e for e in request.engineers}
    templates = {t.id: t for t in request.shift_templates}
    for a in roster.assignments:
        e, t, d = engineers.get(a.engineer_id), templates.get(a.template_id), a.date
        if e is None or t is None or d is None or a.start is None or a.end is None:
            out.append(_v("reference", a, "unknown engineer/template or missing date and times"))
            continue
        if not request.start <= d <= request.end:
            out.append(_v("period", a, "date outside the period"))
        non_working = cal.is_non_working(d)
        weekday = (d.weekday() if d.weekday() >= 5 else 6) if non_working else cal.office_weekday(d)
        if weekday not in t.weekdays:
            out.append(_v("template_weekday", a, f"{t.id} does not run on weekday {weekday}"))
        shorten = (
            timedelta(hours=1) if cal.is_pre_holiday(d) and t.paid_minutes > 60 else timedelta()
        )
        start = datetime.combine(d, t.start, TZ)
        end = datetime.combine(d, t.end, TZ) - shorten
        if a.start != start or a.end != end:
            out.append(_v("template_times", a, f"times {a.start}–{a.end}, expected {start}–{end}"))
        paid = t.paid_minutes - int(shorten.total_seconds() // 60)
        if a.paid_minutes != paid:
            out.append(_v("paid_minutes", a, f"{a.paid_minutes} paid minutes, expected {paid}"))
        if non_working and not e.holiday_work_consent:
            out.append(_v("art_113_consent", a, "works a day off without consent"))
    return out


def check_one_shift_a_day(eid: str, shifts: list[RosterAssignment]) -> list[RosterViolation]:
    """At most one shift a day."""
    seen: set[date | None] = set()
    out = []
    for a in shifts:
        if a.date in seen:
            out.append(_v("one_shift_a_day", a, "two shifts on one day"))
        seen.add(a.date)
    return out


def check_absences(
    request: RosterRequest, eid: str, shifts: list[RosterAssignment]
) -> list[RosterViolation]:
    """No shift overlaps a vacation, sick leave or training."""
    out = []
    for ab in request.absences:
        if ab.engineer_id != eid or ab.kind not in AWAY:
            continue
        for a in shifts:
            assert a.start is not None and a.end is not None
            if a.start < ab.end and ab.start < a.end:
                out.append(_v("absence", a, f"overlaps {ab.kind.value} {ab.start}–{ab.end}"))
    return out


def check_rest_between_shifts(
    request: RosterRequest, eid: str, shifts: list[RosterAssignment]
) -> list[RosterViolation]:
    """Between two shifts at least the minimum rest."""
    need = timedelta(hours=request.rules.min_rest_between_shifts_h)
    out = []
    for a, b in zip(shifts, shifts[1:], strict=False):
        assert a.end is not None and b.start is not None
        if b.start - a.end < need:
            out.append(_v("rest_between_shifts", b, f"only {b.start - a.end} after the last shift"))
    return out


def check_max_consecutive_days(
    request: RosterRequest, eid: str, shifts: list[RosterAssignment]
) -> list[RosterViolation]:
    """No more working days in a row than the limit."""
    own = request.rules.for_engineer(eid)
    limit = (own.max_consecutive_days if own else None) or request.rules.max_consecutive_days
    worked = sorted({a.date for a in shifts if a.date is not None})
    out = []
    run = 0
    for i, d in enumerate(worked):
        run = run + 1 if i and worked[i - 1] == d - timedelta(days=1) else 1
        if run == limit + 1:
            out.append(RosterViolation("max_consecutive_days", eid, d, f"{run} days in a row"))
    return out


def check_weekly_rest(
    request: RosterRequest, eid: str, shifts: list[RosterAssignment]
) -> list[RosterViolation]:
    """In every calendar week touching the period an uninterrupted rest of the minimum length
    lies inside the week (art. 110)."""
    need = timedelta(hours=request.rules.weekly_rest_h)
    if need <= timedelta(0):
        return []
    out = []
    monday = request.start - timedelta(days=request.start.weekday())
    while monday <= request.end:
        lo = datetime.combine(monday, time(0), TZ)
        hi = lo + timedelta(days=7)
        busy = sorted(
            (max(a.start, lo), min(a.end, hi))
            for a in shifts
            if a.start is not None and a.end is not None and a.start < hi and lo < a.end
        )
        longest, cursor = timedelta(0), lo
        for s, e in busy:
            longest = max(longest, s - cursor)
            cursor = max(cursor, e)
        longest = max(longest, hi - cursor)
        if longest < need:
            out.append(
                RosterViolation("weekly_rest", eid, monday, f"longest rest in the week {longest}")
            )
        monday += timedelta(days=7)
    return out


def overtime_by_day(shifts: list[RosterAssignment], cap_minutes: int) -> dict[date, int]:
    """Overtime minutes of each worked date: the minutes worked after the week's running
    total passed the weekly normal time (calendar weeks, in the order worked)."""
    by_week: dict[date, list[RosterAssignment]] = defaultdict(list)
    for a in shifts:
        if a.date is not None:
            by_week[a.date - timedelta(days=a.date.weekday())].append(a)
    out: dict[date, int] = {}
    for week in by_week.values():
        total = 0
        for a in sorted(week, key=lambda s: s.date or date.min):
            before = max(0, total - cap_minutes)
            total += a.paid_minutes
            assert a.date is not None
            out[a.date] = max(0, total - cap_minutes) - before
    return out


def weekly_cap(request: RosterRequest, eid: str) -> int:
    """Normal minutes a week of an engineer (art. 91)."""
    own = request.rules.for_engineer(eid)
    e = next(x for x in request.engineers if x.id == eid)
    hours = (own.weekly_hours if own else None) or request.rules.weekly_hours or e.weekly_hours
    return round(hours * 60)


def check_overtime(
    request: RosterRequest, eid: str, shifts: list[RosterAssignment]
) -> list[RosterViolation]:
    """Overtime ≤ 4 h in two consecutive days and ≤ 120 h a year (art. 99); none at all when
    overtime is not allowed (art. 91)."""
    rules = request.rules
    own = rules.for_engineer(eid)
    allow = (
        rules.allow_overtime if own is None or own.allow_overtime is None else own.allow_overtime
    )
    ot = overtime_by_day(shifts, weekly_cap(request, eid))
    out = []
    if not allow:
        for d, m in sorted(ot.items()):
            if m > 0:
                out.append(RosterViolation("weekly_hours", eid, d, f"{m} min beyond the week"))
        return out
    two = round(rules.overtime_max_2days_h * 60)
    for d, m in sorted(ot.items()):
        pair = m + ot.get(d + timedelta(days=1), 0)
        if pair > two:
            out.append(RosterViolation("overtime_two_days", eid, d, f"{pair} min in two days"))
    years: dict[int, int] = defaultdict(int)
    for d, m in ot.items():
        years[d.year] += m
    used = round((own.overtime_used_h if own else 0) * 60)
    for year, m in years.items():
        total = m + (used if year == request.start.year else 0)
        if total > round(rules.overtime_max_year_h * 60):
            out.append(
                RosterViolation("overtime_year", eid, date(year, 1, 1), f"{total} min in {year}")
            )
    return out


def check_pins_and_days_off(request: RosterRequest, roster: Roster) -> list[RosterViolation]:
    """Every pinned shift is worked; nobody works a required day off."""
    have = {(a.engineer_id, a.date, a.template_id) for a in roster.assignments}
    worked = {(a.engineer_id, a.date) for a in roster.assignments}
    out = []
    for p in request.rules.pinned:
        if (p.engineer_id, p.date, p.template_id) not in have:
            out.append(RosterViolation("pinned", p.engineer_id, p.date, f"{p.template_id} missing"))
    for d in request.rules.required_days_off:
        if (d.engineer_id, d.date) in worked:
            out.append(RosterViolation("required_day_off", d.engineer_id, d.date, "works"))
    return out


def _v(rule: str, a: RosterAssignment, message: str) -> RosterViolation:
    return RosterViolation(rule, a.engineer_id, a.date, f"{a.template_id}: {message}")
