"""The large-neighbourhood search on SLA stages (optimizer.dispatch.lns): it re-deals a few
engineers' tickets, never returns a worse plan, keeps the earlier stages' values and every
rule, and is reproducible."""

from __future__ import annotations

import random
import types

import pytest
from ortools.sat.python import cp_model

from optimizer.dispatch import lns, optimal
from optimizer.dispatch.greedy import solve_greedy
from optimizer.dispatch.model import build_model, hint_solution, hint_values, read_schedule
from optimizer.dispatch.problem import build_problem
from optimizer.dispatch.schedule import TERMS, evaluate
from tests.unit.test_dispatch_fixtures import PLACES, at, engineer, request, solved, ticket
from tests.unit.test_dispatch_random import SKILLS


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
    return request(crew, work, now=at(9, 5), options={"time_limit_s": 4, "work_per_second": 0.05})


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


def _search(dm, terms, solver, seed: int = 0, budget: float = 0.2):
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
    values = dict(zip(TERMS, evaluate(problem, final), strict=True))
    assert values["breaches"] == found.value


def test_the_search_re_deals_tickets_into_fewer_breaches_than_a_hasty_first_plan():
    improved = []
    for seed in range(4):
        _, dm, terms, solver = _first_plan(seed)
        found = _search(dm, terms, solver)
        improved.append(found.value < round(solver.objective_value))
    assert sum(improved) >= 3, improved


def test_the_search_keeps_what_earlier_stages_decided():
    problem, dm, terms, solver = _first_plan(1)
    urgent_before = dict(
        zip(TERMS, evaluate(problem, read_schedule(dm, solver.value)), strict=True)
    )
    found = _search(dm, terms, solver)
    assert found.solver is not None
    after = dict(zip(TERMS, evaluate(problem, read_schedule(dm, found.solver.value)), strict=True))
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


def test_every_step_frees_as_many_engineers_as_set():
    _, dm, _, solver = _first_plan(3)
    sol = list(solver.response_proto.solution)
    rng = random.Random(0)
    for _ in range(30):
        assert len(lns.crews_to_free(dm, sol, rng)) == lns.CREWS_FREED


def test_a_day_of_four_engineers_or_fewer_is_not_searched(monkeypatch):
    monkeypatch.setattr(lns, "MIN_VARS", 0)
    problem = build_problem(_busy_day(0, engineers=4, tickets=8))
    assert not lns.applies(build_model(problem))
    assert lns.applies(build_model(build_problem(_busy_day(0))))


def test_a_small_model_is_left_to_cp_sats_own_search():
    dm = build_model(build_problem(_busy_day(0)))
    assert len(dm.model.proto.variables) < lns.MIN_VARS
    assert not lns.applies(dm)


@pytest.mark.parametrize("seed", range(3))
def test_a_busy_day_solved_with_the_search_keeps_every_rule_and_is_reproducible(seed, monkeypatch):
    monkeypatch.setattr(lns, "MIN_VARS", 0)
    req = _busy_day(seed)
    first = solved(req)  # validate_plan inside
    again = solved(req)
    assert first.model_dump(exclude={"solver"}) == again.model_dump(exclude={"solver"})


def test_the_search_runs_on_a_busy_day_only_for_its_stages(monkeypatch):
    monkeypatch.setattr(lns, "MIN_VARS", 0)
    calls: list[int] = []
    real = lns.improve_stage

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(lns, "improve_stage", spy)
    solved(_busy_day(0))
    assert calls
    calls.clear()
    monkeypatch.setattr(optimal, "LNS_TERMS", frozenset())
    solved(_busy_day(0))
    assert not calls


def _starve(monkeypatch, solve_number: int) -> list[list[int]]:
    """Make the optimal policy's ``solve_number``-th whole-model solve (counting from 0) return
    no plan, as when its share of the time runs out before CP-SAT loads the hint. Returns the
    solutions of the whole-model solves that did find a plan, in order."""
    found: list[list[int]] = []
    made = [0]

    class Starved(cp_model.CpSolver):
        def solve(self, model, *args, **kwargs):
            number, made[0] = made[0], made[0] + 1
            if number == solve_number:
                self.parameters.max_deterministic_time = 0.0
                self.parameters.max_time_in_seconds = 0.0
                status = super().solve(model, *args, **kwargs)
                assert status == cp_model.UNKNOWN
                return status
            status = super().solve(model, *args, **kwargs)
            found.append(list(self.response_proto.solution))
            return status

    proxy = types.SimpleNamespace(**{**vars(cp_model), "CpSolver": Starved})
    monkeypatch.setattr(optimal, "cp_model", proxy)
    return found


def _solved_stages(plan) -> list[str]:
    """The stages of a plan that went to CP-SAT, in order (the others were proven at once)."""
    return [s.terms[0] for s in plan.solver.stages if s.wall_s > 0.0]


def test_a_stage_the_whole_model_leaves_without_a_plan_is_searched_from_the_last_plan(
    monkeypatch,
):
    monkeypatch.setattr(lns, "MIN_VARS", 0)
    req = _busy_day(0)
    late_stage = _solved_stages(solved(req)).index("late_min")
    kept: list[list[int]] = []  # each stage's final plan, as the next stage's hint
    searched_from: list[tuple[list[int], list[int]]] = []  # (start, last plan kept by then)
    real_hint, real_search = optimal.hint_solution, lns.improve_stage

    def keep(model, values):
        kept.append(list(values))
        real_hint(model, values)

    def spy(dm, objective, solution, *args, **kwargs):
        searched_from.append((list(solution), kept[-1] if kept else []))
        return real_search(dm, objective, solution, *args, **kwargs)

    monkeypatch.setattr(optimal, "hint_solution", keep)
    monkeypatch.setattr(lns, "improve_stage", spy)
    _starve(monkeypatch, late_stage)
    plan = solved(req)
    late = next(s for s in plan.solver.stages if s.terms == ["late_min"])
    start, last_kept = searched_from[-1]  # the minutes-late stage's search
    assert start == last_kept  # the breaches stage's final plan
    assert late.status == "FEASIBLE"  # the search improved on that plan (else: UNKNOWN)


def test_once_a_stage_is_left_unproven_no_later_stage_waits_for_the_relaxation(monkeypatch):
    asked: list[str] = []
    real = optimal._LazyRelaxation.bound

    def spy(self, stage, *args, **kwargs):
        asked.append(stage.terms[0].name)
        return real(self, stage, *args, **kwargs)

    monkeypatch.setattr(optimal._LazyRelaxation, "bound", spy)
    req = _busy_day(1)
    _starve(monkeypatch, 0)  # the first stage solved gets no plan: it stays unproven
    plan = solved(req)
    unproven = plan.solver.stages.index(next(s for s in plan.solver.stages if s.wall_s > 0.0))
    assert plan.solver.stages[unproven].status == "UNKNOWN"
    later = {s.terms[0] for s in plan.solver.stages[unproven + 1 :]}
    assert asked and not later & set(asked)
