"""The large-neighbourhood search on SLA stages (optimizer.dispatch.lns): it re-deals a few
engineers' tickets, never returns a worse plan, keeps the earlier stages' values and every
rule, and is reproducible."""

from __future__ import annotations

import random

import pytest
from ortools.sat.python import cp_model

from optimizer.dispatch import SearchParams, lns
from optimizer.dispatch.build import build_problem
from optimizer.dispatch.greedy import solve_greedy
from optimizer.dispatch.model import build_model, hint_solution, hint_values, read_schedule
from optimizer.dispatch.optimal import OptimalResult, StagedSolve
from optimizer.dispatch.solve import best_plan, hint_plans
from optimizer.dispatch.terms import term_values
from tests.unit.test_dispatch_fixtures import PLACES, at, engineer, request, solved, ticket
from tests.unit.test_dispatch_random import SKILLS

SEARCH_SMALL = SearchParams(lns_min_vars=0, lns_step_s=3.0)
"""The search on models of any size (the busy day's model is below the default minimum), in
steps of 3 s × 0.005 = 0.015 work units."""


def _busy_day(seed: int, engineers: int = 6, tickets: int = 24):
    """More work than six engineers can start on time: several tickets end up late."""
    rng = random.Random(seed)
    crew = [
        engineer(
            f"e{k}",
            skills=tuple(rng.sample(SKILLS, rng.randint(1, 3))),
            car=rng.random() < 0.6,
            base=rng.choice(PLACES),
            hours=(rng.choice([(8, 0), (9, 0)]), rng.choice([(17, 0), (18, 0)])),
        )
        for k in range(engineers)
    ]
    work = [
        ticket(
            f"t{k}",
            minutes=rng.choice([45, 60, 90]),
            skills=(rng.choice(SKILLS),),
            onsite=rng.random() < 0.25,
            where=rng.choice(PLACES[:3]),
            created=(rng.choice([7, 8, 9]), rng.choice([0, 20, 50])),
            priority=rng.choice(["urgent", "normal", "normal", "low"]),
        )
        for k in range(tickets)
    ]
    # A work budget of 0.2 units (less would leave the staged solve's searched stages no work
    # after CP-SAT's first share); the wall-clock cap (2 × 40 s) is far enough that a loaded
    # machine never cuts the search short, so the plan depends on the seed alone.
    return request(crew, work, now=at(9, 5), options={"time_limit_s": 40, "work_per_second": 0.005})


def _first_plan(seed: int):
    """The model with the urgent-waiting stage kept, and a hasty first plan of the breaches
    stage (CP-SAT's first solution: the urgent stage's plan)."""
    problem = build_problem(_busy_day(seed))
    dm = build_model(problem, keep=solve_greedy(problem))
    for var, value in hint_values(dm, solve_greedy(problem)).items():
        dm.model.add_hint(var, value)
    terms = {t.name: t for t in dm.terms}
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 0.2
    dm.model.minimize(terms["urgent_wait"].expr)
    assert solver.solve(dm.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    dm.model.add(terms["urgent_wait"].expr <= round(solver.objective_value))
    hint_solution(dm.model, list(solver.response_proto.solution))
    dm.model.minimize(terms["breaches"].expr)
    solver.parameters.stop_after_first_solution = True
    assert solver.solve(dm.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return problem, dm, terms, solver


def _search(dm, terms, solver, seed: int = 0, budget: float = 0.06):
    """The search on the breaches stage from the hasty first plan, in steps of 0.03 work
    units: the default budget of two steps already improves on the first plans of seeds 0-3."""
    return lns.improve_stage(
        dm,
        terms["breaches"].expr,
        list(solver.response_proto.solution),
        round(solver.objective_value),
        budget=budget,
        step=0.03,
        target=None,
        deterministic=True,
        workers=1,
        seed=seed,
        clock=lambda: 60.0,
        crews_freed=SearchParams().lns_crews_freed,
    )


@pytest.mark.parametrize("seed", range(4))
def test_the_search_never_returns_a_plan_worse_than_it_was_given(seed):
    problem, dm, terms, solver = _first_plan(seed)
    start = round(solver.objective_value)
    found = _search(dm, terms, solver)
    assert found.value <= start
    assert found.steps > 1
    final = (
        read_schedule(dm, found.solver.value) if found.solver else read_schedule(dm, solver.value)
    )
    assert term_values(problem, final)["breaches"] == found.value


def test_the_search_re_deals_tickets_into_fewer_breaches_than_a_hasty_first_plan():
    improved = []
    for seed in range(4):
        _, dm, terms, solver = _first_plan(seed)
        found = _search(dm, terms, solver)
        improved.append(found.value < round(solver.objective_value))
    assert sum(improved) >= 3, improved


def test_the_search_keeps_what_earlier_stages_decided():
    problem, dm, terms, solver = _first_plan(1)
    urgent_before = term_values(problem, read_schedule(dm, solver.value))
    found = _search(dm, terms, solver)
    assert found.solver is not None
    after = term_values(problem, read_schedule(dm, found.solver.value))
    assert after["urgent_wait"] <= urgent_before["urgent_wait"]


def test_the_same_seed_gives_the_same_search():
    _, dm, terms, solver = _first_plan(2)
    first = _search(dm, terms, solver, seed=5)
    again = _search(dm, terms, solver, seed=5)
    assert (first.value, first.steps, first.solution) == (again.value, again.steps, again.solution)


def test_a_late_tickets_neighbourhood_frees_its_engineer_and_others_who_could_do_it():
    problem, dm, _, solver = _first_plan(0)
    sol = list(solver.response_proto.solution)
    done = [
        (j.index, c)
        for (j_index, c), x in dm.x.items()
        for j in [problem.jobs[j_index]]
        if sol[x.index] and len(dm.cands[j.index]) >= 3
    ]
    assert done
    for job, crew in done:
        freed = lns.crews_around(dm, job, sol, random.Random(job), 3)
        assert crew in freed
        assert len(freed) == 3
        assert freed <= set(dm.cands[job])


@pytest.mark.parametrize("count", [3, 4])
def test_every_step_frees_as_many_engineers_as_set(count):
    _, dm, _, solver = _first_plan(3)
    sol = list(solver.response_proto.solution)
    rng = random.Random(0)
    for _ in range(30):
        assert len(lns.crews_to_free(dm, sol, rng, count)) == count


def test_a_day_of_four_engineers_or_fewer_is_not_searched():
    problem = build_problem(_busy_day(0, engineers=4, tickets=8))
    assert not lns.applies(build_model(problem), SEARCH_SMALL)
    assert lns.applies(build_model(build_problem(_busy_day(0))), SEARCH_SMALL)


def test_a_small_model_is_left_to_cp_sats_own_search():
    dm = build_model(build_problem(_busy_day(0)))
    assert len(dm.model.proto.variables) < SearchParams().lns_min_vars
    assert not lns.applies(dm, SearchParams())


def test_the_search_can_be_switched_off():
    dm = build_model(build_problem(_busy_day(0)))
    assert not lns.applies(dm, SearchParams(lns_min_vars=0, lns=False))


@pytest.mark.parametrize("seed", range(3))
def test_a_busy_day_solved_with_the_search_keeps_every_rule_and_is_reproducible(seed):
    req = _busy_day(seed)
    first = solved(req, params=SEARCH_SMALL)  # validate_plan inside
    again = solved(req, params=SEARCH_SMALL)
    assert first.model_dump(exclude={"solver"}) == again.model_dump(exclude={"solver"})


def _staged(req, params: SearchParams, solve_class: type[StagedSolve] = StagedSolve, **kw):
    """The staged solve of a request from the hint ``solve`` would give it, and the solve."""
    problem = build_problem(req)
    staged = solve_class(problem, best_plan(problem, hint_plans(problem))[1], params, **kw)
    return staged.run(), staged


def test_the_search_runs_on_a_busy_day_only_for_its_stages():
    result, _ = _staged(_busy_day(0), SEARCH_SMALL)
    searched = {s.names[0] for s in result.stages if s.search_steps}
    assert searched and searched <= {"breaches", "late_min"}
    result, _ = _staged(_busy_day(0), SearchParams(lns_min_vars=0, lns_step_s=3.0, lns=False))
    assert not any(s.search_steps or s.searched_from for s in result.stages)


class _Starved(StagedSolve):
    """The staged solve whose ``starve``-th whole-model solve (counting from 0) returns no plan,
    as when its share of the time runs out before CP-SAT loads the hint. It notes each stage's
    final plan (the next stage's hint) and where each search started."""

    def __init__(self, *args, starve: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.starve = starve
        self.solves = 0
        self.kept: list[list[int]] = []
        self.searched_from: list[tuple[list[int], list[int]]] = []  # (start, last plan kept)

    def solve_whole_model(self, limit, wall_left):
        number, self.solves = self.solves, self.solves + 1
        if number != self.starve:
            return super().solve_whole_model(limit, wall_left)
        solver, status = super().solve_whole_model(0.0, 0.0)
        assert status == cp_model.UNKNOWN
        return solver, status

    def accept(self, stage, objective, outcome, solution, solver):
        self.kept.append(list(solution))
        super().accept(stage, objective, outcome, solution, solver)

    def search(self, k, objective, start, value, target, budget):
        self.searched_from.append((list(start), self.kept[-1] if self.kept else []))
        return super().search(k, objective, start, value, target, budget)


def _solved_stages(result: OptimalResult) -> list[str]:
    """The stages that went to CP-SAT, in order (the others were proven at once)."""
    return [s.names[0] for s in result.stages if s.wall_s > 0.0]


def test_a_stage_the_whole_model_leaves_without_a_plan_is_searched_from_the_last_plan():
    req = _busy_day(0)
    late_stage = _solved_stages(_staged(req, SEARCH_SMALL)[0]).index("late_min")
    result, staged = _staged(req, SEARCH_SMALL, _Starved, starve=late_stage)
    late = next(s for s in result.stages if s.names == ["late_min"])
    assert late.searched_from == "previous stage"
    start, last_kept = staged.searched_from[-1]  # the minutes-late stage's search
    assert start == last_kept  # the breaches stage's final plan
    assert late.status == "FEASIBLE"  # the search improved on that plan (else: UNKNOWN)


def test_once_a_stage_is_left_unproven_no_later_stage_waits_for_the_relaxation():
    result, _ = _staged(_busy_day(1), SearchParams(), _Starved, starve=0)
    unproven = result.stages.index(next(s for s in result.stages if s.wall_s > 0.0))
    assert result.stages[unproven].status == "UNKNOWN"
    assert any(s.relaxation_asked for s in result.stages[: unproven + 1])
    assert not any(s.relaxation_asked for s in result.stages[unproven + 1 :])
