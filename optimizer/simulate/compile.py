"""From a validated :class:`Scenario` and the base data to a :class:`SimModel`.

Every reference is checked here, before any replication runs: engineers named by
``remove_engineers``, ``absences``, ``cars_out``, ``weekend_on_call`` and ``add_engineers.like``
must exist in the scenario's department, ``add_clients.city`` must be a city of the base's
sites, and a hire's skills must be in the base's skills catalogue or the scenario's own
``skills``; the error names the field (``scenarios[1].changes.remove_engineers[0]``).

The pieces live in their own modules: :mod:`~optimizer.simulate.synthetic` (the M/M/c base),
:mod:`~optimizer.simulate.staff` (who works, absences), :mod:`~optimizer.simulate.shifts`
(working time: templates, lunch, on-call, or the roster engine),
:mod:`~optimizer.simulate.sites` (SLA, sites, arrival streams) and
:mod:`~optimizer.simulate.backtest` (a recorded month of the history replayed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from optimizer.domain.base import DataSet, Engineer
from optimizer.domain.common import Location
from optimizer.domain.scenario import EngineerSource, Scenario
from optimizer.errors import InvalidInput
from optimizer.simulate.backtest import recorded_period
from optimizer.simulate.clock import MINUTES_PER_DAY, SimClock
from optimizer.simulate.fitted import BaseData
from optimizer.simulate.model import EngineerPlan, PhoneSpec, Shift, SimModel, SkillBits
from optimizer.simulate.roster import roster_shifts
from optimizer.simulate.shifts import (
    on_call_days,
    on_call_hours,
    on_call_shifts,
    paid_minutes,
    scenario_lunch,
    template_shifts,
    with_lunch,
)
from optimizer.simulate.sites import sites_and_streams, sla_table
from optimizer.simulate.staff import absence_intervals, scenario_engineers
from optimizer.simulate.synthetic import compile_synthetic

SAMPLE_TAIL_DAYS = 14
"""Days simulated after the horizon of the sample base, so that tickets created near its end
(a Friday evening before the New Year holidays) can still start and be judged."""

MAX_TICKETS_PER_REPLICATION = 2_000_000
"""More expected tickets than this in one replication is refused (memory and time)."""

__all__ = ["BaseData", "compile_scenario"]


def compile_scenario(scenario: Scenario, base: BaseData | None, path: str = "scenario") -> SimModel:
    """Check the scenario's references against its base and compile it (see module docstring)."""
    if scenario.base.synthetic is not None:
        if scenario.backtest is not None:
            raise InvalidInput(
                f"{path}.backtest", scenario.backtest, "a backtest replays the sample history"
            )
        model = compile_synthetic(scenario, scenario.base.synthetic, path)
    elif base is None:
        raise InvalidInput(f"{path}.base", "sample", "the sample data set is not available")
    else:
        model = compile_sample(scenario, base, path)
    check_size(model, scenario, path)
    return model


def check_size(model: SimModel, scenario: Scenario, path: str) -> None:
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


def compile_sample(scenario: Scenario, base: BaseData, path: str) -> SimModel:
    """The sample department with the scenario's changes (a recorded month when it is a
    backtest: the history's own tickets arrive instead of the fitted stream)."""
    ds = base.dataset
    ch = scenario.changes
    period = (
        recorded_period(scenario.backtest, base, f"{path}.backtest")
        if scenario.backtest is not None
        else None
    )
    start = period.clock_start if period is not None else (scenario.start or base.start)
    horizon = (
        period.horizon_days if period is not None else scenario.horizon_days
    ) * MINUTES_PER_DAY
    warmup = (
        period.warmup_days if period is not None else scenario.effective_warmup_days
    ) * MINUTES_PER_DAY
    tail = SAMPLE_TAIL_DAYS * MINUTES_PER_DAY
    days = math.ceil((horizon + tail) / MINUTES_PER_DAY) + 1
    clock = SimClock.build(start, days)
    hours = math.ceil((horizon + tail) / 60)

    catalogue = scenario.catalogue(base.catalogue, path)
    engineers = scenario_engineers(ds, ch, path, base.skills.ids)
    skills = base.skills.extended(
        catalogue, [s for e in engineers for s in e.skills], f"{path}.changes.add_engineers"
    )
    locations: list[Location] = [s.location for s in ds.sites]
    base_loc: dict[str, int] = {}
    for e in engineers:
        base_loc[e.id] = len(locations)
        locations.append(e.base)
    if scenario.engineers_from == EngineerSource.roster:
        shifts = roster_shifts(base, engineers, clock, horizon + tail, catalogue, path)
    else:
        shifts = template_shifts(ds.shift_templates, engineers, clock, horizon + tail)
    plans = engineer_plans(scenario, ds, engineers, shifts, base_loc, clock, horizon, skills, path)
    sites, streams = sites_and_streams(scenario, base, clock, hours, locations, path)
    sla = sla_table(ds, ch)
    if period is not None:
        streams = tuple(s for s in streams if s.key != "base")
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
        warmup_min=warmup,
        tail_min=tail,
        sites=sites,
        sla=sla,
        mix=base.mix,
        streams=streams,
        engineers=plans,
        locations=tuple(locations),
        phone=PhoneSpec(
            operators=operators,
            calls_per_ticket=scenario.phone.calls_per_ticket,
            handle_min=scenario.phone.handle_min,
            target_min=scenario.phone.callback_target_min,
        ),
        sick_rate=sick_rate(scenario, backtest=period is not None),
        lunch_min=float(scenario_lunch(ds)),
        skills=skills,
        recorded=period.tickets(sites, clock, ch.demand_multiplier, skills) if period else None,
        backtest=period.summary(clock, sites, sla) if period is not None else None,
    )


def sick_rate(scenario: Scenario, backtest: bool) -> float:
    """Random sickness: none in a backtest (the recorded sick notes are among the absences)
    unless the scenario asks for it."""
    if backtest and scenario.sick_rate is None:
        return 0.0
    return scenario.effective_sick_rate


def engineer_plans(
    scenario: Scenario,
    ds: DataSet,
    engineers: Sequence[Engineer],
    shifts: dict[str, list[Shift]],
    base_loc: dict[str, int],
    clock: SimClock,
    horizon: float,
    skills: SkillBits,
    path: str,
) -> tuple[EngineerPlan, ...]:
    """Each engineer's plan: day shifts with lunch cut out, on-call duty, absences, car."""
    ch = scenario.changes
    ids = [e.id for e in engineers]
    away, car_out = absence_intervals(ds, ch, set(ids), clock, path)
    on_call = on_call_days(ch, ids, clock, path)
    oc_hours = on_call_hours(ch, ds.shift_templates)
    lunch = scenario_lunch(ds)
    plans = []
    for i, e in enumerate(engineers):
        day_shifts = shifts[e.id] + on_call_shifts(
            on_call.get(e.id, []), ch, oc_hours, f"{path}.changes.weekend_on_call.end"
        )
        day_shifts.sort(key=lambda s: s.start)
        plans.append(
            EngineerPlan(
                id=e.id,
                skills=skills.mask(e.skills),
                can_visit=e.can_visit,
                base=base_loc[e.id],
                cost_per_hour=e.cost_per_hour_rub,
                car_cost_per_km=e.car_cost_per_km_rub,
                shifts=tuple(with_lunch(day_shifts, i, lunch)),
                away=tuple(away.get(e.id, ())),
                car_out=tuple(car_out.get(e.id, ())),
                paid_minutes=paid_minutes(shifts[e.id], horizon, lunch),
            )
        )
    return tuple(plans)
