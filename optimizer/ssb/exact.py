"""The exact CP-SAT model solved alone: one worker, or a deterministic work limit.

This is the reproducible path (the tests pass ``max_deterministic_time``) and the one a single
worker takes. Up to ``params.single_worker_max_vars`` shift variables one LP-heavy worker
searches the model; larger models get CP-SAT's portfolio, started from the constructive
roster. Too large a model to build gets the constructive roster only. The solve stops at its
limit or at the proof of optimality: a roster found without proof is ``FEASIBLE`` with the
solver's bound.
"""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from optimizer.domain.roster import Roster
from optimizer.ssb.heuristic import greedy_ssb_plan
from optimizer.ssb.instance import SsbInstance
from optimizer.ssb.model import build_ssb_model
from optimizer.ssb.params import SsbParams
from optimizer.ssb.result import heuristic_roster, roster_of
from optimizer.ssb.score import score_ssb


def configure(
    solver: cp_model.CpSolver, p: SsbParams, size: int, spent: float, share: float = 1.0
) -> None:
    """Limits, seed and workers of a CP-SAT solve of the whole model: ``share`` of the time
    left; one LP-heavy worker on models up to ``p.single_worker_max_vars``, which proves such
    optima sooner than a small portfolio."""
    prm = solver.parameters
    prm.max_time_in_seconds = max(0.1, (p.time_limit_s - spent) * share)
    if p.max_deterministic_time is not None:
        prm.max_deterministic_time = p.max_deterministic_time
    prm.random_seed = p.seed
    prm.log_search_progress = p.log
    if size <= p.single_worker_max_vars:
        prm.num_workers = 1
        prm.linearization_level = 2
    else:
        prm.num_workers = p.num_workers


def solve_exact(inst: SsbInstance, p: SsbParams, size: int, t0: float) -> Roster:
    """The whole model in one CP-SAT solve (hinted with the constructive roster above
    ``p.single_worker_max_vars``: on small instances a hint only pulls the LP-heavy worker
    astray); the constructive roster when CP-SAT finds nothing in time."""
    wants_hint = (p.hint and size > p.single_worker_max_vars) or size > p.cp_sat_max_vars
    start = greedy_ssb_plan(inst, p) if wants_hint else {}
    if size > p.cp_sat_max_vars:
        return heuristic_roster(inst, start, time.perf_counter() - t0, p)
    built = build_ssb_model(inst)
    if start:
        built.add_hint(inst, start)
    solver = cp_model.CpSolver()
    configure(solver, p, size, time.perf_counter() - t0)
    status = solver.solve(built.model)
    bound = solver.best_objective_bound
    wall = time.perf_counter() - t0
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        start = start or (greedy_ssb_plan(inst, p) if p.hint else {})
        if start and score_ssb(inst, start).feasible:
            return heuristic_roster(inst, start, time.perf_counter() - t0, p)
        return roster_of(inst, {}, solver, name, wall, p)
    plan: dict[tuple[str, int], str] = {}
    for (sid, d, s), v in built.x.items():
        if solver.boolean_value(v):
            plan[(sid, d)] = s
    return roster_of(inst, plan, solver, name, wall, p, bound)
