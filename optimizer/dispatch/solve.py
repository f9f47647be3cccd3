"""``solve(request) -> DispatchPlan``: the dispatch engine's entry point."""

from __future__ import annotations

import time

from optimizer.dispatch.explain import add_explanations
from optimizer.dispatch.greedy import solve_greedy
from optimizer.dispatch.optimal import OptimalResult, solve_optimal
from optimizer.dispatch.plan import build_plan
from optimizer.dispatch.problem import Problem, build_problem, minutes_ceil
from optimizer.dispatch.schedule import TERMS, Schedule, evaluate
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


def solve(request: DispatchRequest, travel_model: TravelModel | None = None) -> DispatchPlan:
    """Dispatch the request's tickets to its engineers by the request's policy.

    Parameters
    ----------
    request
        A validated request (validation happens when the model is built).
    travel_model
        Overrides the travel model built from ``request.travel`` (tests, benchmarks).

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
    sched, info = _schedule(problem, started)
    plan = build_plan(problem, sched, info)
    if request.options.explain:
        add_explanations(problem, sched, plan, request.options.explain_time_s)
    plan.solver.wall_s = round(time.perf_counter() - started, 3)
    return plan


def _schedule(problem: Problem, started: float) -> tuple[Schedule, SolverInfo]:
    """The schedule of the chosen policy and the solver block describing it."""
    greedy = solve_greedy(problem)
    candidates: list[tuple[str, Schedule]] = [("greedy", greedy)]
    prev = previous_schedule(problem)
    if prev is not None:
        candidates.append(("previous plan", prev))
    policy = problem.options.policy
    if policy == Policy.greedy or not any(j.schedulable for j in problem.jobs):
        status = "GREEDY" if policy == Policy.greedy else "OPTIMAL"
        chosen = min(candidates, key=lambda c: evaluate(problem, c[1]))[1]
        return chosen, _info(problem, policy, status, chosen, started)
    candidates.append(("SLA-ordered greedy", solve_greedy(problem, order="sla")))
    for order in ("edf", "sla"):
        on_time_first = solve_greedy(problem, order=order, defer_late=True)
        candidates.append((f"on-time-first {order} greedy", on_time_first))
    if any(j.onsite and j.schedulable for j in problem.jobs):
        candidates.append(("cheapest-insertion greedy", solve_greedy(problem, rule="cheapest")))
    best_name, best = min(candidates, key=lambda c: evaluate(problem, c[1]))
    result = solve_optimal(problem, best, started)
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
        terms=dict(zip(TERMS, values, strict=True)),
    )
