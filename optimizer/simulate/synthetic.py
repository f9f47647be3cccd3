"""The synthetic base: the M/M/c queue of Erlang C as a department.

One site, one 24x7 SLA policy, identical remote engineers with one skill on duty around the
clock, Poisson arrivals and exponential durations: the case where the simulator must agree with
queueing theory (:mod:`optimizer.simulate.validation`). Changes that have no meaning there
(new clients in a city, weekend on-call) are refused naming their field.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np

from optimizer.domain.common import Location, Priority
from optimizer.domain.scenario import Scenario, ScenarioChanges, SyntheticBase
from optimizer.domain.skills import default_catalogue
from optimizer.errors import InvalidInput, UnknownReference
from optimizer.simulate.clock import MINUTES_PER_DAY, SimClock
from optimizer.simulate.demand import synthetic_mix
from optimizer.simulate.model import (
    PRIORITIES,
    ArrivalStream,
    EngineerPlan,
    PhoneSpec,
    Shift,
    SimModel,
    SiteTable,
    SkillBits,
    SlaTable,
    TheorySpec,
)
from optimizer.simulate.staff import absences_by_engineer, new_engineer_ids, remove_ids

SYNTHETIC_SKILL = "asterisk_dialplan"
"""The one skill of the synthetic base's tickets and engineers (a built-in one)."""

SYNTHETIC_START = date(2027, 1, 4)
"""Any date does for the synthetic base (24x7); a Monday keeps the weekday plots tidy."""


def compile_synthetic(scenario: Scenario, syn: SyntheticBase, path: str) -> SimModel:
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
    names = remove_ids(names, ch.remove_engineers, f"{path}.changes.remove_engineers")
    for i, new in enumerate(ch.add_engineers):
        names += new_engineer_ids(new, names, f"{path}.changes.add_engineers[{i}]")
    if not names:
        raise InvalidInput(
            f"{path}.changes.remove_engineers", ch.remove_engineers, "no engineer left"
        )
    away = absences_by_engineer(ch.absences, set(names), clock, f"{path}.changes.absences")
    skills = SkillBits.of(
        scenario.catalogue(default_catalogue(), path), [SYNTHETIC_SKILL], "skills"
    )
    one_skill = skills.mask([SYNTHETIC_SKILL])
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
        mix=synthetic_mix(syn.mean_duration_min, skills, SYNTHETIC_SKILL),
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
        skills=skills,
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
