"""Every legal row of one employee of the Shift Scheduling Benchmark, as a dynamic programme.

The benchmark's hard rules all concern one employee at a time (coverage only couples them,
softly, through the objective). An employee's month is a path through a layered graph: one
layer per day, a node per *state* after that day, an arc per choice of the day (a day off or a
shift type). The state holds exactly what the rules still need to know:

- the run: the shift worked today (for the rotation rule) and how long the current run of
  shifts is (max and min consecutive shifts, and whether it began on the first day, which
  exempts it from the minimum), or how long the current run of days off is (min consecutive
  days off; the time before the horizon counts as an unlimited run of days off);
- the resources: minutes worked so far (min and max total minutes), shifts of each type whose
  maximum can bind, and weekends worked so far.

A row is legal exactly when its path reaches the end with at least the minimum total minutes.
So for additive day costs (requests, and the coverage prices of column generation) the cheapest
legal row is a shortest path (:meth:`RowGraph.cheapest`), and one forward and one backward pass
give, for every day and choice, the cheapest legal row that makes that choice
(:meth:`RowGraph.cheapest_through`) — what reduced-cost fixing needs. The arcs usable on each
day do not depend on the costs, so they are worked out once per day and kept.

When the resource space would be too large, dimensions are dropped (weekends first, then the
per-type counts): the graph then admits rows that break a dropped rule, so its values are lower
bounds, never too high (``exact`` says which). The module is pure NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd

import numpy as np

from optimizer.ssb.instance import SsbInstance, SsbStaff
from optimizer.ssb.params import SsbParams

OFF = 0
"""Choice index of a day off; shift type ``k`` of the instance is choice ``k + 1``."""


@dataclass(frozen=True)
class _Run:
    """A run state: ``shift`` is None for a run of days off."""

    shift: int | None
    length: int
    from_start: bool = False


@dataclass
class _Arc:
    """Choice ``choice`` from run ``src`` leads to run ``dst``; resources grow by ``delta``
    (the weekend counter's growth is decided per day, see ``weekend_step``)."""

    src: int
    choice: int
    dst: int
    delta: tuple[int, ...]
    starts_work: bool


_Move = tuple[int, int, tuple[int, ...], int, tuple[slice, ...], tuple[slice, ...]]
_Group = tuple[int, tuple, tuple]
"""A choice, and the source and destination indexes (run array, then resource slices)."""


class RowGraph:
    """The layered graph of one employee's legal rows.

    ``cost`` arrays passed to the methods have shape ``(horizon, 1 + shift types)``: the cost of
    each choice on each day (``inf`` forbids it; choices the rules forbid are forbidden
    anyway)."""

    def __init__(
        self, inst: SsbInstance, st: SsbStaff, max_cells: int = SsbParams.row_max_cells
    ) -> None:
        self.inst, self.staff = inst, st
        self.horizon = h = inst.horizon
        self.n_choices = 1 + len(inst.shifts)
        self.allowed = self._allowed_choices()
        lengths = [inst.shifts[k].minutes for k in range(len(inst.shifts)) if self._works(k)]
        self.unit = _gcd_all(lengths or [1])
        top = min(st.max_total_minutes, h * max(lengths, default=0))
        self.min_units = -(-st.min_total_minutes // self.unit)
        self.max_units = top // self.unit
        self.feasible_space = self.max_units >= self.min_units
        self.counted = self._binding_types()
        weekends = (h + 1) // 7
        self.count_weekends = st.max_weekends < weekends and any(
            self.allowed[d, 1:].any() for d in range(h) if d % 7 in (5, 6)
        )
        self.runs = self._runs()
        self._index = {r: i for i, r in enumerate(self.runs)}
        self.exact = True
        while self._cells() > max_cells and (self.count_weekends or self.counted):
            self.exact = False
            if self.count_weekends:
                self.count_weekends = False
            else:
                self.counted = self.counted[:-1]
        self.shape = self._resource_shape()
        self.arcs = self._arcs()
        self._day_moves: dict[int, list[_Move]] = {}
        self._day_groups: dict[int, list[_Group]] = {}
        self._day_sources: dict[int, dict[int, list[tuple[int, tuple[int, ...], int]]]] = {}

    # ------------------------------------------------------------------ construction

    def _works(self, k: int) -> bool:
        return self.staff.max_shifts.get(self.inst.shifts[k].id, self.horizon) > 0

    def _allowed_choices(self) -> np.ndarray:
        """Days off are always allowed; a shift type unless its maximum is zero or the day is a
        requested day off."""
        allowed = np.zeros((self.horizon, self.n_choices), dtype=bool)
        allowed[:, OFF] = True
        off = set(self.inst.days_off.get(self.staff.id, ()))
        for d in range(self.horizon):
            if d in off:
                continue
            for k in range(len(self.inst.shifts)):
                allowed[d, k + 1] = self._works(k)
        return allowed

    def _binding_types(self) -> list[int]:
        """Shift types whose maximum is below the number of days they could be worked."""
        out = []
        for k, s in enumerate(self.inst.shifts):
            mx = self.staff.max_shifts.get(s.id, self.horizon)
            if 0 < mx < int(self.allowed[:, k + 1].sum()):
                out.append(k)
        return out

    def _runs(self) -> list[_Run]:
        st, h = self.staff, self.horizon
        most = min(st.max_consecutive_shifts, h)
        least = st.min_consecutive_shifts
        rest = max(1, min(st.min_consecutive_days_off, h))
        runs = [_Run(None, n) for n in range(1, rest + 1)]
        for k in range(len(self.inst.shifts)):
            if not self._works(k):
                continue
            for n in range(1, most + 1):
                runs.append(_Run(k, n))
                if n < least:
                    runs.append(_Run(k, n, from_start=True))
        return runs

    def _resource_shape(self) -> tuple[int, ...]:
        shape = [self.max_units + 1]
        for k in self.counted:
            shape.append(self.staff.max_shifts[self.inst.shifts[k].id] + 1)
        if self.count_weekends:
            shape.append(self.staff.max_weekends + 1)
        return tuple(shape)

    def _cells(self) -> int:
        return len(self.runs) * int(np.prod(self._resource_shape()))

    def _arcs(self) -> list[_Arc]:
        """Every legal step from a run state by one day's choice."""
        st = self.staff
        index = self._index
        rest = max(1, min(st.min_consecutive_days_off, self.horizon))
        most = min(st.max_consecutive_shifts, self.horizon)
        arcs: list[_Arc] = []
        n_res = len(self._resource_shape())
        for i, run in enumerate(self.runs):
            # a day off
            if run.shift is None:
                dst = _Run(None, min(run.length + 1, rest))
                arcs.append(_Arc(i, OFF, index[dst], (0,) * n_res, False))
            elif run.length >= st.min_consecutive_shifts or run.from_start:
                arcs.append(_Arc(i, OFF, index[_Run(None, 1)], (0,) * n_res, False))
            # a shift
            for k in range(len(self.inst.shifts)):
                if not self._works(k):
                    continue
                shift = self.inst.shifts[k]
                if run.shift is None:
                    if run.length < rest:
                        continue  # the days off in between are too few
                    length, from_start = 1, False  # from_start is set on day 0, see _step
                else:
                    if shift.id in self.inst.shifts[run.shift].cannot_follow:
                        continue
                    length, from_start = run.length + 1, run.from_start
                    if length > most:
                        continue
                if length >= st.min_consecutive_shifts:
                    from_start = False
                dst = _Run(k, length, from_start)
                delta = [shift.minutes // self.unit]
                delta += [1 if k == c else 0 for c in self.counted]
                if self.count_weekends:
                    delta.append(0)
                arcs.append(_Arc(i, k + 1, index[dst], tuple(delta), run.shift is None))
        return arcs

    # ------------------------------------------------------------------ passes

    def _initial(self) -> np.ndarray:
        """Before the first day: an unlimited run of days off, nothing worked."""
        layer = np.full((len(self.runs), *self.shape), np.inf)
        rest = max(1, min(self.staff.min_consecutive_days_off, self.horizon))
        layer[(self._index[_Run(None, rest)],) + (0,) * len(self.shape)] = 0.0
        return layer

    def _terminal(self) -> np.ndarray:
        """After the last day: any run may end there; the minimum total minutes must be met."""
        layer = np.zeros((len(self.runs), *self.shape))
        layer[:, : self.min_units] = np.inf
        return layer

    def _step(self, arc: _Arc, day: int) -> tuple[int, tuple[int, ...]] | None:
        """The arc on a given day: its destination run and resource growth (the first day's
        run of shifts is exempt from the minimum; a weekend is counted once); None if it
        cannot be taken that day."""
        dst, delta = arc.dst, arc.delta
        if arc.choice != OFF and day == 0 and arc.starts_work:
            run = self.runs[dst]
            if run.length < self.staff.min_consecutive_shifts:
                dst = self._index[_Run(run.shift, run.length, from_start=True)]
        if self.count_weekends and arc.choice != OFF:
            wd = day % 7
            counts = wd == 5 or (wd == 6 and (day == 0 or self.runs[arc.src].shift is None))
            if counts:
                delta = (*delta[:-1], 1)
        return dst, delta

    def _day_arcs(self, day: int) -> list[_Move]:
        """(src run, dst run, resource delta, choice, src slices, dst slices) of every arc
        the rules allow on ``day``, whatever the costs (worked out once per day)."""
        cached = self._day_moves.get(day)
        if cached is not None:
            return cached
        out: list[_Move] = []
        for arc in self.arcs:
            if not self.allowed[day, arc.choice]:
                continue
            step = self._step(arc, day)
            if step is None:
                continue
            dst, delta = step
            if any(dl >= n for dl, n in zip(delta, self.shape, strict=True)):
                continue
            src_sl = tuple(slice(0, n - dl) for dl, n in zip(delta, self.shape, strict=True))
            dst_sl = tuple(slice(dl, n) for dl, n in zip(delta, self.shape, strict=True))
            out.append((arc.src, dst, delta, arc.choice, src_sl, dst_sl))
        self._day_moves[day] = out  # a race between threads only computes the same list twice
        return out

    def _groups(self, day: int) -> list[_Group]:
        """The arcs of :meth:`_day_arcs` grouped by choice and resource growth: within a group
        every source run differs (a run and a choice lead to one state), so a whole group is
        one vectorised step of the backward pass."""
        cached = self._day_groups.get(day)
        if cached is not None:
            return cached
        by_key: dict[tuple[int, tuple[int, ...]], list[_Move]] = {}
        for move in self._day_arcs(day):
            by_key.setdefault((move[3], move[2]), []).append(move)
        out: list[_Group] = []
        for (choice, _), moves in by_key.items():
            src = np.array([m[0] for m in moves], dtype=np.intp)
            dst = np.array([m[1] for m in moves], dtype=np.intp)
            out.append((choice, (src, *moves[0][4]), (dst, *moves[0][5])))
        self._day_groups[day] = out
        return out

    def _arcs_from(self, day: int) -> dict[int, list[tuple[int, tuple[int, ...], int]]]:
        """The arcs of :meth:`_day_arcs` by source run: (dst run, resource delta, choice)."""
        cached = self._day_sources.get(day)
        if cached is None:
            cached = {}
            for src, dst, delta, choice, _, _ in self._day_arcs(day):
                cached.setdefault(src, []).append((dst, delta, choice))
            self._day_sources[day] = cached
        return cached

    def _moves(
        self, cost: np.ndarray, day: int
    ) -> list[tuple[int, int, tuple[int, ...], int, tuple, tuple, float]]:
        """The arcs of :meth:`_day_arcs` whose choice has a finite cost on ``day``, with it."""
        day_cost = cost[day]
        finite = np.isfinite(day_cost)
        return [
            (s, t, delta, choice, ssl, tsl, float(day_cost[choice]))
            for s, t, delta, choice, ssl, tsl in self._day_arcs(day)
            if finite[choice]
        ]

    def forward(self, cost: np.ndarray) -> list[np.ndarray]:
        """``F[d]``: cheapest partial row over days ``0..d-1`` ending in each state."""
        layers = [self._initial()]
        for d in range(self.horizon):
            src, nxt = layers[-1], np.full_like(layers[-1], np.inf)
            live = np.isfinite(src.reshape(len(self.runs), -1)).any(axis=1)
            for s, t, _, _, ssl, tsl, c in self._moves(cost, d):
                if live[s]:
                    np.minimum(nxt[t][tsl], src[s][ssl] + c, out=nxt[t][tsl])
            layers.append(nxt)
        return layers

    def backward(self, cost: np.ndarray) -> list[np.ndarray]:
        """``B[d]``: cheapest completion over days ``d..`` from each state (legal at the end)."""
        layers = [self._terminal()]
        for d in range(self.horizon - 1, -1, -1):
            nxt, cur = layers[-1], np.full_like(layers[-1], np.inf)
            day_cost = cost[d]
            for choice, src, dst in self._groups(d):
                c = day_cost[choice]
                if np.isfinite(c):
                    cur[src] = np.minimum(cur[src], nxt[dst] + c)
            layers.append(cur)
        layers.reverse()
        return layers

    def cheapest(self, cost: np.ndarray) -> tuple[float, list[int] | None]:
        """The cheapest legal row: its cost and its choice per day (None if no row is legal)."""
        if not self.feasible_space:
            return np.inf, None
        back = self.backward(cost)
        start = self._initial()
        value = float(np.min(start + back[0]))
        if not np.isfinite(value):
            return np.inf, None
        run = int(np.unravel_index(np.argmin(start + back[0]), start.shape)[0])
        res: tuple[int, ...] = (0,) * len(self.shape)
        row: list[int] = []
        for d in range(self.horizon):
            best: tuple[float, int, int, tuple[int, ...]] | None = None
            day_cost = cost[d]
            for dst, delta, choice in self._arcs_from(d).get(run, ()):
                c = float(day_cost[choice])
                if not np.isfinite(c):
                    continue
                new = tuple(r + dl for r, dl in zip(res, delta, strict=True))
                if any(v >= n for v, n in zip(new, self.shape, strict=True)):
                    continue
                total = c + float(back[d + 1][(dst, *new)])
                if best is None or total < best[0] - 1e-12:
                    best = (total, choice, dst, new)
            if best is None:  # cannot happen when the backward value is finite
                return np.inf, None
            _, choice, run, res = best
            row.append(choice)
        return value, row

    def cheapest_through(self, cost: np.ndarray) -> np.ndarray:
        """``V[d, c]``: the cost of the cheapest legal row choosing ``c`` on day ``d``
        (``inf`` where no legal row does)."""
        out = np.full((self.horizon, self.n_choices), np.inf)
        if not self.feasible_space:
            return out
        fwd, back = self.forward(cost), self.backward(cost)
        for d in range(self.horizon):
            for s, t, _, choice, ssl, tsl, c in self._moves(cost, d):
                v = float(np.min(fwd[d][s][ssl] + c + back[d + 1][t][tsl]))
                out[d, choice] = min(out[d, choice], v)
        return out


def row_graphs(inst: SsbInstance, params: SsbParams) -> dict[str, RowGraph]:
    """One graph per employee."""
    return {st.id: RowGraph(inst, st, params.row_max_cells) for st in inst.staff}


def _gcd_all(values: list[int]) -> int:
    g = 0
    for v in values:
        g = gcd(g, v)
    return max(g, 1)
