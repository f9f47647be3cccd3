"""The roster request turned into plain numbers the model and the checks share.

Everything calendar-dependent is decided here, once: which template runs on which date and
from when to when (the production calendar: holidays, transferred days, the pre-holiday day
one hour shorter, art. 95, for the shifts and for the weekly-pattern requirements alike),
who may work it (absences, art. 113 consent, required days off, and on a day off only a
shift that some requirement asks for), who counts as visit-capable on it
(``car_unavailable``), the coverage segments, the norm of hours of every engineer, and the
shifts worked before the period (``history``). Times are minutes from 00:00 of the first
day, local time (Europe/Saratov has no daylight saving time, so a day is always 1440
minutes).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from optimizer.calendar import TZ, BusinessCalendar, default_calendar
from optimizer.domain.base import Absence, Engineer, ShiftKind, ShiftTemplate
from optimizer.domain.common import AbsenceKind
from optimizer.domain.roster import RosterRequest
from optimizer.domain.staffing import SKILL_PREFIX, CoverageRequirement
from optimizer.travel.bank import bank_of

DAY_MIN = 24 * 60
PRE_HOLIDAY_SHORTENING_MIN = 60
AWAY_KINDS = frozenset({AbsenceKind.vacation, AbsenceKind.sick, AbsenceKind.training})
"""Absences that keep an engineer off work; ``car_unavailable`` only stops site visits."""


@dataclass(frozen=True)
class Day:
    """A date of the period as the production calendar sees it."""

    index: int
    date: date
    weekday: int
    """The weekday whose templates and requirements apply: a working Saturday keeps the
    weekday it replaces, a holiday on a weekday is treated as a Sunday."""
    non_working: bool
    pre_holiday: bool
    norm_minutes: int


@dataclass(frozen=True)
class ShiftOption:
    """A template on a date: absolute start and end (minutes), paid minutes after the break."""

    day: int
    template_id: str
    kind: ShiftKind
    start: int
    end: int
    paid_minutes: int

    @property
    def start_of_day(self) -> int:
        """Start as minutes after midnight of its own date."""
        return self.start - self.day * DAY_MIN

    @property
    def end_of_day(self) -> int:
        """End as minutes after midnight of its own date."""
        return self.end - self.day * DAY_MIN


@dataclass(frozen=True)
class PastShift:
    """A shift worked before the period, in absolute minutes (negative: before the start)."""

    date: date
    start: int
    end: int
    paid_minutes: int
    non_working: bool
    """Worked on a weekend or holiday: apart from the week's normal time (art. 153)."""


@dataclass(frozen=True)
class Segment:
    """A piece of one day where a group's requirement and the set of shifts covering it are
    constant; ``members`` are the (engineer, template) pairs that count toward it."""

    day: int
    start: int
    end: int
    group: str
    required: int
    members: tuple[tuple[str, str], ...]

    @property
    def minutes(self) -> int:
        """Length of the segment."""
        return self.end - self.start


@dataclass
class RosterProblem:
    """The request in numbers: days, shift options, who may work what, segments, norms."""

    request: RosterRequest
    days: list[Day]
    options: dict[tuple[int, str], ShiftOption]
    engineers: list[Engineer]
    allowed: dict[tuple[str, int], list[str]]
    """(engineer, day) → templates the engineer may work that day."""
    blocked: dict[tuple[str, int, str], str]
    """(engineer, day, template) → why it may not be worked (for pinned-shift explanations)."""
    visit_capable: set[tuple[str, int, str]]
    segments: list[Segment]
    norm_minutes: dict[str, int]
    weekly_cap: dict[str, int]
    weeks: list[list[int | None]]
    """Calendar weeks Monday..Sunday as day indexes, ``None`` for dates outside the period."""
    preferences: list[tuple[str, int, str | None, str, int]] = field(default_factory=list)
    """(engineer, day, template or None, "on"/"off", weight) inside the period."""
    history: dict[str, list[PastShift]] = field(default_factory=dict)
    """Engineer → shifts worked before the period, in time order."""

    @property
    def n_days(self) -> int:
        """Number of days in the period."""
        return len(self.days)

    def option(self, day: int, template_id: str) -> ShiftOption:
        """The shift option of a template on a day."""
        return self.options[(day, template_id)]

    def local(self, minute: int) -> datetime:
        """An absolute minute of the period as an aware local datetime."""
        base = datetime.combine(self.days[0].date, time(0), TZ)
        return base + timedelta(minutes=minute)

    def past(self, engineer_id: str) -> list[PastShift]:
        """The engineer's shifts before the period (empty without history)."""
        return self.history.get(engineer_id, [])

    def past_on(self, engineer_id: str, d: date) -> list[PastShift]:
        """The engineer's shifts before the period dated ``d``."""
        return [h for h in self.past(engineer_id) if h.date == d]

    def week_dates(self, w: int) -> list[date]:
        """The seven dates of calendar week ``w`` (Monday first)."""
        first = self.days[0].date
        monday = first - timedelta(days=first.weekday()) + timedelta(days=7 * w)
        return [monday + timedelta(days=i) for i in range(7)]


def build_problem(req: RosterRequest, calendar: BusinessCalendar | None = None) -> RosterProblem:
    """Decide every calendar-dependent fact of the request once."""
    cal = calendar or default_calendar()
    days = [_day(i, d, cal) for i, d in enumerate(req.days)]
    options = {
        (day.index, t.id): opt
        for day in days
        for t in req.shift_templates
        if (opt := _option(day, t)) is not None
    }
    allowed, blocked, visit = _eligibility(req, days, options)
    segments = _segments(req, days, options, allowed, visit)
    _only_requested_day_off_work(req, days, allowed, blocked, segments)
    away = _away_days(req, days)
    return RosterProblem(
        request=req,
        days=days,
        options=options,
        engineers=list(req.engineers),
        allowed=allowed,
        blocked=blocked,
        visit_capable=visit,
        segments=segments,
        norm_minutes={e.id: _norm(req, e, days, away.get(e.id, set()), cal) for e in req.engineers},
        weekly_cap={e.id: weekly_cap_minutes(req, e) for e in req.engineers},
        weeks=_weeks(days),
        preferences=_preferences(req, days),
        history=_history(req, cal),
    )


NOT_REQUESTED = "no requirement asks for work on this day off (art. 113: only when needed)"


def _only_requested_day_off_work(
    req: RosterRequest,
    days: list[Day],
    allowed: dict[tuple[str, int], list[str]],
    blocked: dict[tuple[str, int, str], str],
    segments: list[Segment],
) -> None:
    """On a weekend or holiday an engineer may work only a shift that counts toward some
    requirement of that day (a group the engineer is in, at least one person required)."""
    asked = {(e, seg.day, t) for seg in segments if seg.required > 0 for e, t in seg.members}
    for eng in req.engineers:
        for day in days:
            if not day.non_working:
                continue
            keep = []
            for t in allowed[(eng.id, day.index)]:
                if (eng.id, day.index, t) in asked:
                    keep.append(t)
                else:
                    blocked[(eng.id, day.index, t)] = NOT_REQUESTED
            allowed[(eng.id, day.index)] = keep


def _history(req: RosterRequest, cal: BusinessCalendar) -> dict[str, list[PastShift]]:
    """The shifts before the period in absolute minutes, per engineer, in time order."""
    base = datetime.combine(req.start, time(0), TZ)
    out: dict[str, list[PastShift]] = defaultdict(list)
    for h in sorted(req.history, key=lambda h: h.start):
        out[h.engineer_id].append(
            PastShift(
                date=h.date,
                start=int((h.start.astimezone(TZ) - base).total_seconds() // 60),
                end=int(-(-(h.end.astimezone(TZ) - base).total_seconds() // 60)),
                paid_minutes=h.worked_minutes,
                non_working=cal.is_non_working(h.date),
            )
        )
    return dict(out)


def weekly_cap_minutes(req: RosterRequest, e: Engineer) -> int:
    """Normal time a week (art. 91): the engineer's override, the department's, or their own."""
    own = req.rules.for_engineer(e.id)
    hours = (own.weekly_hours if own else None) or req.rules.weekly_hours or e.weekly_hours
    return round(hours * 60)


def effective_weekday(d: date, cal: BusinessCalendar) -> int:
    """The weekday whose templates and requirements apply on a date (see :class:`Day`)."""
    if cal.is_non_working(d):
        return d.weekday() if d.weekday() >= 5 else 6
    return cal.office_weekday(d)


def _day(i: int, d: date, cal: BusinessCalendar) -> Day:
    return Day(
        index=i,
        date=d,
        weekday=effective_weekday(d, cal),
        non_working=cal.is_non_working(d),
        pre_holiday=cal.is_pre_holiday(d),
        norm_minutes=cal.norm_minutes(d),
    )


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _option(day: Day, t: ShiftTemplate) -> ShiftOption | None:
    """A template runs on the weekdays it lists; before a holiday it ends an hour earlier."""
    if day.weekday not in t.weekdays:
        return None
    start, end, paid = _minutes(t.start), _minutes(t.end), t.paid_minutes
    if day.pre_holiday and paid > PRE_HOLIDAY_SHORTENING_MIN:
        end -= PRE_HOLIDAY_SHORTENING_MIN
        paid -= PRE_HOLIDAY_SHORTENING_MIN
    base = day.index * DAY_MIN
    return ShiftOption(day.index, t.id, t.kind, base + start, base + end, paid)


def absence_span(a: Absence, first_day: date) -> tuple[int, int]:
    """An absence as absolute minutes of the period (may reach outside it)."""
    base = datetime.combine(first_day, time(0), TZ)
    start = (a.start.astimezone(TZ) - base).total_seconds() // 60
    end = -(-(a.end.astimezone(TZ) - base).total_seconds() // 60)
    return int(start), int(end)


def _eligibility(
    req: RosterRequest, days: list[Day], options: dict[tuple[int, str], ShiftOption]
) -> tuple[dict[tuple[str, int], list[str]], dict[tuple[str, int, str], str], set]:
    """Who may work which option, and who is visit-capable on it."""
    first = days[0].date
    spans: dict[str, list[tuple[int, int, Absence]]] = defaultdict(list)
    for a in req.absences:
        s, e = absence_span(a, first)
        spans[a.engineer_id].append((s, e, a))
    days_off = {(d.engineer_id, d.date) for d in req.rules.required_days_off}
    allowed: dict[tuple[str, int], list[str]] = {}
    blocked: dict[tuple[str, int, str], str] = {}
    visit: set[tuple[str, int, str]] = set()
    for eng in req.engineers:
        for day in days:
            ok: list[str] = []
            for t in req.shift_templates:
                opt = options.get((day.index, t.id))
                why = _why_blocked(eng, day, t, opt, spans[eng.id], days_off)
                if why is not None:
                    blocked[(eng.id, day.index, t.id)] = why
                    continue
                assert opt is not None
                ok.append(t.id)
                car_out = any(
                    s < opt.end and opt.start < e
                    for s, e, a in spans[eng.id]
                    if a.kind == AbsenceKind.car_unavailable
                )
                if eng.can_visit and not car_out:
                    visit.add((eng.id, day.index, t.id))
            allowed[(eng.id, day.index)] = ok
    return allowed, blocked, visit


def _why_blocked(
    eng: Engineer,
    day: Day,
    t: ShiftTemplate,
    opt: ShiftOption | None,
    spans: list[tuple[int, int, Absence]],
    days_off: set[tuple[str, date]],
) -> str | None:
    """The first rule that keeps an engineer off a template on a day, or None."""
    if opt is None:
        return f"template {t.id} does not run on {day.date.isoformat()} (weekdays {t.weekdays})"
    for s, e, a in spans:
        if a.kind in AWAY_KINDS and s < opt.end and opt.start < e:
            return (
                f"{a.kind.value} {a.start.date().isoformat()}..{a.end.date().isoformat()} (absence)"
            )
    if day.non_working and not eng.holiday_work_consent:
        return "work on a day off or holiday needs the engineer's consent (art. 113)"
    if (eng.id, day.date) in days_off:
        return "required day off"
    return None


def _away_days(req: RosterRequest, days: list[Day]) -> dict[str, set[int]]:
    """Days an engineer is away (vacation, sick, training) for any part of the office day."""
    first = days[0].date
    out: dict[str, set[int]] = defaultdict(set)
    for a in req.absences:
        if a.kind not in AWAY_KINDS:
            continue
        s, e = absence_span(a, first)
        for day in days:
            lo, hi = day.index * DAY_MIN + 9 * 60, day.index * DAY_MIN + 18 * 60
            if s < hi and lo < e:
                out[a.engineer_id].add(day.index)
    return dict(out)


def _norm(
    req: RosterRequest, e: Engineer, days: list[Day], away: set[int], cal: BusinessCalendar
) -> int:
    """Norm minutes of the period for the engineer's week (production calendar, order 588n:
    a fifth of the week a working day, an hour less on a shortened day), less the days the
    engineer is away."""
    hours = weekly_cap_minutes(req, e) / 60
    return sum(cal.norm_minutes(d.date, hours) for d in days if d.index not in away)


def _weeks(days: list[Day]) -> list[list[int | None]]:
    index = {d.date: d.index for d in days}
    monday = days[0].date - timedelta(days=days[0].date.weekday())
    weeks: list[list[int | None]] = []
    while monday <= days[-1].date:
        weeks.append([index.get(monday + timedelta(days=i)) for i in range(7)])
        monday += timedelta(days=7)
    return weeks


def _preferences(
    req: RosterRequest, days: list[Day]
) -> list[tuple[str, int, str | None, str, int]]:
    index = {d.date: d.index for d in days}
    out: list[tuple[str, int, str | None, str, int]] = []
    for e in req.engineers:
        for p in e.preferences:
            d = index.get(date.fromisoformat(p.date))
            if d is not None and p.weight > 0:
                out.append((e.id, d, p.template_id, p.kind.value, p.weight))
    return out


# --------------------------------------------------------------------------- coverage


def in_group(e: Engineer, group: str, visit_capable: bool, bank: str | None) -> bool:
    """Whether an engineer on a shift counts toward a requirement group."""
    if group.startswith(SKILL_PREFIX):
        return group[len(SKILL_PREFIX) :] in e.skills
    if group == "visit":
        return visit_capable
    if group in ("visit:right", "visit:left"):
        return visit_capable and bank == group.split(":", 1)[1]
    # all, phone (any engineer can answer the line), urgent (anyone on duty can start)
    return True


def engineer_bank(e: Engineer) -> str | None:
    """The Volga bank of an engineer's base (None without coordinates)."""
    if e.base.lat is None or e.base.lon is None:
        return None
    return bank_of(e.base)


def day_requirements(
    requirements: list[CoverageRequirement], day: Day
) -> dict[str, list[tuple[int, int, int]]]:
    """Group → (start, end, required) rows that apply on a day, in minutes of that day.

    Rows for the date replace the weekly-pattern rows of the same group on that date. On a
    shortened pre-holiday day a weekly-pattern row ends an hour earlier, like the shifts
    (art. 95); a row given for the date itself, or running to midnight, is taken as written.
    """
    dated: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    pattern: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for r in requirements:
        row = (_minutes(r.start), _minutes(r.end) or DAY_MIN, r.required)
        if r.date is not None:
            if r.date == day.date:
                dated[r.group].append(row)
        elif r.weekday == day.weekday:
            start, end, need = row
            if day.pre_holiday and end < DAY_MIN:
                end -= PRE_HOLIDAY_SHORTENING_MIN
            if end > start:
                pattern[r.group].append((start, end, need))
    out = dict(pattern)
    out.update(dated)
    return out


def _segments(
    req: RosterRequest,
    days: list[Day],
    options: dict[tuple[int, str], ShiftOption],
    allowed: dict[tuple[str, int], list[str]],
    visit: set[tuple[str, int, str]],
) -> list[Segment]:
    """Cut each day at every requirement and shift boundary; merge neighbours that agree."""
    banks = {e.id: engineer_bank(e) for e in req.engineers}
    out: list[Segment] = []
    for day in days:
        rows = day_requirements(req.requirements, day)
        day_opts = [o for (d, _), o in options.items() if d == day.index]
        for group, group_rows in sorted(rows.items()):
            cuts = {b for s, e, _ in group_rows for b in (s, e)}
            cuts |= {b for o in day_opts for b in (o.start_of_day, o.end_of_day)}
            points = sorted(c for c in cuts if 0 <= c <= DAY_MIN)
            pieces: list[Segment] = []
            for a, b in zip(points, points[1:], strict=False):
                need = max((r for s, e, r in group_rows if s <= a and b <= e), default=None)
                if need is None:
                    continue
                members = tuple(
                    (eng.id, o.template_id)
                    for eng in req.engineers
                    for o in day_opts
                    if o.template_id in allowed[(eng.id, day.index)]
                    and o.start_of_day <= a
                    and b <= o.end_of_day
                    and in_group(
                        eng, group, (eng.id, day.index, o.template_id) in visit, banks[eng.id]
                    )
                )
                base = day.index * DAY_MIN
                seg = Segment(day.index, base + a, base + b, group, need, members)
                prev = pieces[-1] if pieces else None
                if (
                    prev is not None
                    and prev.end == seg.start
                    and prev.required == seg.required
                    and prev.members == seg.members
                ):
                    pieces[-1] = Segment(day.index, prev.start, seg.end, group, need, members)
                else:
                    pieces.append(seg)
            out.extend(pieces)
    return out
