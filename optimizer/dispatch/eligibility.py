"""Who can do a ticket, and from when: the earliest and latest starts of a ticket by one
engineer with nothing else to do, the candidates of each ticket (with the reasons when there
are none), the way back to base of an engineer without visits, and interchangeable engineers.

These are the static facts every engine and the explanations share; none of them looks at a
schedule.
"""

from __future__ import annotations

from optimizer.dispatch.problem import END, START, Crew, Interval, Job, Problem
from optimizer.domain.dispatch import ReasonCode


def settle_visits(problem: Problem, crew: Crew) -> None:
    """A crew who cannot drive back to base from where they are inside their hours makes no
    visits in the horizon."""
    if not crew.can_visit:
        return
    crew.home = home_window(problem, crew)
    if crew.home is None:
        crew.can_visit = False


def crew_gaps(crew: Crew) -> list[Interval]:
    """The breaks in an engineer's hours after they are free (nights between days, the gap of a
    split shift): no drive crosses one."""
    ws = crew.windows
    return [(b1, a2) for (_, b1), (a2, _) in zip(ws, ws[1:], strict=False) if a2 > b1 > crew.t0]


def home_window(problem: Problem, crew: Crew) -> Interval | None:
    """Where in their hours an engineer making no visits drives from where they are back to
    base: the first window, from the moment they are free, that holds the drive and still
    lets every break be taken in its own window (None: no window does).

    Driving is working time, so the drive lies inside the engineer's hours; an engineer who
    visits sites drives back in the window of their last visit instead (the model and the
    greedy keep that rule)."""
    for a, b in crew.windows:
        lo = max(a, crew.t0)
        if lo >= b:
            continue
        if any(_empty_day_fits(problem, crew, dep) for dep in range(lo, b, problem.scale)):
            return lo, b
    return None


def _empty_day_fits(problem: Problem, crew: Crew, dep: int) -> bool:
    """Whether, with the drive back leaving at ``dep``, the drive ends in that window and each
    break still fits its window around the drive and the time the engineer is busy."""
    back = problem.leg_minutes(crew, START, END, dep)
    if dep + back > crew.window_end_at(dep):
        return False
    taken = [(dep, dep + back), *crew.busy]
    for br in sorted(crew.breaks, key=lambda x: x.lo):
        s = br.lo
        moved = True
        while moved:
            moved = False
            for a, b in taken:
                if s < b and a < s + br.duration and b > a:
                    s, moved = b, True
        if s + br.duration > br.hi:
            return False
        taken.append((s, s + br.duration))
    return True


def idle_start(problem: Problem, job: Job, crew: Crew, travel: bool = True) -> int | None:
    """The earliest start of a job by a crew with nothing else to do (None: it never fits)."""
    lo_start = max(job.release, crew.t0)
    hi_start = job.latest_start
    if job.pin_start is not None:
        lo_start, hi_start = max(lo_start, job.pin_start), min(hi_start, job.pin_start)
    if lo_start > hi_start:
        return None
    drive = travel and job.onsite
    for a, b in crew.windows:
        s = max(a, lo_start)
        if drive:
            s = max(s, crew.t0 + problem.least_minutes(crew, START, job.index))
        if s > hi_start or s + job.duration > b:
            continue
        if drive and s + job.duration + problem.least_minutes(crew, job.index, END) > b:
            continue
        return s
    return None


def latest_start_for(problem: Problem, job: Job, crew: Crew) -> int:
    """The latest start of a job by a crew: its last window must hold the work (and the drive
    back to base after a visit)."""
    end = max((b for _, b in crew.windows), default=0)
    latest = min(job.latest_start, end - job.duration)
    if job.onsite:
        latest = min(
            latest, crew.day_end - job.duration - problem.least_minutes(crew, job.index, END)
        )
    return latest


def earliest_start(problem: Problem, job: Job) -> int:
    """The earliest any candidate could start a job (cached on the job)."""
    if job.earliest is None:
        starts = [idle_start(problem, job, problem.crews[c]) for c in job.candidates]
        job.earliest = min((s for s in starts if s is not None), default=job.release)
    return job.earliest


def fits_crew(problem: Problem, job: Job, crew: Crew) -> bool:
    """Whether the crew alone, with nothing else to do, could do the job inside its hours."""
    return idle_start(problem, job, crew) is not None


def twin_groups(problem: Problem) -> list[list[int]]:
    """Groups of interchangeable engineers: the same in everything the engines see (skills, car,
    places, hours, breaks, costs) and with no pinned or previously planned work of their own."""
    tied = {j.pin_crew for j in problem.jobs} | {j.prev_crew for j in problem.jobs}
    groups: dict[tuple[object, ...], list[int]] = {}
    for c in problem.crews:
        if c.index in tied or not c.can_visit:
            continue
        key = (
            tuple(sorted(str(s) for s in c.engineer.skills)),
            c.start_node,
            c.base_node,
            c.t0,
            tuple(c.windows),
            tuple(c.blocks),
            tuple(c.busy),
            tuple((b.lo, b.hi, b.duration) for b in c.breaks),
            c.day_end,
            c.engineer.car_cost_per_km_rub,
        )
        groups.setdefault(key, []).append(c.index)
    return [sorted(g) for g in groups.values() if len(g) > 1]


def skilled(job: Job, crew: Crew) -> bool:
    """An engineer does a ticket only with every skill it requires."""
    return set(job.ticket.required_skills) <= set(crew.engineer.skills)


def find_candidates(problem: Problem, job: Job) -> None:
    """The crews that could do a job, and the reasons when there are none."""
    if job.in_progress:
        return
    crews = problem.crews
    if job.pin_crew is not None:
        crew = crews[job.pin_crew]
        ok = skilled(job, crew) and (crew.can_visit or not job.onsite) and crew.works
        if ok and fits_crew(problem, job, crew):
            job.candidates = [crew.index]
        else:
            job.reasons = [ReasonCode.PINNED_CONFLICT]
        return
    with_skills = [c for c in crews if skilled(job, c) and c.works]
    if not with_skills:
        job.reasons = [ReasonCode.NO_SKILLED_ENGINEER_ON_SHIFT]
        return
    if job.onsite:
        with_skills = [c for c in with_skills if c.can_visit]
        if not with_skills:
            job.reasons = [ReasonCode.NO_VISIT_CAPABLE_ENGINEER]
            return
    job.candidates = [c.index for c in with_skills if fits_crew(problem, job, c)]
    if not job.candidates:
        job.reasons = [ReasonCode.OUTSIDE_HOURS]
