"""A solution in minutes (:class:`Schedule`) and the objective terms, in strict priority order.

A ticket left out counts as if it started at the end of the horizon: it waits, breaches and is
late by at least as much as it could if assigned, and then counts once more as left out — so
leaving a ticket out is never preferred over doing it late.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from optimizer.dispatch.problem import END, START, Crew, Problem

TERMS: tuple[str, ...] = (
    "pins_dropped",
    "urgent_wait",
    "breaches",
    "late_min",
    "left_out",
    "travel",
    "changes",
    "balance",
    "early_start",
)
"""Objective terms, most important first (strict lexicographic order). The last one is a
tie-breaker beyond the issue's seven: among otherwise equal plans, start work as early as
possible (the slack before each deadline is kept as a buffer)."""


@dataclass
class CrewPlan:
    """One engineer's part of a schedule: visit order, drive departures, break starts."""

    route: list[int] = field(default_factory=list)
    departs: list[int] = field(default_factory=list)
    return_depart: int | None = None
    breaks: list[int] = field(default_factory=list)

    def legs(self) -> list[tuple[int, int, int]]:
        """The drives as (from point, to point, departure minute), the way back included."""
        out: list[tuple[int, int, int]] = []
        prev = START
        for job, dep in zip(self.route, self.departs, strict=True):
            out.append((prev, job, dep))
            prev = job
        if self.return_depart is not None:
            out.append((prev, END, self.return_depart))
        return out


@dataclass
class Schedule:
    """Who does which job when; ``crews`` holds each engineer's route and breaks."""

    start: dict[int, int] = field(default_factory=dict)
    crew_of: dict[int, int] = field(default_factory=dict)
    crews: dict[int, CrewPlan] = field(default_factory=dict)

    def assign(self, job: int, crew: int, start: int) -> None:
        self.start[job] = start
        self.crew_of[job] = crew

    def plan_of(self, crew: int) -> CrewPlan:
        if crew not in self.crews:
            self.crews[crew] = CrewPlan()
        return self.crews[crew]

    def jobs_of(self, crew: int) -> list[int]:
        return sorted((j for j, c in self.crew_of.items() if c == crew), key=self.start.__getitem__)


def effective_start(problem: Problem, sched: Schedule, job: int) -> int:
    """The start of a job; a job left out counts as starting at the horizon's end."""
    return sched.start.get(job, problem.horizon)


def crew_load(problem: Problem, crew: Crew, sched: Schedule) -> int:
    """Minutes of planned work plus reserved driving of one engineer."""
    work = sum(
        problem.jobs[j].duration
        for j, c in sched.crew_of.items()
        if c == crew.index and not problem.jobs[j].in_progress
    )
    plan = sched.crews.get(crew.index)
    drive = sum(problem.leg_minutes(crew, a, b, d) for a, b, d in plan.legs()) if plan else 0
    return work + drive


def evaluate(problem: Problem, sched: Schedule) -> tuple[int, ...]:
    """The objective terms of a schedule, in :data:`TERMS` order (smaller is better)."""
    w = problem.options.weights
    pins = wait = breach = late = left = travel = changes = early = 0
    for job in problem.jobs:
        s = effective_start(problem, sched, job.index)
        if job.schedulable:
            early += s
        assigned = job.index in sched.start
        if not assigned:
            left += 1
            if job.pin_crew is not None:
                pins += 1
        if job.urgent:
            wait += max(0, s - job.wait_from)
        if s > job.deadline:
            breach += w.breach[job.priority]
            late += s - job.deadline
        if job.prev_crew is not None and not job.in_progress:
            if sched.crew_of.get(job.index) != job.prev_crew:
                changes += w.change_engineer
            if sched.start.get(job.index) != job.prev_start:
                changes += w.change_start
    for crew in problem.crews:
        plan = sched.crews.get(crew.index)
        if plan is not None:
            travel += sum(problem.leg_cost(crew, a, b, d) for a, b, d in plan.legs())
    balance = max((crew_load(problem, c, sched) for c in problem.crews), default=0)
    return (pins, wait, breach, late, left, travel, changes, balance, early)


def relabel_twins(sched: Schedule, groups: list[list[int]]) -> Schedule:
    """The same schedule with the routes of interchangeable engineers moved so that, in each
    group, the engineers who drive out come first (what the model's symmetry order requires)."""
    mapping: dict[int, int] = {}
    for group in groups:
        used = [c for c in group if sched.crews.get(c) is not None and sched.crews[c].route]
        order = used + [c for c in group if c not in used]
        mapping.update({old: new for old, new in zip(order, group, strict=True)})
    if all(k == v for k, v in mapping.items()):
        return sched
    out = Schedule(start=dict(sched.start))
    out.crew_of = {j: mapping.get(c, c) for j, c in sched.crew_of.items()}
    out.crews = {mapping.get(c, c): plan for c, plan in sched.crews.items()}
    return out
