"""Column generation on the Shift Scheduling Benchmark: each employee's legal rows, the priced
lower bound, reduced-cost fixing, and the proof of an optimum from below."""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import pytest
from ortools.sat.python import cp_model

from optimizer.io.benchmark_ssb import SsbInstance, SsbStaff, parse_ssb, read_ssb
from optimizer.roster import SsbParams, score_ssb, solve_ssb
from optimizer.roster.benchmark import _Handover, _staff_violations, build_ssb_model
from optimizer.roster.ssb_deepen import (
    _stop_when_overtaken,
    deepen,
    minimise_within,
    prove_by_pricing,
    restricted_model,
)
from optimizer.roster.ssb_heuristic import greedy_ssb_plan
from optimizer.roster.ssb_lns import Incumbent
from optimizer.roster.ssb_price import PriceBound, choice_floors, price_bound
from optimizer.roster.ssb_rows import OFF, RowGraph, row_graphs
from tests.unit.test_roster_benchmark import INSTANCE1, TINY, benchdata, needs_instance1

INSTANCE2 = benchdata() / "shift-scheduling" / "Instance2.txt"


def _tiny_priced() -> tuple[SsbInstance, int, dict[str, RowGraph], PriceBound]:
    """TINY, its optimum (by the exact solver), its row graphs and its priced bound."""
    inst = parse_ssb(TINY, name="tiny")
    optimum = solve_ssb(inst, SsbParams(num_workers=1, max_deterministic_time=5)).objective
    assert optimum is not None
    graphs = row_graphs(inst)
    price = price_bound(inst, graphs=graphs)
    assert price is not None and price.bound <= optimum + 1e-6
    return inst, int(optimum), graphs, price


Priced = tuple[SsbInstance, dict[str, RowGraph], PriceBound]


@pytest.fixture(scope="module")
def instance2_priced() -> Priced:
    """Instance2 (optimum 828), its row graphs and its converged priced bound."""
    if not INSTANCE2.exists():
        pytest.skip(f"benchmark data not found at {INSTANCE2}")
    inst = read_ssb(INSTANCE2)
    graphs = row_graphs(inst)
    price = price_bound(inst, greedy_ssb_plan(inst), time_limit_s=120, graphs=graphs)
    assert price is not None and price.converged
    return inst, graphs, price


def _cp_sat_cheapest(
    inst: SsbInstance, st: SsbStaff, cost: np.ndarray, force: tuple[int, int] | None = None
) -> float | None:
    """The cheapest legal row of one employee by CP-SAT on the benchmark model itself (integer
    costs, so the values compare exactly); None when no legal row makes the forced choice."""
    alone = replace(inst, staff=(st,), on_requests=(), off_requests=(), cover=())
    built = build_ssb_model(alone)
    terms = []
    for d in range(inst.horizon):
        terms.append(int(cost[d, OFF]) * (1 - built.works[(st.id, d)]))
        for k, s in enumerate(inst.shifts):
            v = built.x.get((st.id, d, s.id))
            if v is not None:
                terms.append(int(cost[d, k + 1]) * v)
    if force is not None:
        d, c = force
        if c == OFF:
            built.model.add(built.works[(st.id, d)] == 0)
        elif (st.id, d, inst.shifts[c - 1].id) in built.x:
            built.model.add(built.x[(st.id, d, inst.shifts[c - 1].id)] == 1)
        else:
            return None
    built.model.minimize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = 30
    status = solver.solve(built.model)
    if status == cp_model.INFEASIBLE:
        return None
    assert status == cp_model.OPTIMAL
    return solver.objective_value


def _row_ids(inst: SsbInstance, row: list[int]) -> list[str | None]:
    return [None if c == OFF else inst.shifts[c - 1].id for c in row]


def _instances() -> list[SsbInstance]:
    out = [parse_ssb(TINY, name="tiny")]
    if INSTANCE1.exists():
        out.append(read_ssb(INSTANCE1))
    return out


@pytest.mark.parametrize("inst", _instances(), ids=lambda i: i.name)
def test_the_cheapest_row_is_legal_and_as_cheap_as_cp_sat_finds(inst: SsbInstance) -> None:
    rng = np.random.default_rng(7)
    for st in inst.staff[:4]:
        graph = RowGraph(inst, st)
        assert graph.exact
        for _ in range(2):
            cost = rng.integers(-6, 7, size=(inst.horizon, 1 + len(inst.shifts))).astype(float)
            value, row = graph.cheapest(cost)
            assert row is not None
            assert _staff_violations(inst, st.id, _row_ids(inst, row)) == []
            assert value == pytest.approx(sum(cost[d, c] for d, c in enumerate(row)))
            assert value == pytest.approx(_cp_sat_cheapest(inst, st, cost))


@pytest.mark.parametrize("inst", _instances(), ids=lambda i: i.name)
def test_the_cheapest_row_through_a_choice_matches_cp_sat_forced_to_make_it(
    inst: SsbInstance,
) -> None:
    rng = np.random.default_rng(11)
    st = inst.staff[0]
    graph = RowGraph(inst, st)
    cost = rng.integers(-6, 7, size=(inst.horizon, 1 + len(inst.shifts))).astype(float)
    through = graph.cheapest_through(cost)
    assert np.min(through[0]) == pytest.approx(graph.cheapest(cost)[0])
    for d in rng.choice(inst.horizon, size=min(3, inst.horizon), replace=False):
        for c in range(graph.n_choices):
            expected = _cp_sat_cheapest(inst, st, cost, force=(int(d), c))
            if expected is None:
                assert math.isinf(through[d, c])
            else:
                assert through[d, c] == pytest.approx(expected)


def test_an_employee_without_any_legal_row_makes_pricing_say_so() -> None:
    # A must work at least 5 shifts of 480 minutes in a 4-day horizon
    inst = parse_ssb(TINY.replace("A,D=4|N=4,1920,480,", "A,D=4|N=4,2880,2400,"))
    assert price_bound(inst) is None


@needs_instance1
def test_the_priced_bound_is_valid_and_converges() -> None:
    inst = read_ssb(INSTANCE1)
    price = price_bound(inst, greedy_ssb_plan(inst), time_limit_s=120)
    assert price is not None and price.converged and price.exact
    assert price.bound == pytest.approx(price.lp, abs=1e-6)
    assert 500 < price.bound <= 607  # the proven optimum


def test_the_restricted_model_keeps_the_optimum_and_nothing_cheaper() -> None:
    inst, optimum, graphs, price = _tiny_priced()
    floors = choice_floors(inst, price, graphs)
    for target, expected in ((optimum, cp_model.OPTIMAL), (optimum - 1, cp_model.INFEASIBLE)):
        built, _ = restricted_model(inst, floors, target, graphs)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        assert solver.solve(built.model) == expected
        if expected == cp_model.OPTIMAL:
            assert solver.objective_value == optimum


def test_deepening_proves_instance2_from_below_reproducibly(instance2_priced: Priced) -> None:
    inst, graphs, price = instance2_priced
    runs = []
    for _ in range(2):
        shared = Incumbent()
        stats = deepen(inst, price, graphs, shared, time_limit_s=600, deterministic_budget=60)
        plan, value = shared.best()
        assert shared.closed and value == 828 == shared.bound  # the published optimum
        assert score_ssb(inst, plan).feasible and score_ssb(inst, plan).objective == 828
        # the last target is solved (or stopped the moment its roster met the bound)
        assert stats.targets[-1][1] in ("OPTIMAL", "FEASIBLE")
        assert all(status == "INFEASIBLE" for _, status, _ in stats.targets[:-1])
        runs.append(([t for t, _, _ in stats.targets], plan))
    assert runs[0] == runs[1]


def test_pricing_gives_way_when_the_race_is_over() -> None:
    inst = parse_ssb(TINY, name="tiny")
    shared = Incumbent()
    shared.halt()
    assert prove_by_pricing(inst, shared, time_limit_s=10) is None


def test_the_exact_solver_hands_its_thread_over_once_pricing_is_stronger(
    instance2_priced: Priced,
) -> None:
    inst, graphs, price = instance2_priced
    shared = Incumbent()
    # the handover is due at once: a tenth of 100 s has passed already
    handover = _Handover(shared, SsbParams(time_limit_s=100), t0=time.perf_counter() - 10)
    handover.exact_bound_raised(800)
    shared.raise_bound(math.ceil(price.bound - 1e-6))  # as the pricing thread does
    handover.priced(price, graphs)
    assert handover.joined.wait(timeout=60)
    handover.minimise_if_joined(inst)
    assert shared.closed and shared.best()[1] == 828


def test_the_exact_solver_keeps_its_thread_when_its_bound_is_as_strong(
    instance2_priced: Priced,
) -> None:
    inst, graphs, price = instance2_priced
    shared = Incumbent()
    handover = _Handover(shared, SsbParams(time_limit_s=100), t0=time.perf_counter())
    handover.exact_bound_raised(price.bound)
    handover._price = (price, graphs)
    handover._take_over()
    assert not handover.joined.is_set()
    handover.minimise_if_joined(inst)
    assert shared.best()[1] is None  # nothing was run


def test_the_incumbent_stops_every_watched_solver_once_halted() -> None:
    shared = Incumbent()
    calls: list[str] = []

    def first() -> None:
        calls.append("first")

    def second() -> None:
        calls.append("second")

    shared.watch(first)
    shared.watch(second)
    shared.unwatch(second)
    shared.halt()
    assert shared.stop.is_set() and calls == ["first"]
    shared.watch(second)  # watching after the end stops at once
    assert calls == ["first", "second"]


def test_minimising_within_the_open_rosters_proves_instance2(instance2_priced: Priced) -> None:
    inst, graphs, price = instance2_priced
    shared = Incumbent()
    shared.raise_bound(math.ceil(price.bound - 1e-6))
    assert shared.bound <= 828
    status = minimise_within(inst, price, graphs, shared, time_limit_s=120)
    plan, value = shared.best()
    # solved, or stopped the moment its roster met the bound
    assert status in ("OPTIMAL", "FEASIBLE")
    assert shared.closed and value == 828 == shared.bound
    assert score_ssb(inst, plan).objective == 828


def test_minimising_within_the_rosters_open_below_the_optimum_raises_the_bound_to_it() -> None:
    inst, optimum, graphs, price = _tiny_priced()
    shared = Incumbent()
    shared.raise_bound(optimum - 1)
    minimise_within(inst, price, graphs, shared, time_limit_s=60)
    assert shared.bound == optimum
    _, value = shared.best()
    assert value is None or value >= optimum


def test_bound_listeners_hear_only_a_rising_bound() -> None:
    shared = Incumbent()
    heard: list[float] = []
    shared.listen(heard.append)
    shared.raise_bound(5)
    shared.raise_bound(4)
    shared.raise_bound(5)
    shared.raise_bound(6)
    shared.unlisten(heard.append)
    shared.raise_bound(7)
    assert heard == [5, 6]


def test_a_target_solve_stops_once_another_thread_refutes_its_target() -> None:
    class Solver:
        stopped = 0

        def stop_search(self) -> None:
            self.stopped += 1

    solver = Solver()
    raised = _stop_when_overtaken(solver, 10)  # type: ignore[arg-type]
    raised(10)
    assert solver.stopped == 0
    raised(11)
    assert solver.stopped == 1
