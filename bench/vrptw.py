"""Routing core on public VRPTW instances: the first 25 and 50 customers of Solomon instances,
fed to the dispatch engine as on-site tickets with an explicit travel matrix, against two routing
solvers at the same time budget, in the same run: OR-Tools' routing solver (pywrapcp, guided local
search) and PyVRP (hybrid genetic search, the state of the art on VRPTW).

The instances are Solomon's (``../shared/benchdata/solomon``; ``WFM_BENCHDATA`` overrides the
folder). Conventions: Euclidean distance in double precision; travel time = distance; service
starts inside [ready, due] (arriving early waits); every route ends at the depot by its due time.

Dispatch engineers carry no load, so every solver solves the *uncapacitated* variant (time
windows only; fleet of 25): its optimum is at or below the capacitated one. The best-known
solutions in the folder are for the full 100-customer capacitated instances and are not
comparable with 25/50-customer prefixes; the in-run results of both solvers are the baselines.
All three see the same integer travel times (tenths of a unit, rounded up); the distances
reported are recomputed in double precision from the routes.

Run: ``python -m bench.vrptw [--budget-25 S] [--budget-50 S] [INSTANCE ...]``.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from optimizer.calendar import TZ
from optimizer.dispatch import DispatchRequest, solve
from optimizer.dispatch.validate import validate_plan

DEFAULT_INSTANCES = ("C101", "C201", "R101", "R201", "RC101", "RC201")
SIZES = (25, 50)
BUDGETS = {25: 5.0, 50: 10.0}
FLEET = 25
ORIGIN = datetime(2026, 11, 30, 0, 0, tzinfo=TZ)


def benchdata_dir() -> Path:
    """The shared benchmark data folder (``WFM_BENCHDATA`` overrides it)."""
    env = os.environ.get("WFM_BENCHDATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "benchdata"


@dataclass(frozen=True)
class Customer:
    ident: int
    x: float
    y: float
    demand: int
    ready: int
    due: int
    service: int


@dataclass(frozen=True)
class Instance:
    name: str
    vehicles: int
    capacity: int
    depot: Customer
    customers: list[Customer]

    def prefix(self, n: int) -> Instance:
        return Instance(
            f"{self.name}.{n}", self.vehicles, self.capacity, self.depot, self.customers[:n]
        )

    @property
    def nodes(self) -> list[Customer]:
        return [self.depot, *self.customers]


def parse_solomon(path: Path) -> Instance:
    """A Solomon text file (name, VEHICLE section, CUSTOMER rows; CRLF line ends)."""
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    name = lines[0]
    k = lines.index("VEHICLE")
    vehicles, capacity = (int(v) for v in lines[k + 2].split())
    rows = []
    for ln in lines[lines.index("CUSTOMER") + 1 :]:
        parts = ln.split()
        if len(parts) == 7 and all(p.lstrip("-").isdigit() for p in parts):
            rows.append(Customer(*(int(p) for p in parts[:3]), *(int(p) for p in parts[3:])))
    return Instance(name, vehicles, capacity, rows[0], rows[1:])


def dist(a: Customer, b: Customer) -> float:
    return math.hypot(a.x - b.x, a.y - b.y)


def route_distance(inst: Instance, route: list[int]) -> float:
    """Double-precision length of depot → customers (by id) → depot."""
    by_id = {c.ident: c for c in inst.nodes}
    stops = [inst.depot, *(by_id[i] for i in route), inst.depot]
    return sum(dist(a, b) for a, b in zip(stops, stops[1:], strict=False))


# -- the dispatch engine -----------------------------------------------------------------------


def to_request(inst: Instance, time_limit_s: float) -> DispatchRequest:
    """Customers as on-site tickets with appointment windows, vehicles as engineers."""
    ids = [str(c.ident) for c in inst.nodes]
    minutes = [[dist(a, b) for b in inst.nodes] for a in inst.nodes]

    def at(t: float) -> str:
        return (ORIGIN + timedelta(minutes=t)).isoformat()

    horizon = inst.depot.due
    engineers = [
        {
            "id": f"v{k:02d}",
            "name": f"vehicle {k}",
            "licence_b": True,
            "has_car": True,
            "base": {"id": str(inst.depot.ident)},
            "availability": [{"start": at(0), "end": at(horizon)}],
        }
        for k in range(FLEET)
    ]
    tickets = [
        {
            "id": f"c{c.ident}",
            "location": {"id": str(c.ident)},
            "created_at": at(0),
            "mode": "onsite",
            "duration_min": c.service,
            "window": {"start": at(c.ready), "end": at(c.due + c.service)},
        }
        for c in inst.customers
    ]
    return DispatchRequest.model_validate(
        {
            "now": at(0),
            "horizon_end": at(horizon),
            "engineers": engineers,
            "tickets": tickets,
            "travel": {"kind": "matrix", "locations": ids, "minutes": minutes, "km": minutes},
            "options": {"time_limit_s": time_limit_s, "explain": False},
        }
    )


def solve_with_dispatch(inst: Instance, budget: float) -> tuple[float, int, int, float, str, bool]:
    """Distance, routes, customers served, wall seconds, status, valid — of the dispatch engine."""
    req = to_request(inst, budget)
    t0 = time.perf_counter()
    plan = solve(req)
    wall = time.perf_counter() - t0
    routes = []
    for r in plan.routes:
        visits = [int(s.ticket_id[1:]) for s in r.stops if s.ticket_id is not None]
        if visits:
            routes.append(visits)
    distance = sum(route_distance(inst, r) for r in routes)
    served = sum(len(r) for r in routes)
    valid = validate_plan(req, plan) == []
    return distance, len(routes), served, wall, plan.solver.status, valid


# -- OR-Tools routing (the baseline) ----------------------------------------------------------


def solve_with_ortools_routing(inst: Instance, budget: float) -> tuple[float, int, int, float]:
    """Distance, routes, customers served, wall seconds of pywrapcp with guided local search on
    the same uncapacitated problem and the same integer (tenths, rounded up) travel times."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    nodes = inst.nodes
    n = len(nodes)
    scale = 10
    tt = [[math.ceil(dist(a, b) * scale - 1e-9) for b in nodes] for a in nodes]
    manager = pywrapcp.RoutingIndexManager(n, FLEET, 0)
    routing = pywrapcp.RoutingModel(manager)

    def arc(i: int, j: int) -> int:
        return tt[manager.IndexToNode(i)][manager.IndexToNode(j)]

    def transit(i: int, j: int) -> int:
        a = manager.IndexToNode(i)
        return nodes[a].service * scale + tt[a][manager.IndexToNode(j)]

    cost = routing.RegisterTransitCallback(arc)
    routing.SetArcCostEvaluatorOfAllVehicles(cost)
    time_cb = routing.RegisterTransitCallback(transit)
    horizon = inst.depot.due * scale
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    dim = routing.GetDimensionOrDie("time")
    for k, c in enumerate(nodes):
        if k == 0:
            continue
        dim.CumulVar(manager.NodeToIndex(k)).SetRange(c.ready * scale, c.due * scale)
    for v in range(FLEET):
        dim.CumulVar(routing.Start(v)).SetRange(0, horizon)
        dim.CumulVar(routing.End(v)).SetRange(0, horizon)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(budget * 1000))
    t0 = time.perf_counter()
    sol = routing.SolveWithParameters(params)
    wall = time.perf_counter() - t0
    if sol is None:
        return math.inf, 0, 0, wall
    routes = []
    for v in range(FLEET):
        idx, route = routing.Start(v), []
        idx = sol.Value(routing.NextVar(idx))
        while not routing.IsEnd(idx):
            route.append(nodes[manager.IndexToNode(idx)].ident)
            idx = sol.Value(routing.NextVar(idx))
        if route:
            routes.append(route)
    distance = sum(route_distance(inst, r) for r in routes)
    return distance, len(routes), sum(len(r) for r in routes), wall


# -- PyVRP (the state-of-the-art baseline) ----------------------------------------------------


def solve_with_pyvrp(inst: Instance, budget: float, seed: int = 1) -> tuple[float, int, int, float]:
    """Distance, routes, customers served, wall seconds of PyVRP's hybrid genetic search on the
    same uncapacitated problem and integer travel times (a fleet of 25 without load limits)."""
    from pyvrp import Model
    from pyvrp.stop import MaxRuntime

    nodes = inst.nodes
    scale = 10
    m = Model()
    places = [m.add_location(x=c.x, y=c.y) for c in nodes]
    horizon = inst.depot.due * scale
    m.add_depot(places[0], tw_early=0, tw_late=horizon)
    m.add_vehicle_type(num_available=FLEET, capacity=0, tw_early=0, tw_late=horizon)
    for k, c in enumerate(inst.customers):
        m.add_client(
            places[k + 1],
            delivery=0,
            service_duration=c.service * scale,
            tw_early=c.ready * scale,
            tw_late=c.due * scale,
        )
    for i, a in enumerate(places):
        for j, b in enumerate(places):
            if i != j:
                t = math.ceil(dist(nodes[i], nodes[j]) * scale - 1e-9)
                m.add_edge(a, b, distance=t, duration=t)
    t0 = time.perf_counter()
    res = m.solve(stop=MaxRuntime(budget), seed=seed, display=False)
    wall = time.perf_counter() - t0
    if not res.is_feasible():
        return math.inf, 0, 0, wall
    routes = []
    for r in res.best.routes():
        visits = [a.idx for a in r.schedule() if a.is_client()]
        if visits:
            routes.append([inst.customers[v].ident for v in visits])
    distance = sum(route_distance(inst, r) for r in routes)
    return distance, len(routes), sum(len(r) for r in routes), wall


# -- the table ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    args = list(argv or [])
    budgets = dict(BUDGETS)
    for flag, size in (("--budget-25", 25), ("--budget-50", 50)):
        if flag in args:
            k = args.index(flag)
            budgets[size] = float(args[k + 1])
            del args[k : k + 2]
    names = args or list(DEFAULT_INSTANCES)
    folder = benchdata_dir() / "solomon"
    if not folder.is_dir():
        print(f"no Solomon data at {folder} (set WFM_BENCHDATA)")
        return
    print(
        "VRPTW (Solomon prefixes, uncapacitated, fleet 25): dispatch CP-SAT vs OR-Tools routing "
        "(GLS) and PyVRP (HGS) at the same time budget"
    )
    header = (
        f"{'instance':<10} {'budget':>6} | {'dispatch km':>11} {'veh':>3} {'served':>6} "
        f"{'wall':>6} {'status':<9} {'ok':<3}| {'routing km':>10} {'veh':>3} {'served':>6} "
        f"{'wall':>6} | {'ratio':>6} | {'pyvrp km':>9} {'veh':>3} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    ratios: dict[int, list[float]] = {25: [], 50: []}
    hgs: dict[int, list[float]] = {25: [], 50: []}
    for name in names:
        inst = parse_solomon(folder / f"{name}.txt")
        for size in SIZES:
            sub = inst.prefix(size)
            budget = budgets[size]
            d, v, served, wall, status, ok = solve_with_dispatch(sub, budget)
            rd, rv, rserved, rwall = solve_with_ortools_routing(sub, budget)
            pd, pv, pserved, _ = solve_with_pyvrp(sub, budget)
            ratio = d / rd if rd and math.isfinite(rd) and served == size else math.nan
            p_ratio = d / pd if pd and math.isfinite(pd) and served == size else math.nan
            if math.isfinite(ratio):
                ratios[size].append(ratio)
            if math.isfinite(p_ratio) and pserved == size:
                hgs[size].append(p_ratio)
            print(
                f"{sub.name:<10} {budget:>6.0f} | {d:>11.1f} {v:>3} {served:>6} {wall:>6.1f} "
                f"{status:<9} {'yes' if ok else 'NO':<3}| {rd:>10.1f} {rv:>3} {rserved:>6} "
                f"{rwall:>6.1f} | {ratio:>6.3f} | {pd:>9.1f} {pv:>3} {p_ratio:>6.3f}",
                flush=True,
            )
    for label, table in (("routing", ratios), ("PyVRP", hgs)):
        for size, rs in table.items():
            if rs:
                print(
                    f"{size} customers: dispatch / {label} distance, median "
                    f"{statistics.median(rs):.3f}, worst {max(rs):.3f} over {len(rs)} instances"
                )


if __name__ == "__main__":
    main(sys.argv[1:])
