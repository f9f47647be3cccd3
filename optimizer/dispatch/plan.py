"""From a schedule in minutes to the :class:`DispatchPlan` of the contract: assignments, routes
with the legs at their actual departure, unassigned tickets with reasons, KPIs."""

from __future__ import annotations

import math
from collections import Counter

from optimizer.dispatch.eligibility import idle_start
from optimizer.dispatch.problem import END, Crew, Job, Problem
from optimizer.dispatch.schedule import Schedule
from optimizer.dispatch.text import reason_text, skills_text, when
from optimizer.domain.common import Priority, TicketMode, TimeWindow
from optimizer.domain.dispatch import (
    Assignment,
    DispatchPlan,
    Kpis,
    ReasonCode,
    Route,
    RouteStop,
    SolverInfo,
    StopKind,
    Unassigned,
)


def diagnose(problem: Problem, sched: Schedule, job: Job) -> list[ReasonCode]:
    """Why a job is left out or late: static reasons first, then timing, then capacity."""
    if job.reasons:
        return list(job.reasons)
    if job.pin_crew is not None and job.index not in sched.start:
        return [ReasonCode.PINNED_CONFLICT]
    if job.deadline < 0:
        return [ReasonCode.DEADLINE_ALREADY_PASSED]
    crews = [problem.crews[c] for c in job.candidates]
    starts = [s for c in crews if (s := idle_start(problem, job, c)) is not None]
    if starts and min(starts) > job.deadline:
        if job.onsite:
            no_drive = [s for c in crews if (s := idle_start(problem, job, c, False)) is not None]
            if no_drive and min(no_drive) <= job.deadline:
                return [ReasonCode.TRAVEL_TIME]
        return [ReasonCode.OUTSIDE_HOURS]
    return [ReasonCode.CAPACITY_BEFORE_DEADLINE]


def reasons_message(problem: Problem, job: Job, reasons: list[ReasonCode]) -> str:
    """The reasons of one job in the request's language, joined."""
    lang = problem.options.lang
    engineer = ""
    if job.pin_crew is not None:
        engineer = problem.crews[job.pin_crew].engineer.name
    kw = {
        "skills": skills_text(job.ticket.required_skills, lang, problem.skill_catalogue),
        "deadline": when(job.deadline_at),
        "engineer": engineer,
    }
    return "; ".join(reason_text(r, lang, **kw) for r in reasons)


def build_plan(problem: Problem, sched: Schedule, solver: SolverInfo) -> DispatchPlan:
    """The contract's plan of a schedule (explanations are added by the caller)."""
    legs_into: dict[int, tuple[int, float]] = {}
    routes = [_route(problem, crew, sched, legs_into) for crew in problem.crews]
    assignments = []
    for job in sorted(problem.jobs, key=lambda j: (sched.start.get(j.index, 0), j.index)):
        if job.index not in sched.start:
            continue
        start = sched.start[job.index]
        start_at = problem.at(start)
        units, km = legs_into.get(job.index, (0, 0.0))
        assignments.append(
            Assignment(
                ticket_id=job.id,
                engineer_id=problem.crews[sched.crew_of[job.index]].id,
                start=start_at,
                end=problem.at(start + job.duration),
                travel_min=round(problem.minutes(units), 1),
                travel_km=round(km, 3),
                deadline=job.deadline_at,
                on_time=start_at <= job.deadline_at,
                slack_min=math.floor((job.deadline_at - start_at).total_seconds() / 60),
                mode=job.ticket.mode,
                priority=job.priority,
                in_progress=job.in_progress,
            )
        )
    unassigned = []
    for job in problem.jobs:
        if job.index in sched.start:
            continue
        reasons = diagnose(problem, sched, job)
        unassigned.append(
            Unassigned(
                ticket_id=job.id, reasons=reasons, message=reasons_message(problem, job, reasons)
            )
        )
    return DispatchPlan(
        now=problem.request.now,
        horizon_end=problem.at(problem.horizon),
        assignments=assignments,
        routes=routes,
        unassigned=unassigned,
        kpis=kpis_of(problem, assignments, routes, len(unassigned)),
        solver=solver,
    )


def _route(
    problem: Problem, crew: Crew, sched: Schedule, legs_into: dict[int, tuple[int, float]]
) -> Route:
    """An engineer's route with every leg priced at its actual departure."""
    plan = sched.crews.get(crew.index)
    stops: list[RouteStop] = []
    travel_min, travel_km = 0, 0.0
    breaks: list[TimeWindow] = []
    if plan is not None:
        for k, s in enumerate(plan.breaks):
            if s >= 0 and k < len(crew.breaks):
                breaks.append(
                    TimeWindow(start=problem.at(s), end=problem.at(s + crew.breaks[k].duration))
                )
        legs = plan.legs()
        drives = any(b != END for _, b, _ in legs) or any(
            problem.travel.exact(problem.node_of(crew, a), problem.node_of(crew, b), dep) > 0
            for a, b, dep in legs
        )
        if drives:
            first_dep = legs[0][2]
            stops.append(
                RouteStop(
                    kind=StopKind.start,
                    location=crew.start_location,
                    arrive=problem.at(min(crew.t0, first_dep)),
                    depart=problem.at(first_dep),
                )
            )
            for k, (a, b, dep) in enumerate(legs):
                na, nb = problem.node_of(crew, a), problem.node_of(crew, b)
                minutes = problem.travel.exact(na, nb, dep)
                km = problem.travel.km_of(na, nb)
                travel_min += minutes
                travel_km += km
                arrive = dep + minutes
                leg_min = round(problem.minutes(minutes), 1)
                if b == END:
                    stops.append(
                        RouteStop(
                            kind=StopKind.end,
                            location=crew.engineer.base,
                            arrive=problem.at(arrive),
                            depart=problem.at(arrive),
                            travel_min=leg_min,
                            travel_km=round(km, 3),
                        )
                    )
                    continue
                legs_into[b] = (minutes, km)
                next_dep = legs[k + 1][2]
                stops.append(
                    RouteStop(
                        kind=StopKind.visit,
                        ticket_id=problem.jobs[b].id,
                        location=problem.jobs[b].location,
                        arrive=problem.at(arrive),
                        depart=problem.at(next_dep),
                        travel_min=leg_min,
                        travel_km=round(km, 3),
                    )
                )
    work = 0
    for j, c in sched.crew_of.items():
        if c == crew.index:
            job = problem.jobs[j]
            s = sched.start[j]
            work += max(0, s + job.duration - max(s, 0))
    used = work + travel_min
    return Route(
        engineer_id=crew.id,
        stops=stops,
        breaks=breaks,
        work_min=round(problem.minutes(work)),
        travel_min=round(problem.minutes(travel_min), 1),
        travel_km=round(travel_km, 3),
        car_cost_rub=round(travel_km * crew.engineer.car_cost_per_km_rub, 2),
        available_min=round(problem.minutes(crew.available_min)),
        utilisation=round(used / crew.available_min, 4) if crew.available_min > 0 else 0.0,
    )


def kpis_of(
    problem: Problem, assignments: list[Assignment], routes: list[Route], unassigned: int
) -> Kpis:
    """Counts, SLA, lateness, urgent waiting, travel and utilisation of a plan."""
    late = [a for a in assignments if not a.on_time]
    by_prio: Counter[Priority] = Counter(a.priority for a in late)
    late_min = [max(0, -a.slack_min) for a in late]
    jobs = problem.job_by_id
    waits = [
        max(0, math.ceil((a.start - problem.at(jobs[a.ticket_id].wait_from)).total_seconds() / 60))
        for a in assignments
        if a.priority == Priority.urgent
    ]
    return Kpis(
        tickets=len(problem.jobs),
        assigned=len(assignments),
        unassigned=unassigned,
        visits=sum(1 for a in assignments if a.mode == TicketMode.onsite),
        on_time=len(assignments) - len(late),
        breaches=len(late),
        breaches_by_priority={p: by_prio.get(p, 0) for p in Priority},
        late_min_total=sum(late_min),
        late_min_max=max(late_min, default=0),
        urgent_wait_min_total=sum(waits),
        urgent_wait_min_max=max(waits, default=0),
        travel_min=round(sum(r.travel_min for r in routes), 1),
        travel_km=round(sum(r.travel_km for r in routes), 3),
        car_cost_rub=round(sum(r.car_cost_rub for r in routes), 2),
        utilisation={r.engineer_id: r.utilisation for r in routes},
    )


__all__ = ["build_plan", "diagnose", "kpis_of", "reasons_message"]
