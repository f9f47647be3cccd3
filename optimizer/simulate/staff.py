"""Who works in a scenario of the sample department, and when they are away.

The data set's engineers minus ``remove_engineers`` plus ``add_engineers`` (a hire copies
``like`` or the department's typical engineer, and holds skills of the base's catalogue or
the scenario's own ``skills``); absences are the data set's (of engineers
still there) plus the scenario's, as minute intervals of the simulation. Every reference is
checked here and an unknown one names its field (``scenarios[1].changes.absences[0]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from optimizer.domain.base import Absence, DataSet, Engineer
from optimizer.domain.common import AbsenceKind
from optimizer.domain.scenario import NewEngineer, ScenarioChanges
from optimizer.errors import InvalidInput, UnknownReference
from optimizer.simulate.clock import SimClock


def remove_ids(ids: list[str], removed: Sequence[str], field: str) -> list[str]:
    """Drop engineers; naming one who is not there is an error."""
    known = set(ids)
    for i, r in enumerate(removed):
        if r not in known:
            raise UnknownReference(f"{field}[{i}]", r, "unknown engineer")
    return [x for x in ids if x not in set(removed)]


def new_engineer_ids(new: NewEngineer, taken: list[str], field: str) -> list[str]:
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


def scenario_engineers(
    ds: DataSet, ch: ScenarioChanges, path: str, typical_skills: Sequence[str]
) -> list[Engineer]:
    """The data set's engineers, minus the removed, plus the hired (a hire with neither
    ``skills`` nor ``like`` holds ``typical_skills``)."""
    by_id = {e.id: e for e in ds.engineers}
    kept_ids = remove_ids(list(by_id), ch.remove_engineers, f"{path}.changes.remove_engineers")
    out = [by_id[i] for i in kept_ids]
    for i, new in enumerate(ch.add_engineers):
        field = f"{path}.changes.add_engineers[{i}]"
        like = None
        if new.like is not None:
            if new.like not in by_id:
                raise UnknownReference(f"{field}.like", new.like, "unknown engineer")
            like = by_id[new.like]
        for ident in new_engineer_ids(new, [e.id for e in out], field):
            out.append(hired_engineer(ident, new, like, ds, typical_skills))
    if not out:
        raise InvalidInput(
            f"{path}.changes.remove_engineers", ch.remove_engineers, "no engineer left"
        )
    return out


def hired_engineer(
    ident: str,
    new: NewEngineer,
    like: Engineer | None,
    ds: DataSet,
    typical_skills: Sequence[str],
) -> Engineer:
    """A hired engineer: given fields, else those of ``like``, else the department's typical
    (who holds ``typical_skills``: every skill in use)."""
    costs = [e.cost_per_hour_rub for e in ds.engineers] or [0.0]
    car = [e.car_cost_per_km_rub for e in ds.engineers] or [0.0]
    base = new.base or (like.base if like else ds.engineers[0].base if ds.engineers else None)
    if base is None:
        base = ds.sites[0].location
    return Engineer(
        id=ident,
        name=new.name or ident,
        skills=new.skills
        if new.skills is not None
        else (like.skills if like else list(typical_skills)),
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


def absence_intervals(
    ds: DataSet, ch: ScenarioChanges, ids: set[str], clock: SimClock, path: str
) -> tuple[dict[str, list[tuple[float, float]]], dict[str, list[tuple[float, float]]]]:
    """Away and car-less intervals per engineer: the data set's (of engineers still there)
    plus the scenario's (which must name engineers of the scenario)."""
    base_abs = [a for a in ds.absences if a.engineer_id in ids]
    away = absences_by_engineer(base_abs, ids, clock, "absences")
    extra = absences_by_engineer(ch.absences, ids, clock, f"{path}.changes.absences")
    car_out: dict[str, list[tuple[float, float]]] = {}
    for source in (base_abs, ch.absences):
        for a in source:
            if a.kind == AbsenceKind.car_unavailable:
                car_out.setdefault(a.engineer_id, []).append(minute_span(a.start, a.end, clock))
    for i, c in enumerate(ch.cars_out):
        if c.engineer_id not in ids:
            raise UnknownReference(
                f"{path}.changes.cars_out[{i}].engineer_id", c.engineer_id, "unknown engineer"
            )
        car_out.setdefault(c.engineer_id, []).append(minute_span(c.start, c.end, clock))
    for k, v in extra.items():
        away.setdefault(k, []).extend(v)
    return {k: sorted(v) for k, v in away.items()}, {k: sorted(v) for k, v in car_out.items()}


def absences_by_engineer(
    absences: Sequence[Absence], ids: set[str], clock: SimClock, field: str
) -> dict[str, list[tuple[float, float]]]:
    """Absences that take the engineer away (not a missing car), as minute intervals."""
    out: dict[str, list[tuple[float, float]]] = {}
    for i, a in enumerate(absences):
        if a.engineer_id not in ids:
            raise UnknownReference(f"{field}[{i}].engineer_id", a.engineer_id, "unknown engineer")
        if a.kind != AbsenceKind.car_unavailable:
            out.setdefault(a.engineer_id, []).append(minute_span(a.start, a.end, clock))
    return out


def minute_span(start: datetime, end: datetime, clock: SimClock) -> tuple[float, float]:
    """An aware interval as simulation minutes."""
    return (clock.minute_of(start), clock.minute_of(end))
