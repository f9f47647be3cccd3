"""The CP-SAT dispatch model: one model per request, built from one small function per rule.

Variables
---------
- per ticket ``j``: ``left[j]`` (left out) and one start ``S[j]`` shared by its optional work
  intervals (a ticket left out gets ``S[j] = horizon``, see :mod:`optimizer.dispatch.schedule`);
- per candidate pair (ticket ``j``, engineer ``c``): ``x[j, c]`` and the optional work interval,
  with the pair's own earliest start (free, and driven there) and latest start (inside hours);
- per engineer who can visit: a circuit over a depot node (where the engineer is, then the
  base) and the candidate visits (a skipped visit is a self-loop); per visit an optional *drive*
  interval departing after the previous stop's work ends and arriving before the visit starts,
  its length the leg's minutes at the time of day it departs (a literal per traffic level picks
  the level of the departure); the drive back to base is an interval too;
- per engineer: the break intervals.

Per engineer two no-overlap constraints keep the timetable physical: work, drives and the time
outside availability (hard blocks); and work, every drive, the breaks and work already under way
(breaks may sit in a gap of availability, the drive home may end a gap). Remote work can therefore
sit between visits, but never while driving.

Scale: every eligible pair and leg is modelled unless the legs exceed :data:`ARC_BUDGET` (the L
benchmark); then a granular neighbourhood keeps the nearest engineers and predecessors of each
visit (and everything the hint uses). Interchangeable engineers are ordered (symmetry). A fleet
of interchangeable engineers doing only visits is solved on one routing graph instead
(:mod:`optimizer.dispatch.fleet`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from optimizer.dispatch.problem import (
    END,
    START,
    Crew,
    Job,
    Problem,
    crew_gaps,
    earliest_start,
    idle_start,
    latest_start_for,
    twin_groups,
)
from optimizer.dispatch.schedule import TERMS, CrewPlan, Schedule, crew_load

LinearExpr = cp_model.LinearExprT


@dataclass
class Term:
    """An objective term: a linear expression and the range it can take."""

    name: str
    expr: LinearExpr
    lo: int
    hi: int


@dataclass
class DispatchModel:
    """A built CP-SAT model and the handles needed to hint it and read a solution back."""

    problem: Problem
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    left: dict[int, cp_model.IntVar] = field(default_factory=dict)
    start: dict[int, cp_model.IntVar] = field(default_factory=dict)
    x: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    work: dict[int, list[cp_model.IntervalVar]] = field(default_factory=dict)
    drives: dict[int, list[cp_model.IntervalVar]] = field(default_factory=dict)
    ret_drive: dict[int, cp_model.IntervalVar] = field(default_factory=dict)
    drive_start: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    drive_len: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    drive_end: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    drive_paid: dict[tuple[int, int], LinearExpr] = field(default_factory=dict)
    drive_level: dict[tuple[int, int], dict[int, cp_model.IntVar]] = field(default_factory=dict)
    drive_max: dict[tuple[int, int], int] = field(default_factory=dict)
    arcs: dict[int, list[tuple[int, int, Any]]] = field(default_factory=dict)
    brk: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    breach: dict[int, cp_model.IntVar] = field(default_factory=dict)
    late: dict[int, cp_model.IntVar] = field(default_factory=dict)
    moved: dict[int, cp_model.IntVar] = field(default_factory=dict)
    balance: cp_model.IntVar | None = None
    terms: list[Term] = field(default_factory=list)
    cands: dict[int, list[int]] = field(default_factory=dict)
    sources: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    pruned: bool = False
    empty: dict[int, Any] = field(default_factory=dict)
    fleet: list[int] | None = None

    @property
    def jobs(self) -> list[Job]:
        return [j for j in self.problem.jobs if j.schedulable]


ARC_BUDGET = 40_000
"""Above this many possible legs the routing part is thinned (see :func:`choose_pairs`)."""

VISIT_CREWS = 8
"""When thinning: each visit is offered to the engineers who start nearest to it."""

NEAREST_PREDECESSORS = 10
"""When thinning: a visit can follow only its nearest other visits (and the start)."""


def build_model(problem: Problem, keep: Schedule | None = None) -> DispatchModel:
    """The whole model: hard rules first, then the objective terms in priority order.

    ``keep``: a schedule (the hint) whose pairs and legs survive any thinning, so it stays a
    feasible solution of the model.
    """
    dm = DispatchModel(problem)
    choose_pairs(dm, keep)
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
    dm.terms = [
        term_pins_dropped(dm),
        term_urgent_wait(dm),
        term_breaches(dm),
        term_late_minutes(dm),
        term_left_out(dm),
        term_travel(dm),
        term_changes(dm),
        term_balance(dm),
        term_early_start(dm),
    ]
    assert [t.name for t in dm.terms] == list(TERMS)
    return dm


def choose_pairs(dm: DispatchModel, keep: Schedule | None) -> None:
    """Which (ticket, engineer) pairs and which legs the model offers.

    Every eligible pair and every leg that times allow — unless that makes more than
    :data:`ARC_BUDGET` possible legs (the L benchmark has ~100 000). Then, a granular
    neighbourhood as routing heuristics use: a visit is offered to the :data:`VISIT_CREWS`
    engineers who start nearest to it, and follows only one of its
    :data:`NEAREST_PREDECESSORS` nearest visits. The model is then a restriction: its proofs
    are about the restricted problem.
    """
    p = dm.problem
    kept_crew = dict(keep.crew_of) if keep is not None else {}
    kept_prev: dict[tuple[int, int], int] = {}
    if keep is not None:
        for c, plan in keep.crews.items():
            for a, b, _ in plan.legs():
                kept_prev[c, b] = a
    for job in dm.jobs:
        dm.cands[job.index] = list(job.candidates)
    visits_of: dict[int, list[Job]] = {c.index: [] for c in p.crews}
    for job in dm.jobs:
        if job.onsite:
            for c in job.candidates:
                visits_of[c].append(job)
    legs = sum(len(v) ** 2 for c, v in visits_of.items() if p.crews[c].can_visit)
    dm.pruned = legs > ARC_BUDGET
    if dm.pruned:
        for job in dm.jobs:
            if not job.onsite or len(job.candidates) <= VISIT_CREWS:
                continue
            near = sorted(
                job.candidates,
                key=lambda c: (p.least_minutes(p.crews[c], START, job.index), c),
            )[:VISIT_CREWS]
            if job.index in kept_crew and kept_crew[job.index] not in near:
                near.append(kept_crew[job.index])
            dm.cands[job.index] = sorted(near)
        visits_of = {c.index: [] for c in p.crews}
        for job in dm.jobs:
            if job.onsite:
                for c in dm.cands[job.index]:
                    visits_of[c].append(job)
    for crew in p.crews:
        if not crew.can_visit:
            continue
        visits = visits_of[crew.index]
        for j in visits:
            others = [i for i in visits if i is not j and _arc_possible(p, crew, i, j)]
            if dm.pruned and len(others) > NEAREST_PREDECESSORS:
                chosen = sorted(
                    others, key=lambda i: (p.least_minutes(crew, i.index, j.index), i.index)
                )[:NEAREST_PREDECESSORS]
                prev = kept_prev.get((crew.index, j.index))
                if prev is not None and prev != START and all(i.index != prev for i in chosen):
                    chosen.append(p.jobs[prev])
                others = chosen
            dm.sources[crew.index, j.index] = [START] + [i.index for i in others]


# -- hard rules ------------------------------------------------------------------------------


def add_ticket_done_once_or_left_out(dm: DispatchModel, job: Job) -> None:
    """A ticket is done by exactly one eligible engineer, or left out (then it 'starts' at the
    horizon's end); it starts inside its release, appointment window and pinned start."""
    m, h = dm.model, dm.problem.horizon
    left = m.new_bool_var(f"left[{job.id}]")
    if job.pin_start is not None:
        values = [[job.pin_start, job.pin_start], [h, h]]
    else:
        values = [[earliest_start(dm.problem, job), job.latest_start], [h, h]]
    s = m.new_int_var_from_domain(cp_model.Domain.from_intervals(values), f"S[{job.id}]")
    m.add(s == h).only_enforce_if(left)
    m.add(s <= job.latest_start).only_enforce_if(~left)
    dm.left[job.index] = left
    dm.start[job.index] = s
    if dm.fleet is not None:
        return  # one routing graph: its self-loops say who is left out
    xs = []
    for c in dm.cands[job.index]:
        x = m.new_bool_var(f"x[{job.id},{c}]")
        dm.x[job.index, c] = x
        xs.append(x)
    m.add_exactly_one([*xs, left])


def add_work_interval(dm: DispatchModel, job: Job, crew: Crew) -> None:
    """The work on a ticket occupies its engineer for its duration (optional per candidate),
    not before the engineer could possibly start it (free, and driven there) nor so late that
    it would not end inside the engineer's hours."""
    x = dm.x[job.index, crew.index]
    first = idle_start(dm.problem, job, crew)
    assert first is not None  # a candidate fits by construction
    last = latest_start_for(dm.problem, job, crew)
    if first > (job.pin_start if job.pin_start is not None else job.release):
        dm.model.add(dm.start[job.index] >= first).only_enforce_if(x)
    if last < job.latest_start:
        dm.model.add(dm.start[job.index] <= last).only_enforce_if(x)
    iv = dm.model.new_optional_fixed_size_interval_var(
        dm.start[job.index], job.duration, x, f"work[{job.id},{crew.id}]"
    )
    dm.work[crew.index].append(iv)


def add_route_with_drives(dm: DispatchModel, crew: Crew) -> None:
    """Visits are sequenced in one circuit from where the engineer is, back to base; each leg is
    a drive whose length is the leg's time at its departure, starting after the previous visit
    ends and arriving before the next starts. An engineer who cannot visit makes no drives."""
    if not crew.can_visit:
        return
    m = dm.model
    visits = [j for j in dm.jobs if j.onsite and crew.index in dm.cands[j.index]]
    arcs: list[tuple[int, int, Any]] = []
    dm.arcs[crew.index] = arcs
    true = m.new_constant(1)
    if not visits:
        iv = _add_drive(dm, crew, END, [(START, true)], None)
        dm.ret_drive[crew.index] = iv
        add_back_in_last_window(dm, crew, [(START, true)])
        return
    node = {j.index: k + 1 for k, j in enumerate(visits)}
    circuit: list[tuple[int, int, Any]] = []
    empty = m.new_bool_var(f"empty[{crew.id}]")
    dm.empty[crew.index] = empty
    circuit.append((0, 0, empty))
    arcs.append((START, END, empty))
    back_sources: list[tuple[int, Any]] = [(START, empty)]
    for j in visits:
        x = dm.x[j.index, crew.index]
        circuit.append((node[j.index], node[j.index], ~x))
        sources: list[tuple[int, Any]] = []
        for src in dm.sources[crew.index, j.index]:
            lit = m.new_bool_var(f"arc[{crew.id}:{src}->{j.id}]")
            circuit.append((0 if src == START else node[src], node[j.index], lit))
            arcs.append((src, j.index, lit))
            sources.append((src, lit))
        iv = _add_drive(dm, crew, j.index, sources, x)
        m.add(
            dm.drive_start[j.index, crew.index] + dm.drive_len[j.index, crew.index]
            <= dm.start[j.index]
        ).only_enforce_if(x)
        dm.drives[crew.index].append(iv)
        lit = m.new_bool_var(f"arc[{crew.id}:{j.id}->end]")
        circuit.append((node[j.index], 0, lit))
        arcs.append((j.index, END, lit))
        back_sources.append((j.index, lit))
    dm.ret_drive[crew.index] = _add_drive(dm, crew, END, back_sources, None)
    add_back_in_last_window(dm, crew, back_sources)
    m.add_circuit(circuit)


def _add_drive(
    dm: DispatchModel,
    crew: Crew,
    target: int,
    sources: list[tuple[int, Any]],
    presence: cp_model.IntVar | None,
) -> cp_model.IntervalVar:
    """The drive into ``target`` (a visit, or END for the way back) from whichever source's arc
    is chosen: it departs after the source's work ends, and lasts the leg's minutes at the level
    (time of day) of its departure."""
    p, m = dm.problem, dm.model
    key = (target, crew.index)
    arrive_by = crew.day_end if target == END else max(crew.t0, p.jobs[target].latest_start)
    levels = p.travel.levels_between(crew.t0, arrive_by)
    na = p.node_of(crew, target)
    table = {
        (src, k): p.travel.level_minutes_of(k, p.node_of(crew, src), na)
        for src, _ in sources
        for k in levels
    }
    lo, hi = min(table.values()), max(table.values())
    name = f"{crew.id}->{'end' if target == END else p.jobs[target].id}"
    ds = m.new_int_var(crew.t0, arrive_by, f"ds[{name}]")
    dl = m.new_int_var(lo, hi, f"dl[{name}]")
    de = m.new_int_var(crew.t0, arrive_by, f"de[{name}]")
    if presence is None:
        iv = m.new_interval_var(ds, dl, de, f"drive[{name}]")
        dm.drive_paid[key] = dl
    else:
        iv = m.new_optional_interval_var(ds, dl, de, presence, f"drive[{name}]")
        paid = m.new_int_var(0, hi, f"paid[{name}]")
        m.add(paid == dl).only_enforce_if(presence)
        m.add(paid == 0).only_enforce_if(~presence)
        dm.drive_paid[key] = paid
    dm.drive_start[key], dm.drive_len[key], dm.drive_max[key] = ds, dl, hi
    dm.drive_end[key] = de
    for src, lit in sources:
        m.add(ds >= _ready(dm, crew, src, target)).only_enforce_if(lit)
    if len(levels) == 1:
        for src, lit in sources:
            m.add(dl == table[src, levels[0]]).only_enforce_if(lit)
        dm.drive_level[key] = {}
        return iv
    zs: dict[int, cp_model.IntVar] = {}
    for k in levels:
        z = m.new_bool_var(f"lvl[{name},{k}]")
        a, b = p.travel.level_range(k, p.horizon)
        m.add(ds >= a).only_enforce_if(z)
        m.add(ds <= b - 1).only_enforce_if(z)
        m.add(dl >= sum(table[src, k] * lit for src, lit in sources)).only_enforce_if(z)
        zs[k] = z
    m.add(sum(zs.values()) == (1 if presence is None else presence))
    dm.drive_level[key] = zs
    return iv


def _ready(dm: DispatchModel, crew: Crew, src: int, target: int) -> LinearExpr | int:
    """When a drive from ``src`` can leave: the end of the visit, or for a drive from where the
    engineer is, the moment they are free (for the way back with no visits: the start of the
    window it is driven in)."""
    if src != START:
        return dm.start[src] + dm.problem.jobs[src].duration
    if target == END and crew.home is not None:
        return max(crew.t0, crew.home[0])
    return crew.t0


def add_back_in_last_window(
    dm: DispatchModel, crew: Crew, sources: list[tuple[int, Any]]
) -> None:
    """The way back is driven in the same stretch of hours as the last visit ends (or, with no
    visits, the stretch chosen for it): an engineer does not stay at a client's site overnight
    or over a gap in a split shift and drive back the next morning."""
    gaps = crew_gaps(crew)
    if not gaps:
        return
    m, key = dm.model, (END, crew.index)
    ready = m.new_int_var(crew.t0, crew.day_end, f"back_ready[{crew.id}]")
    for src, lit in sources:
        m.add(ready == _ready(dm, crew, src, END)).only_enforce_if(lit)
    for a, b in gaps:
        before = m.new_bool_var(f"back_before[{crew.id},{a}]")
        m.add(dm.drive_end[key] <= a).only_enforce_if(before)
        m.add(ready >= b).only_enforce_if(~before)


def _arc_possible(p: Problem, crew: Crew, i: Job, j: Job) -> bool:
    """Whether visit j can follow visit i at all (times and the shortest drive allow it)."""
    earliest_end = max(i.release, crew.t0) + i.duration
    if i.pin_start is not None:
        earliest_end = i.pin_start + i.duration
    latest = j.latest_start if j.pin_start is None else j.pin_start
    return earliest_end + p.least_minutes(crew, i.index, j.index) <= latest


def add_twin_order(dm: DispatchModel) -> None:
    """Symmetry: of interchangeable engineers, a later one drives out only if the earlier one
    does (any plan can be relabelled to satisfy this; the hint is, before solving)."""
    for group in twin_groups(dm.problem):
        crews = [c for c in group if c in dm.empty]
        for a, b in zip(crews, crews[1:], strict=False):
            dm.model.add_implication(dm.empty[a], dm.empty[b])


def add_breaks(dm: DispatchModel, crew: Crew) -> None:
    """Each break (lunch) is taken whole, inside its window."""
    for k, br in enumerate(crew.breaks):
        s = dm.model.new_int_var(br.lo, br.hi - br.duration, f"break[{crew.id},{k}]")
        dm.brk[crew.index, k] = s


def add_no_overlap(dm: DispatchModel, crew: Crew) -> None:
    """An engineer does one thing at a time: no work while driving or on a break, and no work
    or driving outside availability."""
    m = dm.model
    work, drives = dm.work[crew.index], dm.drives[crew.index]
    blocks = [m.new_fixed_size_interval_var(a, b - a, f"off[{crew.id}]") for a, b in crew.blocks]
    back = [dm.ret_drive[crew.index]] if crew.index in dm.ret_drive else []
    m.add_no_overlap(work + drives + back + blocks)
    second = list(work + drives)
    if crew.index in dm.ret_drive:
        second.append(dm.ret_drive[crew.index])
    for k, br in enumerate(crew.breaks):
        s = dm.brk[crew.index, k]
        second.append(m.new_fixed_size_interval_var(s, br.duration, f"brk[{crew.id},{k}]"))
    second += [m.new_fixed_size_interval_var(a, b - a, f"busy[{crew.id}]") for a, b in crew.busy]
    if len(second) > 1:
        m.add_no_overlap(second)


# -- objective terms, most important first ----------------------------------------------------


def _constant_part(dm: DispatchModel, value_of_fixed) -> int:  # type: ignore[no-untyped-def]
    """Sum of a term over jobs the model does not decide (under way, or nobody can do them)."""
    return sum(value_of_fixed(j) for j in dm.problem.jobs if not j.schedulable)


def _fixed_start(dm: DispatchModel, job: Job) -> int:
    if job.in_progress and job.pin_start is not None:
        return job.pin_start
    return dm.problem.horizon


def term_pins_dropped(dm: DispatchModel) -> Term:
    """(0) A pinned ticket keeps its engineer and start whenever that is at all possible."""
    pinned = [j for j in dm.jobs if j.pin_crew is not None]
    const = sum(
        1
        for j in dm.problem.jobs
        if j.pin_crew is not None and not j.schedulable and not j.in_progress
    )
    return Term(
        "pins_dropped", sum(dm.left[j.index] for j in pinned) + const, const, const + len(pinned)
    )


def term_urgent_wait(dm: DispatchModel) -> Term:
    """(1) Urgent tickets wait as little as possible (minutes from now to their start)."""
    h = dm.problem.horizon
    urgent = [j for j in dm.jobs if j.urgent]
    const = _constant_part(
        dm, lambda j: max(0, _fixed_start(dm, j) - j.wait_from) if j.urgent else 0
    )
    expr = sum(dm.start[j.index] - j.wait_from for j in urgent) + const
    lo = sum(max(0, earliest_start(dm.problem, j) - j.wait_from) for j in urgent) + const
    hi = sum(h - j.wait_from for j in urgent) + const
    return Term("urgent_wait", expr, lo, hi)


def term_breaches(dm: DispatchModel) -> Term:
    """(2) Tickets start by their SLA deadline; a breach weighs by priority."""
    m, h, w = dm.model, dm.problem.horizon, dm.problem.options.weights.breach
    parts: list[LinearExpr] = []
    lo = hi = _constant_part(dm, lambda j: w[j.priority] if _fixed_start(dm, j) > j.deadline else 0)
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
    return Term("breaches", sum(parts) + lo, lo, hi)


def term_late_minutes(dm: DispatchModel) -> Term:
    """(3) Minutes late beyond the deadline, summed."""
    m, h = dm.model, dm.problem.horizon
    const = _constant_part(dm, lambda j: max(0, _fixed_start(dm, j) - j.deadline))
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
    return Term("late_min", sum(parts) + const, lo, hi)


def term_left_out(dm: DispatchModel) -> Term:
    """(4) As few tickets left out as possible."""
    const = _constant_part(dm, lambda j: 0 if j.in_progress else 1)
    return Term("left_out", sum(dm.left.values()) + const, const, const + len(dm.left))


def term_travel(dm: DispatchModel) -> Term:
    """(5) Little driving: minutes at the time of day driven, and car cost in RUB (weighted)."""
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
    return Term("travel", sum(parts), 0, hi + lo)


def term_changes(dm: DispatchModel) -> Term:
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
    return Term("changes", sum(parts) + const, const, const + hi)


def term_balance(dm: DispatchModel) -> Term:
    """(7) Workload balanced: the busiest engineer's work plus driving is as small as possible."""
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
    return Term("balance", bal, 0, top)


def term_early_start(dm: DispatchModel) -> Term:
    """(8) Tie-breaker: among equal plans, work starts as early as possible."""
    h = dm.problem.horizon
    lo = sum(earliest_start(dm.problem, j) for j in dm.jobs)
    return Term("early_start", sum(dm.start[j.index] for j in dm.jobs), lo, h * len(dm.jobs))


# -- hints and solutions ---------------------------------------------------------------------


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
