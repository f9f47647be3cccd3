"""The on-time-first greedy (a breach-minded hint for CP-SAT) and what it gives the optimum."""

from __future__ import annotations

from optimizer.dispatch.build import build_problem
from optimizer.dispatch.greedy import solve_greedy
from optimizer.dispatch.terms import TERM_NAMES, evaluate
from tests.unit.test_dispatch_fixtures import at, engineer, request, solved, ticket


def _overdue_and_due_soon() -> list[dict[str, object]]:
    # Now is 09:00. "old" was due at 08:00 (late whatever happens); "soon" is due 09:30.
    return [
        ticket("old", minutes=60, created=(7, 0), deadline=at(8)),
        ticket("soon", minutes=30, deadline=at(9, 30)),
    ]


def test_on_time_first_greedy_serves_a_ticket_that_can_still_be_on_time_before_an_overdue_one():
    req = request([engineer("a")], _overdue_and_due_soon())
    problem = build_problem(req)
    edf = solve_greedy(problem)
    on_time = solve_greedy(problem, defer_late=True)
    soon, old = (problem.job_by_id[t].index for t in ("soon", "old"))
    assert edf.start[old] < edf.start[soon]  # EDF: the overdue one first, "soon" breaches
    assert on_time.start[soon] < on_time.start[old]
    breaches = TERM_NAMES.index("breaches")
    assert evaluate(problem, on_time)[breaches] < evaluate(problem, edf)[breaches]


def test_on_time_first_greedy_never_sets_an_urgent_ticket_aside():
    tickets = [
        ticket("old", minutes=60, created=(7, 0), deadline=at(8), priority="urgent"),
        ticket("soon", minutes=30, deadline=at(9, 30)),
    ]
    problem = build_problem(request([engineer("a")], tickets))
    on_time = solve_greedy(problem, defer_late=True)
    assert on_time.start[problem.job_by_id["old"].index] == 0


def test_on_time_first_greedy_places_every_ticket_it_sets_aside():
    tickets = [*_overdue_and_due_soon(), ticket("v", minutes=40, onsite=True, deadline=at(9, 10))]
    problem = build_problem(request([engineer("a"), engineer("b")], tickets))
    on_time = solve_greedy(problem, defer_late=True)
    assert sorted(on_time.start) == sorted(j.index for j in problem.jobs if j.schedulable)


def test_baseline_greedy_policy_stays_earliest_deadline_first():
    plan = solved(request([engineer("a")], _overdue_and_due_soon()), "greedy")
    assert plan.assignment("old").start < plan.assignment("soon").start


def test_optimal_plan_keeps_the_ticket_due_soon_on_time():
    plan = solved(request([engineer("a")], _overdue_and_due_soon()), "optimal")
    assert plan.assignment("soon").start < plan.assignment("old").start
    assert plan.kpis.breaches == 1
