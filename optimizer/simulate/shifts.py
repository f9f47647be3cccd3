"""Engineers' working time in a scenario of the sample department.

By default every working day of the production calendar each engineer works the office
template (the day template named ``office`` when the data set has one, else the office hours
of the calendar), one hour shorter before a holiday, with a lunch break staggered across
engineers; ``engineers_from: roster`` asks the shift-planning engine instead
(:mod:`optimizer.simulate.roster`). ``weekend_on_call`` adds duty windows on days off,
rotating weekly. Absences and sickness are cut out later, per replication, by the engine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import time, timedelta

from optimizer.calendar import default_calendar
from optimizer.domain.base import DataSet, Engineer, ShiftKind, ShiftTemplate
from optimizer.domain.scenario import ScenarioChanges
from optimizer.errors import InvalidInput, UnknownReference
from optimizer.simulate.clock import MINUTES_PER_DAY, SimClock
from optimizer.simulate.model import Shift


def scenario_lunch(ds: DataSet) -> int:
    """Lunch minutes: the office template's break, one hour by default (Labour Code art. 108)."""
    office = office_templates(ds.shift_templates)
    return office[0].break_min if office else 60


def office_templates(templates: Sequence[ShiftTemplate]) -> list[ShiftTemplate]:
    """The office templates: day templates with ``office`` in their id or name."""
    return [
        t
        for t in templates
        if t.kind == ShiftKind.day and ("office" in t.id.lower() or "office" in t.name.lower())
    ]


def _office_template_for(templates: Sequence[ShiftTemplate], weekday: int) -> ShiftTemplate | None:
    """The office template valid on a weekday, if any."""
    for t in templates:
        if weekday in t.weekdays:
            return t
    return None


def template_shifts(
    templates: Sequence[ShiftTemplate], engineers: Sequence[Engineer], clock: SimClock, end: float
) -> dict[str, list[Shift]]:
    """Every engineer on the office template every working day (see the module docstring)."""
    office = office_templates(templates)
    cal = default_calendar()
    days: list[Shift] = []
    for d in range(clock.days):
        if not clock.working[d] or d * MINUTES_PER_DAY >= end:
            continue
        day = clock.start + timedelta(days=d)
        tpl = _office_template_for(office, int(clock.office_weekday[d]))
        if tpl is not None:
            s = minute_of_day(tpl.start)
            e = minute_of_day(tpl.end) - (60 if clock.pre_holiday[d] else 0)
        else:
            spans = cal.open_intervals(day)
            if not spans:
                continue
            s = spans[0][0].hour * 60 + spans[0][0].minute
            e = spans[-1][1].hour * 60 + spans[-1][1].minute
        base = d * MINUTES_PER_DAY
        days.append(Shift(base + s, base + e, base + e, d))
    return {e.id: list(days) for e in engineers}


def minute_of_day(t: time) -> int:
    return t.hour * 60 + t.minute


def with_lunch(shifts: Sequence[Shift], index: int, lunch_min: int) -> list[Shift]:
    """Cut a lunch break out of each day shift longer than six hours, staggered over three
    slots by engineer so the office is never empty at lunch time."""
    out: list[Shift] = []
    for s in shifts:
        span = s.end - s.start
        if s.on_call or lunch_min <= 0 or span <= 6 * 60:
            out.append(s)
            continue
        first = s.start + math.floor((span - lunch_min) / 2 / 60) * 60 - 60
        ls = min(max(first + 60 * (index % 3), s.start + 60), s.end - lunch_min - 60)
        le = ls + lunch_min
        out.append(Shift(s.start, ls, s.shift_end, s.day))
        out.append(Shift(le, s.end, s.shift_end, s.day))
    return out


def paid_minutes(shifts: Sequence[Shift], horizon: float, lunch_min: int) -> float:
    """Scheduled paid minutes of day shifts starting inside the horizon (lunch unpaid)."""
    total = 0.0
    for s in shifts:
        if s.on_call or s.start >= horizon:
            continue
        span = s.end - s.start
        total += span - (lunch_min if span > 6 * 60 else 0)
    return total


# -- weekend on-call ---------------------------------------------------------------------------


def on_call_days(
    ch: ScenarioChanges, ids: list[str], clock: SimClock, path: str
) -> dict[str, list[int]]:
    """Days off each engineer is on call: ``per_day`` engineers a day, rotating every week."""
    oc = ch.weekend_on_call
    if oc is None or not oc.enabled:
        return {}
    pool = ids if oc.engineers is None else list(oc.engineers)
    for i, e in enumerate(pool):
        if e not in ids:
            raise UnknownReference(
                f"{path}.changes.weekend_on_call.engineers[{i}]", e, "unknown engineer"
            )
    if not pool:
        raise InvalidInput(f"{path}.changes.weekend_on_call.engineers", [], "nobody to be on call")
    out: dict[str, list[int]] = {}
    for d in range(clock.days):
        if clock.working[d]:
            continue
        week = (clock.start.toordinal() + d - 1) // 7  # weeks start on Monday (ordinal 1 = Mon)
        for k in range(min(oc.per_day, len(pool))):
            who = pool[(week * oc.per_day + k) % len(pool)]
            out.setdefault(who, []).append(d)
    return out


DEFAULT_ON_CALL = (time(10, 0), time(18, 0))


def on_call_hours(ch: ScenarioChanges, templates: Sequence[ShiftTemplate]) -> tuple[time, time]:
    """On-call hours: the scenario's, else the data set's on-call template's, else 10–18."""
    oc = ch.weekend_on_call
    tpl = next((t for t in templates if t.kind == ShiftKind.on_call), None)
    start, end = (tpl.start, tpl.end) if tpl is not None else DEFAULT_ON_CALL
    if oc is not None and oc.start is not None:
        start = oc.start
    if oc is not None and oc.end is not None:
        end = oc.end
    return start, end


def on_call_shifts(
    days: Sequence[int], ch: ScenarioChanges, hours: tuple[time, time], field: str
) -> list[Shift]:
    """On-call duty windows on the given days off."""
    oc = ch.weekend_on_call
    if oc is None:
        return []
    s, e = minute_of_day(hours[0]), minute_of_day(hours[1])
    if e <= s:
        raise InvalidInput(field, hours[1].isoformat(), "on-call must end after it starts")
    return [
        Shift(
            d * MINUTES_PER_DAY + s,
            d * MINUTES_PER_DAY + e,
            d * MINUTES_PER_DAY + e,
            d,
            on_call=True,
            urgent_only=oc.urgent_only,
        )
        for d in days
    ]
