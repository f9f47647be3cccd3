"""Column generation on the Shift Scheduling Benchmark: each employee's legal rows, the priced
lower bound, reduced-cost fixing, and the proof of an optimum from below."""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import pytest
from ortools.sat.python import cp_model

from optimizer.ssb import SsbInstance, SsbParams, parse_ssb, read_ssb, score_ssb, solve
from optimizer.ssb.deepen import (
    deepen,
    minimise_until_proven,
    minimise_within,
    prove_by_pricing,
    restricted_model,
    stop_when_overtaken,
)
from optimizer.ssb.heuristic import greedy_ssb_plan
from optimizer.ssb.incumbent import Incumbent
from optimizer.ssb.instance import SsbStaff
from optimizer.ssb.model import build_ssb_model
from optimizer.ssb.price import Priced, choice_floors, price_bound
from optimizer.ssb.race import Handover
from optimizer.ssb.rows import OFF, RowGraph, row_graphs
from optimizer.ssb.score import staff_violations
from tests.unit.test_ssb_benchmark import INSTANCE1, INSTANCE2, TINY

PARAMS = SsbParams()


def _tiny_priced() -> tuple[SsbInstance, int, Priced]:
    """TINY, its optimum (by the exact solver) and its priced bound with graphs and floors."""
    inst = parse_ssb(TINY, name="tiny")
    optimum = solve(inst, SsbParams(num_workers=1, max_deterministic_time=5)).objective
    assert optimum is not None
    graphs = row_graphs(inst, PARAMS)
    price = price_bound(inst, graphs)
    assert price is not None and price.bound <= optimum + 1e-6
    return inst, int(optimum), Priced.of(inst, price, graphs)


Instance2 = tuple[SsbInstance, Priced]


@pytest.fixture(scope="module")
def instance2_priced() -> Instance2:
    """Instance2 (optimum 828) and its converged priced bound with graphs and floors."""
    inst = read_ssb(INSTANCE2)
    graphs = row_graphs(inst, PARAMS)
    price = price_bound(inst, graphs, start=greedy_ssb_plan(inst), time_limit_s=120)
    assert price is not None and price.converged
    return inst, Priced.of(inst, price, graphs)


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
    return [parse_ssb(TINY, name="tiny"), read_ssb(INSTANCE1)]


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
            assert staff_violations(inst, st.id, _row_ids(inst, row)) == []
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
    assert price_bound(inst, row_graphs(inst, PARAMS)) is None


def test_the_priced_bound_is_valid_and_converges() -> None:
    inst = read_ssb(INSTANCE1)
    graphs = row_graphs(inst, PARAMS)
    price = price_bound(inst, graphs, start=greedy_ssb_plan(inst), time_limit_s=120)
    assert price is not None and price.converged and price.exact
    assert price.bound == pytest.approx(price.lp, abs=1e-6)
    assert 500 < price.bound <= 607  # the proven optimum


def test_the_restricted_model_keeps_the_optimum_and_nothing_cheaper() -> None:
    inst, optimum, priced = _tiny_priced()
    floors, graphs = choice_floors(inst, priced.price, priced.graphs), priced.graphs
    for target, expected in ((optimum, cp_model.OPTIMAL), (optimum - 1, cp_model.INFEASIBLE)):
        built, _ = restricted_model(inst, floors, target, graphs)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        assert solver.solve(built.model) == expected
        if expected == cp_model.OPTIMAL:
            assert solver.objective_value == optimum


def test_deepening_proves_instance2_from_below_reproducibly(instance2_priced: Instance2) -> None:
    inst, priced = instance2_priced
    runs = []
    for _ in range(2):
        shared = Incumbent()
        stats = deepen(inst, priced, shared, time_limit_s=600, deterministic_budget=60)
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
    assert prove_by_pricing(inst, shared, PARAMS, time_limit_s=10) is None


def test_the_exact_solver_hands_its_thread_over_once_pricing_is_stronger(
    instance2_priced: Instance2,
) -> None:
    inst, priced = instance2_priced
    shared = Incumbent()
    # the handover is due at once: a tenth of 100 s has passed already
    handover = Handover(shared, SsbParams(time_limit_s=100), t0=time.perf_counter() - 10)
    handover.exact_bound_raised(800)
    shared.raise_bound(math.ceil(priced.price.bound - 1e-6))  # as the pricing thread does
    handover.priced(priced)
    assert handover.joined.wait(timeout=60)
    handover.minimise_if_joined(inst)
    assert shared.closed and shared.best()[1] == 828


def test_the_exact_solver_keeps_its_thread_when_its_bound_is_as_strong(
    instance2_priced: Instance2,
) -> None:
    inst, priced = instance2_priced
    shared = Incumbent()
    handover = Handover(shared, SsbParams(time_limit_s=100), t0=time.perf_counter())
    handover.exact_bound_raised(priced.price.bound)
    handover.pricing = priced
    handover.take_over()
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


def test_minimising_within_the_open_rosters_proves_instance2(instance2_priced: Instance2) -> None:
    inst, priced = instance2_priced
    shared = Incumbent()
    shared.raise_bound(math.ceil(priced.price.bound - 1e-6))
    assert shared.bound <= 828
    status = minimise_within(inst, priced, shared, time_limit_s=120)
    plan, value = shared.best()
    # solved, or stopped the moment its roster met the bound
    assert status in ("OPTIMAL", "FEASIBLE")
    assert shared.closed and value == 828 == shared.bound
    assert score_ssb(inst, plan).objective == 828


def test_minimising_within_the_rosters_open_below_the_optimum_raises_the_bound_to_it() -> None:
    inst, optimum, priced = _tiny_priced()
    shared = Incumbent()
    shared.raise_bound(optimum - 1)
    minimise_within(inst, priced, shared, time_limit_s=60)
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
    raised = stop_when_overtaken(solver, 10)  # type: ignore[arg-type]
    raised(10)
    assert solver.stopped == 0
    raised(11)
    assert solver.stopped == 1


def test_minimising_goes_on_past_a_round_that_only_raises_the_bound() -> None:
    # the bound starts three below the optimum: one round of minimise_within only raises it
    # (its rosters are dearer than its target); the rounds go on until the optimum is proven
    inst, optimum, priced = _tiny_priced()
    one_round = Incumbent()
    one_round.raise_bound(optimum - 3)
    minimise_within(inst, priced, one_round, time_limit_s=60)
    assert not one_round.closed
    shared = Incumbent()
    shared.raise_bound(optimum - 3)
    statuses = minimise_until_proven(inst, priced, shared, time_limit_s=60)
    assert shared.closed and shared.best()[1] == optimum == shared.bound
    assert len(statuses) >= 2


def test_minimising_stops_at_once_when_the_race_is_over() -> None:
    inst, optimum, priced = _tiny_priced()
    shared = Incumbent()
    shared.raise_bound(optimum - 3)
    shared.halt()
    assert minimise_until_proven(inst, priced, shared, time_limit_s=60) == []


def test_the_handover_minimises_round_after_round_until_the_optimum_is_proven() -> None:
    # the exact solver's thread after the handover, with the bound three below the optimum
    inst, optimum, priced = _tiny_priced()
    shared = Incumbent()
    shared.raise_bound(optimum - 3)
    handover = Handover(shared, SsbParams(time_limit_s=60), t0=time.perf_counter())
    handover.pricing = priced
    handover.joined.set()
    handover.minimise_if_joined(inst)
    assert shared.closed and shared.best()[1] == optimum == shared.bound


@pytest.mark.parametrize("smoothing", [0.0, 0.5])
def test_smoothed_pricing_converges_to_the_same_bound_as_plain_pricing(smoothing: float) -> None:
    inst = read_ssb(INSTANCE1)
    graphs = row_graphs(inst, PARAMS)
    price = price_bound(inst, graphs, time_limit_s=120, smoothing=smoothing)
    assert price is not None and price.converged
    assert price.bound == pytest.approx(558, abs=1e-6)  # the master LP of Instance1


def test_pricing_within_one_unit_of_converging_still_proves_the_optimum() -> None:
    # on TINY four rounds leave the bound at 2.5 under the master's 3.0: not converged
    inst, optimum, _ = _tiny_priced()
    shared = Incumbent()
    params = SsbParams(pricing_max_rounds=4)
    stats = prove_by_pricing(inst, shared, params, time_limit_s=60, deterministic_budget=10)
    assert stats is not None
    assert shared.closed and shared.best()[1] == optimum == shared.bound


def test_pricing_far_from_converging_gives_way_to_the_search() -> None:
    # three rounds leave the bound at 2.0 under the master's 5.0
    inst = parse_ssb(TINY, name="tiny")
    shared = Incumbent()
    params = SsbParams(pricing_max_rounds=3)
    assert prove_by_pricing(inst, shared, params, time_limit_s=60) is None
    assert shared.best()[1] is None


def test_minimising_one_target_ahead_proves_an_optimum_one_above_the_bound_in_one_round() -> None:
    inst, optimum, priced = _tiny_priced()
    shared = Incumbent()
    shared.raise_bound(optimum - 1)  # as if the pricing thread were refuting optimum - 1
    statuses = minimise_until_proven(inst, priced, shared, time_limit_s=60, ahead=1)
    assert statuses == ["OPTIMAL"]
    assert shared.closed and shared.best()[1] == optimum == shared.bound


def test_minimising_from_a_weak_bound_raises_it_in_growing_steps() -> None:
    # Instance1's linear relaxation is 558 against the optimum 607: one unit a round would
    # take some fifty rounds
    inst = read_ssb(INSTANCE1)
    graphs = row_graphs(inst, PARAMS)
    price = price_bound(inst, graphs, time_limit_s=120)
    assert price is not None and price.converged
    shared = Incumbent()
    shared.raise_bound(math.ceil(price.bound - 1e-6))
    statuses = minimise_until_proven(inst, Priced.of(inst, price, graphs), shared, time_limit_s=120)
    assert shared.closed and shared.best()[1] == 607 == shared.bound
    assert len(statuses) <= 8
