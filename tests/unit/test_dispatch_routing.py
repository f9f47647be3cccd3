"""The routing core on a VRPTW-shaped request: a fleet of identical engineers doing only site
visits with appointment windows and a fractional travel matrix."""

from __future__ import annotations

import math
from datetime import timedelta

from optimizer.dispatch.build import build_problem
from optimizer.dispatch.fleet import fleet_of
from optimizer.dispatch.problem import FINE_SCALE
from tests.unit.test_dispatch_fixtures import NOW, request, solved

# A depot at (0, 0) and customers a (10, 0), b (10, 10), c (0, 10), d (-10, 0); travel time
# equals the Euclidean distance (fractional minutes).
POINTS = {
    "depot": (0.0, 0.0),
    "a": (10.0, 0.0),
    "b": (10.0, 10.0),
    "c": (0.0, 10.0),
    "d": (-10.0, 0.0),
}


def _matrix() -> dict:
    ids = list(POINTS)
    dist = [[math.dist(POINTS[i], POINTS[j]) for j in ids] for i in ids]
    return {"kind": "matrix", "locations": ids, "minutes": dist, "km": dist}


def _vrptw(vehicles: int = 3, windows: bool = False):
    def at(m: float) -> str:
        return (NOW + timedelta(minutes=m)).isoformat()

    engineers = [
        {
            "id": f"v{k}",
            "name": f"vehicle {k}",
            "licence_b": True,
            "has_car": True,
            "base": {"id": "depot"},
            "availability": [{"start": at(0), "end": at(600)}],
        }
        for k in range(vehicles)
    ]
    tickets = []
    for name in "abcd":
        t = {
            "id": name,
            "location": {"id": name},
            "created_at": at(0),
            "mode": "onsite",
            "duration_min": 10,
        }
        if windows:
            # d only late in the day: it cannot share the a-b-c tour's timing.
            t["window"] = {"start": at(300 if name == "d" else 0), "end": at(400)}
        tickets.append(t)
    return request(engineers, tickets, travel=_matrix(), horizon_end=at(600))


def test_fractional_travel_matrix_plans_on_a_tenth_of_a_minute():
    assert build_problem(_vrptw()).scale == FINE_SCALE


def test_identical_visiting_fleet_is_solved_on_one_routing_graph():
    assert fleet_of(build_problem(_vrptw())) is not None


def test_one_tour_through_all_visits_is_the_shortest_for_an_idle_fleet():
    plan = solved(_vrptw())
    routes = [r for r in plan.routes if r.stops]
    # depot-a-b-c-d-depot is 10 + 10 + 10 + 10·√2 + 10 = 54.14; any split is longer.
    assert len(routes) == 1
    assert abs(plan.kpis.travel_km - (40 + 10 * math.sqrt(2))) < 0.01
    assert plan.solver.status == "OPTIMAL"


def test_appointment_windows_are_kept_on_the_fleet_path():
    plan = solved(_vrptw(windows=True))
    d = plan.assignment("d")
    assert d.start >= NOW + timedelta(minutes=300)
    assert len(plan.assignments) == 4


def test_greedy_fleet_plan_is_valid_and_no_better_than_optimal():
    req = _vrptw()
    assert solved(req, "greedy").kpis.travel_km >= solved(req).kpis.travel_km - 1e-9
