"""The objective terms, most important first: each as a CP-SAT expression with its range, and
as its value on a schedule.

A ticket left out counts as if it started at the end of the horizon: it waits, breaches and is
late by at least as much as it could if assigned, and then counts once more as left out — so
leaving a ticket out is never preferred over doing it late.

The five SLA terms (pins dropped, urgent waiting, breaches, minutes late, tickets left out) are
sums over tickets: each has a ``*_cost`` function, one ticket's part given its start, which the
schedule's value, the model's constant part (tickets the model does not decide) and the
time-indexed relaxation (:mod:`optimizer.dispatch.bound`) all use. The registry that orders the
terms and carries their properties is :data:`optimizer.dispatch.terms.TERMS`.
"""

from __future__ import annotations

from collections.abc import Callable

from optimizer.dispatch.cpmodel import DispatchModel, LinearExpr, TermExpr
from optimizer.dispatch.eligibility import earliest_start
from optimizer.dispatch.problem import END, START, Job, Problem
from optimizer.dispatch.schedule import Schedule, crew_load, effective_start

JobCost = Callable[[Problem, Job, int, bool], int]


def job_sum(cost: JobCost) -> Callable[[Problem, Schedule], int]:
    """The value on a schedule of a term that is a sum over tickets of ``cost``."""

    def value(problem: Problem, sched: Schedule) -> int:
        return sum(
            cost(problem, j, effective_start(problem, sched, j.index), j.index not in sched.start)
            for j in problem.jobs
        )

    return value


def _fixed_start(dm: DispatchModel, job: Job) -> int:
    """The start of a ticket the model does not decide: work under way keeps its start, a
    ticket nobody can do counts as starting at the horizon's end."""
    if job.in_progress and job.pin_start is not None:
        return job.pin_start
    return dm.problem.horizon


def _undecided(dm: DispatchModel, cost: JobCost) -> int:
    """Sum of a term over tickets the model does not decide (under way, or nobody can do them)."""
    p = dm.problem
    return sum(
        cost(p, j, _fixed_start(dm, j), not j.in_progress) for j in p.jobs if not j.schedulable
    )


# -- (0) pins dropped ------------------------------------------------------------------------


def pins_dropped_cost(problem: Problem, job: Job, start: int, left: bool) -> int:
    """A pinned ticket left out drops its pin."""
    return int(left and job.pin_crew is not None)


def pins_dropped(dm: DispatchModel) -> TermExpr:
    """(0) A pinned ticket keeps its engineer and start whenever that is at all possible."""
    pinned = [j for j in dm.jobs if j.pin_crew is not None]
    const = _undecided(dm, pins_dropped_cost)
    return TermExpr(sum(dm.left[j.index] for j in pinned) + const, const, const + len(pinned))


# -- (1) urgent waiting ----------------------------------------------------------------------


def urgent_wait_cost(problem: Problem, job: Job, start: int, left: bool) -> int:
    """An urgent ticket waits from now (or its creation) until its start."""
    return max(0, start - job.wait_from) if job.urgent else 0


def urgent_wait(dm: DispatchModel) -> TermExpr:
    """(1) Urgent tickets wait as little as possible (minutes from now to their start)."""
    h = dm.problem.horizon
    urgent = [j for j in dm.jobs if j.urgent]
    const = _undecided(dm, urgent_wait_cost)
    expr = sum(dm.start[j.index] - j.wait_from for j in urgent) + const
    lo = sum(max(0, earliest_start(dm.problem, j) - j.wait_from) for j in urgent) + const
    hi = sum(h - j.wait_from for j in urgent) + const
    return TermExpr(expr, lo, hi)


# -- (2) breaches ----------------------------------------------------------------------------


def breaches_cost(problem: Problem, job: Job, start: int, left: bool) -> int:
    """A ticket started after its deadline breaches the SLA, weighted by its priority."""
    return problem.options.weights.breach[job.priority] if start > job.deadline else 0


def breaches(dm: DispatchModel) -> TermExpr:
    """(2) Tickets start by their SLA deadline; a breach weighs by priority."""
    m, h, w = dm.model, dm.problem.horizon, dm.problem.options.weights.breach
    parts: list[LinearExpr] = []
    lo = hi = _undecided(dm, breaches_cost)
    for j in dm.jobs:
        if h <= j.deadline:
            continue  # even left out it would not breach inside this plan
        wt = w[j.priority]
        first = earliest_start(dm.problem, j)
        if first > j.deadline:
            lo += wt
            hi += wt
            continue
        b = m.new_bool_var(f"breach[{j.id}]")
        m.add(dm.start[j.index] <= j.deadline).only_enforce_if(~b)
        dm.breach[j.index] = b
        parts.append(wt * b)
        hi += wt
    return TermExpr(sum(parts) + lo, lo, hi)


# -- (3) minutes late ------------------------------------------------------------------------


def late_min_cost(problem: Problem, job: Job, start: int, left: bool) -> int:
    """Minutes from a ticket's deadline to its start, when it starts after it."""
    return max(0, start - job.deadline)


def late_min(dm: DispatchModel) -> TermExpr:
    """(3) Minutes late beyond the deadline, summed."""
    m, h = dm.model, dm.problem.horizon
    const = _undecided(dm, late_min_cost)
    parts: list[LinearExpr] = []
    lo = hi = const
    for j in dm.jobs:
        if h <= j.deadline:
            continue
        first = earliest_start(dm.problem, j)
        least = max(0, first - j.deadline)
        v = m.new_int_var(least, h - j.deadline, f"late[{j.id}]")
        m.add(v >= dm.start[j.index] - j.deadline)
        dm.late[j.index] = v
        parts.append(v)
        lo += least
        hi += h - j.deadline
    return TermExpr(sum(parts) + const, lo, hi)


# -- (4) tickets left out --------------------------------------------------------------------


def left_out_cost(problem: Problem, job: Job, start: int, left: bool) -> int:
    """A ticket left out counts once."""
    return int(left)


def left_out(dm: DispatchModel) -> TermExpr:
    """(4) As few tickets left out as possible."""
    const = _undecided(dm, left_out_cost)
    return TermExpr(sum(dm.left.values()) + const, const, const + len(dm.left))


# -- (5) travel ------------------------------------------------------------------------------


def travel_value(problem: Problem, sched: Schedule) -> int:
    """Weighted minutes and car cost of every drive of the schedule, the way back included."""
    total = 0
    for crew in problem.crews:
        plan = sched.crews.get(crew.index)
        if plan is not None:
            total += sum(problem.leg_cost(crew, a, b, d) for a, b, d in plan.legs())
    return total


def travel(dm: DispatchModel) -> TermExpr:
    """(5) Little driving: minutes at the time of day driven, and car cost in RUB (weighted)."""
    if dm.fleet is not None:
        return _fleet_travel(dm)
    p, w = dm.problem, dm.problem.options.weights
    parts: list[LinearExpr] = []
    hi = 0
    for (target, c), paid in dm.drive_paid.items():
        parts.append(w.travel_minute * paid)
        hi += w.travel_minute * dm.drive_max[target, c]
    for c, arcs in dm.arcs.items():
        crew = p.crews[c]
        best_in: dict[int, int] = {}
        for a, b, lit in arcs:
            rub = w.car_rub * p.leg_rub(crew, a, b)
            parts.append(rub * lit)
            best_in[b] = max(best_in.get(b, 0), rub)
        if not arcs:
            parts.append(w.car_rub * p.leg_rub(crew, START, END))
        hi += sum(best_in.values())
    lo = sum(
        w.car_rub * p.leg_rub(p.crews[c], START, END) for c, arcs in dm.arcs.items() if not arcs
    )
    return TermExpr(sum(parts), 0, hi + lo)


def _fleet_travel(dm: DispatchModel) -> TermExpr:
    """(5) on the fleet's one routing graph: minutes and car cost of every arc driven
    (travel there does not depend on the time of day)."""
    assert dm.fleet is not None
    p, w = dm.problem, dm.problem.options.weights
    crew = p.crews[dm.fleet[0]]
    parts = []
    best_in: dict[int, int] = {}
    for a, b, lit in dm.arcs[-1]:
        cost = w.travel_minute * p.leg_minutes(crew, a, b, 0) + w.car_rub * p.leg_rub(crew, a, b)
        parts.append(cost * lit)
        best_in[b] = max(best_in.get(b, 0), cost)
    hi = sum(best_in.values()) + max(best_in.values(), default=0) * len(dm.jobs)
    return TermExpr(sum(parts), 0, hi)


# -- (6) changes -----------------------------------------------------------------------------


def changes_value(problem: Problem, sched: Schedule) -> int:
    """Weighted changes against the previous plan: engineer changed, start moved."""
    w = problem.options.weights
    total = 0
    for job in problem.jobs:
        if job.prev_crew is None or job.in_progress:
            continue
        if sched.crew_of.get(job.index) != job.prev_crew:
            total += w.change_engineer
        if sched.start.get(job.index) != job.prev_start:
            total += w.change_start
    return total


def changes(dm: DispatchModel) -> TermExpr:
    """(6) Few changes against the previous plan: engineer changed, start moved."""
    m, w = dm.model, dm.problem.options.weights
    parts: list[LinearExpr] = []
    const = 0
    hi = 0
    for j in dm.problem.jobs:
        if j.prev_crew is None or j.in_progress:
            continue
        if not j.schedulable:
            const += w.change_engineer + w.change_start
            continue
        if j.prev_crew in dm.cands[j.index]:
            parts.append(w.change_engineer * (1 - dm.x[j.index, j.prev_crew]))
            hi += w.change_engineer
        else:
            const += w.change_engineer
        assert j.prev_start is not None
        inside = j.release <= j.prev_start <= j.latest_start and (
            j.pin_start is None or j.pin_start == j.prev_start
        )
        if inside:
            moved = m.new_bool_var(f"moved[{j.id}]")
            m.add(dm.start[j.index] == j.prev_start).only_enforce_if(~moved)
            dm.moved[j.index] = moved
            parts.append(w.change_start * moved)
            hi += w.change_start
        else:
            const += w.change_start
    return TermExpr(sum(parts) + const, const, const + hi)


# -- (7) balance -----------------------------------------------------------------------------


def balance_value(problem: Problem, sched: Schedule) -> int:
    """The busiest engineer's minutes of work plus driving."""
    return max((crew_load(problem, c, sched) for c in problem.crews), default=0)


def balance(dm: DispatchModel) -> TermExpr:
    """(7) Workload balanced: the busiest engineer's work plus driving is as small as possible.
    The fleet model has no engineers' identities, so there it is a constant."""
    if dm.fleet is not None:
        return TermExpr(0, 0, 0)
    p, m = dm.problem, dm.model
    top = max(p.horizon, 1)
    bal = m.new_int_var(0, top, "balance")
    for crew in p.crews:
        load: list[LinearExpr] = [
            j.duration * dm.x[j.index, crew.index]
            for j in dm.jobs
            if crew.index in dm.cands[j.index]
        ]
        load += [paid for (_, c), paid in dm.drive_paid.items() if c == crew.index]
        if load:
            m.add(bal >= sum(load))
    dm.balance = bal
    return TermExpr(bal, 0, top)


# -- (8) early start -------------------------------------------------------------------------


def early_start_value(problem: Problem, sched: Schedule) -> int:
    """The starts of the tickets the engines decide, summed (a ticket left out at the horizon)."""
    return sum(effective_start(problem, sched, j.index) for j in problem.jobs if j.schedulable)


def early_start(dm: DispatchModel) -> TermExpr:
    """(8) Tie-breaker: among equal plans, work starts as early as possible (the slack before
    each deadline is kept as a buffer)."""
    h = dm.problem.horizon
    lo = sum(earliest_start(dm.problem, j) for j in dm.jobs)
    return TermExpr(sum(dm.start[j.index] for j in dm.jobs), lo, h * len(dm.jobs))
