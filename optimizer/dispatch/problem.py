"""The dispatch problem in integer minutes: what every policy (greedy, CP-SAT) and the plan
builder share.

Time is counted in whole minutes from ``origin`` = ``now`` rounded up to the minute. Starts are
rounded up, deadlines and ends of availability down, so a plan that is feasible in minutes is
feasible in real time.

Travel depends on the hour of departure (rush hours, the Volga bridge), and so it does in the
engines: see :class:`TravelTable`. A drive departing at minute ``d`` takes its *level*'s minutes
(a level: a run of minutes of equal — or within two minutes equal — traffic, priced at its
slowest); the greedy prices each drive at its departure, and CP-SAT chooses the level of each
drive's departure with a literal. The plan reports the travel model's own leg at the actual
departure, never longer than what was planned; :func:`validate_plan` checks exactly that leg.
A matrix or OSRM travel model does not depend on the hour: one level.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cached_property

import numpy as np

from optimizer.calendar import default_calendar, sla_deadline, to_local
from optimizer.domain.base import Site, SlaPolicy, Ticket
from optimizer.domain.common import AbsenceKind, Location, Priority, TicketMode
from optimizer.domain.dispatch import (
    DispatchEngineer,
    DispatchOptions,
    DispatchPlan,
    DispatchRequest,
    ReasonCode,
    visit_location,
)
from optimizer.domain.travel import TravelSpecMatrix
from optimizer.travel import TravelModel, make_travel_model

START = -1
"""Route node: where the engineer is at the start (current location)."""
END = -2
"""Route node: the engineer's base, where the route ends."""

Interval = tuple[int, int]


# -- time ------------------------------------------------------------------------------------


def minute_origin(now: datetime) -> datetime:
    """``now`` rounded up to the whole minute, in local time: minute 0 of the plan."""
    local = to_local(now, "now")
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return local


def minutes_ceil(origin: datetime, dt: datetime, scale: int = 1) -> int:
    """Time units (1/scale minute) from ``origin`` to ``dt``, rounded up (for starts)."""
    return math.ceil((dt - origin).total_seconds() / 60 * scale - 1e-9)


def minutes_floor(origin: datetime, dt: datetime, scale: int = 1) -> int:
    """Time units (1/scale minute) from ``origin`` to ``dt``, rounded down (for deadlines)."""
    return math.floor((dt - origin).total_seconds() / 60 * scale + 1e-9)


FINE_SCALE = 10
"""Time units per minute when a travel matrix has fractional minutes (a tenth of a minute)."""


def time_scale(request: DispatchRequest) -> int:
    """Units per minute of the engines' grid: 1, or 10 when the explicit travel matrix has
    fractional minutes (public routing instances), so that rounding legs up costs little."""
    travel = request.travel
    fractional = isinstance(travel, TravelSpecMatrix) and any(
        abs(c - round(c)) > 1e-9 for row in travel.minutes for c in row
    )
    return FINE_SCALE if fractional else 1


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


# -- travel ----------------------------------------------------------------------------------

LEVEL_TOLERANCE_MIN = 2
"""Neighbouring traffic segments whose leg minutes differ by at most this are merged into one
level (priced at the slower of them), to keep the model small."""


class TravelTable:
    """Leg minutes (rounded up) and km between the plan's locations, by departure minute.

    The travel model is sampled at every minute of the horizon; runs of equal traffic are
    *segments* (each priced by its own matrix, exactly as the model prices a departure inside
    it), and neighbouring segments that differ by at most :data:`LEVEL_TOLERANCE_MIN` on every leg
    are merged into *levels* (priced at their slowest). The engines plan with levels; the plan
    reports the exact segment's leg, never longer than what was planned.

    Parameters
    ----------
    model
        The request's travel model.
    locations
        The distinct places of the plan, in node order.
    origin
        Minute 0.
    horizon
        The last minute a drive may start.
    """

    def __init__(
        self,
        model: TravelModel,
        locations: Sequence[Location],
        origin: datetime,
        horizon: int,
        scale: int = 1,
    ) -> None:
        self.model = model
        self.scale = scale
        self.locations = list(locations)
        self.origin = origin
        n = len(self.locations)
        traffic_at = getattr(model, "traffic_at", None)
        samples: list[tuple[int, object]] = [(0, None)]
        if traffic_at is not None and n > 1:
            samples = []
            last: object = object()
            for m in range(0, max(horizon, 0) + 1, scale):
                key = traffic_at(origin + timedelta(minutes=m / scale))
                if key != last:
                    samples.append((m, key))
                    last = key
        keys: dict[object, int] = {}
        mats_min: list[np.ndarray] = []
        mats_km: list[np.ndarray] = []
        seg_matrix: list[int] = []
        self.seg_starts: list[int] = []
        for m, key in samples:
            if key not in keys:
                keys[key] = len(mats_min)
                if n == 0:
                    mats_min.append(np.zeros((0, 0), dtype=np.int64))
                    mats_km.append(np.zeros((0, 0)))
                else:
                    tm = model.matrix(self.locations, origin + timedelta(minutes=m / scale))
                    raw = np.asarray(tm.minutes, dtype=float) * scale
                    mats_min.append(np.maximum(np.ceil(raw - 1e-6), 0).astype(np.int64))
                    mats_km.append(np.asarray(tm.km, dtype=float))
            self.seg_starts.append(m)
            seg_matrix.append(keys[key])
        self.seg_matrix = seg_matrix
        self.seg_minutes = mats_min
        # Levels: runs of segments merged while every leg stays within the tolerance.
        self.level_starts: list[int] = []
        self.level_minutes: list[np.ndarray] = []
        lo_mat: np.ndarray | None = None
        for start, mi in zip(self.seg_starts, seg_matrix, strict=True):
            mat = mats_min[mi]
            if lo_mat is not None:
                hi_mat = np.maximum(self.level_minutes[-1], mat)
                low = np.minimum(lo_mat, mat)
                if n == 0 or int((hi_mat - low).max()) <= LEVEL_TOLERANCE_MIN * scale:
                    self.level_minutes[-1], lo_mat = hi_mat, low
                    continue
            self.level_starts.append(start)
            self.level_minutes.append(mat)
            lo_mat = mat
        self.km = np.max(np.stack(mats_km), axis=0) if n else np.zeros((0, 0))
        self._least = np.min(np.stack(self.level_minutes), axis=0) if n else self.km

    @property
    def level_count(self) -> int:
        return len(self.level_starts)

    def level(self, minute: int) -> int:
        """The level of a departure minute."""
        return max(0, bisect.bisect_right(self.level_starts, minute) - 1)

    def level_range(self, k: int, horizon: int) -> tuple[int, int]:
        """Minutes [a, b) of level k (the last level runs to the horizon)."""
        end = self.level_starts[k + 1] if k + 1 < len(self.level_starts) else horizon + 1
        return self.level_starts[k], end

    def levels_between(self, lo: int, hi: int) -> list[int]:
        """The levels a departure in [lo, hi] can fall in."""
        return list(range(self.level(lo), self.level(max(lo, hi)) + 1))

    def at(self, i: int, j: int, depart: int) -> int:
        """Planned minutes of the leg i → j leaving at minute ``depart`` (its level's)."""
        return int(self.level_minutes[self.level(depart)][i, j])

    def exact(self, i: int, j: int, depart: int) -> int:
        """The model's minutes of the leg i → j leaving at ``depart`` (rounded up)."""
        seg = max(0, bisect.bisect_right(self.seg_starts, depart) - 1)
        return int(self.seg_minutes[self.seg_matrix[seg]][i, j])

    def level_minutes_of(self, k: int, i: int, j: int) -> int:
        return int(self.level_minutes[k][i, j])

    def km_of(self, i: int, j: int) -> float:
        """Km of the leg i → j (the longest over the day, which for road models is the same)."""
        return float(self.km[i, j])

    def least(self, i: int, j: int) -> int:
        """The shortest the leg i → j ever takes (for pruning)."""
        return int(self._least[i, j])


# -- the problem -----------------------------------------------------------------------------


@dataclass
class Job:
    """A ticket as the engines see it (minutes from the origin)."""

    index: int
    ticket: Ticket
    duration: int
    onsite: bool
    location: Location
    node: int | None
    release: int
    latest_start: int
    deadline: int
    deadline_at: datetime
    created: int
    pin_crew: int | None = None
    pin_start: int | None = None
    in_progress: bool = False
    prev_crew: int | None = None
    prev_start: int | None = None
    candidates: list[int] = field(default_factory=list)
    reasons: list[ReasonCode] = field(default_factory=list)
    earliest: int | None = None

    @property
    def id(self) -> str:
        return self.ticket.id

    @property
    def priority(self) -> Priority:
        return self.ticket.priority

    @property
    def urgent(self) -> bool:
        return self.ticket.priority == Priority.urgent

    @property
    def wait_from(self) -> int:
        """The minute an urgent ticket's waiting is counted from (now, or creation if later)."""
        return max(0, self.created)

    @property
    def schedulable(self) -> bool:
        """Planned by the engines: not work already under way, and someone can do it."""
        return not self.in_progress and bool(self.candidates)


@dataclass
class BreakSlot:
    """A break to place: start in [lo, hi - duration]."""

    lo: int
    hi: int
    duration: int


@dataclass
class Crew:
    """An engineer as the engines see them (minutes from the origin)."""

    index: int
    engineer: DispatchEngineer
    t0: int
    windows: list[Interval]
    blocks: list[Interval]
    busy: list[Interval]
    breaks: list[BreakSlot]
    can_visit: bool
    start_node: int | None
    base_node: int | None
    start_location: Location
    day_end: int
    available_min: int
    home: Interval | None = None

    @property
    def id(self) -> str:
        return self.engineer.id

    def window_end_at(self, t: int) -> int:
        """The end of the availability window that ``t`` lies in (its end included): the latest
        the engineer can be back at base after work that ends at ``t``; ``t`` itself when it
        lies in no window."""
        end = t
        for a, b in self.windows:
            if a <= end <= b:
                end = b
        return end

    @property
    def works(self) -> bool:
        """Has any time to work in the horizon."""
        return any(b > max(a, self.t0) for a, b in self.windows)


@dataclass
class Problem:
    """The request in minutes: jobs, crews, travel, horizon, weights."""

    request: DispatchRequest
    origin: datetime
    horizon: int
    jobs: list[Job]
    crews: list[Crew]
    travel: TravelTable
    options: DispatchOptions
    scale: int = 1

    def at(self, unit: int) -> datetime:
        """The aware local datetime of a plan time unit."""
        return self.origin + timedelta(minutes=unit / self.scale)

    def minutes(self, units: float) -> float:
        """Minutes of a number of time units."""
        return units / self.scale

    @cached_property
    def job_by_id(self) -> dict[str, Job]:
        return {j.id: j for j in self.jobs}

    @cached_property
    def crew_by_id(self) -> dict[str, Crew]:
        return {c.id: c for c in self.crews}

    def node_of(self, crew: Crew, point: int) -> int:
        """The travel node of a route point (a job index, START or END) of a crew."""
        if point == START:
            assert crew.start_node is not None
            return crew.start_node
        if point == END:
            assert crew.base_node is not None
            return crew.base_node
        node = self.jobs[point].node
        assert node is not None
        return node

    def leg_minutes(self, crew: Crew, a: int, b: int, depart: int) -> int:
        """Planned minutes of the leg a → b of a crew leaving at ``depart``."""
        return self.travel.at(self.node_of(crew, a), self.node_of(crew, b), depart)

    def leg_km(self, crew: Crew, a: int, b: int) -> float:
        return self.travel.km_of(self.node_of(crew, a), self.node_of(crew, b))

    def leg_rub(self, crew: Crew, a: int, b: int) -> int:
        """Car cost of a leg, whole roubles."""
        return round(self.leg_km(crew, a, b) * crew.engineer.car_cost_per_km_rub)

    def leg_cost(self, crew: Crew, a: int, b: int, depart: int) -> int:
        """Objective cost of a leg: weighted minutes plus weighted car RUB (whole numbers)."""
        w = self.options.weights
        return w.travel_minute * self.leg_minutes(crew, a, b, depart) + w.car_rub * self.leg_rub(
            crew, a, b
        )

    def least_minutes(self, crew: Crew, a: int, b: int) -> int:
        return self.travel.least(self.node_of(crew, a), self.node_of(crew, b))


# -- building --------------------------------------------------------------------------------


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
        _settle_visits(problem, c)
    for j in jobs:
        _candidates(problem, j)
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


def _subtract(windows: list[Interval], cuts: list[Interval]) -> list[Interval]:
    """Windows with the cut intervals removed."""
    out = windows
    for ca, cb in cuts:
        nxt: list[Interval] = []
        for a, b in out:
            if cb <= a or ca >= b:
                nxt.append((a, b))
                continue
            if ca > a:
                nxt.append((a, ca))
            if cb < b:
                nxt.append((cb, b))
        out = nxt
    return out


def _complement(windows: list[Interval], lo: int, hi: int) -> list[Interval]:
    """The parts of [lo, hi) outside the (sorted, disjoint) windows."""
    out: list[Interval] = []
    cur = lo
    for a, b in windows:
        if a > cur:
            out.append((cur, min(a, hi)))
        cur = max(cur, b)
    if cur < hi:
        out.append((cur, hi))
    return [(a, b) for a, b in out if b > a]


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
    windows = _subtract(windows, away)
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
    blocks = _complement(windows, 0, max(horizon, t0))
    if t0 > 0:
        blocks = _merge(blocks + [(0, t0)])
    day_end = max((b for _, b in windows), default=0)
    open_windows = _subtract(windows, [(0, t0)])
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


def _merge(intervals: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _settle_visits(problem: Problem, crew: Crew) -> None:
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
            tuple(sorted(s.value for s in c.engineer.skills)),
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


def _candidates(problem: Problem, job: Job) -> None:
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
