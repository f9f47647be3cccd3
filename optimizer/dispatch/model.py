"""The CP-SAT dispatch model: one model per request, built from one small function per rule
(:mod:`optimizer.dispatch.rules`), hard rules first, then the objective terms in priority order
(:data:`optimizer.dispatch.terms.TERMS`); and the way between a model and a
:class:`~optimizer.dispatch.schedule.Schedule` (a complete hint, a solution read back).

Scale: every eligible pair and leg is modelled unless the legs exceed ``params.arc_budget``;
then a granular neighbourhood keeps the nearest engineers and predecessors of each visit (and
everything the hint uses), see :func:`~optimizer.dispatch.rules.choose_pairs`. Interchangeable
engineers are ordered (symmetry). A fleet of interchangeable engineers doing only visits is
solved on one routing graph instead (:mod:`optimizer.dispatch.fleet`).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from optimizer.dispatch.cpmodel import DispatchModel
from optimizer.dispatch.params import DEFAULT_PARAMS, SearchParams
from optimizer.dispatch.problem import END, START, Problem
from optimizer.dispatch.rules import (
    add_breaks,
    add_no_overlap,
    add_route_with_drives,
    add_ticket_done_once_or_left_out,
    add_twin_order,
    add_work_interval,
    choose_pairs,
)
from optimizer.dispatch.schedule import CrewPlan, Schedule, crew_load
from optimizer.dispatch.terms import build_terms


def build_model(
    problem: Problem, keep: Schedule | None = None, params: SearchParams = DEFAULT_PARAMS
) -> DispatchModel:
    """The whole model: hard rules first, then the objective terms in priority order.

    ``keep``: a schedule (the hint) whose pairs and legs survive any thinning, so it stays a
    feasible solution of the model.
    """
    dm = DispatchModel(problem)
    choose_pairs(dm, keep, params)
    for job in dm.jobs:
        add_ticket_done_once_or_left_out(dm, job)
    for crew in problem.crews:
        dm.work[crew.index] = []
        dm.drives[crew.index] = []
    for job in dm.jobs:
        for c in dm.cands[job.index]:
            add_work_interval(dm, job, problem.crews[c])
    for crew in problem.crews:
        add_route_with_drives(dm, crew)
        add_breaks(dm, crew)
        add_no_overlap(dm, crew)
    add_twin_order(dm)
    dm.terms = build_terms(dm)
    return dm


def hint_values(dm: DispatchModel, sched: Schedule) -> dict[cp_model.IntVar, int]:
    """Values of every decision variable for a schedule (a complete hint)."""
    p, h = dm.problem, dm.problem.horizon
    out: dict[cp_model.IntVar, int] = {}
    for job in dm.jobs:
        assigned = job.index in sched.start
        out[dm.left[job.index]] = 0 if assigned else 1
        s = sched.start[job.index] if assigned else h
        out[dm.start[job.index]] = s
        for c in dm.cands[job.index]:
            out[dm.x[job.index, c]] = int(sched.crew_of.get(job.index) == c)
        if job.index in dm.breach:
            out[dm.breach[job.index]] = int(s > job.deadline)
        if job.index in dm.late:
            out[dm.late[job.index]] = max(_bounds(dm.late[job.index])[0], s - job.deadline)
        if job.index in dm.moved:
            out[dm.moved[job.index]] = int(s != job.prev_start)
    if dm.balance is not None:
        out[dm.balance] = max((crew_load(p, c, sched) for c in p.crews), default=0)
    for crew in p.crews:
        plan = sched.crews.get(crew.index, CrewPlan())
        for k in range(len(crew.breaks)):
            if k < len(plan.breaks) and plan.breaks[k] >= 0:
                out[dm.brk[crew.index, k]] = plan.breaks[k]
        if crew.index not in dm.ret_drive:
            continue
        used = {(a, b) for a, b, _ in plan.legs()}
        for a, b, lit in dm.arcs.get(crew.index, []):
            out[lit] = int((a, b) in used)
        for (target, c), ds in dm.drive_start.items():
            if c != crew.index:
                continue
            lo, length = _bounds(ds)[0], _bounds(dm.drive_len[target, c])[0]
            out[ds] = lo
            out[dm.drive_len[target, c]] = length
            out[dm.drive_end[target, c]] = min(lo + length, _bounds(dm.drive_end[target, c])[1])
            paid = dm.drive_paid[target, c]
            if isinstance(paid, cp_model.IntVar) and paid is not dm.drive_len[target, c]:
                out[paid] = 0
            for z in dm.drive_level[target, c].values():
                out[z] = 0
        for a, b, dep in plan.legs():
            key = (b, crew.index)
            minutes = p.leg_minutes(crew, a, b, dep)
            out[dm.drive_start[key]] = dep
            out[dm.drive_len[key]] = minutes
            out[dm.drive_end[key]] = dep + minutes
            paid = dm.drive_paid[key]
            if isinstance(paid, cp_model.IntVar):
                out[paid] = minutes
            level = p.travel.level(dep)
            if level in dm.drive_level[key]:
                out[dm.drive_level[key][level]] = 1
    return out


def hint_solution(model: cp_model.CpModel, values: list[int]) -> None:
    """Hint every variable of ``model`` with a solution's values (by proto index)."""
    proto = model.proto
    proto.clear_solution_hint()
    proto.solution_hint.vars.extend(range(len(values)))
    proto.solution_hint.values.extend(values)


def _bounds(var: cp_model.IntVar) -> tuple[int, int]:
    """Smallest and largest value of a variable's domain."""
    domain = list(var.proto.domain)
    return domain[0], domain[-1]


def read_schedule(dm: DispatchModel, value) -> Schedule:  # type: ignore[no-untyped-def]
    """The schedule of a CP-SAT solution (``value`` maps a variable to its value)."""
    p = dm.problem
    sched = Schedule()
    for job in p.jobs:
        if job.in_progress and job.pin_crew is not None and job.pin_start is not None:
            sched.assign(job.index, job.pin_crew, job.pin_start)
    for job in dm.jobs:
        if value(dm.left[job.index]):
            continue
        chosen = next(c for c in dm.cands[job.index] if value(dm.x[job.index, c]))
        sched.assign(job.index, chosen, int(value(dm.start[job.index])))
    for crew in p.crews:
        plan = sched.plan_of(crew.index)
        plan.breaks = [int(value(dm.brk[crew.index, k])) for k in range(len(crew.breaks))]
        if crew.index not in dm.ret_drive:
            continue
        succ = {a: b for a, b, lit in dm.arcs.get(crew.index, []) if value(lit)}
        cur = succ.get(START, END)
        while cur != END:
            plan.route.append(cur)
            plan.departs.append(int(value(dm.drive_start[cur, crew.index])))
            cur = succ.get(cur, END)
        plan.return_depart = int(value(dm.drive_start[END, crew.index]))
    return sched
