"""The dispatch problem in integer minutes: what every policy (greedy, CP-SAT) and the plan
builder share.

Time is counted in whole minutes from ``origin`` = ``now`` rounded up to the minute (or in tenths
of a minute, see :func:`time_scale`). Starts are rounded up, deadlines and ends of availability
down, so a plan that is feasible in minutes is feasible in real time. A :class:`Problem` is built
from a request by :func:`optimizer.dispatch.build.build_problem`; who can do which ticket and
from when is in :mod:`optimizer.dispatch.eligibility`; travel by departure minute in
:mod:`optimizer.dispatch.travel_table`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from optimizer.calendar import to_local
from optimizer.dispatch.travel_table import TravelTable
from optimizer.domain.base import Ticket
from optimizer.domain.common import Location, Priority
from optimizer.domain.dispatch import (
    DispatchEngineer,
    DispatchOptions,
    DispatchRequest,
    ReasonCode,
)
from optimizer.domain.skills import SkillCatalogue
from optimizer.domain.travel import TravelSpecMatrix

START = -1
"""Route node: where the engineer is at the start (current location)."""
END = -2
"""Route node: the engineer's base, where the route ends."""

Interval = tuple[int, int]

PRIORITY_RANK = {Priority.urgent: 0, Priority.normal: 1, Priority.low: 2}
"""Priorities, most pressing first (the order of lists that sort tickets by priority)."""


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
    def skill_catalogue(self) -> SkillCatalogue:
        """The request's skills catalogue (the built-in one when it carries none)."""
        return SkillCatalogue.of(self.request.skills)

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
