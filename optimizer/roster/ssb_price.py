"""A lower bound for the Shift Scheduling Benchmark by column generation, and the rows it rules out.

Every hard rule concerns one employee, so a roster is one legal row per employee, and the
benchmark is a set-partitioning problem: choose a row for each employee, pay the rows' refused
requests and each day's people missing or in excess. Its linear relaxation (the *master*, solved
by HiGHS) over rows generated on demand — the cheapest row of each employee at the master's
coverage prices, :mod:`optimizer.roster.ssb_rows` — is far tighter than the compact model's LP
(Instance7: 1054.08 against the optimum 1056, where CP-SAT's bound reaches 1049–1052 in a
minute).

Any coverage prices ``π`` within the weights (``−weight_over ≤ π ≤ weight_under``) give a valid
Lagrangian bound ``L(π) = Σ π·requirement + Σ_e cheapest row of e at π``. The same prices rule
out choices: a roster in which employee ``e`` makes choice ``c`` on day ``d`` costs at least
``L(π) − cheapest(e) + cheapest(e through d, c)``, so when that exceeds a target ``T`` no roster
of penalty ≤ ``T`` makes the choice (reduced-cost fixing). The roster model restricted this way
keeps every roster of penalty ≤ ``T`` and is much smaller: on Instance7 at ``T = 1055`` CP-SAT
proves it infeasible in seconds, and at ``T = 1056`` finds and proves the optimum, where the
whole model leaves it a minute short.

Pure: NumPy and SciPy (HiGHS), no I/O.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csc_matrix

from optimizer.io.benchmark_ssb import SsbInstance
from optimizer.roster.ssb_rows import OFF, RowGraph, row_graphs

TOLERANCE = 1e-6
"""Slack on every comparison of float bounds with integer targets (HiGHS works to 1e-7)."""


@dataclass
class PriceBound:
    """What column generation found: a valid lower bound and the prices that give it."""

    bound: float
    """Lagrangian lower bound on the benchmark penalty of any roster (valid, even unconverged)."""
    prices: np.ndarray
    """Coverage price per cover row of the instance, the prices of ``bound``."""
    lp: float
    """The master LP's value at the end (equals ``bound`` once converged)."""
    converged: bool
    iterations: int
    wall_s: float
    exact: bool
    """Every employee's row graph models every rule (else the bound is a weaker, still valid,
    relaxation)."""
    columns: dict[str, list[list[int]]] = field(default_factory=dict)


class _Costs:
    """Day costs of every employee's choices: their own requests, then coverage prices."""

    def __init__(self, inst: SsbInstance, graphs: dict[str, RowGraph]) -> None:
        self.inst = inst
        self.shift_index = {s.id: k + 1 for k, s in enumerate(inst.shifts)}
        n = 1 + len(inst.shifts)
        self.own: dict[str, np.ndarray] = {e: np.zeros((inst.horizon, n)) for e in graphs}
        self.constant: dict[str, float] = dict.fromkeys(graphs, 0.0)
        for r in inst.on_requests:
            self.constant[r.staff_id] += r.weight
            self.own[r.staff_id][r.day, self.shift_index[r.shift_id]] -= r.weight
        for r in inst.off_requests:
            self.own[r.staff_id][r.day, self.shift_index[r.shift_id]] += r.weight
        self.cover_cells = [(c.day, self.shift_index[c.shift_id]) for c in inst.cover]

    def at(self, e: str, prices: np.ndarray) -> np.ndarray:
        """Employee ``e``'s day costs less the coverage prices."""
        cost = self.own[e].copy()
        for (d, k), p in zip(self.cover_cells, prices, strict=True):
            cost[d, k] -= p
        return cost

    def row_cost(self, e: str, row: list[int]) -> float:
        """The employee's own penalty for a row (refused requests)."""
        own = self.own[e]
        return self.constant[e] + float(sum(own[d, c] for d, c in enumerate(row)))


def price_bound(
    inst: SsbInstance,
    start: dict[tuple[str, int], str] | None = None,
    time_limit_s: float = 30.0,
    graphs: dict[str, RowGraph] | None = None,
) -> PriceBound | None:
    """Column generation to a converged master, or until ``time_limit_s``; None when an
    employee has no legal row at all (the instance is infeasible, the exact model says why).

    ``start``: a roster whose rows seed the master (any legal rows do: coverage is soft)."""
    t0 = time.perf_counter()
    graphs = graphs or row_graphs(inst)
    costs = _Costs(inst, graphs)
    staff = [st.id for st in inst.staff]
    columns: dict[str, list[list[int]]] = {e: [] for e in staff}
    zero = np.zeros(len(inst.cover))
    for e in staff:
        row = _row_of(inst, e, start, costs) if start else None
        if row is None:
            _, row = graphs[e].cheapest(costs.at(e, zero))
        if row is None:
            return None
        columns[e].append(row)
    low = np.array([-c.weight_over for c in inst.cover], dtype=float)
    high = np.array([c.weight_under for c in inst.cover], dtype=float)
    best_bound, best_prices = -np.inf, zero
    lp, iterations, converged = np.inf, 0, False
    requirement = np.array([c.requirement for c in inst.cover], dtype=float)
    while time.perf_counter() - t0 < time_limit_s:
        iterations += 1
        lp, prices, duties = _master(inst, costs, columns)
        prices = np.clip(prices, low, high)
        bound = float(prices @ requirement)
        added = 0
        for i, e in enumerate(staff):
            value, row = graphs[e].cheapest(costs.at(e, prices))
            if row is None:
                return None
            bound += costs.constant[e] + value
            if costs.constant[e] + value - duties[i] < -TOLERANCE:
                columns[e].append(row)
                added += 1
        if bound > best_bound:
            best_bound, best_prices = bound, prices
        if added == 0:
            converged = True
            break
    return PriceBound(
        bound=best_bound,
        prices=best_prices,
        lp=lp,
        converged=converged,
        iterations=iterations,
        wall_s=time.perf_counter() - t0,
        exact=all(g.exact for g in graphs.values()),
        columns=columns,
    )


def _row_of(
    inst: SsbInstance, e: str, plan: dict[tuple[str, int], str], costs: _Costs
) -> list[int] | None:
    """The employee's row in ``plan`` as choice indices (None when it breaks a hard rule: a
    column of the master must be a legal row, or the bound would not be valid)."""
    from optimizer.roster.benchmark import _staff_violations

    shifts = [plan.get((e, d)) for d in range(inst.horizon)]
    if _staff_violations(inst, e, shifts):
        return None
    return [OFF if s is None else costs.shift_index[s] for s in shifts]


def _master(
    inst: SsbInstance, costs: _Costs, columns: dict[str, list[list[int]]]
) -> tuple[float, np.ndarray, np.ndarray]:
    """The master LP over the rows so far: its value, coverage prices, and each employee's
    price of choosing a row (the convexity duals)."""
    staff = list(columns)
    cover_row = {cell: i for i, cell in enumerate(costs.cover_cells)}
    n_cover = len(costs.cover_cells)
    data, rows, cols, c = [], [], [], []
    j = 0
    for i, e in enumerate(staff):
        for row in columns[e]:
            c.append(costs.row_cost(e, row))
            for d, choice in enumerate(row):
                k = cover_row.get((d, choice)) if choice != OFF else None
                if k is not None:
                    rows.append(k)
                    cols.append(j)
                    data.append(1.0)
            rows.append(n_cover + i)
            cols.append(j)
            data.append(1.0)
            j += 1
    for k, cv in enumerate(inst.cover):
        c += [float(cv.weight_under), float(cv.weight_over)]
        rows += [k, k]
        cols += [j, j + 1]
        data += [1.0, -1.0]
        j += 2
    a = csc_matrix((data, (rows, cols)), shape=(n_cover + len(staff), j))
    b = np.concatenate([[cv.requirement for cv in inst.cover], np.ones(len(staff))])
    res = linprog(np.array(c), A_eq=a, b_eq=b, bounds=(0, None), method="highs")
    if res.status != 0:  # cannot happen: any row per employee with slack is feasible
        raise RuntimeError(f"master LP failed: {res.message}")
    duals = res.eqlin.marginals
    return float(res.fun), np.asarray(duals[:n_cover]), np.asarray(duals[n_cover:])


def choice_floors(
    inst: SsbInstance, price: PriceBound, graphs: dict[str, RowGraph] | None = None
) -> dict[str, np.ndarray]:
    """Per employee, a ``(horizon, 1 + shift types)`` array: the least penalty any roster can
    have in which the employee makes that choice on that day (reduced-cost fixing at the
    prices of ``price``; ``inf`` where no legal row makes it). It does not depend on a target,
    so it is computed once for all of them."""
    graphs = graphs or row_graphs(inst)
    costs = _Costs(inst, graphs)
    out: dict[str, np.ndarray] = {}
    for st in inst.staff:
        through = graphs[st.id].cheapest_through(costs.at(st.id, price.prices))
        out[st.id] = price.bound - float(np.min(through[0])) + through
    return out


def excluded_choices(floors: dict[str, np.ndarray], target: int) -> dict[str, np.ndarray]:
    """Per employee, the mask of the choices no roster of penalty at most ``target`` makes."""
    return {e: floor > target + TOLERANCE for e, floor in floors.items()}
