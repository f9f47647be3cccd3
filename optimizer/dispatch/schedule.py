"""A solution in plan minutes (:class:`Schedule`): who does which ticket when, and each
engineer's route and breaks. Its objective values are in :mod:`optimizer.dispatch.terms`."""

from __future__ import annotations

from dataclasses import dataclass, field

from optimizer.dispatch.problem import END, START, Crew, Problem


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
