"""Every hard rule re-checked on a finished roster, independently of the CP-SAT model.

The checks work on the assignments' own dates and clock times and on the production
calendar, not on the model's variables, so a bug in the model shows up here as a violation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from optimizer.calendar import TZ, BusinessCalendar, default_calendar
from optimizer.domain.common import AbsenceKind
from optimizer.domain.roster import Roster, RosterAssignment, RosterRequest
from optimizer.roster.problem import (
    Day,
    day_requirements,
    effective_weekday,
    engineer_bank,
    in_group,
)

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
        past = history_assignments(request, eid, cal)
        out += check_one_shift_a_day(eid, shifts)
        out += check_absences(request, eid, shifts)
        out += check_rest_between_shifts(request, eid, shifts, past)
        out += check_max_consecutive_days(request, eid, shifts, past)
        out += check_weekly_rest(request, eid, shifts, past)
        out += check_overtime(request, eid, shifts, past, cal)
    out += check_pins_and_days_off(request, roster)
    out += check_day_off_work(request, roster, cal)
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
    request: RosterRequest,
    eid: str,
    shifts: list[RosterAssignment],
    past: list[RosterAssignment] | None = None,
) -> list[RosterViolation]:
    """Between two shifts at least the minimum rest, the last shift before the period
    included."""
    need = timedelta(hours=request.rules.min_rest_between_shifts_h)
    out = []
    both = [*(past or []), *shifts]
    for a, b in zip(both, both[1:], strict=False):
        assert a.end is not None and b.start is not None
        if b.day >= 0 and b.start - a.end < need:
            out.append(_v("rest_between_shifts", b, f"only {b.start - a.end} after the last shift"))
    return out


def check_max_consecutive_days(
    request: RosterRequest,
    eid: str,
    shifts: list[RosterAssignment],
    past: list[RosterAssignment] | None = None,
) -> list[RosterViolation]:
    """No more working days in a row than the limit, counting the days worked right before
    the period; reported once per run, on its first date in the period past the limit."""
    own = request.rules.for_engineer(eid)
    limit = (own.max_consecutive_days if own else None) or request.rules.max_consecutive_days
    worked = sorted({a.date for a in [*(past or []), *shifts] if a.date is not None})
    out = []
    run, reported = 0, False
    for i, d in enumerate(worked):
        if i and worked[i - 1] == d - timedelta(days=1):
            run += 1
        else:
            run, reported = 1, False
        if run > limit and d >= request.start and not reported:
            out.append(RosterViolation("max_consecutive_days", eid, d, f"{run} days in a row"))
            reported = True
    return out


def check_weekly_rest(
    request: RosterRequest,
    eid: str,
    shifts: list[RosterAssignment],
    past: list[RosterAssignment] | None = None,
) -> list[RosterViolation]:
    """In every calendar week touching the period an uninterrupted rest of the minimum length
    lies inside the week (art. 110), the shifts worked before the period included."""
    need = timedelta(hours=request.rules.weekly_rest_h)
    if need <= timedelta(0):
        return []
    shifts = [*(past or []), *shifts]
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


def overtime_by_day(
    shifts: list[RosterAssignment],
    cap_minutes: int,
    is_day_off: Callable[[date], bool] | None = None,
) -> dict[date, int]:
    """Overtime minutes of each worked date: the minutes worked on working days after the
    week's running total passed the weekly normal time (calendar weeks, in the order
    worked). Work on a weekend or holiday (``is_day_off``, by default the shift's own flag)
    is apart from the normal time and from overtime (art. 153)."""
    by_week: dict[date, list[RosterAssignment]] = defaultdict(list)
    for a in shifts:
        if a.date is None:
            continue
        off = is_day_off(a.date) if is_day_off is not None else a.non_working_day
        if not off:
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


def history_assignments(
    request: RosterRequest, eid: str | None = None, calendar: BusinessCalendar | None = None
) -> list[RosterAssignment]:
    """The shifts worked before the period (``request.history``) as assignments, with a
    negative day index and the template id ``history``."""
    cal = calendar or default_calendar()
    out = []
    for h in request.history:
        if eid is not None and h.engineer_id != eid:
            continue
        out.append(
            RosterAssignment(
                engineer_id=h.engineer_id,
                date=h.date,
                day=(h.date - request.start).days,
                template_id="history",
                start=h.start.astimezone(TZ),
                end=h.end.astimezone(TZ),
                paid_minutes=h.worked_minutes,
                non_working_day=cal.is_non_working(h.date),
            )
        )
    return sorted(out, key=lambda a: a.start or datetime.min.replace(tzinfo=TZ))


def weekly_cap(request: RosterRequest, eid: str) -> int:
    """Normal minutes a week of an engineer (art. 91)."""
    own = request.rules.for_engineer(eid)
    e = next(x for x in request.engineers if x.id == eid)
    hours = (own.weekly_hours if own else None) or request.rules.weekly_hours or e.weekly_hours
    return round(hours * 60)


def check_overtime(
    request: RosterRequest,
    eid: str,
    shifts: list[RosterAssignment],
    past: list[RosterAssignment] | None = None,
    calendar: BusinessCalendar | None = None,
) -> list[RosterViolation]:
    """Overtime ≤ 4 h in two consecutive days and ≤ 120 h a year (art. 99); none at all when
    overtime is not allowed (art. 91). Overtime counts working days only (work on a weekend
    or holiday is apart, art. 153) and the week's hours worked before the period; the year's
    overtime before the period is ``overtime_used_h``."""
    cal = calendar or default_calendar()
    rules = request.rules
    own = rules.for_engineer(eid)
    allow = (
        rules.allow_overtime if own is None or own.allow_overtime is None else own.allow_overtime
    )
    every = overtime_by_day([*(past or []), *shifts], weekly_cap(request, eid), cal.is_non_working)
    ot = {d: m for d, m in every.items() if d >= request.start}
    out = []
    if not allow:
        for d, m in sorted(ot.items()):
            if m > 0:
                out.append(RosterViolation("weekly_hours", eid, d, f"{m} min beyond the week"))
        return out
    two = round(rules.overtime_max_2days_h * 60)
    for d, m in sorted(every.items()):
        nxt = d + timedelta(days=1)
        pair = m + every.get(nxt, 0)
        if nxt >= request.start and pair > two:
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


def check_day_off_work(
    request: RosterRequest, roster: Roster, calendar: BusinessCalendar | None = None
) -> list[RosterViolation]:
    """On a weekend or holiday every shift worked is needed by some requirement of that day:
    at some moment of the shift a group the engineer counts toward has no more people on
    duty than it requires, so without the shift it would be short (art. 113)."""
    cal = calendar or default_calendar()
    engineers = {e.id: e for e in request.engineers}
    by_date: dict[date, list[RosterAssignment]] = defaultdict(list)
    for a in roster.assignments:
        if a.date is None or a.start is None or a.end is None or a.engineer_id not in engineers:
            continue
        if cal.is_non_working(a.date):
            by_date[a.date].append(a)
    out = []
    for d, shifts in sorted(by_date.items()):
        day = Day(
            index=(d - request.start).days,
            date=d,
            weekday=effective_weekday(d, cal),
            non_working=True,
            pre_holiday=False,
            norm_minutes=0,
        )
        rows = day_requirements(request.requirements, day)
        midnight = datetime.combine(d, time(0), TZ)
        for a in shifts:
            needed = any(
                _needed(a, group, group_rows, shifts, request, midnight)
                for group, group_rows in rows.items()
            )
            if not needed:
                out.append(
                    _v("day_off_work", a, "works a day off that no requirement needs (art. 113)")
                )
    return out


def _counts_toward(a: RosterAssignment, group: str, request: RosterRequest) -> bool:
    """Whether a shift counts toward a requirement group (skills, car that day, bank)."""
    e = next(x for x in request.engineers if x.id == a.engineer_id)
    assert a.start is not None and a.end is not None
    car_out = any(
        ab.engineer_id == e.id
        and ab.kind == AbsenceKind.car_unavailable
        and ab.start < a.end
        and a.start < ab.end
        for ab in request.absences
    )
    return in_group(e, group, e.can_visit and not car_out, engineer_bank(e))


def _needed(
    a: RosterAssignment,
    group: str,
    rows: list[tuple[int, int, int]],
    shifts: list[RosterAssignment],
    request: RosterRequest,
    midnight: datetime,
) -> bool:
    """Some moment of shift ``a`` where the group needs everyone on duty in it."""
    if not _counts_toward(a, group, request):
        return False
    assert a.start is not None and a.end is not None
    members = [b for b in shifts if _counts_toward(b, group, request)]
    bounds = {midnight + timedelta(minutes=m) for s, e, _ in rows for m in (s, e)}
    bounds |= {t for b in members for t in (b.start, b.end) if t is not None}
    for s, e, r in rows:
        lo = max(a.start, midnight + timedelta(minutes=s))
        hi = min(a.end, midnight + timedelta(minutes=e))
        if r <= 0 or lo >= hi:
            continue
        for t in sorted({lo} | {x for x in bounds if lo < x < hi}):
            need = max(
                rr
                for ss, ee, rr in rows
                if midnight + timedelta(minutes=ss) <= t < midnight + timedelta(minutes=ee)
            )
            on = sum(1 for b in members if b.start is not None and b.end is not None
                     and b.start <= t < b.end)  # fmt: skip
            if on <= need:
                return True
    return False


def _v(rule: str, a: RosterAssignment, message: str) -> RosterViolation:
    return RosterViolation(rule, a.engineer_id, a.date, f"{a.template_id}: {message}")
