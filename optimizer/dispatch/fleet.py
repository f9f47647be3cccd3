"""A special case of the dispatch model: a fleet of interchangeable engineers doing only site
visits (the shape of a public VRPTW instance fed through the contract).

When every ticket to plan is a visit, every engineer who can do any of them is interchangeable
with the others (same skills, base, hours, no breaks, nothing pinned or planned before) and
travel does not depend on the time of day, the per-engineer circuits of
:mod:`optimizer.dispatch.model` are K copies of one routing graph. This module builds the
equivalent and much smaller model on one graph: CP-SAT's ``AddMultipleCircuit`` (each visit on
exactly one route out of the base and back, as many routes as there are engineers), with the
start of each visit pushed by the arcs it is reached by. Routes are given to the engineers in
order afterwards. The objective terms are the registry's (:data:`optimizer.dispatch.terms.TERMS`);
their builders see the fleet model: travel is priced per arc, and the workload balance, which
needs engineers' identities, is a constant.
"""

from __future__ import annotations

from typing import Any

from optimizer.dispatch.cpmodel import DispatchModel
from optimizer.dispatch.eligibility import twin_groups
from optimizer.dispatch.problem import END, START, Crew, Job, Problem
from optimizer.dispatch.rules import add_ticket_done_once_or_left_out
from optimizer.dispatch.schedule import Schedule
from optimizer.dispatch.terms import build_terms


def fleet_of(problem: Problem) -> list[int] | None:
    """The interchangeable engineers when the problem is pure visit routing, else None."""
    jobs = [j for j in problem.jobs if j.schedulable]
    if not jobs or problem.travel.level_count != 1:
        return None
    if any(not j.onsite or j.pin_crew is not None or j.prev_crew is not None for j in jobs):
        return None
    if any(j.in_progress for j in problem.jobs):
        return None
    groups = twin_groups(problem)
    used = {c for j in jobs for c in j.candidates}
    group = next((g for g in groups if used <= set(g)), None)
    if group is None or any(set(j.candidates) != set(group) for j in jobs):
        return None
    crew = problem.crews[group[0]]
    if crew.breaks or len(crew.windows) != 1 or crew.start_node != crew.base_node:
        return None
    if any(c.can_visit and c.index not in group for c in problem.crews):
        return None
    return group


def build_fleet_model(problem: Problem, fleet: list[int]) -> DispatchModel:
    """One routing graph for the whole fleet; the objective terms of the registry."""
    dm = DispatchModel(problem)
    dm.fleet = fleet
    for job in dm.jobs:
        dm.cands[job.index] = []
        add_ticket_done_once_or_left_out(dm, job)
    crew = problem.crews[fleet[0]]
    add_routes_on_one_graph(dm, crew, len(fleet))
    dm.terms = build_terms(dm)
    return dm


def add_routes_on_one_graph(dm: DispatchModel, crew: Crew, vehicles: int) -> None:
    """Every visit is on one route from the base and back (or left out: a self-loop); a visit
    starts no earlier than the previous one ends plus the drive; the last one leaves time to
    drive back by the end of the day; at most one route per engineer."""
    p, m = dm.problem, dm.model
    jobs = dm.jobs
    node = {j.index: k + 1 for k, j in enumerate(jobs)}
    arcs: list[tuple[int, int, Any]] = []
    graph: list[tuple[int, int, Any]] = []
    first = max(crew.t0, crew.windows[0][0])
    outs = []
    for j in jobs:
        graph.append((node[j.index], node[j.index], dm.left[j.index]))
        lit = m.new_bool_var(f"arc[start->{j.id}]")
        graph.append((0, node[j.index], lit))
        arcs.append((START, j.index, lit))
        outs.append(lit)
        m.add(
            dm.start[j.index] >= first + p.leg_minutes(crew, START, j.index, first)
        ).only_enforce_if(lit)
        lit = m.new_bool_var(f"arc[{j.id}->end]")
        graph.append((node[j.index], 0, lit))
        arcs.append((j.index, END, lit))
        back = p.leg_minutes(crew, j.index, END, 0)
        m.add(dm.start[j.index] + j.duration + back <= crew.day_end).only_enforce_if(lit)
        for i in jobs:
            if i is j or not _follows(p, crew, i, j):
                continue
            lit = m.new_bool_var(f"arc[{i.id}->{j.id}]")
            graph.append((node[i.index], node[j.index], lit))
            arcs.append((i.index, j.index, lit))
            leg = p.leg_minutes(crew, i.index, j.index, 0)
            m.add(dm.start[j.index] >= dm.start[i.index] + i.duration + leg).only_enforce_if(lit)
    m.add_multiple_circuit(graph)
    m.add(sum(outs) <= vehicles)
    dm.arcs[-1] = arcs


def _follows(p: Problem, crew: Crew, i: Job, j: Job) -> bool:
    """Whether visit j can come right after visit i at all."""
    leg = p.leg_minutes(crew, i.index, j.index, 0)
    return max(i.release, crew.t0) + i.duration + leg <= j.latest_start


def fleet_hint(dm: DispatchModel, sched: Schedule) -> dict[Any, int]:
    """Values of the fleet model's variables for a schedule."""
    out: dict[Any, int] = {}
    h = dm.problem.horizon
    used: set[tuple[int, int]] = set()
    for plan in sched.crews.values():
        used |= {(a, b) for a, b, _ in plan.legs() if not (a == START and b == END)}
    for job in dm.jobs:
        assigned = job.index in sched.start
        out[dm.left[job.index]] = 0 if assigned else 1
        s = sched.start[job.index] if assigned else h
        out[dm.start[job.index]] = s
        if job.index in dm.breach:
            out[dm.breach[job.index]] = int(s > job.deadline)
        if job.index in dm.late:
            lo = list(dm.late[job.index].proto.domain)[0]
            out[dm.late[job.index]] = max(lo, s - job.deadline)
    for a, b, lit in dm.arcs[-1]:
        out[lit] = int((a, b) in used)
    return out


def read_fleet_schedule(dm: DispatchModel, value: Any) -> Schedule:
    """Routes of the solution, given to the fleet's engineers in order; each drive leaves as
    soon as the previous visit ends."""
    p = dm.problem
    assert dm.fleet is not None
    sched = Schedule()
    succ: dict[int, int] = {}
    starts: list[int] = []
    for a, b, lit in dm.arcs[-1]:
        if value(lit):
            if a == START:
                starts.append(b)
            else:
                succ[a] = b
    for j in dm.jobs:
        if not value(dm.left[j.index]):
            sched.start[j.index] = int(value(dm.start[j.index]))
    starts.sort(key=lambda j: sched.start[j])
    for crew_index in dm.fleet:
        plan = sched.plan_of(crew_index)
        crew = p.crews[crew_index]
        plan.return_depart = max(crew.t0, crew.windows[0][0])
    for crew_index, first in zip(dm.fleet, starts, strict=False):
        crew = p.crews[crew_index]
        plan = sched.plan_of(crew_index)
        ready = max(crew.t0, crew.windows[0][0])
        cur = first
        while cur != END:
            sched.crew_of[cur] = crew_index
            plan.route.append(cur)
            plan.departs.append(ready)
            ready = sched.start[cur] + p.jobs[cur].duration
            cur = succ.get(cur, END)
        plan.return_depart = ready
    return sched
