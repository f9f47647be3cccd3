"""The ``optimal`` dispatch policy: the dispatch engine re-run on events.

At an event where some engineer is idle and some ticket waits, the simulation state becomes a
:class:`~optimizer.domain.dispatch.DispatchRequest` — the waiting tickets (the most urgent
``max_tickets`` of them, with their SLA deadlines), every engineer with their working windows
over the next hours, where they are and until when they are busy, cars out of service as
``car_unavailable`` absences — and :func:`optimizer.dispatch.solve` plans it with a short time
limit (CP-SAT, one worker, deterministic). Each idle engineer then starts, now, the first
ticket the plan gives them; the rest of the plan is thrown away and re-planned at the next
event. Starting now rather than at the planned minute keeps the policy work-conserving: the
engine's objective (breaches, lateness, travel) is indifferent to an early start when there is
slack, and it cannot know that more tickets will arrive meanwhile. For the same reason an
engineer the plan leaves idle takes, by the greedy rule, a waiting ticket the plan does not
keep on time for a busy colleague (a visit kept for the engineer already nearby stays kept).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING

from optimizer.dispatch import solve
from optimizer.domain.base import Absence, Ticket
from optimizer.domain.common import (
    AbsenceKind,
    Location,
    Priority,
    TicketKind,
    TicketMode,
    TimeWindow,
)
from optimizer.domain.dispatch import (
    DispatchEngineer,
    DispatchOptions,
    DispatchPlan,
    DispatchRequest,
)
from optimizer.domain.dispatch import Policy as DispatchPolicy
from optimizer.simulate.engine import GreedyDispatcher
from optimizer.simulate.model import ONSITE, PRIORITIES

if TYPE_CHECKING:
    from optimizer.simulate.engine import Department, EngineerState, Window

PLAN_HOURS = 8.0
"""How far ahead each call plans."""

MAX_TICKETS = 25
"""Waiting tickets handed to each call (earliest deadlines first)."""

START_SLACK_MIN = 1.0
"""The engine plans in whole minutes from ``now`` rounded up: a start within a minute is now."""


class OptimalDispatcher:
    """Re-run :func:`optimizer.dispatch.solve` at each event (see the module docstring)."""

    def __init__(
        self,
        time_limit_s: float = 0.2,
        plan_hours: float = PLAN_HOURS,
        max_tickets: int = MAX_TICKETS,
    ) -> None:
        self.time_limit_s = time_limit_s
        self.plan_hours = plan_hours
        self.max_tickets = max_tickets
        self.calls = 0
        self.greedy = GreedyDispatcher()

    # -- the policy ------------------------------------------------------------------------

    def dispatch(self, dept: Department) -> None:
        if not dept.waiting:
            return
        now = dept.env.now
        idle = dept.idle(now)
        if not idle:
            return
        waiting = dept.waiting_tickets()
        if not any(
            dept.eligible(e, int(dept.class_of[i]), now, w) for i in waiting for e, w in idle
        ):
            return
        chosen = waiting[: self.max_tickets]
        plan = solve(self.request(dept, now, chosen))
        self.calls += 1
        self.carry_out(dept, plan, now, idle)

    def carry_out(
        self,
        dept: Department,
        plan: DispatchPlan,
        now: float,
        idle: list[tuple[EngineerState, Window]],
    ) -> None:
        """Each idle engineer starts, now, the first ticket the plan gives them; an engineer the
        plan leaves idle takes, greedily, a ticket the plan does not keep on time for a colleague.
        """
        by_id = {e.plan.id: (e, w) for e, w in idle}
        kept: set[int] = set()
        for a in sorted(plan.assignments, key=lambda a: (a.start, a.ticket_id)):
            if not a.ticket_id.startswith("t"):
                continue
            i = int(a.ticket_id[1:])
            if not math.isnan(dept.start[i]):
                continue
            if a.engineer_id not in by_id:
                if a.on_time:
                    kept.add(i)
                continue
            e, w = by_id[a.engineer_id]
            if not dept.eligible(e, int(dept.class_of[i]), now, w):
                continue
            dept.remove_waiting(i)
            dept.assign(i, e, now, w)
            del by_id[a.engineer_id]
        if by_id and dept.waiting:
            self.fill(dept, kept)

    def fill(self, dept: Department, kept: set[int]) -> None:
        """Greedy for the engineers still idle, over the tickets not kept for someone else."""
        held = [i for i in kept if math.isnan(dept.start[i])]
        for i in held:
            dept.remove_waiting(i)
        self.greedy.dispatch(dept)
        for i in held:
            dept.enqueue(i)

    # -- the request -----------------------------------------------------------------------

    def request(self, dept: Department, now: float, tickets: list[int]) -> DispatchRequest:
        """The simulation state at ``now`` as a dispatch request."""
        clock = dept.model.clock
        until = now + self.plan_hours * 60.0
        engineers = []
        absences = []
        for e in dept.engineers:
            windows = [
                TimeWindow(start=clock.to_datetime(max(w.start, now)), end=clock.to_datetime(w.end))
                for w in e.windows[e.pointer :]
                if w.start < until and w.end > now + 1
            ]
            if not windows:
                continue
            busy = clock.to_datetime(e.free_at) if e.free_at > now else None
            engineers.append(
                DispatchEngineer(
                    id=e.plan.id,
                    name=e.plan.id,
                    skills=dept.model.skills.skills(e.plan.skills),
                    licence_b=e.plan.can_visit,
                    has_car=e.plan.can_visit,
                    base=dept.model.locations[e.plan.base],
                    cost_per_hour_rub=e.plan.cost_per_hour,
                    car_cost_per_km_rub=e.plan.car_cost_per_km,
                    availability=windows,
                    current_location=dept.model.locations[dept._location(e, now)],
                    busy_until=busy,
                )
            )
            for a, b in e.car_out:
                if a < until and b > now:
                    absences.append(
                        Absence(
                            engineer_id=e.plan.id,
                            start=clock.to_datetime(max(a, now - 1)),
                            end=clock.to_datetime(b),
                            kind=AbsenceKind.car_unavailable,
                        )
                    )
        return DispatchRequest(
            now=clock.to_datetime(now),
            horizon_end=clock.to_datetime(until),
            engineers=engineers,
            tickets=[self.ticket(dept, i) for i in tickets],
            absences=absences,
            skills=list(dept.model.skills.entries) or None,
            options=DispatchOptions(
                policy=DispatchPolicy.optimal,
                time_limit_s=self.time_limit_s,
                num_workers=1,
                explain=False,
                seed=0,
            ),
        )

    @staticmethod
    def ticket(dept: Department, i: int) -> Ticket:
        """A waiting ticket of the simulation as a contract ticket ``t<i>``."""
        t, m = dept.t, dept.model
        clock = m.clock
        created = clock.to_datetime(float(t.created[i]))
        deadline_min = float(t.deadline[i])
        deadline = (
            clock.to_datetime(deadline_min)
            if math.isfinite(deadline_min)
            else created + timedelta(days=30)
        )
        loc: Location = m.locations[int(m.sites.location[t.site[i]])]
        return Ticket(
            id=f"t{i}",
            location=loc,
            created_at=created,
            priority=Priority(PRIORITIES[int(t.priority[i])]),
            kind=TicketKind.additional if int(t.kind[i]) == 1 else TicketKind.maintenance,
            mode=TicketMode.onsite if int(t.mode[i]) == ONSITE else TicketMode.remote,
            required_skills=m.skills.skills(int(t.skills[i])),
            duration_min=max(1, math.ceil(float(t.duration[i]))),
            deadline=deadline,
        )
