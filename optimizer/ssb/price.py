"""A lower bound for the Shift Scheduling Benchmark by column generation, and the rows it rules out.

Every hard rule concerns one employee, so a roster is one legal row per employee, and the
benchmark is a set-partitioning problem: choose a row for each employee, pay the rows' refused
requests and each day's people missing or in excess. Its linear relaxation (the *master*, solved
by HiGHS) over rows generated on demand — the cheapest row of each employee at the master's
coverage prices, :mod:`optimizer.ssb.rows` — is far tighter than the compact model's LP.

Any coverage prices ``π`` within the weights (``−weight_over ≤ π ≤ weight_under``) give a valid
Lagrangian bound ``L(π) = Σ π·requirement + Σ_e cheapest row of e at π``. The same prices rule
out choices: a roster in which employee ``e`` makes choice ``c`` on day ``d`` costs at least
``L(π) − cheapest(e) + cheapest(e through d, c)``, so when that exceeds a target ``T`` no roster
of penalty ≤ ``T`` makes the choice (reduced-cost fixing). The roster model restricted this way
keeps every roster of penalty ≤ ``T`` and is much smaller, so CP-SAT proves it (infeasible,
or optimal) far sooner than the whole model.

Pure: NumPy and SciPy (HiGHS), no I/O.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csc_matrix

from optimizer.ssb.instance import Plan, SsbInstance
from optimizer.ssb.params import SsbParams
from optimizer.ssb.rows import OFF, RowGraph
from optimizer.ssb.score import staff_violations

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
        self.cover_row = {cell: i for i, cell in enumerate(self.cover_cells)}
        self._columns: dict[tuple[str, tuple[int, ...]], tuple[float, list[int]]] = {}

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

    def column(self, e: str, row: list[int]) -> tuple[float, list[int]]:
        """A row as a column of the master: its own penalty and the cover rows it counts in
        (worked out once per row: the master is rebuilt at every iteration)."""
        key = (e, tuple(row))
        known = self._columns.get(key)
        if known is None:
            cells = [
                k
                for d, choice in enumerate(row)
                if choice != OFF and (k := self.cover_row.get((d, choice))) is not None
            ]
            known = (self.row_cost(e, row), cells)
            self._columns[key] = known
        return known


def price_bound(
    inst: SsbInstance,
    graphs: dict[str, RowGraph],
    *,
    start: Plan | None = None,
    time_limit_s: float = 30.0,
    smoothing: float = SsbParams.price_smoothing,
    max_rounds: int | None = None,
) -> PriceBound | None:
    """Column generation over the employees' row ``graphs`` to a converged master, or until
    ``time_limit_s`` (or ``max_rounds`` rounds); None when an employee has no legal row at
    all (the instance is infeasible, the exact model says why).

    ``start``: a roster whose rows seed the master (any legal rows do: coverage is soft).
    ``smoothing``: weight of the best prices so far against the master's duals in the prices
    of a round (0 prices the duals alone)."""
    t0 = time.perf_counter()
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
    smooth = True
    while time.perf_counter() - t0 < time_limit_s:
        if max_rounds is not None and iterations >= max_rounds:
            break
        iterations += 1
        lp, duals, duties = _master(inst, costs, columns)
        duals = np.clip(duals, low, high)
        # Prices between the master's duals and the best prices so far (Wentges smoothing):
        # the duals jump about from one master to the next, and these take fewer rounds.
        first = not np.isfinite(best_bound)
        prices = duals if first or not smooth else smoothing * best_prices + (1 - smoothing) * duals
        bound = float(prices @ requirement)
        added = 0
        for i, e in enumerate(staff):
            value, row = graphs[e].cheapest(costs.at(e, prices))
            if row is None:
                return None
            bound += costs.constant[e] + value
            # the row joins the master if it improves on the master's own duals
            reduced = costs.constant[e] + _row_value(costs.at(e, duals), row) - duties[i]
            if reduced < -TOLERANCE:
                columns[e].append(row)
                added += 1
        if bound > best_bound:
            best_bound, best_prices = bound, prices
        if added == 0:
            if prices is duals:
                converged = True  # no row improves on the master: its value is the bound
                break
            smooth = False  # nothing found at the smoothed prices: price the duals next
        else:
            smooth = True
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


def _row_value(cost: np.ndarray, row: list[int]) -> float:
    """The cost of a row under day costs ``cost``."""
    return float(cost[np.arange(len(row)), row].sum())


def _row_of(inst: SsbInstance, e: str, plan: Plan, costs: _Costs) -> list[int] | None:
    """The employee's row in ``plan`` as choice indices (None when it breaks a hard rule: a
    column of the master must be a legal row, or the bound would not be valid)."""
    shifts = [plan.get((e, d)) for d in range(inst.horizon)]
    if staff_violations(inst, e, shifts):
        return None
    return [OFF if s is None else costs.shift_index[s] for s in shifts]


def _master(
    inst: SsbInstance, costs: _Costs, columns: dict[str, list[list[int]]]
) -> tuple[float, np.ndarray, np.ndarray]:
    """The master LP over the rows so far: its value, coverage prices, and each employee's
    price of choosing a row (the convexity duals)."""
    staff = list(columns)
    n_cover = len(costs.cover_cells)
    data: list[float] = []
    rows: list[int] = []
    cols: list[int] = []
    c: list[float] = []
    j = 0
    for i, e in enumerate(staff):
        for row in columns[e]:
            cost, cells = costs.column(e, row)
            c.append(cost)
            rows += cells
            cols += [j] * len(cells)
            data += [1.0] * len(cells)
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
    inst: SsbInstance, price: PriceBound, graphs: dict[str, RowGraph]
) -> dict[str, np.ndarray]:
    """Per employee, a ``(horizon, 1 + shift types)`` array: the least penalty any roster can
    have in which the employee makes that choice on that day (reduced-cost fixing at the
    prices of ``price``; ``inf`` where no legal row makes it). It does not depend on a target,
    so it is computed once for all of them."""
    costs = _Costs(inst, graphs)
    out: dict[str, np.ndarray] = {}
    for st in inst.staff:
        through = graphs[st.id].cheapest_through(costs.at(st.id, price.prices))
        out[st.id] = price.bound - float(np.min(through[0])) + through
    return out


@dataclass(frozen=True)
class Priced:
    """Converged column generation with what the restricted models are built from: the
    bound and prices, the employees' row graphs, and the choice floors of those prices
    (:func:`choice_floors`, computed once and shared by every target and thread)."""

    price: PriceBound
    graphs: dict[str, RowGraph]
    floors: dict[str, np.ndarray]

    @classmethod
    def of(cls, inst: SsbInstance, price: PriceBound, graphs: dict[str, RowGraph]) -> Priced:
        """Work out the floors of ``price`` over ``graphs``."""
        return cls(price, graphs, choice_floors(inst, price, graphs))


def excluded_choices(floors: dict[str, np.ndarray], target: int) -> dict[str, np.ndarray]:
    """Per employee, the mask of the choices no roster of penalty at most ``target`` makes."""
    return {e: floor > target + TOLERANCE for e, floor in floors.items()}
