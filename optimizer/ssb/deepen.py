"""Prove a Shift Scheduling Benchmark optimum from below: restricted models at rising targets.

Column generation (:mod:`optimizer.ssb.price`) gives a lower bound ``L`` and the prices
that rule out, for a target ``T``, every choice no roster of penalty ≤ ``T`` makes. The roster
model with those choices removed and the penalty capped at ``T`` holds every roster of penalty
≤ ``T``, and nothing else. So, starting at ``T = ⌈L⌉``:

- the restricted model is infeasible: every roster costs more than ``T``, the bound is
  ``T + 1``, and the next target is tried;
- CP-SAT solves it to optimality with penalty ``v ≤ T``: ``v`` is the optimum of the whole
  benchmark instance, proven.

Near the bound the restricted models are small and their LP tight, which is what makes them
fast, where CP-SAT on the whole model spends its time far above the optimum.
:func:`minimise_within` searches the same restricted rosters without the cap, which finds good
rosters on its way (and the optimum, once the bound reaches it); :func:`minimise_until_proven`
repeats it at each bound it proves, so it never stops short of a proof while time is left.
The race of :mod:`optimizer.ssb.race` runs deepening and minimising side by side.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from optimizer.ssb.incumbent import Incumbent, SolutionRelay
from optimizer.ssb.instance import SsbInstance
from optimizer.ssb.model import SsbModel, build_ssb_model
from optimizer.ssb.params import SsbParams
from optimizer.ssb.price import TOLERANCE, Priced, excluded_choices, price_bound
from optimizer.ssb.rows import OFF, RowGraph, row_graphs


@dataclass
class DeepenStats:
    """Targets tried and how each ended (``INFEASIBLE``, ``OPTIMAL``, or out of time)."""

    targets: list[tuple[int, str, float]]


def restricted_model(
    inst: SsbInstance,
    floors: dict[str, np.ndarray],
    target: int,
    graphs: dict[str, RowGraph],
    cap: bool = True,
) -> tuple[SsbModel, int]:
    """The roster model holding exactly the rosters of penalty ≤ ``target`` (``cap``; without
    it, those and every other roster avoiding the removed choices), with the choices
    reduced-cost fixing rules out removed (``floors``: :func:`choice_floors`); and how many
    choices were removed."""
    built = build_ssb_model(inst)
    masks = excluded_choices(floors, target)
    removed = 0
    for st in inst.staff:
        mask = masks[st.id] & graphs[st.id].allowed
        for d, c in zip(*np.nonzero(mask), strict=True):
            day, choice = int(d), int(c)
            if choice == OFF:
                built.model.add(built.works[(st.id, day)] == 1)
            else:
                built.model.add(built.x[(st.id, day, inst.shifts[choice - 1].id)] == 0)
            removed += 1
    if cap:
        built.model.add(built.penalty <= target)
    return built, removed


def deepen(
    inst: SsbInstance,
    priced: Priced,
    shared: Incumbent,
    *,
    time_limit_s: float,
    seed: int = 0,
    deterministic_budget: float | None = None,
    min_stage_s: float = SsbParams.min_stage_s,
) -> DeepenStats:
    """Raise the proven bound target by target until the optimum is found (``shared`` is
    then closed), the time is up, or another thread stops ``shared``.

    Each target is one CP-SAT worker with the LP-heavy linearization (which proves these small
    restricted models); with ``deterministic_budget`` each solve is capped by deterministic
    work instead of the clock alone, so the same instance gives the same steps. A target is
    tried only with ``min_stage_s`` left."""
    t0 = time.perf_counter()
    stats = DeepenStats([])
    target = math.ceil(priced.price.bound - TOLERANCE)
    shared.raise_bound(target)
    while not shared.stop.is_set():
        left = time_limit_s - (time.perf_counter() - t0)
        if left < min_stage_s:
            break
        target = max(target, math.ceil(shared.bound - TOLERANCE))
        _, best = shared.best()
        if best is not None and target >= best:
            shared.raise_bound(best)  # the bound reached the best roster: it is optimal
            break
        built, _ = restricted_model(inst, priced.floors, target, priced.graphs)
        solver, status = _solve_restricted(
            inst, built, shared, seed, left, deterministic_budget, overtaken_at=target
        )
        stats.targets.append((target, solver.status_name(status), round(solver.wall_time, 2)))
        if status == cp_model.OPTIMAL:
            shared.raise_bound(solver.objective_value)  # the optimum of the whole instance
            break
        if status == cp_model.INFEASIBLE:
            shared.raise_bound(target + 1)
            target += 1
            continue
        if shared.bound > target + TOLERANCE:
            continue  # another thread refuted this target meanwhile: on to the next one
        # out of time: every roster of penalty ≤ target lies in this model
        shared.raise_bound(min(float(target + 1), solver.best_objective_bound))
        break
    return stats


def minimise_within(
    inst: SsbInstance,
    priced: Priced,
    shared: Incumbent,
    *,
    time_limit_s: float,
    seed: int = 0,
    ahead: int = 0,
) -> str:
    """Minimise the penalty over the rosters that keep the choices open at the target ``T``
    (the current bound plus ``ahead``, at most one below the best roster), without capping the
    penalty: every roster of penalty ≤ ``T`` is among them, and so are many a little dearer,
    which the search finds on its way. Its optimum ``v`` is the instance's when ``v ≤ T``;
    otherwise the bound is ``T + 1``. The solve stops early once another thread proves a bound
    above ``T``. Rosters go to ``shared``; returns CP-SAT's status name."""
    target = math.ceil(shared.bound - TOLERANCE) + ahead
    _, best = shared.best()
    if best is not None:
        target = max(math.ceil(shared.bound - TOLERANCE), min(target, best - 1))
    built, _ = restricted_model(inst, priced.floors, target, priced.graphs, cap=False)
    solver, status = _solve_restricted(
        inst, built, shared, seed, max(0.1, time_limit_s), overtaken_at=target
    )
    if status == cp_model.OPTIMAL and solver.objective_value <= target + TOLERANCE:
        shared.raise_bound(solver.objective_value)
    elif status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        shared.raise_bound(target + 1)
    elif status == cp_model.FEASIBLE:
        shared.raise_bound(min(float(target + 1), solver.best_objective_bound))
    return solver.status_name(status)


def minimise_until_proven(
    inst: SsbInstance,
    priced: Priced,
    shared: Incumbent,
    *,
    time_limit_s: float,
    seed: int = 0,
    ahead: int = 0,
    min_stage_s: float = SsbParams.min_stage_s,
) -> list[str]:
    """:func:`minimise_within` at the current bound (plus ``ahead``), then again at each
    higher bound proven, until the best roster is proven optimal, the time is up or the race
    stops.

    One round alone may end with a roster dearer than its target and the bound one above it:
    stopping there would give up the rest of the time without a proof. Each round either
    closes ``shared`` or raises the bound, and opens the choices the new target allows. With
    :func:`deepen` refuting the bound's own target on another thread, ``ahead = 1`` keeps
    this search one target above it instead of repeating its work. Each round that ends
    without a roster within its target sets the next one further above the bound (1, 2, 4, …
    more), so a bound far below the optimum (a weak linear relaxation) is not raised one unit
    at a time. A round starts only with ``min_stage_s`` left. Returns CP-SAT's status of each
    round."""
    t0 = time.perf_counter()
    statuses: list[str] = []
    jump = 0
    while not shared.stop.is_set() and not shared.closed:
        left = time_limit_s - (time.perf_counter() - t0)
        if left < min_stage_s:
            break
        before = shared.bound
        status = minimise_within(
            inst, priced, shared, time_limit_s=left, seed=seed, ahead=ahead + jump
        )
        statuses.append(status)
        if shared.bound <= before:
            break  # out of time without a roster: nothing was proven
        if status in ("OPTIMAL", "INFEASIBLE"):
            jump = max(1, 2 * jump)  # the round ran to its end below the optimum
    return statuses


def _solve_restricted(
    inst: SsbInstance,
    built: SsbModel,
    shared: Incumbent,
    seed: int,
    time_limit_s: float,
    deterministic_budget: float | None = None,
    overtaken_at: int | None = None,
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    """One LP-heavy CP-SAT worker (which proves these small restricted models) on ``built``,
    hinted with the best roster so far; rosters go to ``shared``, and the solve stops when the
    race ends or (``overtaken_at``) once the bound passes that target."""
    plan, _ = shared.best()
    if plan:
        built.add_hint(inst, plan)
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.num_workers = 1
    prm.linearization_level = 2
    prm.random_seed = seed
    prm.max_time_in_seconds = time_limit_s
    if deterministic_budget is not None:
        prm.max_deterministic_time = deterministic_budget
    overtaken = stop_when_overtaken(solver, overtaken_at) if overtaken_at is not None else None
    shared.watch(solver.stop_search)
    if overtaken is not None:
        shared.listen(overtaken)
    try:
        status = solver.solve(built.model, SolutionRelay(inst, built, shared))
    finally:
        shared.unwatch(solver.stop_search)
        if overtaken is not None:
            shared.unlisten(overtaken)
    return solver, status


def stop_when_overtaken(solver: cp_model.CpSolver, target: int) -> Callable[[float], None]:
    """A bound listener stopping ``solver`` once the bound passes its target (another thread
    deepening in parallel refuted it)."""

    def raised(bound: float) -> None:
        if bound > target + TOLERANCE:
            solver.stop_search()

    return raised


def prove_by_pricing(
    inst: SsbInstance,
    shared: Incumbent,
    params: SsbParams,
    *,
    time_limit_s: float,
    seed: int = 0,
    deterministic_budget: float | None = None,
    on_priced: Callable[[Priced], None] | None = None,
) -> DeepenStats | None:
    """Column generation, then :func:`deepen` from its bound; None (nothing tried beyond
    pricing) when the rows could not be modelled exactly, or when the master did not converge
    in ``params.pricing_share`` of the time (or ``params.pricing_max_rounds``) to within one
    unit of its LP value: the caller spends the rest otherwise. Prices that have not quite
    converged still give a valid bound and valid fixing, and within one unit of the master's
    value their bound, rounded up, is at most one below the converged one, so deepening
    starts from them rather than giving up.

    Every roster found goes to ``shared``; its bound rises with every target refuted.
    ``on_priced`` gets the prices before deepening starts (another thread may then deepen in
    parallel with the same prices)."""
    t0 = time.perf_counter()
    graphs = row_graphs(inst, params)
    if not all(g.exact for g in graphs.values()):
        return None
    plan, _ = shared.best()
    price = price_bound(
        inst,
        graphs,
        start=plan or None,
        time_limit_s=time_limit_s * params.pricing_share,
        smoothing=params.price_smoothing,
        max_rounds=params.pricing_max_rounds,
    )
    if price is None or shared.stop.is_set():
        return None
    if not price.converged and price.lp - price.bound >= 1 - TOLERANCE:
        return None
    shared.raise_bound(math.ceil(price.bound - TOLERANCE))
    priced = Priced.of(inst, price, graphs)
    if on_priced is not None:
        on_priced(priced)
    return deepen(
        inst,
        priced,
        shared,
        time_limit_s=time_limit_s - (time.perf_counter() - t0),
        seed=seed,
        deterministic_budget=deterministic_budget,
        min_stage_s=params.min_stage_s,
    )
