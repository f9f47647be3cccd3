"""``solve(request) -> DispatchPlan``: the dispatch engine's entry point."""

from __future__ import annotations

import time

from optimizer.dispatch.build import build_problem
from optimizer.dispatch.explain import add_explanations
from optimizer.dispatch.greedy import solve_greedy
from optimizer.dispatch.optimal import OptimalResult, StagedSolve
from optimizer.dispatch.params import DEFAULT_PARAMS, SearchParams
from optimizer.dispatch.plan import build_plan
from optimizer.dispatch.problem import Problem, minutes_ceil
from optimizer.dispatch.schedule import Schedule
from optimizer.dispatch.terms import TERM_NAMES, evaluate
from optimizer.domain.dispatch import (
    DispatchPlan,
    DispatchRequest,
    Policy,
    SolverInfo,
    SolverStage,
)
from optimizer.travel import TravelModel


def previous_schedule(problem: Problem) -> Schedule | None:
    """The previous plan's assignments that still fit, completed greedily (None without one)."""
    prev = problem.request.previous_plan
    if prev is None:
        return None
    seed = Schedule()
    for a in prev.assignments:
        job = problem.job_by_id.get(a.ticket_id)
        crew = problem.crew_by_id.get(a.engineer_id)
        if job is None or crew is None or not job.schedulable:
            continue
        seed.assign(job.index, crew.index, minutes_ceil(problem.origin, a.start, problem.scale))
    return solve_greedy(problem, seed_schedule=seed)


def solve(
    request: DispatchRequest,
    travel_model: TravelModel | None = None,
    params: SearchParams = DEFAULT_PARAMS,
) -> DispatchPlan:
    """Dispatch the request's tickets to its engineers by the request's policy.

    Parameters
    ----------
    request
        A validated request (validation happens when the model is built).
    travel_model
        Overrides the travel model built from ``request.travel`` (tests, benchmarks).
    params
        How the optimal policy searches (tests and benchmarks pass other values).

    Returns
    -------
    DispatchPlan
        Always a plan: tickets nobody can do are listed as unassigned with reasons. With the
        optimal policy the plan is never worse, lexicographically, than the greedy plan (nor than
        the previous plan completed greedily): if CP-SAT's is, the better one is returned and the
        solver block says so.
    """
    started = time.perf_counter()
    problem = build_problem(request, travel_model)
    sched, info = _schedule(problem, started, params)
    plan = build_plan(problem, sched, info)
    if request.options.explain:
        add_explanations(problem, sched, plan, request.options.explain_time_s, params)
    plan.solver.wall_s = round(time.perf_counter() - started, 3)
    return plan


def baseline_plans(problem: Problem) -> list[tuple[str, Schedule]]:
    """The greedy plan and, with a previous plan, that plan completed greedily (named)."""
    candidates: list[tuple[str, Schedule]] = [("greedy", solve_greedy(problem))]
    prev = previous_schedule(problem)
    if prev is not None:
        candidates.append(("previous plan", prev))
    return candidates


def hint_plans(problem: Problem) -> list[tuple[str, Schedule]]:
    """The baseline plans and the greedy variants that may give CP-SAT a better start (SLA
    order, on-time first, cheapest insertion when there are visits), named."""
    candidates = baseline_plans(problem)
    candidates.append(("SLA-ordered greedy", solve_greedy(problem, order="sla")))
    for order in ("edf", "sla"):
        on_time_first = solve_greedy(problem, order=order, defer_late=True)
        candidates.append((f"on-time-first {order} greedy", on_time_first))
    if any(j.onsite and j.schedulable for j in problem.jobs):
        candidates.append(("cheapest-insertion greedy", solve_greedy(problem, rule="cheapest")))
    return candidates


def best_plan(problem: Problem, candidates: list[tuple[str, Schedule]]) -> tuple[str, Schedule]:
    """The lexicographically best of named plans (the first on a tie)."""
    return min(candidates, key=lambda c: evaluate(problem, c[1]))


def _schedule(
    problem: Problem, started: float, params: SearchParams
) -> tuple[Schedule, SolverInfo]:
    """The schedule of the chosen policy and the solver block describing it."""
    policy = problem.options.policy
    if policy == Policy.greedy or not any(j.schedulable for j in problem.jobs):
        status = "GREEDY" if policy == Policy.greedy else "OPTIMAL"
        chosen = best_plan(problem, baseline_plans(problem))[1]
        return chosen, _info(problem, policy, status, chosen, started)
    best_name, best = best_plan(problem, hint_plans(problem))
    result = StagedSolve(problem, best, params, started).run()
    if result.schedule is None:
        info = _info(problem, policy, "FEASIBLE", best, started)
        info.note = f"CP-SAT found no solution in time; the {best_name} plan is returned"
        info.stages = _stages(result)
        return best, info
    chosen, note = result.schedule, ""
    if evaluate(problem, best) < evaluate(problem, result.schedule):
        chosen = best
        note = f"CP-SAT's plan was worse than the {best_name} plan, which is returned"
    info = _info(problem, policy, result.status, chosen, started)
    info.objective, info.best_bound, info.gap = result.objective, result.best_bound, result.gap
    info.stages = _stages(result)
    info.note = note
    return chosen, info


def _stages(result: OptimalResult) -> list[SolverStage]:
    return [
        SolverStage(
            terms=s.names,
            status=s.status,
            objective=s.objective,
            best_bound=s.best_bound,
            wall_s=round(s.wall_s, 3),
        )
        for s in result.stages
    ]


def _info(
    problem: Problem, policy: Policy, status: str, sched: Schedule, started: float
) -> SolverInfo:
    values = evaluate(problem, sched)
    return SolverInfo(
        policy=policy,
        status=status,
        wall_s=round(time.perf_counter() - started, 3),
        time_unit_min=1 / problem.scale,
        terms=dict(zip(TERM_NAMES, values, strict=True)),
    )
