"""The optimal policy: the CP-SAT model solved lexicographically, in stages.

The objective terms (:data:`~optimizer.dispatch.schedule.TERMS`) are in strict priority order.
Consecutive terms are packed into one stage with *exact* lexicographic weights — each term's
weight exceeds the largest possible total of every term after it in the stage, computed from the
terms' ranges — as long as the stage's whole range stays below :data:`STAGE_RANGE_LIMIT`. The
next stage is solved with the previous stages' values kept (``stage ≤ value found``) and the
previous solution as the hint. With a time limit a stage may end unproven; the ``gap`` reported
is that of the first stage not proven optimal, which is where the lexicographic comparison is
decided.

Bounds: before a stage of one SLA term (urgent waiting, breaches, minutes late, tickets left
out) the time-indexed relaxation of :mod:`optimizer.dispatch.bound` gives an independent lower
bound given the values kept so far. It is added to the stage as a cut, so CP-SAT stops as soon as
a plan meets it; when the plan in hand meets it already the stage is proven without a solve.
Once a stage is left unproven its gap is the one reported, and a later stage's bound could only
stop that stage's search early, which on M-sized days it never does: the relaxation is not
asked again, and its time goes to the search (M, 10 s: minutes late got 0.8 s, of which the
bound took 0.5 s and found nothing, and CP-SAT, given the rest, returned no plan at all).

Search: the breaches and minutes-late stages get a first CP-SAT solve on the whole model
(:data:`~optimizer.dispatch.lns.FIRST_SHARE` of their time), then a large-neighbourhood search
(:mod:`optimizer.dispatch.lns`) re-deals a few engineers' tickets at a time from its plan, or
from the previous stage's plan when the first solve ran out of time before it had one (M
benchmark, four seeds, 10 s: weighted breaches median 228 against 253 without it; M-sick 239
against 270; M-new_year 441 against 466; not on small models such as S, see ``lns.MIN_VARS``).

Time: the budget is shared among the stages (:data:`STAGE_SHARE`), and what a stage leaves
unused goes to the next. In deterministic mode the budget is CP-SAT's deterministic time
(``time_limit_s × work_per_second``) and the wall clock is only a safety cap.
"""

from __future__ import annotations

import functools
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from optimizer.dispatch import lns
from optimizer.dispatch.bound import BOUNDED_TERMS, Relaxation, build_relaxation, stage_bound
from optimizer.dispatch.fleet import build_fleet_model, fleet_hint, fleet_of, read_fleet_schedule
from optimizer.dispatch.model import (
    DispatchModel,
    Term,
    build_model,
    hint_solution,
    hint_values,
    read_schedule,
)
from optimizer.dispatch.problem import Problem, twin_groups
from optimizer.dispatch.schedule import TERMS, Schedule, evaluate, relabel_twins

STAGE_RANGE_LIMIT = 2**40
"""Largest range of one stage's weighted objective (keeps CP-SAT's arithmetic comfortable)."""

SOLO_TERMS = frozenset({"pins_dropped", "urgent_wait", "breaches", "late_min", "left_out"})
"""The SLA terms are solved one per stage: fixing each before the next lets CP-SAT prove them
(a breach count is a max-SAT question its core search closes fast; combined with minutes late
under big weights it is not)."""

BIG_MODEL_VARS = 20_000
"""Models with more variables are solved without CP-SAT's presolve."""

STAGE_SHARE = {
    "pins_dropped": 0.5,
    "urgent_wait": 3.0,
    "breaches": 10.0,
    "late_min": 2.0,
    "left_out": 0.5,
    "travel": 2.0,
    "early_start": 0.25,
}
"""Relative share of the time budget per stage (by its first term; others 1). Breaches come
first among what is still open after urgent waiting, and on M-sized days CP-SAT keeps finding
fewer of them for as long as it is given: share 10 against 5, four seeds of M, 10 s — weighted
breaches median 247 against 259 (M-new_year 454 against 475), minutes late and later terms
paying for it, as their priority allows. Urgent waiting, the first term, gets three times the
share: on M-new_year (10 s, four seeds) CP-SAT then brings it from 17 to 7 minutes in every
run (proven in two) where 0.6 s left it at 17. Twice the share was enough on the relaxation's
30-minute grid (7 in three runs of four) but not once its 15-minute grid took its part of the
time (12, 17 and 17)."""


@dataclass
class Stage:
    """Terms solved together, with their exact lexicographic weights."""

    terms: list[Term]
    weights: list[int]

    def expr(self) -> cp_model.LinearExprT:
        return sum(w * t.expr for w, t in zip(self.weights, self.terms, strict=True))


@dataclass
class StageResult:
    names: list[str]
    status: str
    objective: float
    best_bound: float
    wall_s: float


@dataclass
class OptimalResult:
    """What the staged solve found (``schedule`` is None when no stage found a solution)."""

    schedule: Schedule | None
    status: str
    stages: list[StageResult] = field(default_factory=list)
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None


def pack_stages(terms: list[Term], limit: int = STAGE_RANGE_LIMIT) -> list[Stage]:
    """Group consecutive terms into stages with exact lexicographic weights (constant terms are
    dropped: nothing to decide)."""
    groups: list[list[Term]] = []
    span = 0
    for term in terms:
        r = term.hi - term.lo
        if r <= 0:
            continue
        solo = term.name in SOLO_TERMS or (groups and groups[-1][-1].name in SOLO_TERMS)
        if groups and not solo and span * (r + 1) + r <= limit:
            groups[-1].append(term)
            span = span * (r + 1) + r
        else:
            groups.append([term])
            span = r
    stages = []
    for group in groups:
        weights = [1] * len(group)
        for k in range(len(group) - 2, -1, -1):
            below = sum(weights[i] * (group[i].hi - group[i].lo) for i in range(k + 1, len(group)))
            weights[k] = below + 1
        stages.append(Stage(group, weights))
    return stages


def solver_workers(requested: int | None, deterministic: bool) -> int:
    """CP-SAT workers: as requested; by default one per core (at most 8), or one when the
    search must be deterministic."""
    if requested is not None:
        return requested
    if deterministic:
        return 1
    return max(1, min(8, os.cpu_count() or 1))


def solve_optimal(problem: Problem, hint: Schedule, started: float | None = None) -> OptimalResult:
    """Solve the CP-SAT model stage by stage, starting from ``hint``; the wall clock counts from
    ``started`` (the start of the whole solve) when given."""
    opts = problem.options
    wall_start = time.perf_counter() if started is None else started
    hint = relabel_twins(hint, twin_groups(problem))
    fleet = fleet_of(problem)
    if fleet is not None:
        dm = build_fleet_model(problem, fleet)
        read = read_fleet_schedule
    else:
        dm = build_model(problem, keep=hint)
        read = read_schedule
    stages = pack_stages(dm.terms)
    if not stages:  # every term is fixed already: the hint is optimal
        return OptimalResult(schedule=hint, status="OPTIMAL", objective=0, best_bound=0, gap=0.0)
    _set_hint(dm, fleet_hint(dm, hint) if fleet is not None else hint_values(dm, hint))
    big = len(dm.model.proto.variables) > BIG_MODEL_VARS
    wall_cap = opts.time_limit_s * (2.0 if opts.deterministic else 1.0)
    budget = opts.time_limit_s * (opts.work_per_second if opts.deterministic else 1.0)
    shares = [STAGE_SHARE.get(stage.terms[0].name, 1.0) for stage in stages]
    result = OptimalResult(schedule=None, status="UNKNOWN")
    spent = 0.0
    all_optimal = True
    workers = solver_workers(opts.num_workers, opts.deterministic)
    relaxation = _LazyRelaxation(problem)
    previous: list[int] | None = None  # the last stage's solution, by proto index

    def wall_left_now() -> float:
        return wall_cap - (time.perf_counter() - wall_start)

    for k, stage in enumerate(stages):
        objective = stage.expr()
        share = shares[k] / sum(shares[k:])
        cut = None
        # The plan in hand keeps every earlier stage's value; at its floor it settles this one.
        in_hand = dict(zip(TERMS, evaluate(problem, result.schedule or hint), strict=True))
        at_floor = all(in_hand[t.name] == t.lo for t in stage.terms)
        if not at_floor and result.gap is None:
            lp_start = time.perf_counter()
            lp_limit = min(wall_cap - (lp_start - wall_start), budget - spent) * share
            cut = relaxation.bound(stage, result.stages, lp_limit * LP_SHARE, opts.deterministic)
            if not opts.deterministic:
                spent += time.perf_counter() - lp_start
        proven: int | None = None
        if at_floor:
            proven = _stage_value(stage, {t.name: t.lo for t in stage.terms})
        elif cut is not None:
            dm.model.add(objective >= cut)
            if _stage_value(stage, in_hand) <= cut:
                proven = cut  # the plan in hand meets the relaxation's bound
        if proven is not None:  # proven without a solve
            names = [t.name for t in stage.terms]
            result.stages.append(StageResult(names, "OPTIMAL", proven, proven, 0.0))
            dm.model.add(objective <= proven)
            if result.schedule is None:
                result.schedule = hint
            continue
        wall_left = wall_cap - (time.perf_counter() - wall_start)
        if wall_left <= 0.01:
            all_optimal = False
            break
        limit = max(0.05, (budget - spent) * share)
        searched = stage.terms[0].name in LNS_TERMS and lns.applies(dm)
        first_limit = max(0.05, limit * lns.FIRST_SHARE) if searched else limit
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.num_workers = workers
        prm.random_seed = opts.seed
        # Probing in presolve costs seconds on M/L models and is repeated at every stage; a
        # stage cut short in presolve would not even return its (complete, feasible) hint.
        prm.cp_model_probing_level = 0
        if big:
            # On L-sized models presolve alone takes seconds, and it would be repeated at every
            # stage; the search starts from the complete hint at once without it.
            prm.cp_model_presolve = False

        if opts.deterministic:
            prm.max_deterministic_time = first_limit
            prm.max_time_in_seconds = wall_left
            if workers > 1:
                prm.interleave_search = True
        else:
            prm.max_time_in_seconds = min(first_limit, wall_left)
        dm.model.minimize(objective)
        t0 = time.perf_counter()
        status = solver.solve(dm.model)
        used = solver.deterministic_time if opts.deterministic else time.perf_counter() - t0
        spent += used
        name = solver.status_name(status)
        floor = sum(w * t.lo for w, t in zip(stage.weights, stage.terms, strict=True))
        known = floor if cut is None else max(floor, cut)  # the stage's proven lower bound

        search = functools.partial(
            lns.improve_stage, dm, objective,
            budget=limit - used,
            step=lns.STEP_S * (opts.work_per_second if opts.deterministic else 1.0),
            deterministic=opts.deterministic,
            workers=workers,
            seed=opts.seed + k,
            clock=wall_left_now,
        )  # fmt: skip
        found = None
        no_plan = status not in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        if no_plan and searched and previous is not None:
            # No plan from the whole model in its share of the time (M-sized days give minutes
            # late under a second): the search starts from the previous stage's plan instead.
            found = search(previous, _stage_value(stage, in_hand), target=known)
            spent += found.spent
        if found is not None and found.solver is not None:
            value, solution, solver = found.value, found.solution, found.solver
            bound: float = known
            status, name = cp_model.FEASIBLE, "FEASIBLE"
        elif no_plan:
            # Out of time before even loading the hint: the stage's terms keep the values of the
            # schedule in hand (so later stages cannot trade them away).
            value = _stage_value(stage, in_hand)
            elapsed = time.perf_counter() - t0
            result.stages.append(
                StageResult([t.name for t in stage.terms], name, value, floor, round(elapsed, 3))
            )
            if result.gap is None:
                result.objective, result.best_bound = value, floor
                result.gap = (value - floor) / max(1.0, abs(value))
            all_optimal = False
            dm.model.add(objective <= value)
            if result.schedule is None:
                result.schedule = hint
            continue
        else:
            value = round(solver.objective_value)
            bound = max(solver.best_objective_bound, cut if cut is not None else float("-inf"))
            solution = list(solver.response_proto.solution)
            if searched and status != cp_model.OPTIMAL and value > bound:
                found = search(solution, value, target=math.ceil(bound - 1e-6))
                spent += found.spent
                if found.solver is not None:
                    value, solution, solver = found.value, found.solution, found.solver
        if value <= bound:
            status, name = cp_model.OPTIMAL, "OPTIMAL"
        elapsed = time.perf_counter() - t0
        result.stages.append(
            StageResult([t.name for t in stage.terms], name, value, bound, round(elapsed, 3))
        )
        result.schedule = read(dm, solver.value)
        if status != cp_model.OPTIMAL and result.gap is None:
            all_optimal = False
            result.objective, result.best_bound = value, bound
            result.gap = (value - bound) / max(1.0, abs(value))
        hint_solution(dm.model, solution)  # the next stage starts from this one's plan
        previous = solution
        dm.model.add(objective <= value)
    if result.schedule is None:
        return result
    result.status = "OPTIMAL" if all_optimal else "FEASIBLE"
    if result.gap is None:
        last = result.stages[-1]
        result.objective, result.best_bound = last.objective, last.best_bound
        result.gap = 0.0 if all_optimal else None
    return result


LNS_TERMS = frozenset({"breaches", "late_min"})
"""Stages improved by the large-neighbourhood search (:mod:`optimizer.dispatch.lns`) after a
first CP-SAT solve (L benchmark, 30 s, three seeds: weighted breaches 1,029, 1,044 and 1,017
against 1,236, 1,063 and 1,071 without it)."""

LP_SHARE = 0.6
"""At most this share of a stage's time goes to the relaxation's bound (S, 10 s: minutes late
1.5 s of its stage's 3.5 s; at 0.4 the bound was cut short in one run of three and the stage's
gap was CP-SAT's own, 58%)."""


class _LazyRelaxation:
    """The time-indexed relaxation, built the first time a stage asks for its bound."""

    def __init__(self, problem: Problem) -> None:
        self._problem = problem
        self._relax: Relaxation | None = None
        self._built = False

    def bound(
        self, stage: Stage, done: list[StageResult], limit_s: float, deterministic: bool
    ) -> int | None:
        """The relaxation's bound on a one-term stage, given the values of the one-term stages
        before it; None for other stages, or when the relaxation cannot say in time."""
        if len(stage.terms) != 1 or stage.terms[0].name not in BOUNDED_TERMS or limit_s <= 0.01:
            return None
        if not self._built:
            self._relax, self._built = build_relaxation(self._problem), True
        if self._relax is None:
            return None
        kept = {s.names[0]: int(s.objective) for s in done if len(s.names) == 1}
        term = stage.terms[0]
        lb = stage_bound(self._relax, kept, {term.name: 1}, limit_s, deterministic)
        return lb if lb is not None and lb > term.lo else None


def _stage_value(stage: Stage, values: dict[str, int]) -> int:
    return sum(w * values[t.name] for w, t in zip(stage.weights, stage.terms, strict=True))


def _set_hint(dm: DispatchModel, values: dict[Any, int]) -> None:
    dm.model.clear_hints()
    for var, val in values.items():
        dm.model.add_hint(var, val)
