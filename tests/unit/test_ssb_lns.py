"""Large-neighbourhood search on the Shift Scheduling Benchmark model, and the race of the
exact solver against it."""

from __future__ import annotations

import random
import time
from dataclasses import replace

import pytest
from ortools.sat.python import cp_model

from optimizer.ssb import SsbParams, parse_ssb, read_ssb, score_ssb, solve
from optimizer.ssb.heuristic import greedy_ssb_plan
from optimizer.ssb.incumbent import Incumbent
from optimizer.ssb.lns import lns_improve, neighbourhood
from optimizer.ssb.model import build_ssb_model
from optimizer.ssb.race import race
from tests.unit.test_ssb_benchmark import INSTANCE1, TINY

LNS = SsbParams(lns_step_s=1.0)
"""One work unit per neighbourhood re-plan, as these tests were tuned with."""


def _lns(inst, seed: int = 0, budget: float = 0.5):  # type: ignore[no-untyped-def]
    built = build_ssb_model(inst)
    start = greedy_ssb_plan(inst)
    first = score_ssb(inst, start)
    plan, stats = lns_improve(
        inst,
        built.model,
        built.x,
        start,
        first.objective,
        LNS,
        time_limit_s=600,
        seed=seed,
        deterministic_budget=budget,
    )
    return built, first, plan, stats


def test_lns_improves_the_constructive_roster_and_keeps_it_legal() -> None:
    inst = read_ssb(INSTANCE1)
    _, first, plan, stats = _lns(inst)
    score = score_ssb(inst, plan)
    assert score.feasible, score.violations
    assert score.objective == stats.objective < first.objective
    assert stats.improved >= 1 and stats.steps >= stats.improved


def test_lns_with_a_work_budget_is_reproducible() -> None:
    inst = read_ssb(INSTANCE1)
    assert _lns(inst, seed=3)[2] == _lns(inst, seed=3)[2]


def test_lns_restores_the_model_it_borrowed() -> None:
    inst = read_ssb(INSTANCE1)
    built, _, _, _ = _lns(inst)
    proto = built.model.proto
    domains = {tuple(proto.variables[v.index].domain) for v in built.x.values()}
    assert domains == {(0, 1)}
    assert not built.model.proto.solution_hint.vars
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 20
    assert solver.solve(built.model) == cp_model.OPTIMAL
    assert round(solver.objective_value) == 607


def test_incumbent_keeps_the_best_roster_and_closes_at_the_bound() -> None:
    shared = Incumbent()
    closed: list[bool] = []
    shared.watch(lambda: closed.append(True))
    assert shared.offer({("A", 0): "D"}, 10)
    assert not shared.offer({("B", 0): "D"}, 12)
    assert shared.best() == ({("A", 0): "D"}, 10)
    shared.raise_bound(8)
    assert not shared.closed and not shared.stop.is_set()
    shared.raise_bound(7)  # a bound never goes down
    assert shared.bound == 8
    assert shared.offer({("A", 1): "D"}, 8)
    assert shared.closed and shared.stop.is_set() and closed == [True]


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_the_race_proves_a_small_optimum() -> None:
    inst = parse_ssb(TINY, name="tiny")
    exact = solve(inst, SsbParams(num_workers=1, max_deterministic_time=5))
    t0 = time.perf_counter()
    raced = race(inst, SsbParams(time_limit_s=60, num_workers=2), size=10, t0=t0)
    plan = {(a.engineer_id, a.day): a.template_id for a in raced.assignments}
    assert raced.status == "OPTIMAL"
    assert raced.objective == exact.objective == score_ssb(inst, plan).objective
    assert score_ssb(inst, plan).feasible


def test_the_race_on_instance1_reaches_its_optimum() -> None:
    inst = read_ssb(INSTANCE1)
    t0 = time.perf_counter()
    raced = race(inst, SsbParams(time_limit_s=60, num_workers=2), size=104, t0=t0)
    assert raced.status == "OPTIMAL" and raced.objective == 607 == raced.best_bound


@pytest.mark.parametrize("horizon", [1, 4, 10])
def test_neighbourhoods_fit_any_horizon_and_staff(horizon: int) -> None:
    inst = replace(parse_ssb(TINY), horizon=horizon, days_off={}, on_requests=(), cover=())
    rng = random.Random(0)
    for size in (1, 40, 10_000):
        for _ in range(30):
            free = neighbourhood(inst, rng, size, {})
            assert free
            assert all(0 <= d < horizon and e in {"A", "B"} for e, d in free)
