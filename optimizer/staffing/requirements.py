"""Coverage requirement per interval and group, from an arrival forecast (Erlang C per interval).

Method (stationary independent period by period, "SIPP")
------------------------------------------------------
Each open interval of a day is treated as a steady M/M/c queue with the interval's arrival
rate; the requirement is the smallest ``c`` whose Erlang C service level reaches the target.

* **Backlog.** On the business SLA clock a ticket created while the office is closed starts
  its clock at the next opening. So the tickets expected between the previous closing and
  this opening (evening, night, whole days off) are added to the first open intervals,
  spread evenly over the first ``target_min`` of office time of that group.
* **Durations.** The average handling time (AHT) of a group is the mean duration of its
  tickets in the history, plus ``visit_travel_min`` for visits (driving there and back).
  Durations are not exponential; the waiting-time tail is scaled by the Allen–Cunneen
  factor ``2 / (1 + scv)`` (``scv``: squared coefficient of variation of the durations), i.e.
  the target is met when ``P(W <= target · 2 / (1 + scv)) >= target_sl`` under Erlang C.
  With exponential durations (``scv = 1``) this is plain Erlang C.

Groups and rules (all in open intervals of working days only)
------------------------------------------------------------
``all``            Erlang C on every ticket, target ``target_min`` (2 h SLA); never below any
                   engineer group below (those engineers are engineers too) and at least 1.
``skill:<skill>``  only when the skill's tickets average at least ``skill_min_per_hour``
                   per open hour; Erlang C on that stream; at least 1.
``visit``          on a day with more than ``visit_min_per_day`` expected visits: Erlang C
                   on the onsite stream with the travel added to the AHT, at least 1.
``visit:right`` / ``visit:left``
                   per bank when the bank averages at least ``bank_min_visits_per_day``
                   visits a working day; same rule on the bank's stream.
``urgent``         readiness: Erlang C with target ``urgent_target_min`` (30) on the urgent
                   stream, at least 1 (an urgent ticket is started at once).
``phone``          dispatcher line: calls = ticket arrivals × ``calls_per_ticket`` (the first
                   call plus status calls; an assumption, 1.5 by default), AHT
                   ``call_aht_min`` (4 min); a caller who finds every operator busy is called
                   back, so "answered or called back within 10 minutes" is Erlang C
                   ``P(W <= 10 min) >= target_sl``; at least 1. No backlog: nobody calls a
                   closed office.

Finally every row is raised for ``shrinkage`` (breaks, meetings, non-queue work):
``ceil(required / (1 - shrinkage))``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

import numpy as np

from optimizer.domain.skills import SkillCatalogue, UnknownSkill, default_catalogue
from optimizer.domain.staffing import CoverageRequirement, group_skill, is_valid_group
from optimizer.errors import InvalidInput
from optimizer.staffing.erlang import agents_required, with_shrinkage
from optimizer.staffing.forecast import ArrivalForecast


@dataclass(frozen=True)
class StaffingAssumptions:
    """Targets and modelling assumptions of :func:`requirements` (documented above)."""

    target_sl: float = 0.95
    target_min: float = 120.0
    shrinkage: float = 0.0
    urgent_target_min: float = 30.0
    phone_target_min: float = 10.0
    calls_per_ticket: float = 1.5
    call_aht_min: float = 4.0
    visit_travel_min: float = 60.0
    skill_min_per_hour: float = 0.5
    visit_min_per_day: float = 0.5
    bank_min_visits_per_day: float = 2.0
    carry_backlog: bool = True
    duration_variability: bool = True
    aht_min: Mapping[str, float] = field(default_factory=dict)
    """Override of the AHT of a group (else the history's mean duration)."""


@dataclass(frozen=True)
class _Day:
    """A day to staff: its date (real or typical), its open intervals on the grid."""

    day: date
    weekday: int
    date_given: bool
    slots: list[int]


def requirements(
    forecast: ArrivalForecast,
    aht_min: Mapping[str, float] | None = None,
    target_sl: float = 0.95,
    target_min: float = 120.0,
    shrinkage: float = 0.0,
    interval_min: int | None = None,
    groups: Iterable[str] | None = None,
    dates: Iterable[date] | None = None,
    as_of: date | None = None,
    assumptions: StaffingAssumptions | None = None,
    skills: SkillCatalogue | None = None,
) -> list[CoverageRequirement]:
    """Engineers (and operators) required per open interval and group.

    Without ``dates``: a weekly pattern (rows with ``weekday``, Monday–Friday with the office
    hours of the calendar), at the trend level of ``as_of`` (default: the day after the
    history). With ``dates``: rows for those dates (``date`` and ``weekday``) following the
    production calendar, holiday factors and trend; days off have no rows.
    ``interval_min`` must be a multiple of the forecast's (default: the same).
    ``groups`` keeps only those groups; a ``skill:<skill>`` group names a skill of ``skills``
    (the department's catalogue; the built-in one by default) or of the history, and a skill
    the history has no tickets of gets no rows.
    """
    base = assumptions or StaffingAssumptions()
    params = replace(
        base,
        target_sl=target_sl,
        target_min=target_min,
        shrinkage=shrinkage,
        aht_min={**base.aht_min, **(aht_min or {})},
    )
    _check_params(params)
    step = _check_interval(forecast, interval_min)
    wanted = _check_groups(groups, forecast, skills or default_catalogue())
    days = _days_to_staff(forecast, step, dates, as_of)
    active = _active_groups(forecast, params, wanted)
    out: list[CoverageRequirement] = []
    for day in days:
        out.extend(_day_requirements(forecast, params, step, day, active))
    return out


# -- checks ----------------------------------------------------------------------------------


def _check_params(p: StaffingAssumptions) -> None:
    """Targets in range, positive times, non-negative factors."""
    if not 0 < p.target_sl <= 1:
        raise InvalidInput("target_sl", p.target_sl, "must be in (0, 1]")
    if not 0 <= p.shrinkage < 1:
        raise InvalidInput("shrinkage", p.shrinkage, "must be in [0, 1)")
    for name in ("target_min", "urgent_target_min", "phone_target_min", "call_aht_min"):
        v = getattr(p, name)
        if not (math.isfinite(v) and v > 0):
            raise InvalidInput(name, v, "must be positive")
    for name in ("calls_per_ticket", "visit_travel_min", "skill_min_per_hour"):
        v = getattr(p, name)
        if not (math.isfinite(v) and v >= 0):
            raise InvalidInput(name, v, "must not be negative")
    for group, v in p.aht_min.items():
        if not (math.isfinite(v) and v > 0):
            raise InvalidInput(f"aht_min[{group}]", v, "must be positive")


def _check_interval(forecast: ArrivalForecast, interval_min: int | None) -> int:
    """The requirement interval: a multiple of the forecast's that divides a day."""
    step = forecast.interval_min if interval_min is None else interval_min
    if step <= 0 or step % forecast.interval_min or (24 * 60) % step:
        raise InvalidInput(
            "interval_min",
            interval_min,
            f"must be a multiple of {forecast.interval_min} dividing a day",
        )
    return step


def _check_groups(
    groups: Iterable[str] | None, forecast: ArrivalForecast, catalogue: SkillCatalogue
) -> set[str] | None:
    """Known group names only: a skill group names a skill of the catalogue or one the
    history has tickets of."""
    if groups is None:
        return None
    chosen = set(groups)
    streams = set(forecast.streams)
    for g in sorted(chosen):
        if not is_valid_group(g):
            raise InvalidInput("groups", g, "unknown group")
        skill = group_skill(g)
        if skill is not None and skill not in catalogue and g not in streams:
            raise UnknownSkill("groups", g, catalogue.unknown_message())
    return chosen


# -- days and intervals ------------------------------------------------------------------------


def _days_to_staff(
    forecast: ArrivalForecast, step: int, dates: Iterable[date] | None, as_of: date | None
) -> list[_Day]:
    """The typical week (Monday–Friday at the ``as_of`` trend) or the given working dates."""
    cal = forecast.calendar
    if dates is None:
        ref = as_of or forecast.history_end + timedelta(days=1)
        monday = ref - timedelta(days=ref.weekday())
        out = []
        for wd in range(7):
            hours = cal.office_hours.get(wd)
            if hours is None:
                continue
            slots = _slots_between(hours[0], hours[1], step)
            out.append(_Day(monday + timedelta(days=wd), wd, False, slots))
        return out
    out = []
    for d in sorted(set(dates)):
        opened = cal.open_intervals(d)
        slots = sorted({s for a, b in opened for s in _slots_between(a.time(), b.time(), step)})
        if slots:
            out.append(_Day(d, d.weekday(), True, slots))
    return out


def _slots_between(opens: time, closes: time, step: int) -> list[int]:
    """Grid intervals of ``step`` minutes overlapping [opens, closes)."""
    a = opens.hour * 60 + opens.minute
    b = closes.hour * 60 + closes.minute
    return list(range(a // step, -(-b // step)))


def _slot_time(slot: int, step: int) -> tuple[time, time]:
    """Start and end clock times of a grid interval (end 00:00 = midnight)."""
    start = slot * step
    end = (start + step) % (24 * 60)
    return time(start // 60, start % 60), time(end // 60, end % 60)


def _counts(forecast: ArrivalForecast, day: _Day, stream: str, step: int) -> np.ndarray:
    """Expected tickets per ``step``-minute interval of a day."""
    raw = forecast.day_counts(day.day, stream, typical=not day.date_given)
    ratio = step // forecast.interval_min
    return raw.reshape(-1, ratio).sum(axis=1)


def _is_closed(forecast: ArrivalForecast, d: date, typical: bool) -> bool:
    """A day with no office hours (typical week: Saturday and Sunday)."""
    if typical:
        return d.weekday() not in forecast.calendar.office_hours
    return not forecast.calendar.open_intervals(d)


def _backlog(forecast: ArrivalForecast, day: _Day, stream: str, step: int) -> float:
    """Tickets expected between the previous closing and this day's opening."""
    typical = not day.date_given
    first = day.slots[0]
    total = float(_counts(forecast, day, stream, step)[:first].sum())
    d = day.day - timedelta(days=1)
    for _ in range(60):
        prev = _Day(d, d.weekday(), day.date_given, [])
        counts = _counts(forecast, prev, stream, step)
        if _is_closed(forecast, d, typical):
            total += float(counts.sum())
            d -= timedelta(days=1)
            continue
        last = _last_open_slot(forecast, d, typical, step)
        total += float(counts[last + 1 :].sum())
        break
    return total


def _last_open_slot(forecast: ArrivalForecast, d: date, typical: bool, step: int) -> int:
    """The last grid interval in which the office is open on a working day."""
    cal = forecast.calendar
    if typical:
        opens, closes = cal.office_hours[d.weekday()]
        return _slots_between(opens, closes, step)[-1]
    a, b = cal.open_intervals(d)[-1]
    return _slots_between(a.time(), b.time(), step)[-1]


def _arrivals(
    forecast: ArrivalForecast,
    p: StaffingAssumptions,
    day: _Day,
    stream: str,
    step: int,
    target: float,
) -> np.ndarray:
    """Tickets to start per open interval: those arriving in it, plus the backlog spread over
    the first ``target`` minutes of office time."""
    counts = _counts(forecast, day, stream, step)[day.slots].astype(float)
    if p.carry_backlog:
        spread = max(1, min(len(day.slots), math.ceil(target / step)))
        counts[:spread] += _backlog(forecast, day, stream, step) / spread
    return counts


# -- groups --------------------------------------------------------------------------------------


def _active_groups(
    forecast: ArrivalForecast, p: StaffingAssumptions, wanted: set[str] | None
) -> list[str]:
    """Groups that get rows: fixed ones, skills with volume, banks with enough visits."""
    open_hours_per_day = _mean_open_hours(forecast)
    groups = ["all", "urgent", "phone", "visit"]
    for stream in forecast.streams:
        if stream.startswith("skill:"):
            per_hour = forecast.daily_rate.get(stream, 0.0) / open_hours_per_day
            if per_hour >= p.skill_min_per_hour:
                groups.append(stream)
        elif stream in ("visit:right", "visit:left") and (
            forecast.daily_rate.get(stream, 0.0) >= p.bank_min_visits_per_day
        ):
            groups.append(stream)
    if wanted is not None:
        groups = [g for g in groups if g in wanted]
    return groups


def _mean_open_hours(forecast: ArrivalForecast) -> float:
    """Average office hours of a working weekday."""
    spans = [
        (datetime.combine(date.min, b) - datetime.combine(date.min, a)).seconds / 3600
        for a, b in forecast.calendar.office_hours.values()
    ]
    return max(1.0, sum(spans) / len(spans)) if spans else 8.0


def _aht(forecast: ArrivalForecast, p: StaffingAssumptions, group: str) -> float:
    """AHT of a group: the override, else the history's mean (+ travel for visits)."""
    if group in p.aht_min:
        return p.aht_min[group]
    if group == "phone":
        return p.call_aht_min
    base = forecast.aht_min.get(group, 0.0) or forecast.aht_min.get("all", 60.0) or 60.0
    return base + (p.visit_travel_min if group.startswith("visit") else 0.0)


def _effective_target(
    forecast: ArrivalForecast, p: StaffingAssumptions, group: str, target: float
) -> float:
    """Allen–Cunneen: the Erlang C target scaled by ``2 / (1 + scv)`` of the durations."""
    if not p.duration_variability or group == "phone":
        return target
    scv = forecast.scv.get(group, 1.0)
    if group.startswith("visit"):
        # Travel is nearly constant, so it shrinks the relative variability.
        mean = forecast.aht_min.get(group, 0.0)
        total = mean + p.visit_travel_min
        scv = scv * (mean / total) ** 2 if total > 0 else 1.0
    return target * 2.0 / (1.0 + scv)


def _erlang_need(rate_per_hour: float, aht: float, sl: float, target: float) -> int:
    """Smallest Erlang C staffing for the rate (0 when nothing arrives)."""
    if rate_per_hour <= 0:
        return 0
    return agents_required(rate_per_hour, aht, sl, target).agents


def _group_column(
    forecast: ArrivalForecast, p: StaffingAssumptions, day: _Day, group: str, step: int
) -> list[int]:
    """Required people of one group in each open interval of a day (before shrinkage)."""
    per_hour = 60.0 / step
    if group == "phone":
        calls = _counts(forecast, day, "all", step)[day.slots] * p.calls_per_ticket
        return [
            max(1, _erlang_need(n * per_hour, p.call_aht_min, p.target_sl, p.phone_target_min))
            for n in calls
        ]
    target = p.urgent_target_min if group == "urgent" else p.target_min
    if group not in forecast.profiles:
        return [1 if group == "urgent" else 0 for _ in day.slots]
    arrivals = _arrivals(forecast, p, day, group, step, target)
    aht = _aht(forecast, p, group)
    eff = _effective_target(forecast, p, group, target)
    need = [_erlang_need(n * per_hour, aht, p.target_sl, eff) for n in arrivals]
    if group.startswith("visit"):
        daily_visits = float(_counts(forecast, day, group, step).sum())
        if group == "visit" and daily_visits <= p.visit_min_per_day:
            return [0 for _ in need]
    return [max(1, n) for n in need] if group != "all" else need


def _day_requirements(
    forecast: ArrivalForecast, p: StaffingAssumptions, step: int, day: _Day, groups: list[str]
) -> list[CoverageRequirement]:
    """Rows of one day: every group in every open interval, ``all`` covering the others."""
    columns = {g: _group_column(forecast, p, day, g, step) for g in groups if g != "all"}
    if "all" in groups:
        engineer_groups = [c for g, c in columns.items() if g != "phone"]
        base = _group_column(forecast, p, day, "all", step)
        columns["all"] = [
            max([1, base[i], *(c[i] for c in engineer_groups)]) for i in range(len(day.slots))
        ]
    rows: list[CoverageRequirement] = []
    for group in groups:
        for i, slot in enumerate(day.slots):
            start, end = _slot_time(slot, step)
            rows.append(
                CoverageRequirement(
                    weekday=day.weekday,
                    date=day.day if day.date_given else None,
                    start=start,
                    end=end,
                    group=group,
                    required=with_shrinkage(columns[group][i], p.shrinkage),
                )
            )
    return rows


coverage_requirements = requirements
"""Alias of :func:`requirements`: ``optimizer.staffing.requirements`` names this function
once the package is imported, so ``import optimizer.staffing.requirements as m`` does not
give the module; import names from it with ``from optimizer.staffing.requirements import``."""
