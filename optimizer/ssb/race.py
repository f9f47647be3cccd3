"""Threads racing on one instance, sharing the best roster and the proven bound.

With two or more workers on the wall clock every instance up to ``params.lns_max_vars`` shift
variables is solved by a race (:func:`race`):

- on a small instance (up to ``params.small_vars``) the exact CP-SAT model (one LP-heavy
  worker: bound and rosters) runs on the calling thread while column generation
  (:func:`optimizer.ssb.deepen.prove_by_pricing`) proves the optimum from below, target by
  target, on a second one. Once pricing's bound is stronger, the exact solver's thread
  minimises within the rosters pricing leaves open (:class:`Handover`), round after round
  until a proof or the end of the time. When pricing does not converge in its share of the
  time, or has nothing left to prove, its thread turns to neighbourhood search;
- on a larger instance the exact model's bound stays far below any roster, so the other
  workers run neighbourhood searches (:mod:`optimizer.ssb.lns`, different seeds) from the
  constructive roster; on the largest CP-SAT can solve, its portfolio first has
  ``params.portfolio_share`` of the time (and reports its bound); on the huge ones one search
  improves the constructive roster with every worker in its sub-solves.

The race ends when its best roster meets the bound (``OPTIMAL``) or when the time is up
(``FEASIBLE`` with the best bound proven): no thread ends it early otherwise.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from ortools.sat.python import cp_model

from optimizer.domain.roster import Roster
from optimizer.ssb.deepen import minimise_until_proven, prove_by_pricing
from optimizer.ssb.exact import configure
from optimizer.ssb.heuristic import greedy_ssb_plan
from optimizer.ssb.incumbent import Incumbent, SolutionRelay
from optimizer.ssb.instance import Plan, SsbInstance, ssb_size
from optimizer.ssb.lns import lns_improve
from optimizer.ssb.model import build_ssb_model
from optimizer.ssb.params import SsbParams
from optimizer.ssb.price import Priced
from optimizer.ssb.result import roster_of
from optimizer.ssb.score import score_ssb


def race(inst: SsbInstance, p: SsbParams, size: int, t0: float) -> Roster:
    """Race the searches the instance's size calls for (see the module docstring) until the
    best roster is proven optimal or ``p.time_limit_s`` after ``t0`` has passed."""
    shared = Incumbent()
    start = greedy_ssb_plan(inst, p) if p.hint else {}
    start_score = score_ssb(inst, start)
    if start and start_score.feasible:
        shared.offer(start, start_score.objective)
    small, huge = size <= p.small_vars, size > p.cp_sat_max_vars
    if p.single_worker_max_vars < size <= p.cp_sat_max_vars:
        _portfolio_start(inst, p, shared, start, t0)
    exact = small or (shared.objective is None and not huge)
    # a huge model is built once: one search, every worker inside its sub-solves
    searches = 1 if huge else max(1, p.num_workers - (1 if exact else 0))
    errors: list[BaseException] = []
    handover = Handover(shared, p, t0)

    def search(seed: int, prove: bool) -> None:
        try:
            if prove:
                _prove_by_pricing(inst, p, shared, t0, seed, handover)
            if not shared.stop.is_set():
                _search_thread(inst, p, shared, t0, seed, small, p.num_workers if huge else 1)
        except BaseException as exc:  # re-raised in the caller's thread below
            errors.append(exc)
            shared.halt()

    helpers = [
        threading.Thread(target=search, args=(p.seed + k, small and k == 0), daemon=True)
        for k in range(searches)
    ]
    for helper in helpers:
        helper.start()
    solver: cp_model.CpSolver | None = None
    status = cp_model.UNKNOWN
    if exact:
        built = build_ssb_model(inst)
        if start and size > p.single_worker_max_vars:
            built.add_hint(inst, start)
        solver = cp_model.CpSolver()
        configure(solver, replace(p, num_workers=1), size, time.perf_counter() - t0)
        if not small:
            # on larger instances the LP-heavy worker spends its time on the root LP
            solver.parameters.linearization_level = 1
        solver.best_bound_callback = handover.exact_bound_raised
        shared.watch(solver.stop_search)
        handover.solver = solver
        try:
            if not handover.joined.is_set():
                status = solver.solve(built.model, SolutionRelay(inst, built, shared))
            if status == cp_model.OPTIMAL:
                shared.raise_bound(solver.objective_value)  # proven: the race is over
            elif status == cp_model.INFEASIBLE:
                shared.halt()  # no roster keeps the hard rules
            else:
                handover.minimise_if_joined(inst)
        except BaseException:
            shared.halt()
            raise
    # the helpers end when the best roster is proven or their time is up, never sooner
    for helper in helpers:
        helper.join()
    shared.halt()
    if errors:
        raise errors[0]
    plan, value = shared.best()
    wall = time.perf_counter() - t0
    if value is None:
        name = solver.status_name(status) if solver is not None else "UNKNOWN"
        return roster_of(inst, {}, solver, name, wall, p)
    name = "OPTIMAL" if shared.closed else "FEASIBLE"
    bound = shared.bound if shared.bound > float("-inf") else None
    return roster_of(inst, dict(plan), solver, name, wall, p, bound)


def _time_left(p: SsbParams, t0: float) -> float:
    return p.time_limit_s - (time.perf_counter() - t0)


def _prove_by_pricing(
    inst: SsbInstance, p: SsbParams, shared: Incumbent, t0: float, seed: int, handover: Handover
) -> None:
    """Column generation and deepening (:mod:`optimizer.ssb.deepen`) on the pricing thread."""
    prove_by_pricing(
        inst, shared, p, time_limit_s=_time_left(p, t0), seed=seed, on_priced=handover.priced
    )


class Handover:
    """The exact solver's thread passing to :func:`optimizer.ssb.deepen.minimise_until_proven`
    once pricing is stronger.

    The exact solver keeps its thread for ``params.handover_share`` of the time at least (on
    an instance where pricing is weak it proves the optimum alone); then, if column
    generation has converged to a stronger bound than the exact solver's, the thread
    minimises within the rosters left open at a target ``params.minimise_ahead`` above the
    bound (the pricing thread refutes the bound's own target meanwhile), which finds rosters
    at the bound far sooner than the whole model."""

    def __init__(self, shared: Incumbent, p: SsbParams, t0: float) -> None:
        self.shared, self.p, self.t0 = shared, p, t0
        self.solver: cp_model.CpSolver | None = None
        self.exact_bound = float("-inf")
        self.joined = threading.Event()
        self.pricing: Priced | None = None

    def exact_bound_raised(self, bound: float) -> None:
        """The exact solver's bound callback: its bound is the race's too."""
        self.exact_bound = max(self.exact_bound, bound)
        self.shared.raise_bound(bound)

    def priced(self, pricing: Priced) -> None:
        """Called by the pricing thread once column generation has converged: the handover is
        considered when the exact solver's share of the time is over."""
        self.pricing = pricing
        due = self.t0 + self.p.time_limit_s * self.p.handover_share - time.perf_counter()
        timer = threading.Timer(max(0.0, due), self.take_over)
        timer.daemon = True
        timer.start()

    def take_over(self) -> None:
        """Stop the exact solver if pricing's bound is stronger than its own."""
        if self.pricing is None or self.shared.stop.is_set():
            return
        if self.pricing.price.bound <= self.exact_bound:
            return
        self.joined.set()
        if self.solver is not None:
            self.solver.stop_search()

    def minimise_if_joined(self, inst: SsbInstance) -> None:
        """In the exact solver's thread, after its solve: if joined, minimise within the
        rosters left open at the bound until proven or out of time."""
        if self.pricing is None or not self.joined.is_set() or self.shared.stop.is_set():
            return
        minimise_until_proven(
            inst,
            self.pricing,
            self.shared,
            time_limit_s=_time_left(self.p, self.t0),
            seed=self.p.seed,
            ahead=self.p.minimise_ahead,
            min_stage_s=self.p.min_stage_s,
        )


def _portfolio_start(
    inst: SsbInstance, p: SsbParams, shared: Incumbent, start: Plan, t0: float
) -> None:
    """CP-SAT's portfolio for a share of the time; its rosters and bound go to ``shared``."""
    built = build_ssb_model(inst)
    if start and inst.horizon > p.hint_portfolio_after_days:
        built.add_hint(inst, start)
    solver = cp_model.CpSolver()
    configure(solver, p, ssb_size(inst), time.perf_counter() - t0, share=p.portfolio_share)
    status = solver.solve(built.model, SolutionRelay(inst, built, shared))
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        shared.raise_bound(solver.best_objective_bound)


def _search_thread(
    inst: SsbInstance,
    p: SsbParams,
    shared: Incumbent,
    t0: float,
    seed: int,
    small: bool,
    workers: int,
) -> None:
    """One neighbourhood search on its own copy of the model, from the shared best roster
    (waiting for the exact solver's first one when there is no constructive roster)."""
    if _time_left(p, t0) < p.min_stage_s:
        return
    built = build_ssb_model(inst)
    while shared.best()[1] is None and not shared.stop.wait(0.05):
        if _time_left(p, t0) <= 0:
            return
    plan, value = shared.best()
    if value is None:
        return
    lns_improve(
        inst,
        built.model,
        built.x,
        plan,
        value,
        p,
        time_limit_s=_time_left(p, t0),
        seed=seed,
        shared=shared,
        linearization=2 if small else None,
    )
