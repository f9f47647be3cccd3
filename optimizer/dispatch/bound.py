"""A time-indexed relaxation of the dispatch model: an independent lower bound on its SLA terms.

CP-SAT's own bound on "minutes late" comes from the linear relaxation of optional intervals,
which does not see that eight engineers cannot all start their ninety-minute tickets by the
deadline, and stays far below the best plan. A time-indexed model sees exactly that. Time is
cut into buckets of a few minutes, on a grid per engineer that starts when they are free (the
finest of ``params.grids_min`` that keeps the programme small, see :func:`choose_grid`); a
column says "ticket j starts with engineer c in bucket b". Every real plan maps onto the
columns by rounding each start down to its bucket, and then:

- a ticket is done once or left out;
- the rounded work of one engineer never overlaps: a job of ``d`` minutes started in bucket
  ``b`` holds buckets ``b … b + ⌊d/G⌋ − 1`` and the next job cannot start before the last of
  them; nor does it overlap the time outside their hours or work already under way (a fixed
  interval [p, q) holds buckets ⌊p⌋ … ⌊q⌋ − 1), nor the lunch (a column of its own, placed in
  its window, which may sit outside hours but not on work under way);
- an engineer's visits form a route (:func:`_drives`): every visit made has one drive in, from
  where the engineer is or from another of their visits, and one drive out, to another visit
  or back to base by the end of the day, each holding the buckets of its leg at the quickest
  time of day, leaving after its visit's work and arriving by the next visit's bucket; the
  engineer leaves where they are once, as soon as they make any visit. When the whole routes
  would take too many columns, an engineer's visits keep only one drive in each, as long as the
  shortest leg that can lead there (:func:`_drive_before`);
- each column is charged what the earliest real start inside its bucket would cost: the
  urgent ticket's waiting, a breach only when even that start is past the deadline, minutes
  late; a ticket left out is charged as the model charges it (a start at the horizon's end).

So every plan is a solution of the relaxation that costs no more on each of these terms, and
the optimum of its linear programme, given the values the earlier stages kept, is a lower bound
on the stage. What it does not see — traffic (each leg at its quickest), a route's order in time
beyond "in before out", and whole numbers (it is a linear programme) — only makes it weaker,
never wrong. Its integer optimum would be tighter but takes far longer to prove than the whole
dispatch may run, so it is not used.

The bound is used in :mod:`optimizer.dispatch.optimal`: it is added to the CP-SAT model of the
stage as a cut (``stage ≥ bound``), so CP-SAT stops as soon as a plan meets it, and the stage's
best bound (hence the gap reported) is the better of the two. The linear programme is solved by
HiGHS (SciPy), by the dual simplex, or for the terms flagged ``interior`` in the registry under
the wall clock by the interior-point method; with ``deterministic`` an iteration limit, not the
clock, bounds its work. The terms it models, their per-ticket costs and its settings come from
the registry (:data:`optimizer.dispatch.terms.TERMS`) and :class:`SearchParams`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix, vstack

from optimizer.dispatch.cpmodel import ObjectiveTerm
from optimizer.dispatch.eligibility import idle_start, latest_start_for
from optimizer.dispatch.params import DEFAULT_PARAMS, SearchParams
from optimizer.dispatch.problem import END, START, Crew, Job, Problem
from optimizer.dispatch.terms import BY_NAME, TERMS

BOUNDED: tuple[ObjectiveTerm, ...] = tuple(t for t in TERMS if t.bounded)
"""The terms the relaxation models: those decided by who starts what when (each a sum of
per-ticket costs); travel, changes, balance and the early-start tie-breaker are not."""

Hold = tuple[int, int, int]
"""The buckets a column holds in its engineer's day: (crew, first bucket, how many)."""


@dataclass
class Relaxation:
    """The linear programme: ``A_eq z = b_eq`` (each ticket once or left out, each lunch once,
    a drive into and out of each visit made, one drive out of where the engineer is, and the
    order in time of a route's drives and visits), ``A_ub z ≤ b_ub`` (one thing per bucket and
    engineer; a visit made means the engineer left), and each term as a vector over ``z`` plus a
    constant (the tickets the engines do not decide)."""

    a_eq: csr_matrix
    b_eq: np.ndarray
    a_ub: csr_matrix
    b_ub: np.ndarray
    terms: dict[str, tuple[np.ndarray, int]] = field(default_factory=dict)

    @property
    def columns(self) -> int:
        return int(self.a_eq.shape[1])


def _grid(problem: Problem, crew: Crew, minutes: int) -> tuple[int, int]:
    """An engineer's bucket grid as (offset, length) in plan units: it starts when the engineer
    is free, so back-to-back work from then on sits exactly on it."""
    g = minutes * problem.scale
    return crew.t0 % g, g


def all_start_ranges(problem: Problem) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """:func:`start_ranges` of every (decided job, candidate crew) pair, by their indices."""
    return {
        (job.index, ci): start_ranges(problem, job, problem.crews[ci])
        for job in problem.jobs
        if job.schedulable
        for ci in job.candidates
    }


def choose_grid(
    problem: Problem,
    ranges: dict[tuple[int, int], list[tuple[int, int]]],
    params: SearchParams = DEFAULT_PARAMS,
) -> int | None:
    """The finest bucket length (minutes) whose columns stay within ``params.max_columns``."""
    starts = sum(hi - lo + 1 for pair in ranges.values() for lo, hi in pair)
    for minutes in params.grids_min:
        if starts / (minutes * problem.scale) <= params.max_columns:
            return minutes
    return None


def _bucket(s: int, grid: tuple[int, int]) -> int:
    offset, g = grid
    return (s - offset) // g


def _held(intervals: list[tuple[int, int]], grid: tuple[int, int]) -> set[int]:
    """Buckets no rounded job may hold because of fixed intervals [p, q): a job ending by p
    holds buckets before ⌊p⌋, a job starting at q or later starts in ⌊q⌋ or later."""
    out: set[int] = set()
    for p, q in intervals:
        out.update(range(_bucket(p, grid), _bucket(q, grid)))
    return out


def start_ranges(problem: Problem, job: Job, crew: Crew) -> list[tuple[int, int]]:
    """The real starts of a job by a crew as closed ranges: inside a window, no earlier than
    the crew could be there, no later than a start that still ends inside their hours."""
    first = idle_start(problem, job, crew)
    if first is None:
        return []
    last = min(job.latest_start, latest_start_for(problem, job, crew))
    if job.pin_start is not None:
        first, last = max(first, job.pin_start), min(last, job.pin_start)
    out = []
    for a, w in crew.windows:
        lo, hi = max(first, a), min(last, w - job.duration)
        if lo <= hi:
            out.append((lo, hi))
    return out


def _bucket_starts(ranges: list[tuple[int, int]], grid: tuple[int, int]) -> dict[int, int]:
    """Bucket → the earliest real start in it."""
    offset, g = grid
    out: dict[int, int] = {}
    for lo, hi in ranges:
        for b in range(_bucket(lo, grid), _bucket(hi, grid) + 1):
            s = max(lo, offset + b * g)
            out[b] = min(out.get(b, s), s)
    return out


@dataclass
class _Builder:
    """The programme under construction: columns, equality rows (with their right-hand
    sides), precedence rows (``≤ 0``) and the buckets each column holds in its engineer's day,
    ``(column, crew, first bucket, buckets held)``, which become the capacity rows."""

    eq: list[tuple[int, int, float]] = field(default_factory=list)
    eq_rhs: list[float] = field(default_factory=list)
    prec: list[tuple[int, int, float]] = field(default_factory=list)
    n_prec: int = 0
    holds: list[tuple[int, int, int, int]] = field(default_factory=list)
    n: int = 0

    def row(self, rhs: float) -> int:
        self.eq_rhs.append(rhs)
        return len(self.eq_rhs) - 1

    def column(self, eq_row: int, hold: Hold | None = None, coef: float = 1.0) -> int:
        col = self.n
        self.n += 1
        self.eq.append((eq_row, col, coef))
        if hold is not None and hold[2] > 0:
            self.holds.append((col, *hold))
        return col

    def ordered(self, leads: list[tuple[int, int]], follows: list[tuple[int, int]]) -> None:
        """By every time t, the ``follows`` columns chosen at or before t are no more than the
        ``leads`` columns chosen at or before t (each a list of (time, column), at most one of
        the leads chosen in all). Written as a chain of equalities with one slack column per
        time (the leads chosen so far minus the follows), so its size grows with the columns,
        not with columns × times."""
        times = sorted({t for t, _ in leads} | {t for t, _ in follows})
        rows = {t: self.row(0) for t in times}
        self.eq += [(rows[t], col, 1.0) for t, col in leads]
        self.eq += [(rows[t], col, -1.0) for t, col in follows]
        for k, t in enumerate(times):
            slack = self.column(rows[t], None, -1.0)
            if k + 1 < len(times):
                self.eq.append((rows[times[k + 1]], slack, 1.0))

    def precedence(self, entries: list[tuple[int, float]]) -> None:
        self.prec += [(self.n_prec, col, coef) for col, coef in entries]
        self.n_prec += 1

    def matrices(self) -> tuple[csr_matrix, np.ndarray, csr_matrix, np.ndarray]:
        def sparse(entries: list[tuple[int, int, float]], rows: int) -> csr_matrix:
            r, c, v = zip(*entries, strict=True) if entries else ((), (), ())
            return coo_matrix((v, (r, c)), shape=(rows, self.n)).tocsr()

        a_eq = sparse(self.eq, len(self.eq_rhs))
        held = np.array(self.holds, dtype=np.int64).reshape(-1, 4)
        spans = held[:, 3]
        cols = np.repeat(held[:, 0], spans)
        crews = np.repeat(held[:, 1], spans)
        # bucket a + k for k < n: a repeated n times plus 0 … n − 1 within each hold
        within = np.arange(int(spans.sum())) - np.repeat(np.cumsum(spans) - spans, spans)
        buckets = np.repeat(held[:, 2], spans) + within
        _, rows = np.unique(np.stack([crews, buckets], axis=1), axis=0, return_inverse=True)
        rows = rows.reshape(-1)
        n_cells = int(rows.max()) + 1 if len(rows) else 0
        a_cap = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_cells, self.n)).tocsr()
        a_cap = a_cap[np.diff(a_cap.indptr) > 1]  # a bucket one column alone holds: no row
        a_ub = vstack([a_cap, sparse(self.prec, self.n_prec)]).tocsr()
        b_ub = np.concatenate([np.ones(a_cap.shape[0]), np.zeros(self.n_prec)])
        return a_eq, np.array(self.eq_rhs), a_ub, b_ub


def build_relaxation(problem: Problem, params: SearchParams = DEFAULT_PARAMS) -> Relaxation | None:
    """The time-indexed relaxation of a problem on the finest grid that keeps it small; None
    when even the coarsest is too large, or a lunch has no room (the model has none either)."""
    ranges = all_start_ranges(problem)
    minutes = choose_grid(problem, ranges, params)
    if minutes is None:
        return None
    h = problem.horizon
    grids = {c.index: _grid(problem, c, minutes) for c in problem.crews}
    off_hours = {
        c.index: _held(list(c.blocks) + list(c.busy), grids[c.index]) for c in problem.crews
    }
    under_way = {c.index: _held(list(c.busy), grids[c.index]) for c in problem.crews}

    def cells(crew: int, b: int, span: np.ndarray) -> Hold:
        """The buckets a column holds: b … b + len(span) − 1 of the crew's day."""
        return (crew, b, len(span))

    jobs = [j for j in problem.jobs if j.schedulable]
    out = _Builder()
    costs: dict[str, list[tuple[int, int]]] = {t.name: [] for t in BOUNDED}
    route_visits: dict[int, dict[int, list[tuple[int, int]]]] = {}
    for job in jobs:
        once = out.row(1)
        for ci in job.candidates:
            crew = problem.crews[ci]
            grid = grids[ci]
            span = np.arange(job.duration // grid[1])
            starts = _bucket_starts(ranges[(job.index, ci)], grid)
            visits: list[tuple[int, int]] = []
            for b, s in sorted(starts.items()):
                if any(b + k in off_hours[ci] for k in span):
                    continue
                col = out.column(once, cells(ci, b, span))
                _charge(problem, costs, job, s, col, left=False)
                visits.append((b, col))
            if job.onsite and visits:
                route_visits.setdefault(ci, {})[job.index] = visits
        col = out.column(once)  # left out
        _charge(problem, costs, job, h, col, left=True)

    def route_columns(ci: int, visits_of: dict[int, list[tuple[int, int]]]) -> int:
        """About how many drive columns a whole route takes: one per source (where the
        engineer is, or another visit) or way back, per bucket a visit can start in."""
        return (len(visits_of) + 1) * sum(len(v) for v in visits_of.values())

    room = params.route_max_columns - out.n
    for ci, visits_of in sorted(route_visits.items(), key=lambda kv: route_columns(*kv)):
        crew, grid = problem.crews[ci], grids[ci]
        need = route_columns(ci, visits_of)
        if need <= room:
            room -= need
            _drives(problem, out, crew, grid, visits_of, (off_hours[ci], under_way[ci]), cells)
            continue
        for j, visits in visits_of.items():
            _drive_before(problem, out, problem.jobs[j], crew, grid, visits, off_hours[ci], cells)
    for crew in problem.crews:
        grid = grids[crew.index]
        for br in crew.breaks:
            span = np.arange(br.duration // grid[1])
            starts = _bucket_starts([(br.lo, br.hi - br.duration)], grid)
            row = out.row(1)
            placed = [
                out.column(row, cells(crew.index, b, span))
                for b in sorted(starts)
                if not any(b + k in under_way[crew.index] for k in span)
            ]
            if not placed:
                return None
    a_eq, b_eq, a_ub, b_ub = out.matrices()
    relax = Relaxation(a_eq, b_eq, a_ub, b_ub)
    constants = _constants(problem)
    for name, charged in costs.items():
        vec = np.zeros(out.n)
        for col, cost in charged:
            vec[col] += cost
        relax.terms[name] = (vec, constants[name])
    return relax


def _drives(
    problem: Problem,
    out: _Builder,
    crew: Crew,
    grid: tuple[int, int],
    visits_of: dict[int, list[tuple[int, int]]],
    held: tuple[set[int], set[int]],
    cells,  # type: ignore[no-untyped-def]
) -> None:
    """An engineer's route as drives, each holding the buckets of its leg's quickest time of
    day: every visit made has exactly one drive in (from where the engineer is, or from another
    visit) and one drive out (to another visit, or back to base by the end of the day); the
    engineer leaves where they are once, as soon as they make any visit. A drive leaves after
    its visit's work ends (leaving in bucket ``a`` after work of ``d`` minutes started in bucket
    ``b`` means ``b + ⌊d/G⌋ ≤ a``) and arrives by the next visit's bucket (a drive of ``m``
    minutes leaving in bucket ``a`` arrives in bucket ``a + ⌊m/G⌋`` or later). ``held``: the
    buckets outside hours or under way, which no drive out to a visit may hold, and those under
    way, which the way back may not (it may end a gap in the engineer's hours, as in the model).
    """
    offset, g = grid
    off_hours, under_way = held
    jobs = problem.jobs
    first = {v: min(b for b, _ in cols) for v, cols in visits_of.items()}
    last = {v: max(b for b, _ in cols) for v, cols in visits_of.items()}
    ready = {START: _bucket(crew.t0, grid)}
    ready.update({v: first[v] + jobs[v].duration // g for v in visits_of})
    into = {v: out.row(0) for v in visits_of}
    leave = {v: out.row(0) for v in visits_of}
    once = out.row(1)
    out.column(once)  # no visit at all: the engineer stays
    for v, cols in visits_of.items():
        for _, col in cols:
            out.eq += [(into[v], col, -1.0), (leave[v], col, -1.0)]
    arrivals: dict[int, list[tuple[int, int]]] = {v: [] for v in visits_of}
    departures: dict[int, list[tuple[int, int]]] = {v: [] for v in visits_of}
    starts: list[int] = []

    def legs(
        src: int, minutes: int, latest: int, row: int, barred: set[int]
    ) -> list[tuple[int, int]]:
        span = np.arange(minutes // g)
        return [
            (a, out.column(row, cells(crew.index, a, span)))
            for a in range(ready[src], latest + 1)
            if not any(a + k in barred for k in span)
        ]

    for v in visits_of:
        for src in [START, *visits_of]:
            if src == v:
                continue
            minutes = problem.least_minutes(crew, src, v)
            for a, col in legs(src, minutes, last[v] - minutes // g, into[v], off_hours):
                arrivals[v].append((a + minutes // g, col))
                if src == START:
                    out.eq.append((once, col, 1.0))
                    starts.append(col)
                else:
                    out.eq.append((leave[src], col, 1.0))
                    departures[src].append((a, col))
    for u in visits_of:
        minutes = problem.least_minutes(crew, u, END)
        latest = (crew.day_end - minutes - offset) // g
        for a, col in legs(u, minutes, latest, leave[u], under_way):
            departures[u].append((a, col))
    for v, cols in visits_of.items():
        out.ordered(arrivals[v], cols)  # visits started by t <= drives arrived by t
        ended = [(b + jobs[v].duration // g, col) for b, col in cols]
        out.ordered(ended, departures[v])  # drives left by t <= work ended by t
        # a visit made means the engineer left where they are
        out.precedence([(col, 1.0) for _, col in cols] + [(col, -1.0) for col in starts])


def least_drive_in(problem: Problem, job: Job, crew: Crew) -> int:
    """The shortest drive that can bring the crew to a visit: from where they are, or from
    another visit they could make, at the quickest time of day."""
    legs = [problem.least_minutes(crew, START, job.index)]
    legs += [
        problem.least_minutes(crew, other.index, job.index)
        for other in problem.jobs
        if other.onsite and other.index != job.index and crew.index in other.candidates
    ]
    return min(legs)


def _drive_before(
    problem: Problem,
    out: _Builder,
    job: Job,
    crew: Crew,
    grid: tuple[int, int],
    visits: list[tuple[int, int]],
    off_hours: set[int],
    cells,  # type: ignore[no-untyped-def]
) -> None:
    """The drive to a visit: drive columns, one of them chosen exactly when the crew makes the
    visit, holding the buckets of the shortest drive there, and ending by the visit's bucket
    (a drive of ``m`` minutes leaving in bucket ``a`` arrives in bucket ``a + ⌊m/G⌋`` or later)."""
    span_n = least_drive_in(problem, job, crew) // grid[1]
    if span_n == 0:
        return
    span = np.arange(span_n)
    first = _bucket(0, grid)
    link = out.row(0)
    for _, col in visits:
        out.eq.append((link, col, -1.0))
    drives = []
    for a in range(first, visits[-1][0] - span_n + 1):
        if any(a + k in off_hours for k in span):
            continue
        drives.append((a, out.column(link, cells(crew.index, a, span))))
    # by every visit bucket T: visits started by T ≤ drives arrived by T
    for t, _ in visits:
        entries = [(col, 1.0) for b, col in visits if b <= t]
        entries += [(col, -1.0) for a, col in drives if a + span_n <= t]
        out.precedence(entries)


def _charge(
    problem: Problem,
    costs: dict[str, list[tuple[int, int]]],
    job: Job,
    start: int,
    col: int,
    left: bool,
) -> None:
    """What a column (a start no earlier than ``start``, or the ticket left out) costs on each
    term, as the model charges it."""
    for term in BOUNDED:
        assert term.job_cost is not None
        cost = term.job_cost(problem, job, start, left)
        if cost:
            costs[term.name].append((col, cost))


def _constants(problem: Problem) -> dict[str, int]:
    """Each term's part from tickets the engines do not decide (work under way at its start,
    tickets nobody can do at the horizon's end), as the model counts them."""
    out = {t.name: 0 for t in BOUNDED}
    for j in problem.jobs:
        if j.schedulable:
            continue
        s = j.pin_start if j.in_progress and j.pin_start is not None else problem.horizon
        for term in BOUNDED:
            assert term.job_cost is not None
            out[term.name] += term.job_cost(problem, j, s, not j.in_progress)
    return out


def _method(
    objective: dict[str, int],
    time_limit_s: float | None,
    deterministic: bool,
    params: SearchParams,
) -> str:
    """HiGHS's method for a stage's programme: the interior-point one for the terms it is faster
    on, given the time; otherwise the dual simplex (the only one with ``deterministic``, whose
    iteration limit is its work limit)."""
    if deterministic or not any(BY_NAME[name].interior for name in objective):
        return "highs-ds"
    if time_limit_s is not None and time_limit_s < params.interior_min_s:
        return "highs-ds"
    return "highs-ipm"


def stage_bound(
    relax: Relaxation,
    kept: dict[str, int],
    objective: dict[str, int],
    time_limit_s: float | None = None,
    deterministic: bool = False,
    params: SearchParams = DEFAULT_PARAMS,
) -> int | None:
    """A lower bound on ``Σ weight × term`` over ``objective`` given the earlier stages'
    values (``kept``: term → the value it may not exceed); None when the terms are not all
    modelled or the programme is not solved to optimality within its limit."""
    if not set(objective) <= set(relax.terms):
        return None
    rows, rhs = [relax.a_ub], [relax.b_ub]
    for name, value in kept.items():
        if name in relax.terms:
            vec, const = relax.terms[name]
            rows.append(csr_matrix(vec))
            rhs.append(np.array([value - const]))
    cost = sum(w * relax.terms[name][0] for name, w in objective.items())
    constant = sum(w * relax.terms[name][1] for name, w in objective.items())
    options: dict[str, float | int] = {}
    if deterministic:
        options["maxiter"] = int(params.iterations_per_column * relax.columns) + 1000
    elif time_limit_s is not None:
        options["time_limit"] = max(0.05, time_limit_s)
    res = linprog(
        cost,
        A_ub=vstack(rows).tocsr(),
        b_ub=np.concatenate(rhs),
        A_eq=relax.a_eq,
        b_eq=relax.b_eq,
        bounds=(0, 1),
        method=_method(objective, time_limit_s, deterministic, params),
        options=options,
    )
    if res.status != 0:
        return None
    lp_value = float(res.fun) + constant
    # the terms are whole numbers: round up, with room for the solver's tolerances
    return math.ceil(lp_value - 1e-6 * max(1.0, abs(lp_value)))
