"""One replication of the department: a SimPy discrete-event simulation.

Events are ticket arrivals, the end of a job, and the start of an engineer's working window
(a shift, the half after lunch, an on-call day, the car back from repair). At every event the
dispatch policy hands waiting tickets to idle engineers:

- ``greedy`` (:class:`GreedyDispatcher`): earliest deadline first, each ticket to the eligible
  idle engineer who can start soonest — the rule of the dispatch engine's greedy baseline,
  applied at each event instead of over a planning horizon;
- ``optimal``: :class:`optimizer.simulate.optimal.OptimalDispatcher` re-runs
  :func:`optimizer.dispatch.solve` on the current state with a short time limit.

Rules: an engineer takes a ticket only inside a working window, with all its required
skills; a visit needs a visit-capable engineer whose car is available and costs the drive
from where the engineer is (the travel model, departure now); a started job runs to the end,
and what runs past the end of the shift is overtime; on-call duty on days off can be limited
to urgent tickets. A ticket's start is the moment work begins (after the drive).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import simpy

from optimizer.intervals import subtract
from optimizer.simulate.model import ONSITE, URGENT, EngineerPlan, SimModel
from optimizer.simulate.tickets import Tickets, generate_tickets, named_rng
from optimizer.travel import GeodesicTravelModel

# -- working windows of one replication ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """A stretch of time an engineer can start work: ``[start, end)``."""

    start: float
    end: float
    shift_end: float
    day: int
    on_call: bool
    urgent_only: bool


def sick_days(
    plan: EngineerPlan, working: np.ndarray, rate: float, spell: float, seed: np.random.SeedSequence
) -> set[int]:
    """Days an engineer is off sick: spells start on a working day with probability
    ``rate / spell`` and last 1 + Poisson(spell - 1) working days (mean ``spell``), so about
    ``rate`` of the working days are lost. Each engineer has their own random stream."""
    if rate <= 0:
        return set()
    rng = named_rng(seed, f"sick:{plan.id}")
    days = np.flatnonzero(working)
    u = rng.random(days.size)
    lengths = 1 + rng.poisson(max(spell - 1.0, 0.0), size=days.size)
    out: set[int] = set()
    p = min(1.0, rate / spell)
    for i in np.flatnonzero(u < p):
        out.update(int(d) for d in days[i : i + int(lengths[i])])
    return out


def windows_of(plan: EngineerPlan, sick: set[int]) -> list[Window]:
    """Working windows: the plan's shifts without sick days and planned absences."""
    out: list[Window] = []
    for s in plan.shifts:
        if s.day in sick:
            continue
        for a, b in subtract([(s.start, s.end)], list(plan.away)):
            if b > a:
                out.append(Window(a, b, s.shift_end, s.day, s.on_call, s.urgent_only))
    out.sort(key=lambda w: w.start)
    return out


# -- the department ---------------------------------------------------------------------------


@dataclass
class EngineerState:
    """What the simulation knows about an engineer right now."""

    index: int
    plan: EngineerPlan
    windows: list[Window]
    car_out: list[tuple[float, float]]
    free_at: float = 0.0
    location: int = 0
    day: int = -1
    pointer: int = 0
    busy: float = 0.0
    tickets: int = 0
    visits: int = 0
    km: float = 0.0
    weekend_minutes: float = 0.0
    overtime: dict[int, float] = field(default_factory=dict)

    def window(self, now: float) -> Window | None:
        """The working window containing ``now``, if any (the pointer only moves forward)."""
        ws = self.windows
        while self.pointer < len(ws) and ws[self.pointer].end <= now:
            self.pointer += 1
        if self.pointer < len(ws) and ws[self.pointer].start <= now:
            return ws[self.pointer]
        return None

    def has_car(self, now: float) -> bool:
        """Visit-capable and the car is not out of service at ``now``."""
        if not self.plan.can_visit:
            return False
        return not any(a <= now < b for a, b in self.car_out)


class Dispatcher(Protocol):
    """A dispatch policy: hands waiting tickets to idle engineers at the current instant."""

    def dispatch(self, dept: Department) -> None: ...


class Department:
    """The simulated department of one replication (state, events, records)."""

    def __init__(
        self,
        model: SimModel,
        tickets: Tickets,
        engineers: list[EngineerState],
        travel: Callable[[int, int, float], tuple[float, float]],
        dispatcher: Dispatcher,
    ) -> None:
        self.model = model
        self.t = tickets
        self.engineers = engineers
        self.travel = travel
        self.dispatcher = dispatcher
        self.env = simpy.Environment()
        n = len(tickets)
        self.start = np.full(n, np.nan)
        self.assigned = np.full(n, -1, dtype=np.int32)
        self.travel_min = np.zeros(n)
        self.class_of, self.class_req, self.class_mode, self.class_urgent = _classes(tickets)
        self.queues: list[list[tuple[float, int, float, int]]] = [[] for _ in self.class_req]
        self.waiting = 0
        self.pending = 0
        """Tickets created inside the horizon and not started yet."""
        self.site_loc = model.sites.location
        self.horizon = model.horizon_min

    # -- queue -----------------------------------------------------------------------------

    def enqueue(self, i: int) -> None:
        """A ticket joins its class's queue, ordered by deadline, priority, creation."""
        t = self.t
        key = (float(t.deadline[i]), int(t.priority[i]), float(t.created[i]), i)
        heapq.heappush(self.queues[self.class_of[i]], key)
        self.waiting += 1
        if t.created[i] < self.horizon and math.isnan(self.start[i]):
            self.pending += 1

    def remove_waiting(self, i: int) -> None:
        """Take ticket ``i`` out of its queue (the optimal dispatcher picks any waiting one)."""
        q = self.queues[self.class_of[i]]
        for k, item in enumerate(q):
            if item[3] == i:
                q[k] = q[-1]
                q.pop()
                heapq.heapify(q)
                self.waiting -= 1
                if self.t.created[i] < self.horizon:
                    self.pending -= 1
                return
        raise KeyError(i)

    def waiting_tickets(self) -> list[int]:
        """Every waiting ticket, earliest deadline first."""
        items = sorted(item for q in self.queues for item in q)
        return [item[3] for item in items]

    def eligible(self, e: EngineerState, c: int, now: float, w: Window) -> bool:
        """Skills cover the class; a visit needs a car; urgent-only duty takes urgent only."""
        req = self.class_req[c]
        if e.plan.skills & req != req:
            return False
        if w.urgent_only and not self.class_urgent[c]:
            return False
        return not (self.class_mode[c] == ONSITE and not e.has_car(now))

    def idle(self, now: float) -> list[tuple[EngineerState, Window]]:
        """Engineers free and inside a working window now."""
        out = []
        for e in self.engineers:
            if e.free_at <= now:
                w = e.window(now)
                if w is not None:
                    out.append((e, w))
        return out

    # -- assignment ------------------------------------------------------------------------

    def leg_to(self, e: EngineerState, i: int, now: float) -> tuple[float, float]:
        """Drive (minutes, km) from where the engineer is to ticket ``i``'s site; 0 if remote."""
        if self.t.mode[i] != ONSITE:
            return (0.0, 0.0)
        return self.travel(self._location(e, now), int(self.site_loc[self.t.site[i]]), now)

    def _location(self, e: EngineerState, now: float) -> int:
        """Where the engineer is: at base at the start of a new working day."""
        w = e.window(now)
        if w is not None and w.day != e.day:
            return e.plan.base
        return e.location

    def assign(self, i: int, e: EngineerState, now: float, w: Window) -> None:
        """Start ticket ``i`` with engineer ``e`` now (after the drive when it is a visit)."""
        if w.day != e.day:
            self._back_to_base(e, now)
            e.day = w.day
        drive, km = self.leg_to(e, i, now)
        begin = now + drive
        finish = begin + float(self.t.duration[i])
        self.start[i] = begin
        self.assigned[i] = e.index
        self.travel_min[i] = drive
        e.free_at = finish
        if now < self.horizon:
            e.busy += max(0.0, min(finish, self.horizon) - now)
            e.tickets += 1
            if self.t.mode[i] == ONSITE:
                e.visits += 1
                e.km += km
            if w.on_call:
                # Work on a day off is paid double as a whole (art. 153), past the duty or not.
                e.weekend_minutes += finish - now
            elif finish > w.shift_end:
                e.overtime[w.day] = e.overtime.get(w.day, 0.0) + finish - max(w.shift_end, now)
        if self.t.mode[i] == ONSITE:
            e.location = int(self.site_loc[self.t.site[i]])
        self.env.process(self._job(finish - now))

    def _back_to_base(self, e: EngineerState, now: float) -> None:
        """A new working day starts at base; the drive home from yesterday's last site counts."""
        if e.location != e.plan.base:
            _, km = self.travel(e.location, e.plan.base, now)
            if now < self.horizon:
                e.km += km
            e.location = e.plan.base

    def _job(self, minutes: float):  # type: ignore[no-untyped-def]
        yield self.env.timeout(minutes)
        self.dispatcher.dispatch(self)

    # -- processes -------------------------------------------------------------------------

    def _arrivals(self):  # type: ignore[no-untyped-def]
        created = self.t.created
        for i in range(len(self.t)):
            delay = created[i] - self.env.now
            if delay > 0:
                yield self.env.timeout(delay)
            self.enqueue(i)
            self.dispatcher.dispatch(self)

    def _wakeups(self, times: list[float]):  # type: ignore[no-untyped-def]
        for t in times:
            delay = t - self.env.now
            if delay > 0:
                yield self.env.timeout(delay)
            if self.waiting:
                self.dispatcher.dispatch(self)

    def _until_counted_started(self, stop: simpy.Event):  # type: ignore[no-untyped-def]
        """Stop after the horizon once every ticket created in it has started (or at the end
        of the tail): nothing later changes a counted figure."""
        end = self.model.end_min
        yield self.env.timeout(self.horizon)
        while self.env.now < end and self.pending > 0:
            yield self.env.timeout(min(60.0, end - self.env.now))
        stop.succeed()

    def run(self) -> None:
        """Simulate until the horizon plus (as much as needed of) the tail."""
        end = self.model.end_min
        starts = {w.start for e in self.engineers for w in e.windows if w.start < end}
        starts |= {b for e in self.engineers for _, b in e.car_out if 0 <= b < end}
        stop = self.env.event()
        self.env.process(self._arrivals())
        self.env.process(self._wakeups(sorted(starts)))
        self.env.process(self._until_counted_started(stop))
        self.env.run(until=stop)
        for e in self.engineers:
            self._back_to_base(e, self.horizon - 1e-6)


def _classes(t: Tickets) -> tuple[np.ndarray, list[int], list[int], list[bool]]:
    """Group tickets by what decides who may take them: skills, visit, urgent."""
    keys: dict[tuple[int, int, bool], int] = {}
    class_of = np.zeros(len(t), dtype=np.int32)
    for i, key in enumerate(
        zip(t.skills.tolist(), t.mode.tolist(), (t.priority == URGENT).tolist(), strict=True)
    ):
        class_of[i] = keys.setdefault(key, len(keys))
    req = [k[0] for k in keys]
    mode = [k[1] for k in keys]
    urgent = [k[2] for k in keys]
    return class_of, req, mode, urgent


# -- the greedy policy ----------------------------------------------------------------------


class GreedyDispatcher:
    """Earliest deadline first to the eligible engineer who can start soonest.

    Mirrors the dispatch engine's greedy baseline (``optimizer.dispatch``, policy ``greedy``)
    event by event: among the waiting tickets some idle engineer may take, the one with the
    earliest SLA deadline (then the higher priority, then the earliest created) goes first, to
    the idle eligible engineer who can start it soonest (a visit: the shortest drive). Unlike
    the engine, which breaks ties by the lower engineer index, ties here go to an engineer who
    cannot visit right now (so cars stay free for visits), then to the one with the least work
    so far (the engine plans a whole day at once and spreads work by start times; event by
    event everyone is free "now"), then to the lower index.
    """

    def dispatch(self, dept: Department) -> None:
        if not dept.waiting:
            return
        now = dept.env.now
        idle = dept.idle(now)
        while idle and dept.waiting:
            best: tuple[float, int, float, int] | None = None
            best_class = -1
            for c, q in enumerate(dept.queues):
                if not q or (best is not None and q[0] >= best):
                    continue
                if any(dept.eligible(e, c, now, w) for e, w in idle):
                    best, best_class = q[0], c
            if best is None:
                return
            heapq.heappop(dept.queues[best_class])
            dept.waiting -= 1
            i = best[3]
            if dept.t.created[i] < dept.horizon:
                dept.pending -= 1
            k = self.choose(dept, i, best_class, idle, now)
            e, w = idle.pop(k)
            dept.assign(i, e, now, w)

    @staticmethod
    def choose(
        dept: Department, i: int, c: int, idle: list[tuple[EngineerState, Window]], now: float
    ) -> int:
        """Index in ``idle`` of the engineer to take ticket ``i`` (see the class docstring)."""
        best_key: tuple[float, int, float, int] | None = None
        best = -1
        for k, (e, w) in enumerate(idle):
            if not dept.eligible(e, c, now, w):
                continue
            drive = dept.leg_to(e, i, now)[0]
            key = (drive, int(e.has_car(now)), e.busy, e.index)
            if best_key is None or key < best_key:
                best_key, best = key, k
        return best


# -- a whole replication ----------------------------------------------------------------------


def travel_function(model: SimModel) -> Callable[[int, int, float], tuple[float, float]]:
    """Drive (minutes, km) between two location indices departing at a simulation minute,
    from the travel model, cached per pair and hour."""
    if not model.travel:
        return lambda a, b, now: (0.0, 0.0)
    travel = GeodesicTravelModel()
    cache: dict[tuple[int, int, int], tuple[float, float]] = {}
    locations = model.locations
    clock = model.clock

    def leg(a: int, b: int, now: float) -> tuple[float, float]:
        if a == b:
            return (0.0, 0.0)
        hour = int(now // 60)
        key = (a, b, hour)
        hit = cache.get(key)
        if hit is None:
            got = travel.leg(locations[a], locations[b], clock.to_datetime(hour * 60.0))
            hit = cache[key] = (float(got.minutes), float(got.km))
        return hit

    return leg


def engineer_states(model: SimModel, seed: np.random.SeedSequence) -> list[EngineerState]:
    """Engineers at the start of a replication, sickness drawn."""
    states = []
    for k, plan in enumerate(model.engineers):
        sick = sick_days(plan, model.clock.working, model.sick_rate, model.sick_spell_days, seed)
        states.append(
            EngineerState(
                index=k,
                plan=plan,
                windows=windows_of(plan, sick),
                car_out=list(plan.car_out),
                location=plan.base,
            )
        )
    return states


def simulate_department(
    model: SimModel, seed: np.random.SeedSequence, dispatcher: Dispatcher | None = None
) -> Department:
    """Run one replication and return the department with its records."""
    tickets = generate_tickets(model, seed)
    engineers = engineer_states(model, seed)
    dept = Department(
        model, tickets, engineers, travel_function(model), dispatcher or GreedyDispatcher()
    )
    dept.run()
    return dept


def windows_minutes(windows: list[Window], horizon: float) -> float:
    """Minutes of working windows inside ``[0, horizon)``."""
    return float(sum(max(0.0, min(w.end, horizon) - max(w.start, 0.0)) for w in windows))
