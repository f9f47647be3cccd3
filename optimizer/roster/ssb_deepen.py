"""Prove a Shift Scheduling Benchmark optimum from below: restricted models at rising targets.

Column generation (:mod:`optimizer.roster.ssb_price`) gives a lower bound ``L`` and the prices
that rule out, for a target ``T``, every choice no roster of penalty ≤ ``T`` makes. The roster
model with those choices removed and the penalty capped at ``T`` holds every roster of penalty
≤ ``T``, and nothing else. So, starting at ``T = ⌈L⌉``:

- the restricted model is infeasible: every roster costs more than ``T``, the bound is
  ``T + 1``, and the next target is tried;
- CP-SAT solves it to optimality with penalty ``v ≤ T``: ``v`` is the optimum of the whole
  benchmark instance, proven.

Near the bound the restricted models are small and their LP tight, which is what makes them
fast: on Instance7 ``T = 1055`` is refuted in 3–6 s, where CP-SAT on the whole model ends a
minute at 1062–1073 with a bound of 1050. :func:`minimise_within` searches the same restricted
rosters without the cap, which finds good rosters on its way (and the optimum, once the bound
reaches it): the race of :mod:`optimizer.roster.benchmark` runs both side by side.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from optimizer.io.benchmark_ssb import SsbInstance
from optimizer.roster.benchmark import SolutionRelay, SsbModel, build_ssb_model
from optimizer.roster.ssb_lns import Incumbent
from optimizer.roster.ssb_price import (
    TOLERANCE,
    PriceBound,
    choice_floors,
    excluded_choices,
    price_bound,
)
from optimizer.roster.ssb_rows import OFF, RowGraph, row_graphs


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
    price: PriceBound,
    graphs: dict[str, RowGraph],
    shared: Incumbent,
    *,
    time_limit_s: float,
    seed: int = 0,
    deterministic_budget: float | None = None,
) -> DeepenStats:
    """Raise the proven bound target by target until the optimum is found (``shared`` is
    then closed), the time is up, or another thread stops ``shared``.

    Each target is one CP-SAT worker with the LP-heavy linearization (which proves these small
    restricted models); with ``deterministic_budget`` each solve is capped by deterministic
    work instead of the clock alone, so the same instance gives the same steps."""
    t0 = time.perf_counter()
    stats = DeepenStats([])
    floors = choice_floors(inst, price, graphs)
    target = math.ceil(price.bound - TOLERANCE)
    shared.raise_bound(target)
    while not shared.stop.is_set():
        left = time_limit_s - (time.perf_counter() - t0)
        if left < 0.1:
            break
        target = max(target, math.ceil(shared.bound - TOLERANCE))
        _, best = shared.best()
        if best is not None and target >= best:
            shared.raise_bound(best)  # the bound reached the best roster: it is optimal
            break
        built, _ = restricted_model(inst, floors, target, graphs)
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
    price: PriceBound,
    graphs: dict[str, RowGraph],
    shared: Incumbent,
    *,
    time_limit_s: float,
    seed: int = 0,
) -> str:
    """Minimise the penalty over the rosters that keep the choices open at the current bound
    ``T``, without capping the penalty: every roster of penalty ≤ ``T`` is among them, and so
    are many a little dearer, which the search finds on its way (Instance7: 1,058 within
    20 s). Its optimum ``v`` is the instance's when ``v ≤ T``; otherwise the bound is ``T + 1``.
    Rosters go to ``shared``; returns CP-SAT's status name."""
    target = math.ceil(shared.bound - TOLERANCE)
    floors = choice_floors(inst, price, graphs)
    built, _ = restricted_model(inst, floors, target, graphs, cap=False)
    solver, status = _solve_restricted(inst, built, shared, seed, max(0.1, time_limit_s))
    if status == cp_model.OPTIMAL and solver.objective_value <= target + TOLERANCE:
        shared.raise_bound(solver.objective_value)
    elif status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        shared.raise_bound(target + 1)
    elif status == cp_model.FEASIBLE:
        shared.raise_bound(min(float(target + 1), solver.best_objective_bound))
    return solver.status_name(status)


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
    overtaken = _stop_when_overtaken(solver, overtaken_at) if overtaken_at is not None else None
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


def _stop_when_overtaken(solver: cp_model.CpSolver, target: int) -> Callable[[float], None]:
    """A bound listener stopping ``solver`` once the bound passes its target (another thread
    deepening in parallel refuted it)."""

    def raised(bound: float) -> None:
        if bound > target + TOLERANCE:
            solver.stop_search()

    return raised


PRICING_SHARE = 0.3
"""Share of the time column generation may take before deepening starts (it converges in
0.5–7 s on Instances 1–7; on Instance8 it is still far off after 40 s)."""


def prove_by_pricing(
    inst: SsbInstance,
    shared: Incumbent,
    *,
    time_limit_s: float,
    seed: int = 0,
    deterministic_budget: float | None = None,
    on_priced: Callable[[PriceBound, dict[str, RowGraph]], None] | None = None,
) -> DeepenStats | None:
    """Column generation, then :func:`deepen` from its bound; None (nothing tried beyond
    pricing) when the rows could not be modelled exactly or the master did not converge in
    :data:`PRICING_SHARE` of the time: the caller spends the rest otherwise.

    Every roster found goes to ``shared``; its bound rises with every target refuted.
    ``on_priced`` gets the converged prices before deepening starts (another thread may then
    deepen in parallel with the same prices)."""
    t0 = time.perf_counter()
    graphs = row_graphs(inst)
    if not all(g.exact for g in graphs.values()):
        return None
    plan, _ = shared.best()
    price = price_bound(inst, plan or None, time_limit_s * PRICING_SHARE, graphs)
    if price is None or not price.converged or shared.stop.is_set():
        return None
    shared.raise_bound(math.ceil(price.bound - TOLERANCE))
    if on_priced is not None:
        on_priced(price, graphs)
    return deepen(
        inst,
        price,
        graphs,
        shared,
        time_limit_s=time_limit_s - (time.perf_counter() - t0),
        seed=seed,
        deterministic_budget=deterministic_budget,
    )
