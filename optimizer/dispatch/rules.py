"""The hard rules of the CP-SAT dispatch model, one small function per rule, and the choice of
the (ticket, engineer) pairs and legs the model offers.

Variables
---------
- per ticket ``j``: ``left[j]`` (left out) and one start ``S[j]`` shared by its optional work
  intervals (a ticket left out gets ``S[j] = horizon``: it counts as starting at the horizon's
  end, see :mod:`optimizer.dispatch.objective`);
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
"""

from __future__ import annotations

from typing import Any

from ortools.sat.python import cp_model

from optimizer.dispatch.cpmodel import DispatchModel, LinearExpr
from optimizer.dispatch.eligibility import (
    crew_gaps,
    earliest_start,
    idle_start,
    latest_start_for,
    twin_groups,
)
from optimizer.dispatch.params import SearchParams
from optimizer.dispatch.problem import END, START, Crew, Job, Problem
from optimizer.dispatch.schedule import Schedule


def choose_pairs(dm: DispatchModel, keep: Schedule | None, params: SearchParams) -> None:
    """Which (ticket, engineer) pairs and which legs the model offers.

    Every eligible pair and every leg that times allow — unless that makes more than
    ``params.arc_budget`` possible legs. Then, a granular neighbourhood as routing heuristics
    use: a visit is offered to the ``params.visit_crews`` engineers who start nearest to it, and
    follows only one of its ``params.nearest_predecessors`` nearest visits. The model is then a
    restriction: its proofs are about the restricted problem.
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
    dm.pruned = legs > params.arc_budget
    if dm.pruned:
        for job in dm.jobs:
            if not job.onsite or len(job.candidates) <= params.visit_crews:
                continue
            near = sorted(
                job.candidates,
                key=lambda c: (p.least_minutes(p.crews[c], START, job.index), c),
            )[: params.visit_crews]
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
            if dm.pruned and len(others) > params.nearest_predecessors:
                chosen = sorted(
                    others, key=lambda i: (p.least_minutes(crew, i.index, j.index), i.index)
                )[: params.nearest_predecessors]
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


def add_back_in_last_window(dm: DispatchModel, crew: Crew, sources: list[tuple[int, Any]]) -> None:
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
