"""The Shift Scheduling Benchmark (Curtois & Qu) solved with CP-SAT, benchmark-exact rules.

One Boolean ``x[e, d, s]`` per employee, day and shift type (none where the employee may not
work that shift or has the day off); ``w[e, d]`` = works on day ``d``. Hard rules follow
``benchdata/README.md`` to the letter, including the boundaries: the day before and the day
after the horizon are days off, and for the *minimum* consecutive rules the time outside
the horizon counts as an unlimited run. The objective is the benchmark's penalty.

:func:`score_ssb` re-scores a roster independently of the model (used by tests and by
:func:`solve_ssb` to report the benchmark objective).

Solving strategy (measured on two cores, see ``bench/roster.py``): with two or more workers on
the wall clock, every instance up to :data:`LNS_MAX_VARS` is a race of threads sharing the best
roster (:func:`_race`). On small instances (up to :data:`SMALL_VARS` shift variables, Instances
1–7) the exact solver (LP-heavy CP-SAT: bound and rosters) races column generation with
reduced-cost fixing (:mod:`optimizer.roster.ssb_deepen`): all seven proven, in 0.3–17 s. On
larger ones large-neighbourhood searches (:mod:`optimizer.roster.ssb_lns`) re-plan parts of the
best roster, starting from the constructive roster of :mod:`optimizer.roster.ssb_heuristic`.
With one worker or a deterministic work limit (the tests) the exact solver runs alone, started
from the constructive roster on larger instances. The largest instance (Instance24) gets the
constructive roster only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from optimizer.domain.roster import (
    CoverageRow,
    Roster,
    RosterAssignment,
    ShortfallRow,
    SolverInfo,
)
from optimizer.io.benchmark_ssb import SsbInstance
from optimizer.roster.ssb_lns import Incumbent, lns_improve
from optimizer.roster.ssb_price import PriceBound
from optimizer.roster.ssb_rows import RowGraph

Plan = Mapping[tuple[str, int], str]
"""A benchmark roster: (staff id, day) → shift id; missing keys are days off."""


# ----------------------------------------------------------------------------- scoring


@dataclass
class SsbScore:
    """The benchmark penalty of a roster and every hard rule it breaks."""

    objective: int
    violations: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        """No hard rule is broken."""
        return not self.violations


def score_ssb(inst: SsbInstance, plan: Plan) -> SsbScore:
    """Re-score a roster exactly as the benchmark defines it and list hard-rule breaches."""
    shifts = {s.id: s for s in inst.shifts}
    violations: list[str] = []
    for (sid, d), sh in plan.items():
        if sh not in shifts:
            violations.append(f"{sid} day {d}: unknown shift {sh}")
        if not 0 <= d < inst.horizon:
            violations.append(f"{sid} day {d}: outside the horizon")
    for st in inst.staff:
        row = [plan.get((st.id, d)) for d in range(inst.horizon)]
        violations += _staff_violations(inst, st.id, row)
    objective = 0
    for r in inst.on_requests:
        if plan.get((r.staff_id, r.day)) != r.shift_id:
            objective += r.weight
    for r in inst.off_requests:
        if plan.get((r.staff_id, r.day)) == r.shift_id:
            objective += r.weight
    counts: dict[tuple[int, str], int] = {}
    for (_, d), sh in plan.items():
        counts[(d, sh)] = counts.get((d, sh), 0) + 1
    for c in inst.cover:
        n = counts.get((c.day, c.shift_id), 0)
        objective += c.weight_under * max(0, c.requirement - n)
        objective += c.weight_over * max(0, n - c.requirement)
    return SsbScore(objective, violations)


def _staff_violations(inst: SsbInstance, sid: str, row: list[str | None]) -> list[str]:
    """Every hard rule of one employee, checked on the row of shifts (None = day off)."""
    st = next(s for s in inst.staff if s.id == sid)
    shifts = {s.id: s for s in inst.shifts}
    out: list[str] = []
    h = inst.horizon
    for d in range(h - 1):
        a, b = row[d], row[d + 1]
        if a is not None and b is not None and a in shifts and b in shifts[a].cannot_follow:
            out.append(f"{sid} day {d + 1}: shift {b} may not follow {a}")
    for s in shifts:
        n = sum(1 for x in row if x == s)
        if n > st.max_shifts.get(s, h):
            out.append(f"{sid}: {n} shifts {s} > max {st.max_shifts.get(s)}")
    minutes = sum(shifts[x].minutes for x in row if x is not None and x in shifts)
    if not st.min_total_minutes <= minutes <= st.max_total_minutes:
        out.append(f"{sid}: {minutes} min outside [{st.min_total_minutes}, {st.max_total_minutes}]")
    for start, length, working in _runs(row):
        touches_edge = start == 0 or start + length == h
        if working and length > st.max_consecutive_shifts:
            out.append(f"{sid} day {start}: {length} consecutive shifts > max")
        if working and length < st.min_consecutive_shifts and not touches_edge:
            out.append(f"{sid} day {start}: {length} consecutive shifts < min")
        if not working and length < st.min_consecutive_days_off and not touches_edge:
            out.append(f"{sid} day {start}: {length} consecutive days off < min")
    weekends = sum(
        1
        for w in range((h + 1) // 7)
        if any(d < h and row[d] is not None for d in (7 * w + 5, 7 * w + 6))
    )
    if weekends > st.max_weekends:
        out.append(f"{sid}: {weekends} weekends worked > max {st.max_weekends}")
    for d in inst.days_off.get(sid, ()):
        if row[d] is not None:
            out.append(f"{sid} day {d}: works on a requested day off")
    return out


def _runs(row: list[str | None]) -> list[tuple[int, int, bool]]:
    """Maximal runs of working / off days: (first day, length, working)."""
    runs: list[tuple[int, int, bool]] = []
    start = 0
    for d in range(1, len(row) + 1):
        if d == len(row) or (row[d] is None) != (row[start] is None):
            runs.append((start, d - start, row[start] is not None))
            start = d
    return runs


# ----------------------------------------------------------------------------- model


@dataclass
class SsbModel:
    """The CP-SAT model of one instance with its decision variables."""

    model: cp_model.CpModel
    x: dict[tuple[str, int, str], cp_model.IntVar]
    works: dict[tuple[str, int], cp_model.IntVar]
    weekends: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    slack: dict[tuple[int, str], tuple[cp_model.IntVar, cp_model.IntVar]] = field(
        default_factory=dict
    )
    """(day, shift) → (people missing, people in excess)."""
    penalty: cp_model.LinearExprT = 0
    """The benchmark penalty, the expression minimised."""

    def add_hint(self, inst: SsbInstance, plan: Plan) -> None:
        """A complete hint from a plan: every variable gets the value the plan implies."""
        for (sid, d, s), v in self.x.items():
            self.model.add_hint(v, plan.get((sid, d)) == s)
        for (sid, d), v in self.works.items():
            self.model.add_hint(v, (sid, d) in plan)
        for (sid, w), v in self.weekends.items():
            self.model.add_hint(v, (sid, 7 * w + 5) in plan or (sid, 7 * w + 6) in plan)
        counts: dict[tuple[int, str], int] = {}
        for (_, d), s in plan.items():
            counts[(d, s)] = counts.get((d, s), 0) + 1
        req = {(c.day, c.shift_id): c.requirement for c in inst.cover}
        for key, (under, over) in self.slack.items():
            n = counts.get(key, 0)
            self.model.add_hint(under, max(0, req[key] - n))
            self.model.add_hint(over, max(0, n - req[key]))


def build_ssb_model(inst: SsbInstance) -> SsbModel:
    """Variables, every hard rule, then the benchmark objective."""
    m = cp_model.CpModel()
    x = _shift_variables(m, inst)
    built = SsbModel(m, x, _at_most_one_shift_a_day(m, inst, x))
    _shift_rotation(m, inst, x)
    _max_shifts_of_each_type(m, inst, x)
    _total_minutes_within_limits(m, inst, x)
    _max_consecutive_shifts(m, inst, built.works)
    _min_consecutive_shifts(m, inst, built.works)
    _min_consecutive_days_off(m, inst, built.works)
    built.weekends = _max_working_weekends(m, inst, built.works)
    built.slack, built.penalty = _objective(m, inst, x)
    return built


def _shift_variables(m: cp_model.CpModel, inst: SsbInstance) -> dict:
    """A variable only where the shift is allowed: not on a requested day off (hard), not a
    shift type whose maximum is zero."""
    x: dict[tuple[str, int, str], cp_model.IntVar] = {}
    for st in inst.staff:
        off = set(inst.days_off.get(st.id, ()))
        for d in range(inst.horizon):
            if d in off:
                continue
            for s in inst.shifts:
                if st.max_shifts.get(s.id, inst.horizon) > 0:
                    x[(st.id, d, s.id)] = m.new_bool_var(f"x_{st.id}_{d}_{s.id}")
    return x


def _at_most_one_shift_a_day(m: cp_model.CpModel, inst: SsbInstance, x: dict) -> dict:
    """An employee works at most one shift a day; ``works[e, d]`` says whether they work."""
    works: dict[tuple[str, int], cp_model.IntVar] = {}
    for st in inst.staff:
        for d in range(inst.horizon):
            day = [x[k] for s in inst.shifts if (k := (st.id, d, s.id)) in x]
            w = m.new_bool_var(f"w_{st.id}_{d}")
            if day:
                m.add(sum(day) == w)
            else:
                m.add(w == 0)
            works[(st.id, d)] = w
    return works


def _shift_rotation(m: cp_model.CpModel, inst: SsbInstance, x: dict) -> None:
    """A shift type that cannot follow another is never worked the next day."""
    for st in inst.staff:
        for d in range(inst.horizon - 1):
            for s in inst.shifts:
                a = x.get((st.id, d, s.id))
                if a is None:
                    continue
                for t in s.cannot_follow:
                    b = x.get((st.id, d + 1, t))
                    if b is not None:
                        m.add_bool_or([a.Not(), b.Not()])


def _max_shifts_of_each_type(m: cp_model.CpModel, inst: SsbInstance, x: dict) -> None:
    """An employee works each shift type at most its maximum number of times."""
    for st in inst.staff:
        for s in inst.shifts:
            mx = st.max_shifts.get(s.id, inst.horizon)
            vs = [x[k] for d in range(inst.horizon) if (k := (st.id, d, s.id)) in x]
            if vs and mx < len(vs):
                m.add(sum(vs) <= mx)


def _total_minutes_within_limits(m: cp_model.CpModel, inst: SsbInstance, x: dict) -> None:
    """An employee's total minutes lie between their minimum and maximum."""
    for st in inst.staff:
        terms = [
            s.minutes * x[k]
            for d in range(inst.horizon)
            for s in inst.shifts
            if (k := (st.id, d, s.id)) in x
        ]
        m.add_linear_constraint(sum(terms), st.min_total_minutes, st.max_total_minutes)


def _max_consecutive_shifts(m: cp_model.CpModel, inst: SsbInstance, works: dict) -> None:
    """No more than the maximum number of shifts on consecutive days (the day before the
    horizon is a day off, so only windows inside the horizon count)."""
    for st in inst.staff:
        k = st.max_consecutive_shifts
        for d in range(inst.horizon - k):
            m.add(sum(works[(st.id, d + i)] for i in range(k + 1)) <= k)


def _min_consecutive_shifts(m: cp_model.CpModel, inst: SsbInstance, works: dict) -> None:
    """A run of shifts between two days off inside the horizon is at least the minimum long;
    a run touching either end of the horizon may be shorter."""
    for st in inst.staff:
        _forbid_short_runs(m, inst.horizon, st.id, works, st.min_consecutive_shifts, True)


def _min_consecutive_days_off(m: cp_model.CpModel, inst: SsbInstance, works: dict) -> None:
    """A run of days off between two worked days inside the horizon is at least the minimum
    long; a run touching either end of the horizon may be shorter."""
    for st in inst.staff:
        _forbid_short_runs(m, inst.horizon, st.id, works, st.min_consecutive_days_off, False)


def _forbid_short_runs(
    m: cp_model.CpModel, h: int, sid: str, works: dict, minimum: int, working: bool
) -> None:
    """A run that starts inside the horizon (the day before has the other state) goes on for
    ``minimum`` days or to the end of the horizon: ``state[d + i] >= state[d] - state[d - 1]``.

    This linear form is the clause ``(other, run..., other)`` forbidden, with a tighter LP.
    """

    def state(d: int) -> cp_model.LinearExpr:
        v: cp_model.IntVar = works[(sid, d)]
        return (
            cp_model.LinearExpr.affine(v, 1, 0) if working else cp_model.LinearExpr.affine(v, -1, 1)
        )

    for first in range(1, h):
        for i in range(1, minimum):
            if first + i >= h:
                break
            m.add(state(first + i) >= state(first) - state(first - 1))


def _max_working_weekends(m: cp_model.CpModel, inst: SsbInstance, works: dict) -> dict:
    """At most the maximum number of weekends worked (Saturday or Sunday worked)."""
    n_weekends = (inst.horizon + 1) // 7
    out: dict[tuple[str, int], cp_model.IntVar] = {}
    for st in inst.staff:
        if st.max_weekends >= n_weekends:
            continue
        flags = []
        for w in range(n_weekends):
            days = [works[(st.id, d)] for d in (7 * w + 5, 7 * w + 6) if d < inst.horizon]
            f = m.new_bool_var(f"we_{st.id}_{w}")
            for v in days:
                m.add(v <= f)
            m.add_bool_or([f.Not(), *days])
            flags.append(f)
            out[(st.id, w)] = f
        m.add(sum(flags) <= st.max_weekends)
    return out


def _objective(
    m: cp_model.CpModel, inst: SsbInstance, x: dict
) -> tuple[dict, cp_model.LinearExprT]:
    """Minimise the benchmark penalty: requests not granted, people missing or in excess."""
    slack: dict[tuple[int, str], tuple[cp_model.IntVar, cp_model.IntVar]] = {}
    terms: list = []
    constant = 0
    for r in inst.on_requests:
        v = x.get((r.staff_id, r.day, r.shift_id))
        if v is None:
            constant += r.weight
        else:
            terms.append(r.weight * v.Not())
    for r in inst.off_requests:
        v = x.get((r.staff_id, r.day, r.shift_id))
        if v is not None:
            terms.append(r.weight * v)
    for c in inst.cover:
        on_duty = [x[k] for st in inst.staff if (k := (st.id, c.day, c.shift_id)) in x]
        under = m.new_int_var(0, c.requirement, f"under_{c.day}_{c.shift_id}")
        over = m.new_int_var(0, len(on_duty), f"over_{c.day}_{c.shift_id}")
        m.add(sum(on_duty) + under - over == c.requirement)
        terms += [c.weight_under * under, c.weight_over * over]
        slack[(c.day, c.shift_id)] = (under, over)
    penalty = sum(terms) + constant
    m.minimize(penalty)
    return slack, penalty


# ----------------------------------------------------------------------------- solve


@dataclass(frozen=True)
class SsbParams:
    """Solver settings: wall-clock and deterministic limits, seed, workers."""

    time_limit_s: float = 60.0
    seed: int = 0
    num_workers: int = 2
    max_deterministic_time: float | None = None
    log: bool = False
    hint: bool = True
    """Use the constructive roster of :mod:`optimizer.roster.ssb_heuristic`: as the first
    solution on larger instances, as the answer when CP-SAT finds none in time."""


SINGLE_WORKER_MAX_VARS = 20_000
"""Up to this many shift variables one LP-heavy worker proves optima faster than CP-SAT's
small portfolios on two cores (measured on Instances 1–7); above it the portfolio's local
search matters more."""

CP_SAT_MAX_VARS = 300_000
"""Above this many shift variables (Instances 23–24: a year, 100–150 people) building and
presolving the model alone outlasts a minute: the constructive roster is improved by
neighbourhood search only (or returned as it is with one worker or a work limit)."""


LNS_MAX_VARS = 500_000
"""Above this many shift variables (Instance24: a year, 150 people, 32 shift types) even one
neighbourhood step costs seconds and none improved the constructive roster in a minute
(measured); it is returned as it is."""


def ssb_size(inst: SsbInstance) -> int:
    """Number of shift variables the model would have."""
    return sum(
        (inst.horizon - len(inst.days_off.get(st.id, ())))
        * sum(1 for s in inst.shifts if st.max_shifts.get(s.id, inst.horizon) > 0)
        for st in inst.staff
    )


def solve_ssb(inst: SsbInstance, params: SsbParams | None = None) -> Roster:
    """Solve an instance; the roster's ``objective`` is the benchmark penalty, re-scored.

    The constructive roster of :mod:`optimizer.roster.ssb_heuristic` is the first
    solution (a complete hint); CP-SAT improves it within the remaining time. When CP-SAT
    finds nothing in time (or the instance is too large to build), that roster is returned
    with status ``FEASIBLE`` and no bound.
    """
    from optimizer.roster.ssb_heuristic import greedy_ssb_plan

    p = params or SsbParams()
    t0 = time.perf_counter()
    size = ssb_size(inst)
    # the single LP worker finds its own first solutions on small instances and a hint
    # only pulls its search astray there (measured on Instance7)
    racing = p.num_workers > 1 and p.max_deterministic_time is None
    if racing and size <= LNS_MAX_VARS:
        return _race(inst, p, size, t0)
    wants_hint = (p.hint and size > SINGLE_WORKER_MAX_VARS) or size > CP_SAT_MAX_VARS
    start = greedy_ssb_plan(inst) if wants_hint else {}
    if size > CP_SAT_MAX_VARS:
        return _heuristic_roster(inst, start, time.perf_counter() - t0, p)
    built = build_ssb_model(inst)
    if start:
        built.add_hint(inst, start)
    solver = cp_model.CpSolver()
    _configure(solver, p, size, time.perf_counter() - t0)
    status = solver.solve(built.model)
    bound = solver.best_objective_bound
    wall = time.perf_counter() - t0
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        start = start or (greedy_ssb_plan(inst) if p.hint else {})
        if start and score_ssb(inst, start).feasible:
            return _heuristic_roster(inst, start, time.perf_counter() - t0, p)
        return _ssb_roster(inst, {}, solver, name, wall, p)
    plan: dict[tuple[str, int], str] = {}
    for (sid, d, s), v in built.x.items():
        if solver.boolean_value(v):
            plan[(sid, d)] = s
    return _ssb_roster(inst, plan, solver, name, wall, p, bound)


LNS_STEP_S = 0.5
"""Seconds of one neighbourhood re-plan in the race (measured on Instances 7 and 12: shorter
steps than a second improve faster; a quarter second is too short to prove a neighbourhood)."""


class SolutionRelay(cp_model.CpSolverSolutionCallback):
    """Hands each roster the exact solver finds to the shared incumbent."""

    def __init__(self, inst: SsbInstance, built: SsbModel, shared: Incumbent) -> None:
        super().__init__()
        self._inst, self._built, self._shared = inst, built, shared

    def on_solution_callback(self) -> None:
        plan = {(e, d): s for (e, d, s), v in self._built.x.items() if self.boolean_value(v)}
        self._shared.offer(plan, score_ssb(self._inst, plan).objective)


def _race(inst: SsbInstance, p: SsbParams, size: int, t0: float) -> Roster:
    """Threads racing on one instance, one CP-SAT worker each, sharing the best roster.

    On a small instance (up to :data:`SMALL_VARS`) the exact CP-SAT solver (LP-heavy, which
    proves such optima) builds its bound and finds rosters on one thread, while column
    generation prices every employee's rows and proves the optimum from below, target by target
    (:func:`optimizer.roster.ssb_deepen.prove_by_pricing`); once pricing is stronger, the exact
    solver's thread minimises within the rosters it leaves open (:class:`_Handover`). When
    pricing does not converge in its share of the time, its thread becomes a
    large-neighbourhood search (:mod:`optimizer.roster.ssb_lns`) improving the best roster. All
    stop when the time is up or the best roster meets the bound. On larger instances the exact
    solver's bound stays far below any roster within a minute, so every worker runs the
    neighbourhood search (different seeds); on the largest CP-SAT can solve, its portfolio
    first has :data:`PORTFOLIO_SHARE` of the time (and reports its bound); on the huge ones (a
    year, 100–150 people) one search improves the constructive roster with every worker in its
    sub-solves.

    Measured on two cores, 60 s: see ``bench/roster.py`` and the module docstring."""
    from optimizer.roster.ssb_heuristic import greedy_ssb_plan

    shared = Incumbent()
    start = greedy_ssb_plan(inst) if p.hint else {}
    start_score = score_ssb(inst, start)
    if start and start_score.feasible:
        shared.offer(start, start_score.objective)
    small, huge = size <= SMALL_VARS, size > CP_SAT_MAX_VARS
    if SINGLE_WORKER_MAX_VARS < size <= CP_SAT_MAX_VARS:
        _portfolio_start(inst, p, shared, start, t0)
    exact = small or (shared.objective is None and not huge)
    # a huge model is built once: one search, every worker inside its sub-solves
    searches = 1 if huge else max(1, p.num_workers - (1 if exact else 0))
    errors: list[BaseException] = []

    handover = _Handover(shared, p, t0)

    def search(seed: int, prove: bool) -> None:
        try:
            if prove and _prove_by_pricing(inst, p, shared, t0, seed, handover):
                return
            _search_thread(inst, p, shared, t0, seed, small, p.num_workers if huge else 1)
        except BaseException as exc:  # re-raised in the caller's thread below
            errors.append(exc)
            shared.halt()

    helpers = [
        threading.Thread(target=search, args=(p.seed + k, small and k == 0), daemon=True)
        for k in range(searches)
    ]
    for helper in helpers:
        helper.start()
    solver: cp_model.CpSolver | None = None
    status = cp_model.UNKNOWN
    if exact:
        built = build_ssb_model(inst)
        if start and size > SINGLE_WORKER_MAX_VARS:
            built.add_hint(inst, start)
        solver = cp_model.CpSolver()
        _configure(solver, replace(p, num_workers=1), size, time.perf_counter() - t0)
        if not small:
            # on larger instances the LP-heavy worker spends the minute on its root LP
            solver.parameters.linearization_level = 1
        solver.best_bound_callback = handover.exact_bound_raised
        shared.watch(solver.stop_search)
        handover.solver = solver
        try:
            if not handover.joined.is_set():
                status = solver.solve(built.model, SolutionRelay(inst, built, shared))
            handover.minimise_if_joined(inst)
        finally:
            shared.halt()
    for helper in helpers:
        helper.join()
    if errors:
        raise errors[0]
    if status == cp_model.OPTIMAL and solver is not None:
        shared.raise_bound(solver.objective_value)
    plan, value = shared.best()
    wall = time.perf_counter() - t0
    if value is None:
        name = solver.status_name(status) if solver is not None else "UNKNOWN"
        return _ssb_roster(inst, {}, solver, name, wall, p)
    name = "OPTIMAL" if shared.closed else "FEASIBLE"
    bound = shared.bound if shared.bound > float("-inf") else None
    return _ssb_roster(inst, plan, solver, name, wall, p, bound)


def _prove_by_pricing(
    inst: SsbInstance, p: SsbParams, shared: Incumbent, t0: float, seed: int, handover: _Handover
) -> bool:
    """Column generation and deepening (:mod:`optimizer.roster.ssb_deepen`) in the race; False
    when pricing did not converge in its share of the time and the thread should search."""
    from optimizer.roster.ssb_deepen import prove_by_pricing

    left = p.time_limit_s - (time.perf_counter() - t0)
    stats = prove_by_pricing(inst, shared, time_limit_s=left, seed=seed, on_priced=handover.priced)
    return stats is not None


HANDOVER_SHARE = 0.1
"""On a small instance the exact solver keeps its thread for this share of the time at least
(Instance1, where pricing is weak at 558 against 607, it proves in 0.3 s); then, if column
generation has converged to a stronger bound, the thread minimises within the rosters left
open at the bound (:func:`optimizer.roster.ssb_deepen.minimise_within`), which finds rosters
at the bound far sooner than either the whole model or the capped deepening alone (Instance7,
seven seeds: optimal in 11–17 s; deepening with the whole model beside it took 25–60 s and
once ended at 1,388)."""


class _Handover:
    """The exact solver's thread passing to :func:`optimizer.roster.ssb_deepen.minimise_within`
    once pricing is stronger (see :data:`HANDOVER_SHARE`)."""

    def __init__(self, shared: Incumbent, p: SsbParams, t0: float) -> None:
        self.shared, self.p, self.t0 = shared, p, t0
        self.solver: cp_model.CpSolver | None = None
        self.exact_bound = float("-inf")
        self.joined = threading.Event()
        self._price: tuple[PriceBound, dict[str, RowGraph]] | None = None

    def exact_bound_raised(self, bound: float) -> None:
        self.exact_bound = max(self.exact_bound, bound)
        self.shared.raise_bound(bound)

    def priced(self, price: PriceBound, graphs: dict[str, RowGraph]) -> None:
        """Called by the pricing thread once column generation has converged."""
        self._price = (price, graphs)
        due = self.t0 + self.p.time_limit_s * HANDOVER_SHARE - time.perf_counter()
        timer = threading.Timer(max(0.0, due), self._take_over)
        timer.daemon = True
        timer.start()

    def _take_over(self) -> None:
        if self._price is None or self.shared.stop.is_set():
            return
        if self._price[0].bound <= self.exact_bound:
            return
        self.joined.set()
        if self.solver is not None:
            self.solver.stop_search()

    def minimise_if_joined(self, inst: SsbInstance) -> None:
        """In the exact solver's thread, after its solve: minimise within the rosters left open
        at the bound, if joined."""
        from optimizer.roster.ssb_deepen import minimise_within

        if self._price is None or not self.joined.is_set() or self.shared.stop.is_set():
            return
        price, graphs = self._price
        left = self.p.time_limit_s - (time.perf_counter() - self.t0)
        minimise_within(inst, price, graphs, self.shared, time_limit_s=left, seed=self.p.seed)


PORTFOLIO_SHARE = 0.5
"""On the largest instances solved by CP-SAT (over :data:`SINGLE_WORKER_MAX_VARS` shift
variables) CP-SAT's own portfolio gets this share of the time before the neighbourhood
searches take over from the best roster (Instance13, 60 s: 6,473 this way, 10,319 with the
searches alone, 7,997 with the straightforward model)."""

HINT_PORTFOLIO_AFTER_DAYS = 28
"""The portfolio is hinted with the constructive roster only on horizons longer than four
weeks: on those CP-SAT alone finds poor rosters in half a minute (Instance20: 27,658 hinted,
42,182 not), on a month the hint pulls it astray (Instance13: 8,953 hinted, 6,473 not)."""


def _portfolio_start(
    inst: SsbInstance, p: SsbParams, shared: Incumbent, start: Plan, t0: float
) -> None:
    """CP-SAT's portfolio for a share of the time; its rosters and bound go to ``shared``."""
    built = build_ssb_model(inst)
    if start and inst.horizon > HINT_PORTFOLIO_AFTER_DAYS:
        built.add_hint(inst, start)
    solver = cp_model.CpSolver()
    _configure(solver, p, ssb_size(inst), time.perf_counter() - t0, share=PORTFOLIO_SHARE)
    status = solver.solve(built.model, SolutionRelay(inst, built, shared))
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        shared.raise_bound(solver.best_objective_bound)


def _search_thread(
    inst: SsbInstance,
    p: SsbParams,
    shared: Incumbent,
    t0: float,
    seed: int,
    small: bool,
    workers: int,
) -> None:
    """One neighbourhood search on its own copy of the model, from the shared best roster
    (waiting for the exact solver's first one when there is no constructive roster)."""
    built = build_ssb_model(inst)
    while shared.best()[1] is None and not shared.stop.wait(0.05):
        if time.perf_counter() - t0 > p.time_limit_s:
            return
    plan, value = shared.best()
    if value is None:
        return
    lns_improve(
        inst,
        built.model,
        built.x,
        plan,
        value,
        time_limit_s=p.time_limit_s - (time.perf_counter() - t0),
        seed=seed,
        shared=shared,
        step_s=LNS_STEP_S,
        linearization=2 if small else None,
        workers=workers,
    )


SMALL_VARS = 1_500
"""Instances up to this size (Instances 1–7) race the exact solver against column generation,
which proves them from below; on larger ones pricing converges too slowly (Instance8: still
far off after 40 s) and the exact solver's bound is no help within a minute."""


def _configure(
    solver: cp_model.CpSolver, p: SsbParams, size: int, spent: float, share: float = 1.0
) -> None:
    prm = solver.parameters
    prm.max_time_in_seconds = max(0.1, (p.time_limit_s - spent) * share)
    if p.max_deterministic_time is not None:
        prm.max_deterministic_time = p.max_deterministic_time
    prm.random_seed = p.seed
    prm.log_search_progress = p.log
    if size <= SINGLE_WORKER_MAX_VARS:
        prm.num_workers = 1
        prm.linearization_level = 2
    else:
        prm.num_workers = p.num_workers


def _heuristic_roster(
    inst: SsbInstance, plan: dict[tuple[str, int], str], wall: float, p: SsbParams
) -> Roster:
    """The constructive roster as the result (no solver bound)."""
    score = score_ssb(inst, plan)
    status = "FEASIBLE" if plan and score.feasible else "UNKNOWN"
    roster = _ssb_roster(inst, plan if plan else {}, None, status, wall, p)
    return roster


def _ssb_roster(
    inst: SsbInstance,
    plan: dict[tuple[str, int], str],
    solver: cp_model.CpSolver | None,
    status: str,
    wall: float,
    p: SsbParams,
    best_bound: float | None = None,
) -> Roster:
    found = status in ("OPTIMAL", "FEASIBLE")
    objective = float(score_ssb(inst, plan).objective) if found else None
    bound = None if best_bound is None else float(best_bound)
    if bound is None and solver is not None and (found or status == "UNKNOWN"):
        bound = float(solver.best_objective_bound)
    gap = None
    if objective is not None and bound is not None:
        gap = (objective - bound) / max(abs(objective), 1e-9) if objective else 0.0
    lengths = {s.id: s.minutes for s in inst.shifts}
    assignments = [
        RosterAssignment(engineer_id=sid, day=d, template_id=s, paid_minutes=lengths[s], kind="day")
        for (sid, d), s in sorted(plan.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]
    coverage, shortfall = _ssb_coverage(inst, plan)
    return Roster(
        instance=inst.name,
        status=status,
        objective=objective,
        best_bound=bound,
        assignments=assignments,
        coverage=coverage,
        shortfall=shortfall,
        engineers={st.id: st.id for st in inst.staff},
        templates={s.id: s.id for s in inst.shifts},
        solver=SolverInfo(
            status=status,
            objective=objective,
            best_bound=bound,
            gap=gap,
            wall_s=round(wall, 3),
            deterministic_time=round(solver.deterministic_time, 3) if solver else 0.0,
            num_workers=int(solver.parameters.num_workers) if solver else 0,
            seed=p.seed,
        ),
    )


def _ssb_coverage(
    inst: SsbInstance, plan: dict[tuple[str, int], str]
) -> tuple[list[CoverageRow], list[ShortfallRow]]:
    counts: dict[tuple[int, str], int] = {}
    for (_, d), s in plan.items():
        counts[(d, s)] = counts.get((d, s), 0) + 1
    coverage, shortfall = [], []
    for c in inst.cover:
        n = counts.get((c.day, c.shift_id), 0)
        group = f"shift:{c.shift_id}"
        short, over = max(0, c.requirement - n), max(0, n - c.requirement)
        coverage.append(
            CoverageRow(
                day=c.day, group=group, required=c.requirement, scheduled=n,
                short_by=short, over_by=over,
            )
        )  # fmt: skip
        if short:
            shortfall.append(ShortfallRow(day=c.day, group=group, short_by=short))
    return coverage, shortfall
