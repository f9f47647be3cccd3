"""From a validated :class:`Scenario` and the base data to a :class:`SimModel`.

Every reference is checked here, before any replication runs: engineers named by
``remove_engineers``, ``absences``, ``cars_out``, ``weekend_on_call`` and ``add_engineers.like``
must exist in the scenario's department, and ``add_clients.city`` must be a city of the base's
sites; the error names the field (``scenarios[1].changes.remove_engineers[0]``).

Engineers' working time comes from the shift templates by default: every working day of the
production calendar each engineer works the office template (the day template named
``office`` when the data set has one, else the office hours of the calendar), one hour shorter
before a holiday, with a lunch break staggered across engineers; absences and a random
sickness are cut out. ``engineers_from: roster`` asks the shift-planning engine instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd

from optimizer.calendar import default_calendar
from optimizer.domain.base import Absence, DataSet, Engineer, ShiftKind, ShiftTemplate
from optimizer.domain.common import AbsenceKind, Clock, Location, Priority, Skill
from optimizer.domain.scenario import (
    EngineerSource,
    NewEngineer,
    Scenario,
    ScenarioChanges,
    SyntheticBase,
)
from optimizer.errors import InvalidInput, UnknownReference
from optimizer.simulate.clock import MINUTES_PER_DAY, SimClock
from optimizer.simulate.demand import (
    fit_ticket_mix,
    hourly_rates,
    site_ticket_weights,
    synthetic_mix,
)
from optimizer.simulate.model import (
    PRIORITIES,
    ArrivalStream,
    EngineerPlan,
    PhoneSpec,
    Shift,
    SimModel,
    SiteTable,
    SlaTable,
    TheorySpec,
    TicketMix,
    skill_mask,
)
from optimizer.staffing.forecast import ArrivalForecast, forecast_arrivals

SAMPLE_TAIL_DAYS = 14
"""Days simulated after the horizon of the sample base, so that tickets created near its end
(a Friday evening before the New Year holidays) can still start and be judged."""

SYNTHETIC_START = date(2027, 1, 4)
"""Any date does for the synthetic base (24x7); a Monday keeps the weekday plots tidy."""

MAX_TICKETS_PER_REPLICATION = 2_000_000
"""More expected tickets than this in one replication is refused (memory and time)."""

ADDED_SITE_JITTER_DEG = 0.01
"""New clients are placed near an existing client of their city (about a kilometre away)."""


@dataclass(frozen=True)
class BaseData:
    """The sample department, fitted once and shared by every scenario of a run."""

    dataset: DataSet
    history: pd.DataFrame
    start: date
    forecast: ArrivalForecast
    mix: TicketMix
    site_weights: np.ndarray
    roster_solver: object | None = field(default=None, compare=False)

    @classmethod
    def fit(cls, dataset: DataSet, history: pd.DataFrame, start: date) -> BaseData:
        """Fit the arrival forecast and the ticket mix from ``history``."""
        forecast = forecast_arrivals(history, default_calendar(), interval_min=60)
        return cls(
            dataset=dataset,
            history=history,
            start=start,
            forecast=forecast,
            mix=fit_ticket_mix(history),
            site_weights=site_ticket_weights(history, [s.id for s in dataset.sites]),
        )


# -- entry point -------------------------------------------------------------------------------


def compile_scenario(scenario: Scenario, base: BaseData | None, path: str = "scenario") -> SimModel:
    """Check the scenario's references against its base and compile it (see module docstring)."""
    if scenario.base.synthetic is not None:
        model = _compile_synthetic(scenario, scenario.base.synthetic, path)
    elif base is None:
        raise InvalidInput(f"{path}.base", "sample", "the sample data set is not available")
    else:
        model = _compile_sample(scenario, base, path)
    _check_size(model, scenario, path)
    return model


def _check_size(model: SimModel, scenario: Scenario, path: str) -> None:
    """Refuse a replication expected to hold more tickets than can be simulated."""
    expected = sum(float(np.sum(s.rate_per_hour[: model.hours])) * s.thin for s in model.streams)
    if expected > MAX_TICKETS_PER_REPLICATION:
        field = (
            f"{path}.base.synthetic.rate_per_hour"
            if scenario.base.is_synthetic
            else f"{path}.changes.demand_multiplier"
        )
        raise InvalidInput(
            field,
            scenario.base.synthetic.rate_per_hour
            if scenario.base.synthetic is not None
            else scenario.changes.demand_multiplier,
            f"about {expected:,.0f} tickets per replication; at most "
            f"{MAX_TICKETS_PER_REPLICATION:,} can be simulated (shorten horizon_days)",
        )


# -- synthetic base ----------------------------------------------------------------------------


def _compile_synthetic(scenario: Scenario, syn: SyntheticBase, path: str) -> SimModel:
    """The M/M/c department: one site, one 24x7 policy, identical engineers always on duty."""
    ch = scenario.changes
    _reject_for_synthetic(ch, path)
    start = scenario.start or SYNTHETIC_START
    target = ch.sla_response_min or syn.sla_response_min
    response = _synthetic_response(ch, target)
    horizon = scenario.horizon_days * MINUTES_PER_DAY
    tail = max(MINUTES_PER_DAY, 10 * target, 20 * syn.mean_duration_min)
    days = math.ceil((horizon + tail) / MINUTES_PER_DAY) + 1
    clock = SimClock.build(start, days)
    hours = math.ceil((horizon + tail) / 60)
    names = [f"e{i + 1}" for i in range(syn.engineers)]
    names = _remove(names, ch.remove_engineers, f"{path}.changes.remove_engineers")
    for i, new in enumerate(ch.add_engineers):
        names += _new_ids(new, names, f"{path}.changes.add_engineers[{i}]")
    if not names:
        raise InvalidInput(
            f"{path}.changes.remove_engineers", ch.remove_engineers, "no engineer left"
        )
    away = _absences_by_engineer(ch.absences, set(names), clock, f"{path}.changes.absences")
    one_skill = skill_mask([Skill.asterisk_dialplan])
    end = horizon + tail
    engineers = tuple(
        EngineerPlan(
            id=n,
            skills=one_skill,
            can_visit=False,
            base=0,
            cost_per_hour=0.0,
            car_cost_per_km=0.0,
            shifts=(Shift(0.0, end, math.inf, 0),),
            away=tuple(away.get(n, ())),
            car_out=(),
            paid_minutes=0.0,
        )
        for n in names
    )
    rate = syn.rate_per_hour * ch.demand_multiplier
    stream = ArrivalStream(
        key="base",
        rate_per_hour=np.full(hours, rate),
        sites=np.array([0]),
        site_p=np.array([1.0]),
    )
    sites = SiteTable(
        ids=("synthetic",),
        city=np.array([0]),
        cities=("synthetic",),
        visitable=np.array([False]),
        policy=np.array([0]),
        location=np.array([0]),
        weight=np.array([1.0]),
    )
    sla = SlaTable(ids=("synthetic",), clock=np.array([1]), response_min=np.array([response]))
    operators = ch.operators if ch.operators is not None else scenario.phone.operators
    return SimModel(
        name=scenario.name,
        description=scenario.description,
        seed=scenario.seed,
        replications=scenario.replications,
        policy=scenario.policy,
        time_limit_s=scenario.time_limit_s,
        clock=clock,
        horizon_min=horizon,
        warmup_min=scenario.effective_warmup_days * MINUTES_PER_DAY,
        tail_min=tail,
        sites=sites,
        sla=sla,
        mix=synthetic_mix(syn.mean_duration_min),
        streams=(stream,),
        engineers=engineers,
        locations=(Location(id="synthetic"),),
        phone=PhoneSpec(
            operators=operators,
            calls_per_ticket=scenario.phone.calls_per_ticket,
            handle_min=scenario.phone.handle_min,
            target_min=scenario.phone.callback_target_min,
            always_open=True,
        ),
        sick_rate=scenario.effective_sick_rate,
        theory=TheorySpec(
            rate_per_hour=rate,
            mean_duration_min=syn.mean_duration_min,
            agents=len(names),
            target_min=float(response[1]),
        ),
        travel=False,
        lunch_min=0.0,
    )


def _reject_for_synthetic(ch: ScenarioChanges, path: str) -> None:
    """Changes that have no meaning for identical remote engineers on 24x7 duty."""
    for i, add in enumerate(ch.add_clients):
        raise UnknownReference(
            f"{path}.changes.add_clients[{i}].city",
            add.city,
            "unknown city: the synthetic base has no cities (use demand_multiplier)",
        )
    if ch.weekend_on_call is not None and ch.weekend_on_call.enabled:
        raise InvalidInput(
            f"{path}.changes.weekend_on_call",
            True,
            "the synthetic base is on 24x7 duty already; on-call has no meaning there",
        )


def _synthetic_response(ch: ScenarioChanges, target: float) -> np.ndarray:
    """Response minutes per priority on the synthetic base: the target for every priority
    unless the SLA change gives its own."""
    out = np.full(len(PRIORITIES), float(target))
    if ch.sla is not None and ch.sla.response_min:
        for p, m in ch.sla.response_min.items():
            out[PRIORITIES.index(p)] = float(m)
    if ch.sla_response_min is not None:
        out[PRIORITIES.index(Priority.normal)] = float(ch.sla_response_min)
    return out


# -- sample base -------------------------------------------------------------------------------


def _compile_sample(scenario: Scenario, base: BaseData, path: str) -> SimModel:
    """The sample department with the scenario's changes."""
    ds = base.dataset
    ch = scenario.changes
    start = scenario.start or base.start
    horizon = scenario.horizon_days * MINUTES_PER_DAY
    tail = SAMPLE_TAIL_DAYS * MINUTES_PER_DAY
    days = math.ceil((horizon + tail) / MINUTES_PER_DAY) + 1
    clock = SimClock.build(start, days)
    hours = math.ceil((horizon + tail) / 60)

    engineers = _engineers(ds, ch, path)
    ids = [e.id for e in engineers]
    away, car_out = _absence_intervals(ds, ch, set(ids), clock, path)
    on_call = _on_call_days(ch, ids, clock, path)
    oc_hours = on_call_hours(ch, ds.shift_templates)
    locations: list[Location] = [s.location for s in ds.sites]
    base_loc: dict[str, int] = {}
    for e in engineers:
        base_loc[e.id] = len(locations)
        locations.append(e.base)
    if scenario.engineers_from == EngineerSource.roster:
        shifts = _roster_shifts(base, engineers, clock, horizon + tail, path)
    else:
        shifts = _template_shifts(ds.shift_templates, engineers, clock, horizon + tail)
    plans = []
    for i, e in enumerate(engineers):
        day_shifts = shifts[e.id] + _on_call_shifts(
            on_call.get(e.id, []), ch, oc_hours, f"{path}.changes.weekend_on_call.end"
        )
        day_shifts.sort(key=lambda s: s.start)
        plans.append(
            EngineerPlan(
                id=e.id,
                skills=skill_mask(e.skills),
                can_visit=e.can_visit,
                base=base_loc[e.id],
                cost_per_hour=e.cost_per_hour_rub,
                car_cost_per_km=e.car_cost_per_km_rub,
                shifts=tuple(_with_lunch(day_shifts, i, scenario_lunch(ds))),
                away=tuple(away.get(e.id, ())),
                car_out=tuple(car_out.get(e.id, ())),
                paid_minutes=_paid_minutes(shifts[e.id], horizon, scenario_lunch(ds)),
            )
        )
    sla = _sla_table(ds, ch)
    sites, streams = _sites_and_streams(scenario, base, clock, hours, locations, path)
    operators = ch.operators if ch.operators is not None else scenario.phone.operators
    return SimModel(
        name=scenario.name,
        description=scenario.description,
        seed=scenario.seed,
        replications=scenario.replications,
        policy=scenario.policy,
        time_limit_s=scenario.time_limit_s,
        clock=clock,
        horizon_min=horizon,
        warmup_min=scenario.effective_warmup_days * MINUTES_PER_DAY,
        tail_min=tail,
        sites=sites,
        sla=sla,
        mix=base.mix,
        streams=streams,
        engineers=tuple(plans),
        locations=tuple(locations),
        phone=PhoneSpec(
            operators=operators,
            calls_per_ticket=scenario.phone.calls_per_ticket,
            handle_min=scenario.phone.handle_min,
            target_min=scenario.phone.callback_target_min,
        ),
        sick_rate=scenario.effective_sick_rate,
        lunch_min=float(scenario_lunch(ds)),
    )


def scenario_lunch(ds: DataSet) -> int:
    """Lunch minutes: the office template's break, one hour by default (Labour Code art. 108)."""
    office = _office_templates(ds.shift_templates)
    return office[0].break_min if office else 60


# -- engineers ---------------------------------------------------------------------------------


def _remove(ids: list[str], removed: Sequence[str], field: str) -> list[str]:
    """Drop engineers; naming one who is not there is an error."""
    known = set(ids)
    for i, r in enumerate(removed):
        if r not in known:
            raise UnknownReference(f"{field}[{i}]", r, "unknown engineer")
    return [x for x in ids if x not in set(removed)]


def _new_ids(new: NewEngineer, taken: list[str], field: str) -> list[str]:
    """Ids of hired engineers: the given one (must be new) or ``new-1``, ``new-2``, …"""
    if new.id is not None:
        if new.id in taken:
            raise InvalidInput(f"{field}.id", new.id, "an engineer with this id already exists")
        return [new.id]
    out: list[str] = []
    n = 1
    while len(out) < new.count:
        candidate = f"new-{n}"
        if candidate not in taken and candidate not in out:
            out.append(candidate)
        n += 1
    return out


def _engineers(ds: DataSet, ch: ScenarioChanges, path: str) -> list[Engineer]:
    """The data set's engineers, minus the removed, plus the hired."""
    by_id = {e.id: e for e in ds.engineers}
    kept_ids = _remove(list(by_id), ch.remove_engineers, f"{path}.changes.remove_engineers")
    out = [by_id[i] for i in kept_ids]
    for i, new in enumerate(ch.add_engineers):
        field = f"{path}.changes.add_engineers[{i}]"
        like = None
        if new.like is not None:
            if new.like not in by_id:
                raise UnknownReference(f"{field}.like", new.like, "unknown engineer")
            like = by_id[new.like]
        for ident in _new_ids(new, [e.id for e in out], field):
            out.append(_hired(ident, new, like, ds))
    if not out:
        raise InvalidInput(
            f"{path}.changes.remove_engineers", ch.remove_engineers, "no engineer left"
        )
    return out


def _hired(ident: str, new: NewEngineer, like: Engineer | None, ds: DataSet) -> Engineer:
    """A hired engineer: given fields, else those of ``like``, else the department's typical."""
    costs = [e.cost_per_hour_rub for e in ds.engineers] or [0.0]
    car = [e.car_cost_per_km_rub for e in ds.engineers] or [0.0]
    base = new.base or (like.base if like else ds.engineers[0].base if ds.engineers else None)
    if base is None:
        base = ds.sites[0].location
    return Engineer(
        id=ident,
        name=new.name or ident,
        skills=new.skills if new.skills is not None else (like.skills if like else list(Skill)),
        licence_b=new.licence_b if new.licence_b is not None else bool(like and like.licence_b),
        has_car=new.has_car if new.has_car is not None else bool(like and like.has_car),
        base=base,
        cost_per_hour_rub=new.cost_per_hour_rub
        if new.cost_per_hour_rub is not None
        else (like.cost_per_hour_rub if like else float(np.median(costs))),
        car_cost_per_km_rub=new.car_cost_per_km_rub
        if new.car_cost_per_km_rub is not None
        else (like.car_cost_per_km_rub if like else float(np.median(car))),
    )


def _absence_intervals(
    ds: DataSet, ch: ScenarioChanges, ids: set[str], clock: SimClock, path: str
) -> tuple[dict[str, list[tuple[float, float]]], dict[str, list[tuple[float, float]]]]:
    """Away and car-less intervals per engineer: the data set's (of engineers still there)
    plus the scenario's (which must name engineers of the scenario)."""
    base_abs = [a for a in ds.absences if a.engineer_id in ids]
    away = _absences_by_engineer(base_abs, ids, clock, "absences")
    extra = _absences_by_engineer(ch.absences, ids, clock, f"{path}.changes.absences")
    car_out: dict[str, list[tuple[float, float]]] = {}
    for source in (base_abs, ch.absences):
        for a in source:
            if a.kind == AbsenceKind.car_unavailable:
                car_out.setdefault(a.engineer_id, []).append(_span(a.start, a.end, clock))
    for i, c in enumerate(ch.cars_out):
        if c.engineer_id not in ids:
            raise UnknownReference(
                f"{path}.changes.cars_out[{i}].engineer_id", c.engineer_id, "unknown engineer"
            )
        car_out.setdefault(c.engineer_id, []).append(_span(c.start, c.end, clock))
    for k, v in extra.items():
        away.setdefault(k, []).extend(v)
    return {k: sorted(v) for k, v in away.items()}, {k: sorted(v) for k, v in car_out.items()}


def _absences_by_engineer(
    absences: Sequence[Absence], ids: set[str], clock: SimClock, field: str
) -> dict[str, list[tuple[float, float]]]:
    """Absences that take the engineer away (not a missing car), as minute intervals."""
    out: dict[str, list[tuple[float, float]]] = {}
    for i, a in enumerate(absences):
        if a.engineer_id not in ids:
            raise UnknownReference(f"{field}[{i}].engineer_id", a.engineer_id, "unknown engineer")
        if a.kind != AbsenceKind.car_unavailable:
            out.setdefault(a.engineer_id, []).append(_span(a.start, a.end, clock))
    return out


def _span(start: datetime, end: datetime, clock: SimClock) -> tuple[float, float]:
    """An aware interval as simulation minutes."""
    return (clock.minute_of(start), clock.minute_of(end))


def _office_templates(templates: Sequence[ShiftTemplate]) -> list[ShiftTemplate]:
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


def _template_shifts(
    templates: Sequence[ShiftTemplate], engineers: Sequence[Engineer], clock: SimClock, end: float
) -> dict[str, list[Shift]]:
    """Every engineer on the office template every working day (see the module docstring)."""
    office = _office_templates(templates)
    cal = default_calendar()
    days: list[Shift] = []
    for d in range(clock.days):
        if not clock.working[d] or d * MINUTES_PER_DAY >= end:
            continue
        day = clock.start + timedelta(days=d)
        tpl = _office_template_for(office, int(clock.office_weekday[d]))
        if tpl is not None:
            s = _minute_of_day(tpl.start)
            e = _minute_of_day(tpl.end) - (60 if clock.pre_holiday[d] else 0)
        else:
            spans = cal.open_intervals(day)
            if not spans:
                continue
            s = spans[0][0].hour * 60 + spans[0][0].minute
            e = spans[-1][1].hour * 60 + spans[-1][1].minute
        base = d * MINUTES_PER_DAY
        days.append(Shift(base + s, base + e, base + e, d))
    return {e.id: list(days) for e in engineers}


def _roster_shifts(
    base: BaseData, engineers: Sequence[Engineer], clock: SimClock, end: float, path: str
) -> dict[str, list[Shift]]:
    """Working time from the shift-planning engine (``engineers_from: roster``)."""
    from optimizer.simulate.roster import roster_shifts

    return roster_shifts(base, engineers, clock, end, path)


def _minute_of_day(t: time) -> int:
    return t.hour * 60 + t.minute


def _with_lunch(shifts: Sequence[Shift], index: int, lunch_min: int) -> list[Shift]:
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


def _paid_minutes(shifts: Sequence[Shift], horizon: float, lunch_min: int) -> float:
    """Scheduled paid minutes of day shifts starting inside the horizon (lunch unpaid)."""
    total = 0.0
    for s in shifts:
        if s.on_call or s.start >= horizon:
            continue
        span = s.end - s.start
        total += span - (lunch_min if span > 6 * 60 else 0)
    return total


# -- weekend on-call ---------------------------------------------------------------------------


def _on_call_days(
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


def _on_call_shifts(
    days: Sequence[int], ch: ScenarioChanges, hours: tuple[time, time], field: str
) -> list[Shift]:
    """On-call duty windows on the given days off."""
    oc = ch.weekend_on_call
    if oc is None:
        return []
    s, e = _minute_of_day(hours[0]), _minute_of_day(hours[1])
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


# -- SLA, sites, arrivals ---------------------------------------------------------------------


def _sla_table(ds: DataSet, ch: ScenarioChanges) -> SlaTable:
    """The data set's SLA policies with the scenario's SLA change applied to every one."""
    clocks, responses = [], []
    for p in ds.sla_policies:
        clock = p.clock
        resp = {pr: float(p.minutes_for(pr)) for pr in PRIORITIES}
        if ch.sla is not None:
            if ch.sla.clock is not None:
                clock = ch.sla.clock
            for pr, m in (ch.sla.response_min or {}).items():
                resp[pr] = float(m)
        if ch.sla_response_min is not None:
            resp[Priority.normal] = float(ch.sla_response_min)
        clocks.append(1 if clock == Clock.always else 0)
        responses.append([resp[pr] for pr in PRIORITIES])
    return SlaTable(
        ids=tuple(p.id for p in ds.sla_policies),
        clock=np.array(clocks, dtype=np.int8),
        response_min=np.array(responses, dtype=float),
    )


def _city_key(city: str) -> str:
    return city.strip().casefold()


def _sites_and_streams(
    scenario: Scenario,
    base: BaseData,
    clock: SimClock,
    hours: int,
    locations: list[Location],
    path: str,
) -> tuple[SiteTable, tuple[ArrivalStream, ...]]:
    """Sites (existing and added clients) and the arrival streams feeding them.

    The base stream is the history's rate; ``add_clients`` adds a stream per entry at the
    per-client rate of its city (the city's share of the history's tickets over its number of
    clients); ``demand_multiplier`` k thins every stream (k < 1) or adds a copy of the base at
    (k - 1) times its rate (k > 1), so the base tickets stay the same (common random numbers).
    """
    ds = base.dataset
    ch = scenario.changes
    cities = sorted({s.city for s in ds.sites})
    city_index = {c: i for i, c in enumerate(cities)}
    by_key = {_city_key(c): c for c in cities}
    policy_index = {p.id: i for i, p in enumerate(ds.sla_policies)}
    n = len(ds.sites)
    site_ids = [s.id for s in ds.sites]
    site_city = [city_index[s.city] for s in ds.sites]
    visitable = [s.visitable for s in ds.sites]
    policy = [policy_index[s.sla_policy] for s in ds.sites]
    loc = list(range(n))
    weight = list(base.site_weights)
    rate = hourly_rates(base.forecast, clock, hours, trend=scenario.demand_trend)
    k = ch.demand_multiplier
    thin = min(1.0, k)
    streams = [ArrivalStream("base", rate, np.arange(n), np.asarray(base.site_weights), thin=thin)]
    if k > 1:
        streams.append(
            ArrivalStream("demand", rate * (k - 1), np.arange(n), np.asarray(base.site_weights))
        )
    rng = np.random.default_rng(np.random.SeedSequence([scenario.seed, 0x51735]))
    for i, add in enumerate(ch.add_clients):
        field = f"{path}.changes.add_clients[{i}].city"
        city = by_key.get(_city_key(add.city))
        if city is None:
            raise UnknownReference(field, add.city, f"unknown city; known: {', '.join(cities)}")
        members = [j for j in range(n) if ds.sites[j].city == city]
        share = float(np.sum(base.site_weights[members]))
        per_client = share / len(members)
        new_sites = []
        for m in range(add.count):
            model_site = ds.sites[members[int(rng.integers(len(members)))]]
            new_sites.append(len(site_ids))
            site_ids.append(f"new-{i + 1}-{m + 1}")
            site_city.append(city_index[city])
            visitable.append(model_site.visitable)
            policy.append(policy_index[model_site.sla_policy])
            loc.append(len(locations))
            locations.append(_near(model_site.location, rng))
            weight.append(0.0)
        streams.append(
            ArrivalStream(
                f"clients:{i}:{_city_key(city)}",
                rate * per_client * add.count,
                np.array(new_sites),
                np.full(len(new_sites), 1.0 / len(new_sites)),
                thin=thin,
            )
        )
    if k > 1:
        # The added clients' demand is scaled directly: their stream is new anyway.
        streams = [s if not s.key.startswith("clients:") else _scaled(s, k) for s in streams]
    sites = SiteTable(
        ids=tuple(site_ids),
        city=np.array(site_city),
        cities=tuple(cities),
        visitable=np.array(visitable, dtype=bool),
        policy=np.array(policy),
        location=np.array(loc),
        weight=np.array(weight),
    )
    return sites, tuple(streams)


def _scaled(stream: ArrivalStream, k: float) -> ArrivalStream:
    return ArrivalStream(stream.key, stream.rate_per_hour * k, stream.sites, stream.site_p, 1.0)


def _near(location: Location, rng: np.random.Generator) -> Location:
    """A point about a kilometre from ``location`` (the same id for matrix locations)."""
    if location.lat is None or location.lon is None:
        return location
    return Location(
        lat=location.lat + float(rng.uniform(-1, 1)) * ADDED_SITE_JITTER_DEG,
        lon=location.lon + float(rng.uniform(-1, 1)) * ADDED_SITE_JITTER_DEG,
    )
