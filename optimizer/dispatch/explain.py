"""Why a ticket is late or left out, and the smallest change that would fix it.

For every late or unassigned ticket (unassigned first, then late ones by priority and deadline)
the reasons come from :func:`~optimizer.dispatch.plan.diagnose`. Then, within a time budget,
relaxations are tried one at a time, smallest first:

1. move a pinned ticket (the ticket's own pin, or a pin in the way on a suitable engineer);
2. extend one suitable engineer's shift by N minutes (each of ``extension_steps_min`` of
   :class:`~optimizer.dispatch.params.SearchParams`, shortest first): a later end, or an
   earlier start when the shift starts after now;
3. one more engineer with exactly the ticket's skills (and a licence B and a car for a visit).

Each relaxation is checked by re-solving the changed problem around the current plan: everything
already planned keeps its engineer and time, and the ticket is inserted into a gap of the changed
timetable (the greedy's insertion). A relaxation fixes the ticket when it then starts by its
deadline (or, when the deadline cannot be met by anyone, when it is at least assigned) — a
certificate: the current plan plus that one change and that one insertion is a valid plan in
which no other ticket got worse.

The staffing hint aggregates tickets late or left out for lack of capacity, skills or cars by
hour and group (skills, visit), for the shift-planning shortfall.
"""

from __future__ import annotations

import copy
import math
import time
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

from optimizer.dispatch.eligibility import find_candidates, home_window
from optimizer.dispatch.greedy import CrewTimeline
from optimizer.dispatch.params import DEFAULT_PARAMS, SearchParams
from optimizer.dispatch.plan import diagnose, reasons_message
from optimizer.dispatch.problem import PRIORITY_RANK, BreakSlot, Crew, Job, Problem
from optimizer.dispatch.schedule import Schedule
from optimizer.dispatch.text import (
    FIX_PREFIX,
    FIXES,
    NO_FIX,
    NOT_SEARCHED,
    STAFFING,
    STATUS,
    VISIT_SUFFIX,
    hhmm,
    skills_text,
)
from optimizer.domain.dispatch import (
    DispatchEngineer,
    DispatchPlan,
    Explanation,
    Fix,
    FixKind,
    Lang,
    ReasonCode,
    StaffingHint,
)
from optimizer.intervals import complement, merge

SHORTAGE = {
    ReasonCode.CAPACITY_BEFORE_DEADLINE,
    ReasonCode.NO_SKILLED_ENGINEER_ON_SHIFT,
    ReasonCode.NO_VISIT_CAPABLE_ENGINEER,
}
"""Reasons that mean engineers were short (they feed the staffing hint)."""


def add_explanations(
    problem: Problem,
    sched: Schedule,
    plan: DispatchPlan,
    budget_s: float,
    params: SearchParams = DEFAULT_PARAMS,
) -> None:
    """Fill ``plan.explanations`` and ``plan.staffing_hint`` (in the request's language)."""
    until = time.perf_counter() + budget_s
    late_ids = {a.ticket_id for a in plan.assignments if not a.on_time and not a.in_progress}
    left = [j for j in problem.jobs if j.index not in sched.start]
    late = [j for j in problem.jobs if j.id in late_ids]
    order = sorted(left, key=_urgency) + sorted(late, key=_urgency)
    for job in order:
        status = "unassigned" if job.index not in sched.start else "late"
        reasons = diagnose(problem, sched, job)
        fix: Fix | None = None
        searched = time.perf_counter() < until
        if searched:
            fix = find_fix(problem, sched, job, reasons, until, params.extension_steps_min)
        plan.explanations.append(
            Explanation(
                ticket_id=job.id,
                status=status,
                reasons=reasons,
                message=_message(problem, sched, job, status, reasons, fix, searched),
                fix=fix,
            )
        )
    plan.staffing_hint = staffing_hint(problem, sched, plan)


def _urgency(job: Job) -> tuple[int, int, int]:
    return (PRIORITY_RANK[job.priority], job.deadline, job.index)


def _message(
    problem: Problem,
    sched: Schedule,
    job: Job,
    status: str,
    reasons: list[ReasonCode],
    fix: Fix | None,
    searched: bool,
) -> str:
    lang = problem.options.lang
    late = 0
    if job.index in sched.start:
        late = math.ceil(problem.minutes(sched.start[job.index] - job.deadline))
    head = STATUS[status][lang].format(ticket=job.id, late=late)
    tail = fix.message if fix is not None else (NO_FIX[lang] if searched else NOT_SEARCHED[lang])
    if fix is not None:
        tail = FIX_PREFIX[lang] + tail
    return f"{head}: {reasons_message(problem, job, reasons)}. {tail[:1].upper()}{tail[1:]}."


# -- the search ------------------------------------------------------------------------------


def find_fix(
    problem: Problem,
    sched: Schedule,
    job: Job,
    reasons: list[ReasonCode],
    until: float,
    extension_steps: tuple[int, ...] = DEFAULT_PARAMS.extension_steps_min,
) -> Fix | None:
    """The smallest single change found (within the time budget) that fixes the job; shifts
    are tried extended by each of ``extension_steps`` minutes, shortest first."""
    if ReasonCode.DEADLINE_ALREADY_PASSED in reasons and job.index in sched.start:
        return None
    goal = "on_time" if job.deadline >= max(0, job.release) else "assigned"
    lang = problem.options.lang
    for pinned in _pins_in_the_way(problem, sched, job):
        if time.perf_counter() > until:
            return None
        if _fixed_by_moving_pin(problem, sched, job, pinned, goal):
            return Fix(
                kind=FixKind.move_pin,
                ticket_id=pinned.id,
                outcome=goal,  # type: ignore[arg-type]
                message=FIXES["move_pin"][lang].format(ticket=pinned.id),
            )
    crews = [c for c in problem.crews if _could_help(job, c)]
    for minutes in extension_steps:
        for crew in crews:
            if time.perf_counter() > until:
                return None
            for later in (True, False):
                changed = extend_shift(problem, crew, minutes * problem.scale, later)
                if changed is None:
                    continue
                if _fixed_by(problem, sched, job, changed, goal):
                    return Fix(
                        kind=FixKind.extend_shift,
                        engineer_id=crew.id,
                        minutes=minutes,
                        outcome=goal,  # type: ignore[arg-type]
                        message=_extension_text(problem, crew, minutes, later, lang),
                    )
    if time.perf_counter() > until:
        return None
    phantom = extra_engineer(problem, job)
    if phantom is not None and _fixed_by(problem, sched, job, phantom, goal, added=True):
        skills = list(job.ticket.required_skills)
        return Fix(
            kind=FixKind.add_engineer,
            skills=skills,
            visit=job.onsite,
            outcome=goal,  # type: ignore[arg-type]
            message=FIXES["add_engineer"][lang].format(
                skills=skills_text(skills, lang, problem.skill_catalogue),
                visit=VISIT_SUFFIX[job.onsite][lang],
            ),
        )
    return None


def _extension_text(problem: Problem, crew: Crew, minutes: int, later: bool, lang: Lang) -> str:
    text = FIXES["extend_shift"][lang].format(engineer=crew.engineer.name, minutes=minutes)
    if later:
        until = problem.at(crew.day_end + minutes * problem.scale)
        return text + (f" (до {hhmm(until)})" if lang == Lang.ru else f" (until {hhmm(until)})")
    first = min((a for a, _ in crew.windows), default=0)
    since = problem.at(max(0, first - minutes * problem.scale))
    return text + (f" (с {hhmm(since)})" if lang == Lang.ru else f" (from {hhmm(since)})")


def _could_help(job: Job, crew: Crew) -> bool:
    """A crew whose longer shift could take the job: skilled, and able to visit if needed."""
    skills = set(job.ticket.required_skills) <= set(crew.engineer.skills)
    if job.pin_crew is not None and job.pin_crew != crew.index:
        return False
    return skills and (crew.can_visit or not job.onsite) and bool(crew.windows)


def extend_shift(problem: Problem, crew: Crew, units: int, later: bool) -> Crew | None:
    """A copy of the crew whose last window ends (or first window starts) ``units`` of time
    later (earlier); None when that changes nothing."""
    minutes = units
    if not crew.windows:
        return None
    windows = list(crew.windows)
    if later:
        a, b = windows[-1]
        windows[-1] = (a, b + minutes)
        if b + minutes > problem.horizon and problem.request.horizon_end is not None:
            return None
    else:
        a, b = windows[0]
        if a <= crew.t0:
            return None
        windows[0] = (max(crew.t0, a - minutes), b)
    horizon = max(problem.horizon, windows[-1][1])
    blocks = complement(windows, 0, max(horizon, crew.t0))
    if crew.t0 > 0:
        blocks = merge(blocks + [(0, crew.t0)])
    longer = replace(crew, windows=windows, blocks=blocks, day_end=windows[-1][1])
    if longer.can_visit:
        longer.home = home_window(problem, longer)
        longer.can_visit = longer.home is not None
    return longer


def extra_engineer(problem: Problem, job: Job) -> Crew | None:
    """A hypothetical engineer with exactly the job's skills (and a car for a visit), free all
    day from now, based where the first visiting engineer is based."""
    day_end = max((c.day_end for c in problem.crews), default=problem.horizon)
    day_end = max(day_end, problem.horizon)
    if day_end <= 0:
        return None
    base_crew = next((c for c in problem.crews if c.base_node is not None), None)
    template = base_crew.engineer if base_crew is not None else None
    # Based like the first visiting engineer; with none, at the ticket's own site.
    base = template.base if template is not None else job.location
    engineer = DispatchEngineer(
        id="extra",
        name="extra",
        skills=list(job.ticket.required_skills),
        licence_b=job.onsite,
        has_car=job.onsite,
        base=base,
        car_cost_per_km_rub=template.car_cost_per_km_rub if template is not None else 0,
    )
    node = None
    if job.onsite:
        node = base_crew.base_node if base_crew is not None else job.node
    return Crew(
        index=len(problem.crews),
        engineer=engineer,
        t0=0,
        windows=[(0, day_end)],
        blocks=complement([(0, day_end)], 0, max(day_end, problem.horizon)),
        busy=[],
        breaks=list[BreakSlot](),
        can_visit=job.onsite,
        start_node=node,
        base_node=node,
        start_location=base,
        day_end=day_end,
        available_min=day_end,
        home=(0, day_end),
    )


def _fixed_by(
    problem: Problem,
    sched: Schedule,
    job: Job,
    changed: Crew,
    goal: str,
    added: bool = False,
) -> bool:
    """Whether, with one crew changed (or added), the job fits into the current plan."""
    crews = list(problem.crews)
    if added:
        crews.append(changed)
    else:
        crews[changed.index] = changed
    horizon = problem.horizon
    if problem.request.horizon_end is None:
        horizon = max(horizon, changed.day_end)
    relaxed = replace(problem, crews=crews, horizon=horizon)
    latest = horizon - job.duration
    if job.ticket.window is not None:
        latest = min(latest, job.latest_start)
    target = replace(job, candidates=[], reasons=[], earliest=None, latest_start=latest)
    if added:
        target = replace(target, pin_crew=None, pin_start=None)
    find_candidates(relaxed, target)
    if changed.index not in target.candidates:
        return False
    # Fitting only reads the schedule: the current plan is shared, an added engineer starts empty.
    line = CrewTimeline(relaxed, changed, Schedule() if added else sched, existing=not added)
    slot = line.fit(target)
    return slot is not None and (goal == "assigned" or slot.start <= job.deadline)


def _pins_in_the_way(problem: Problem, sched: Schedule, job: Job) -> list[Job]:
    """The job itself when its pin cannot be kept, else pinned starts on suitable engineers
    between the job's release and its deadline (at most three)."""
    if job.pin_crew is not None and job.index not in sched.start:
        return [job]
    out = []
    for other in problem.jobs:
        if other is job or other.pin_start is None or other.in_progress:
            continue
        crew = sched.crew_of.get(other.index)
        if crew is None or not _could_help(job, problem.crews[crew]):
            continue
        if other.pin_start < max(job.deadline, job.release + job.duration):
            out.append(other)
    return out[:3]


def _fixed_by_moving_pin(
    problem: Problem, sched: Schedule, job: Job, pinned: Job, goal: str
) -> bool:
    """Whether releasing a pin's start lets the job in, and the pinned ticket still fits."""
    if pinned is job:
        freed = replace(job, pin_start=None, candidates=[], reasons=[], earliest=None)
        find_candidates(problem, freed)
        for c in freed.candidates:
            line = CrewTimeline(problem, problem.crews[c], sched, existing=True)
            slot = line.fit(freed)
            if slot is not None and (goal == "assigned" or slot.start <= job.deadline):
                return True
        return False
    crew = problem.crews[sched.crew_of[pinned.index]]
    trial = copy.deepcopy(sched)
    if pinned.onsite:
        return False  # re-routing around a removed visit is not attempted
    del trial.start[pinned.index]
    del trial.crew_of[pinned.index]
    line = CrewTimeline(problem, crew, trial, existing=True)
    target = replace(job, candidates=[], reasons=[], earliest=None)
    find_candidates(problem, target)
    if crew.index not in target.candidates:
        return False
    slot = line.fit(target)
    if slot is None or (goal == "on_time" and slot.start > job.deadline):
        return False
    line.commit(target, slot)
    moved = replace(pinned, pin_start=None)
    return line.fit(moved) is not None


# -- staffing hint ---------------------------------------------------------------------------


def staffing_hint(problem: Problem, sched: Schedule, plan: DispatchPlan) -> list[StaffingHint]:
    """Hours in which engineers of a group (skills, visit capability) were short: tickets late
    or left out for lack of capacity, counted in the hour they should have started."""
    lang = problem.options.lang
    by_id = problem.job_by_id
    buckets: dict[tuple[int, tuple[str, ...], bool], list[Job]] = defaultdict(list)
    for ex in plan.explanations:
        if not SHORTAGE & set(ex.reasons):
            continue
        job = by_id[ex.ticket_id]
        minute = min(max(job.deadline, job.release, 0), max(problem.horizon - 1, 0))
        hour_start = _hour_floor(problem, minute)
        skills = tuple(sorted(str(s) for s in job.ticket.required_skills))
        buckets[hour_start, skills, job.onsite].append(job)
    out = []
    for (hour, skills, visit), jobs in sorted(buckets.items()):
        minutes = round(problem.minutes(sum(j.duration for j in jobs)))
        start = problem.at(max(hour, 0))
        end = problem.at(hour) + timedelta(hours=1)
        short = max(1, math.ceil(minutes / 60))
        out.append(
            StaffingHint(
                start=start,
                end=end,
                skills=list(skills),  # type: ignore[arg-type]
                visit=visit,
                short_by=short,
                minutes=minutes,
                tickets=[j.id for j in jobs],
                message=STAFFING[lang].format(
                    start=hhmm(start),
                    end=hhmm(end),
                    short=short,
                    skills=skills_text(list(skills), lang, problem.skill_catalogue),
                    visit=VISIT_SUFFIX[visit][lang],
                    minutes=minutes,
                ),
            )
        )
    return out


def _hour_floor(problem: Problem, unit: int) -> int:
    """The plan unit at the start of the local clock hour containing ``unit``."""
    at = problem.at(unit)
    return unit - round((at.minute + at.second / 60) * problem.scale)
