"""The request translated into a :class:`~optimizer.dispatch.problem.Problem`: minutes from the
origin, deadlines from the SLA policies, availability, work under way and the previous plan,
travel nodes, and each ticket's candidate engineers."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from optimizer.calendar import default_calendar, sla_deadline, to_local
from optimizer.dispatch.eligibility import find_candidates, settle_visits
from optimizer.dispatch.problem import (
    BreakSlot,
    Crew,
    Interval,
    Job,
    Problem,
    minute_origin,
    minutes_ceil,
    minutes_floor,
    time_scale,
)
from optimizer.dispatch.travel_table import TravelTable
from optimizer.domain.base import Site, SlaPolicy, Ticket
from optimizer.domain.common import AbsenceKind, Location, TicketMode
from optimizer.domain.dispatch import (
    DispatchEngineer,
    DispatchPlan,
    DispatchRequest,
    visit_location,
)
from optimizer.intervals import complement, merge, subtract
from optimizer.travel import TravelModel, make_travel_model


def ticket_deadline(t: Ticket, sites: dict[str, Site], policies: dict[str, SlaPolicy]) -> datetime:
    """When work must start: the given deadline; else the latest start inside an appointment
    window; else created_at plus the site's SLA response time (default policy without a site)."""
    if t.deadline is not None:
        return to_local(t.deadline, "deadline")
    if t.window is not None:
        return to_local(t.window.end - timedelta(minutes=t.duration_min), "window.end")
    policy = None
    if t.site_id is not None:
        policy = policies.get(sites[t.site_id].sla_policy)
    return sla_deadline(t.created_at, t.priority, policy)


def effective_availability(
    request: DispatchRequest, e: DispatchEngineer
) -> list[tuple[datetime, datetime]]:
    """An engineer's windows of work: as given; when not given, the office hours of the
    business calendar from the day of ``now`` (or the next working day, once the office has
    closed) until ``horizon_end`` (or the end of that working day)."""
    if e.availability is not None:
        return [(w.start, w.end) for w in e.availability]
    cal = default_calendar()
    now = to_local(request.now, "now")
    day = now.date()
    out: list[tuple[datetime, datetime]] = []
    for _ in range(370):
        for a, b in cal.open_intervals(day):
            if b <= now:
                continue
            if request.horizon_end is not None and a >= request.horizon_end:
                return out
            out.append((a, b))
        if out and request.horizon_end is None:
            return out
        if request.horizon_end is not None and datetime.combine(day, time(0), now.tzinfo) > (
            request.horizon_end
        ):
            return out
        day += timedelta(days=1)
    return out


def build_problem(request: DispatchRequest, travel_model: TravelModel | None = None) -> Problem:
    """Turn a validated request into a :class:`Problem` (minutes, nodes, candidates)."""
    origin = minute_origin(request.now)
    scale = time_scale(request)
    horizon = _horizon(request, origin, scale)
    sites = {s.id: s for s in request.sites}
    policies = {p.id: p for p in request.sla_policies}
    model = travel_model or make_travel_model(request.travel)

    # Distinct travel nodes, by location key.
    nodes: dict[str, int] = {}
    locations: list[Location] = []

    def node(loc: Location) -> int:
        key = loc.key
        if key not in nodes:
            nodes[key] = len(locations)
            locations.append(loc)
        return nodes[key]

    crew_index = {e.id: i for i, e in enumerate(request.engineers)}
    jobs = [
        _job(i, t, origin, horizon, sites, policies, crew_index, scale)
        for i, t in enumerate(request.tickets)
    ]
    _apply_previous_plan(request, jobs, origin, crew_index, scale)
    _one_thing_under_way(jobs)
    crews = [
        _crew(i, e, request, origin, horizon, jobs, scale) for i, e in enumerate(request.engineers)
    ]
    for j in jobs:
        if j.onsite:
            j.node = node(j.location)
    for c in crews:
        if c.can_visit:
            c.start_node = node(c.start_location)
            c.base_node = node(c.engineer.base)
    travel = TravelTable(model, locations, origin, horizon, scale)
    problem = Problem(request, origin, horizon, jobs, crews, travel, request.options, scale=scale)
    for c in crews:
        settle_visits(problem, c)
    for j in jobs:
        find_candidates(problem, j)
    return problem


def _horizon(request: DispatchRequest, origin: datetime, scale: int) -> int:
    """The last minute of the plan: ``horizon_end``, else the end of the latest availability."""
    if request.horizon_end is not None:
        return max(0, minutes_floor(origin, request.horizon_end, scale))
    ends = [b for e in request.engineers for _, b in effective_availability(request, e)]
    if not ends:
        return 0
    return max(0, minutes_floor(origin, max(ends), scale))


def _job(
    i: int,
    t: Ticket,
    origin: datetime,
    horizon: int,
    sites: dict[str, Site],
    policies: dict[str, SlaPolicy],
    crew_index: dict[str, int],
    scale: int,
) -> Job:
    deadline_at = ticket_deadline(t, sites, policies)
    duration = t.duration_min * scale
    created = minutes_ceil(origin, t.created_at, scale)
    release = max(0, created)
    if t.earliest_start is not None:
        release = max(release, minutes_ceil(origin, t.earliest_start, scale))
    latest = horizon - duration
    if t.window is not None:
        release = max(release, minutes_ceil(origin, t.window.start, scale))
        latest = min(latest, minutes_floor(origin, t.window.end, scale) - duration)
    job = Job(
        index=i,
        ticket=t,
        duration=duration,
        onsite=t.mode == TicketMode.onsite,
        location=visit_location(t, sites),
        node=None,
        release=release,
        latest_start=latest,
        deadline=minutes_floor(origin, deadline_at, scale),
        deadline_at=deadline_at,
        created=created,
    )
    if t.pinned is not None:
        job.pin_crew = crew_index[t.pinned.engineer_id]
        if t.pinned.start is not None:
            start = minutes_ceil(origin, t.pinned.start, scale)
            if t.pinned.start < origin:
                job.in_progress = True
                start = minutes_floor(origin, t.pinned.start, scale)
            job.pin_start = start
    return job


def _apply_previous_plan(
    request: DispatchRequest,
    jobs: list[Job],
    origin: datetime,
    crew_index: dict[str, int],
    scale: int,
) -> None:
    """Started work of the previous plan stays pinned; its other starts become the reference
    for counting changes."""
    prev = request.previous_plan
    if prev is None:
        return
    by_id = {j.id: j for j in jobs}
    driving = driving_to(prev, origin)
    for a in prev.assignments:
        job = by_id.get(a.ticket_id)
        crew = crew_index.get(a.engineer_id)
        if job is None or crew is None or job.in_progress:
            continue
        if (a.start < origin or a.ticket_id in driving) and job.pin_start is None:
            if job.pin_crew is not None and job.pin_crew != crew:
                continue
            job.pin_crew = crew
            job.pin_start = minutes_floor(origin, a.start, scale)
            job.in_progress = True
            continue
        job.prev_crew = crew
        job.prev_start = minutes_ceil(origin, a.start, scale)


def _one_thing_under_way(jobs: list[Job]) -> None:
    """Work under way that overlaps other work under way on the same engineer cannot be true:
    the later-listed one is taken as a pin that cannot be kept."""
    taken: dict[int, list[Interval]] = {}
    for job in sorted(jobs, key=lambda j: (j.pin_start or 0, j.index)):
        if not job.in_progress or job.pin_crew is None or job.pin_start is None:
            continue
        span = (job.pin_start, job.pin_start + job.duration)
        mine = taken.setdefault(job.pin_crew, [])
        if any(a < span[1] and span[0] < b for a, b in mine):
            job.in_progress = False
        else:
            mine.append(span)


def driving_to(plan: DispatchPlan, origin: datetime) -> set[str]:
    """Visits of a plan whose drive had already left at ``origin`` (the engineer is on the way:
    the visit is as good as started)."""
    out: set[str] = set()
    for route in plan.routes:
        for prev, stop in zip(route.stops, route.stops[1:], strict=False):
            if stop.ticket_id is not None and prev.depart < origin:
                out.add(stop.ticket_id)
    return out


def _crew(
    i: int,
    e: DispatchEngineer,
    request: DispatchRequest,
    origin: datetime,
    horizon: int,
    jobs: list[Job],
    scale: int,
) -> Crew:
    windows = sorted(
        (
            max(0, minutes_ceil(origin, a, scale)),
            min(horizon, minutes_floor(origin, b, scale)),
        )
        for a, b in effective_availability(request, e)
    )
    windows = [(a, b) for a, b in windows if b > a]
    absences = [a for a in request.absences if a.engineer_id == e.id]
    away = [
        (minutes_floor(origin, a.start, scale), minutes_ceil(origin, a.end, scale))
        for a in absences
        if a.kind != AbsenceKind.car_unavailable
    ]
    windows = subtract(windows, away)
    horizon_dt = origin + timedelta(minutes=horizon / scale)
    car_out = any(
        a.kind == AbsenceKind.car_unavailable and a.start < horizon_dt and a.end > origin
        for a in absences
    )
    t0 = 0
    if e.busy_until is not None:
        t0 = max(t0, minutes_ceil(origin, e.busy_until, scale))
    start_location = e.start_location
    latest_end = -1
    for j in jobs:
        if j.in_progress and j.pin_crew == i and j.pin_start is not None:
            end = j.pin_start + j.duration
            t0 = max(t0, end)
            if j.onsite and end > latest_end:
                latest_end = end
                start_location = j.location
    busy = [(0, t0)] if t0 > 0 else []
    blocks = complement(windows, 0, max(horizon, t0))
    if t0 > 0:
        blocks = merge(blocks + [(0, t0)])
    day_end = max((b for _, b in windows), default=0)
    open_windows = subtract(windows, [(0, t0)])
    available = sum(b - a for a, b in open_windows)
    breaks: list[BreakSlot] = []
    if open_windows:
        placed: list[Interval] = []
        for br in sorted(e.breaks, key=lambda b: b.earliest_start):
            lo = max(minutes_ceil(origin, br.earliest_start, scale), t0, 0)
            hi = minutes_floor(origin, br.latest_end, scale)
            length = br.duration_min * scale
            s = lo
            for a, b in placed:
                if s < b and a < s + length:
                    s = b
            # A lunch that can no longer fit after the engineer is free is taken as done.
            if s + length <= hi:
                breaks.append(BreakSlot(lo, hi, length))
                placed.append((s, s + length))
    return Crew(
        index=i,
        engineer=e,
        t0=t0,
        windows=windows,
        blocks=blocks,
        busy=busy,
        breaks=breaks,
        can_visit=e.can_visit and not car_out and bool(open_windows),
        start_node=None,
        base_node=None,
        start_location=start_location,
        day_end=day_end,
        available_min=available,
    )
