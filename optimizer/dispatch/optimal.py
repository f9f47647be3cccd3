"""The optimal policy: the CP-SAT model solved lexicographically, in stages.

The objective terms (:data:`~optimizer.dispatch.terms.TERMS`) are in strict priority order.
Consecutive terms are packed into one stage with *exact* lexicographic weights — each term's
weight exceeds the largest possible total of every term after it in the stage, computed from the
terms' ranges — as long as the stage's whole range stays below ``params.stage_range_limit``;
a term flagged ``solo`` in the registry gets a stage of its own. The next stage is solved with
the previous stages' values kept (``stage ≤ value found``) and the previous solution as the
hint. With a time limit a stage may end unproven; the ``gap`` reported is that of the first
stage not proven optimal, which is where the lexicographic comparison is decided.

Each stage goes through the steps of :class:`StagedSolve`:

1. *settle*: when the plan in hand is at the stage's floor, or meets the lower bound of the
   time-indexed relaxation (:mod:`optimizer.dispatch.bound`, for a one-term stage of a
   ``bounded`` term), the stage is proven without a solve. The relaxation's bound is also added
   to the stage as a cut, so CP-SAT stops as soon as a plan meets it. Once a stage is left
   unproven its gap is the one reported, and a later stage's bound could only stop that stage's
   search early: the relaxation is not asked again, and its time goes to the search.
2. *solve the whole model* with CP-SAT, for the stage's share of the time (a ``searched`` stage
   gets ``params.lns_first_share`` of it);
3. *search*: a ``searched`` stage left unproven is improved by the large-neighbourhood search
   (:mod:`optimizer.dispatch.lns`) from that plan, or from the previous stage's plan when the
   whole-model solve ran out of time before it had one;
4. *keep*: the stage's value is fixed for the later stages; a stage that found no plan keeps
   the value of the plan in hand (so later stages cannot trade it away).

Time: the budget is shared among the stages by the registry's ``share`` of each stage's first
term, and what a stage leaves unused goes to the next. In deterministic mode the budget is
CP-SAT's deterministic time (``time_limit_s × work_per_second``) and the wall clock is only a
safety cap.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from optimizer.dispatch import lns
from optimizer.dispatch.bound import Relaxation, build_relaxation, stage_bound
from optimizer.dispatch.cpmodel import DispatchModel, ModelTerm
from optimizer.dispatch.eligibility import twin_groups
from optimizer.dispatch.fleet import build_fleet_model, fleet_hint, fleet_of, read_fleet_schedule
from optimizer.dispatch.model import build_model, hint_solution, hint_values, read_schedule
from optimizer.dispatch.params import DEFAULT_PARAMS, SearchParams
from optimizer.dispatch.problem import Problem
from optimizer.dispatch.schedule import Schedule, relabel_twins
from optimizer.dispatch.terms import term_values


@dataclass
class Stage:
    """Terms solved together, with their exact lexicographic weights."""

    terms: list[ModelTerm]
    weights: list[int]

    def expr(self) -> cp_model.LinearExprT:
        return sum(w * t.expr for w, t in zip(self.weights, self.terms, strict=True))

    def value(self, values: dict[str, int]) -> int:
        """The stage's weighted value given each term's value."""
        return sum(w * values[t.name] for w, t in zip(self.weights, self.terms, strict=True))

    def floor(self) -> int:
        """The least the stage can be (every term at the low end of its range)."""
        return sum(w * t.lo for w, t in zip(self.weights, self.terms, strict=True))

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.terms]


@dataclass
class StageResult:
    """How one stage ended: its value, its proven lower bound, the wall time of its solve (0.0
    when it was proven without one), and how the search went (``searched_from``: ``"whole
    model"`` or ``"previous stage"``; None when the stage was not searched)."""

    names: list[str]
    status: str
    objective: float
    best_bound: float
    wall_s: float
    relaxation_asked: bool = False
    searched_from: str | None = None
    search_steps: int = 0


@dataclass
class OptimalResult:
    """What the staged solve found (``schedule`` is None when no stage found a solution)."""

    schedule: Schedule | None
    status: str
    stages: list[StageResult] = field(default_factory=list)
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None


def pack_stages(terms: list[ModelTerm], limit: int) -> list[Stage]:
    """Group consecutive terms into stages with exact lexicographic weights (constant terms are
    dropped: nothing to decide)."""
    groups: list[list[ModelTerm]] = []
    span = 0
    for term in terms:
        r = term.hi - term.lo
        if r <= 0:
            continue
        solo = term.spec.solo or (groups and groups[-1][-1].spec.solo)
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


def solve_optimal(
    problem: Problem,
    hint: Schedule,
    started: float | None = None,
    params: SearchParams = DEFAULT_PARAMS,
) -> OptimalResult:
    """Solve the CP-SAT model stage by stage, starting from ``hint``; the wall clock counts from
    ``started`` (the start of the whole solve) when given."""
    return StagedSolve(problem, hint, params, started).run()


class StagedSolve:
    """One lexicographic solve of a problem, from a hint: build the model, then each stage in
    turn (settle, solve the whole model, search, keep), then the result."""

    def __init__(
        self,
        problem: Problem,
        hint: Schedule,
        params: SearchParams = DEFAULT_PARAMS,
        started: float | None = None,
    ) -> None:
        opts = problem.options
        self.problem = problem
        self.params = params
        self.hint = relabel_twins(hint, twin_groups(problem))
        self.wall_start = time.perf_counter() if started is None else started
        self.deterministic = opts.deterministic
        self.wall_cap = opts.time_limit_s * (2.0 if opts.deterministic else 1.0)
        self.budget = opts.time_limit_s * (opts.work_per_second if opts.deterministic else 1.0)
        self.work_scale = opts.work_per_second if opts.deterministic else 1.0
        self.workers = solver_workers(opts.num_workers, opts.deterministic)
        self.result = OptimalResult(schedule=None, status="UNKNOWN")
        self.spent = 0.0  # seconds, or work units when deterministic
        self.all_optimal = True
        self.previous: list[int] | None = None  # the last stage's solution, by proto index
        self.relaxation = _LazyRelaxation(problem, params)
        self.dm: DispatchModel
        self.stages: list[Stage] = []
        self.shares: list[float] = []
        self.big = False

    # -- the whole run -------------------------------------------------------------------------

    def run(self) -> OptimalResult:
        """Every stage in priority order, until the time runs out."""
        self.build()
        if not self.stages:  # every term is fixed already: the hint is optimal
            return OptimalResult(
                schedule=self.hint, status="OPTIMAL", objective=0, best_bound=0, gap=0.0
            )
        for k, stage in enumerate(self.stages):
            if not self.solve_stage(k, stage):
                self.all_optimal = False
                break
        return self.finish()

    def build(self) -> None:
        """The model (on one routing graph for a fleet of interchangeable engineers), its
        stages with their time shares, and the hint."""
        fleet = fleet_of(self.problem)
        if fleet is not None:
            self.dm = build_fleet_model(self.problem, fleet)
            self._read = read_fleet_schedule
        else:
            self.dm = build_model(self.problem, keep=self.hint, params=self.params)
            self._read = read_schedule
        self.stages = pack_stages(self.dm.terms, self.params.stage_range_limit)
        if not self.stages:
            return
        hint = fleet_hint if fleet is not None else hint_values
        _set_hint(self.dm, hint(self.dm, self.hint))
        self.big = len(self.dm.model.proto.variables) > self.params.big_model_vars
        self.shares = [stage.terms[0].spec.share for stage in self.stages]

    def wall_left(self) -> float:
        """Wall seconds left before the safety cap."""
        return self.wall_cap - (time.perf_counter() - self.wall_start)

    def in_hand(self) -> dict[str, int]:
        """The terms' values of the plan in hand (it keeps every earlier stage's value)."""
        return term_values(self.problem, self.result.schedule or self.hint)

    # -- one stage -----------------------------------------------------------------------------

    def solve_stage(self, k: int, stage: Stage) -> bool:
        """Settle, solve, search and keep one stage; False when the wall clock has run out
        before its solve."""
        objective = stage.expr()
        share = self.shares[k] / sum(self.shares[k:])
        in_hand = self.in_hand()
        cut, asked = self.relaxation_cut(stage, share, in_hand)
        proven = self.settle(stage, objective, in_hand, cut)
        if proven is not None:
            self.keep_proven(stage, objective, proven, asked)
            return True
        wall_left = self.wall_left()
        if wall_left <= 0.01:
            return False
        outcome = StageResult(stage.names, "UNKNOWN", 0, 0, 0.0, relaxation_asked=asked)
        t0 = time.perf_counter()
        found = self.find_plan(k, stage, objective, share, in_hand, cut, wall_left, outcome)
        outcome.wall_s = round(time.perf_counter() - t0, 3)
        if found is None:
            self.keep_in_hand(stage, objective, in_hand, outcome)
        else:
            self.accept(stage, objective, outcome, *found)
        return True

    def find_plan(
        self,
        k: int,
        stage: Stage,
        objective: cp_model.LinearExprT,
        share: float,
        in_hand: dict[str, int],
        cut: int | None,
        wall_left: float,
        outcome: StageResult,
    ) -> tuple[list[int], cp_model.CpSolver] | None:
        """The stage's best plan (every variable's value, and the solver that found it) from
        CP-SAT on the whole model and, for a searched stage, the large-neighbourhood search;
        ``outcome`` gets its status, value and proven bound. None when no plan was found."""
        limit = max(0.05, (self.budget - self.spent) * share)
        searched = stage.terms[0].spec.searched and lns.applies(self.dm, self.params)
        first_limit = max(0.05, limit * self.params.lns_first_share) if searched else limit
        self.dm.model.minimize(objective)
        t0 = time.perf_counter()
        solver, status = self.solve_whole_model(first_limit, wall_left)
        used = solver.deterministic_time if self.deterministic else time.perf_counter() - t0
        self.spent += used
        outcome.status = solver.status_name(status)
        known = stage.floor() if cut is None else max(stage.floor(), cut)  # proven lower bound
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if not searched or self.previous is None:
                return None
            # No plan from the whole model in its share of the time: the search starts from
            # the previous stage's plan instead.
            start, value = self.previous, stage.value(in_hand)
            found = self.search(k, objective, start, value, known, limit - used)
            self._book_search(outcome, found, "previous stage")
            if found.solver is None:
                return None
            outcome.status = "FEASIBLE"
            return self._found(outcome, found.value, known, found.solution, found.solver)
        value = round(solver.objective_value)
        bound = max(solver.best_objective_bound, cut if cut is not None else float("-inf"))
        solution = list(solver.response_proto.solution)
        if searched and status != cp_model.OPTIMAL and value > bound:
            target = math.ceil(bound - 1e-6)
            found = self.search(k, objective, solution, value, target, limit - used)
            self._book_search(outcome, found, "whole model")
            if found.solver is not None:
                value, solution, solver = found.value, found.solution, found.solver
        return self._found(outcome, value, bound, solution, solver)

    @staticmethod
    def _found(
        outcome: StageResult,
        value: int,
        bound: float,
        solution: list[int],
        solver: cp_model.CpSolver,
    ) -> tuple[list[int], cp_model.CpSolver]:
        """Note a stage's plan in its outcome (proven optimal when it meets its bound)."""
        if value <= bound:
            outcome.status = "OPTIMAL"
        outcome.objective, outcome.best_bound = value, bound
        return solution, solver

    def relaxation_cut(
        self, stage: Stage, share: float, in_hand: dict[str, int]
    ) -> tuple[int | None, bool]:
        """The relaxation's lower bound on the stage (None: none better than its floor), and
        whether it was asked: only while every earlier stage is proven, and only when the plan
        in hand is not at the stage's floor already."""
        if self.at_floor(stage, in_hand) or self.result.gap is not None:
            return None, False
        lp_start = time.perf_counter()
        lp_limit = min(self.wall_cap - (lp_start - self.wall_start), self.budget - self.spent)
        cut = self.relaxation.bound(
            stage, self.result.stages, lp_limit * share * self.params.lp_share, self.deterministic
        )
        if not self.deterministic:
            self.spent += time.perf_counter() - lp_start
        return cut, True

    @staticmethod
    def at_floor(stage: Stage, in_hand: dict[str, int]) -> bool:
        """Whether the plan in hand has every term of the stage at its least possible value."""
        return all(in_hand[t.name] == t.lo for t in stage.terms)

    def settle(
        self,
        stage: Stage,
        objective: cp_model.LinearExprT,
        in_hand: dict[str, int],
        cut: int | None,
    ) -> int | None:
        """The stage's value when it is proven without a solve: the plan in hand is at the
        stage's floor, or meets the relaxation's bound (then the bound is also a cut)."""
        if self.at_floor(stage, in_hand):
            return stage.value({t.name: t.lo for t in stage.terms})
        if cut is None:
            return None
        self.dm.model.add(objective >= cut)
        return cut if stage.value(in_hand) <= cut else None

    def solve_whole_model(
        self, limit: float, wall_left: float
    ) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
        """CP-SAT on the whole model for ``limit`` (seconds, or work units when deterministic),
        never past the wall clock's ``wall_left``."""
        opts = self.problem.options
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.num_workers = self.workers
        prm.random_seed = opts.seed
        # Probing in presolve costs seconds on large models and is repeated at every stage; a
        # stage cut short in presolve would not even return its (complete, feasible) hint.
        prm.cp_model_probing_level = 0
        if self.big:
            # On the largest models presolve alone takes seconds, and it would be repeated at
            # every stage; the search starts from the complete hint at once without it.
            prm.cp_model_presolve = False
        if self.deterministic:
            prm.max_deterministic_time = limit
            prm.max_time_in_seconds = wall_left
            if self.workers > 1:
                prm.interleave_search = True
        else:
            prm.max_time_in_seconds = min(limit, wall_left)
        return solver, solver.solve(self.dm.model)

    def search(
        self,
        k: int,
        objective: cp_model.LinearExprT,
        start: list[int],
        value: int,
        target: int,
        budget: float,
    ) -> lns.LnsResult:
        """The large-neighbourhood search of stage ``k`` from the solution ``start`` (stage
        value ``value``) until ``budget`` is spent or the value meets ``target``."""
        opts = self.problem.options
        return lns.improve_stage(
            self.dm,
            objective,
            start,
            value,
            budget=budget,
            step=self.params.lns_step_s * self.work_scale,
            target=target,
            deterministic=self.deterministic,
            workers=self.workers,
            seed=opts.seed + k,
            clock=self.wall_left,
            crews_freed=self.params.lns_crews_freed,
        )

    def _book_search(self, outcome: StageResult, found: lns.LnsResult, start: str) -> None:
        """Book a search's work against the budget and note it in the stage's outcome."""
        self.spent += found.spent
        outcome.searched_from = start
        outcome.search_steps += found.steps

    # -- keeping a stage's value ---------------------------------------------------------------

    def keep_proven(
        self, stage: Stage, objective: cp_model.LinearExprT, proven: int, asked: bool
    ) -> None:
        """A stage proven without a solve: its value is kept, the plan in hand stays."""
        self.result.stages.append(
            StageResult(stage.names, "OPTIMAL", proven, proven, 0.0, relaxation_asked=asked)
        )
        self.dm.model.add(objective <= proven)
        if self.result.schedule is None:
            self.result.schedule = self.hint

    def keep_in_hand(
        self,
        stage: Stage,
        objective: cp_model.LinearExprT,
        in_hand: dict[str, int],
        outcome: StageResult,
    ) -> None:
        """A stage that found no plan (out of time before even loading the hint): its terms
        keep the values of the plan in hand, so later stages cannot trade them away."""
        value, floor = stage.value(in_hand), stage.floor()
        outcome.objective, outcome.best_bound = value, floor
        self.result.stages.append(outcome)
        self._note_unproven(value, floor)
        self.all_optimal = False
        self.dm.model.add(objective <= value)
        if self.result.schedule is None:
            self.result.schedule = self.hint

    def accept(
        self,
        stage: Stage,
        objective: cp_model.LinearExprT,
        outcome: StageResult,
        solution: list[int],
        solver: cp_model.CpSolver,
    ) -> None:
        """A stage's plan becomes the plan in hand and the next stage's hint; its value is
        kept for the later stages."""
        self.result.stages.append(outcome)
        self.result.schedule = self._read(self.dm, solver.value)
        if outcome.status != "OPTIMAL" and self.result.gap is None:
            self.all_optimal = False
            self._note_unproven(outcome.objective, outcome.best_bound)
        hint_solution(self.dm.model, solution)  # the next stage starts from this one's plan
        self.previous = solution
        self.dm.model.add(objective <= outcome.objective)

    def _note_unproven(self, value: float, bound: float) -> None:
        """The first stage left unproven decides the reported objective, bound and gap."""
        if self.result.gap is None:
            self.result.objective, self.result.best_bound = value, bound
            self.result.gap = (value - bound) / max(1.0, abs(value))

    def finish(self) -> OptimalResult:
        """The result: optimal when every stage was proven."""
        result = self.result
        if result.schedule is None:
            return result
        result.status = "OPTIMAL" if self.all_optimal else "FEASIBLE"
        if result.gap is None:
            last = result.stages[-1]
            result.objective, result.best_bound = last.objective, last.best_bound
            result.gap = 0.0 if self.all_optimal else None
        return result


class _LazyRelaxation:
    """The time-indexed relaxation, built the first time a stage asks for its bound."""

    def __init__(self, problem: Problem, params: SearchParams) -> None:
        self._problem = problem
        self._params = params
        self._relax: Relaxation | None = None
        self._built = False

    def bound(
        self, stage: Stage, done: list[StageResult], limit_s: float, deterministic: bool
    ) -> int | None:
        """The relaxation's bound on a one-term stage, given the values of the one-term stages
        before it; None for other stages, or when the relaxation cannot say in time."""
        if not self._params.relaxation:
            return None
        if len(stage.terms) != 1 or not stage.terms[0].spec.bounded or limit_s <= 0.01:
            return None
        if not self._built:
            self._relax, self._built = build_relaxation(self._problem, self._params), True
        if self._relax is None:
            return None
        kept = {s.names[0]: int(s.objective) for s in done if len(s.names) == 1}
        term = stage.terms[0]
        lb = stage_bound(
            self._relax, kept, {term.name: 1}, limit_s, deterministic, params=self._params
        )
        return lb if lb is not None and lb > term.lo else None


def _set_hint(dm: DispatchModel, values: dict[Any, int]) -> None:
    dm.model.clear_hints()
    for var, val in values.items():
        dm.model.add_hint(var, val)
