"""Large-neighbourhood search on an SLA stage of the dispatch model: re-plan a few engineers'
days exactly while everybody else's timetable stays as it is.

On a busy day of many engineers CP-SAT keeps finding fewer breaches for as long as it is
given: its own search moves a few tickets at a time. A dispatcher improving a plan by
hand does something else: takes three or four engineers whose skills overlap around a late
ticket, puts all their tickets back on the table with the tickets nobody took, and deals them
out again. That is this module. Each step fixes the crew and start of every ticket on the
other engineers and solves the stage's model exactly (CP-SAT, hinted with the plan in hand,
under ``stage ≤ value in hand``), so a step never returns a worse plan.

Neighbourhoods: half the time around a ticket that is late in the plan in hand — the engineer
doing it and other engineers who could — and otherwise ``params.lns_crews_freed`` engineers at
random. Reproducible: they come from ``random.Random(seed)``, and in deterministic mode each
step is one CP-SAT worker stopped by a deterministic work limit.

Its settings (engineers freed per step, step time, the share of the whole-model solve, the
smallest model searched) are in :class:`~optimizer.dispatch.params.SearchParams`; which stages
it improves, in the registry of terms (``searched``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from optimizer.dispatch.cpmodel import DispatchModel
from optimizer.dispatch.model import hint_solution
from optimizer.dispatch.params import SearchParams


@dataclass
class LnsResult:
    """The best solution found (every variable's value, by proto index), its stage value, the
    solver that produced it (None when no step improved on the start), and the work spent."""

    solution: list[int]
    value: int
    solver: cp_model.CpSolver | None
    spent: float
    steps: int = 0
    improved: int = 0


def applies(dm: DispatchModel, params: SearchParams) -> bool:
    """The search re-deals engineers' tickets: it needs per-engineer assignment variables (not
    the fleet model), more engineers than one step frees, and a model of at least
    ``params.lns_min_vars`` variables (smaller ones are left to CP-SAT's own search)."""
    return (
        params.lns
        and dm.fleet is None
        and len(dm.problem.crews) > params.lns_crews_freed
        and len(dm.model.proto.variables) >= params.lns_min_vars
    )


def improve_stage(
    dm: DispatchModel,
    objective: cp_model.LinearExprT,
    solution: list[int],
    value: int,
    *,
    budget: float,
    step: float,
    target: int | None,
    deterministic: bool,
    workers: int,
    seed: int,
    clock: Callable[[], float],
    crews_freed: int,
) -> LnsResult:
    """Improve ``solution`` (of ``dm.model``, stage value ``value``) in steps of ``step`` until
    ``budget`` is spent (both in seconds, or in work units when ``deterministic``) or the value
    meets ``target`` (a proven lower bound). ``clock()`` gives the wall seconds left overall (a
    safety cap); each step re-deals the tickets of ``crews_freed`` engineers."""
    rng = random.Random(seed)
    result = LnsResult(list(solution), value, None, 0.0)
    while result.spent < budget and (target is None or result.value > target):
        wall_left = clock()
        if wall_left <= 0.05:
            break
        began = time.perf_counter()
        freed = crews_to_free(dm, result.solution, rng, crews_freed)
        solver, status = _step(
            dm, objective, result, freed, min(step, budget - result.spent), wall_left,
            deterministic, workers, rng.randrange(1 << 30),
        )  # fmt: skip
        result.steps += 1
        # the wall time counts building the step too (a copy of the model)
        result.spent += solver.deterministic_time if deterministic else time.perf_counter() - began
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = round(solver.objective_value)
            if found < result.value:
                result.value, result.solver = found, solver
                result.solution = list(solver.response_proto.solution)
                result.improved += 1
    return result


def crews_to_free(
    dm: DispatchModel, solution: list[int], rng: random.Random, count: int
) -> set[int]:
    """The engineers whose tickets are re-dealt: half the time those around a late ticket,
    otherwise ``count`` engineers at random."""
    crews = [c.index for c in dm.problem.crews]
    k = min(count, len(crews))
    late = [j.index for j in dm.jobs if solution[dm.start[j.index].index] > j.deadline]
    freed: set[int] = set()
    if late and rng.random() < 0.5:
        freed = crews_around(dm, rng.choice(late), solution, rng, k)
    rest = [c for c in crews if c not in freed]
    return freed | set(rng.sample(rest, max(0, k - len(freed))))


def crews_around(
    dm: DispatchModel, job: int, solution: list[int], rng: random.Random, k: int
) -> set[int]:
    """The engineer doing ``job`` (none when it is left out) and others who could do it, at
    most ``k`` in all: re-dealt together, one of them may take it earlier."""
    doing = [c for c in dm.cands[job] if solution[dm.x[job, c].index]]
    others = [c for c in dm.cands[job] if c not in doing]
    return set(doing) | set(rng.sample(others, min(len(others), k - len(doing))))


def _step(
    dm: DispatchModel,
    objective: cp_model.LinearExprT,
    current: LnsResult,
    freed: set[int],
    step: float,
    wall_left: float,
    deterministic: bool,
    workers: int,
    seed: int,
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    """Solve the stage with every ticket outside ``freed`` kept on its engineer and start."""
    sol = current.solution
    sub = dm.model.clone()
    hint_solution(sub, sol)
    for (j, c), x in dm.x.items():
        if c in freed or not sol[x.index]:
            continue
        for index in (x.index, dm.start[j].index):
            sub.add(sub.get_int_var_from_proto_index(index) == sol[index])
    sub.add(objective <= current.value)
    sub.minimize(objective)
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.random_seed = seed
    prm.cp_model_probing_level = 0
    if deterministic:
        prm.num_workers = 1
        prm.max_deterministic_time = max(0.001, step)
        prm.max_time_in_seconds = wall_left
    else:
        prm.num_workers = workers
        prm.max_time_in_seconds = max(0.05, min(step, wall_left))
    return solver, solver.solve(sub)
