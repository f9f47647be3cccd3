"""``validate_plan(request, plan)``: every hard rule re-checked from the request alone.

It never looks at the CP-SAT model or the engines' minute grid: times are the plan's datetimes,
travel is the request's travel model asked for each leg at the leg's actual departure, deadlines
are recomputed from the SLA policies. An empty list means the plan keeps every rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from optimizer.dispatch.build import driving_to, effective_availability, ticket_deadline
from optimizer.domain.base import Ticket
from optimizer.domain.common import AbsenceKind, TicketMode
from optimizer.domain.dispatch import (
    Assignment,
    DispatchEngineer,
    DispatchPlan,
    DispatchRequest,
    Route,
    StopKind,
    visit_location,
)
from optimizer.intervals import merge, subtract
from optimizer.travel import TravelModel, make_travel_model

EPS = timedelta(seconds=1)


@dataclass(frozen=True)
class Violation:
    """A broken rule: which rule, about whom (ticket or engineer id), in words."""

    rule: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.subject}: {self.message}"


def validate_plan(
    request: DispatchRequest, plan: DispatchPlan, travel_model: TravelModel | None = None
) -> list[Violation]:
    """Every hard rule the plan breaks (empty: the plan is feasible)."""
    checker = _Checker(request, plan, travel_model or make_travel_model(request.travel))
    checker.run()
    return checker.found


class _Checker:
    def __init__(self, request: DispatchRequest, plan: DispatchPlan, travel: TravelModel) -> None:
        self.req = request
        self.plan = plan
        self.travel = travel
        self.found: list[Violation] = []
        self.tickets = {t.id: t for t in request.tickets}
        self.engineers = {e.id: e for e in request.engineers}
        self.sites = {s.id: s for s in request.sites}
        self.policies = {p.id: p for p in request.sla_policies}
        self.horizon_end = request.horizon_end

    def windows(self, e: DispatchEngineer) -> list[tuple[datetime, datetime]]:
        """The engineer's windows of work (given, or the office hours by the contract's rule)."""
        return effective_availability(self.req, e)

    def bad(self, rule: str, subject: str, message: str) -> None:
        self.found.append(Violation(rule, subject, message))

    def run(self) -> None:
        self.check_every_ticket_once()
        for a in self.plan.assignments:
            self.check_assignment(a)
        for e in self.req.engineers:
            route = self.plan.route(e.id)
            self.check_route(e, route)
            self.check_timetable(e, route)
            self.check_breaks(e, route)
        self.check_kpis()

    # -- coverage ------------------------------------------------------------------------------

    def check_every_ticket_once(self) -> None:
        """Each ticket of the request is either assigned once or listed as unassigned once."""
        seen: dict[str, int] = {}
        for tid in [a.ticket_id for a in self.plan.assignments] + [
            u.ticket_id for u in self.plan.unassigned
        ]:
            seen[tid] = seen.get(tid, 0) + 1
            if tid not in self.tickets:
                self.bad("coverage", tid, "ticket not in the request")
        for tid in self.tickets:
            n = seen.get(tid, 0)
            if n != 1:
                self.bad("coverage", tid, f"appears {n} times among assignments and unassigned")
        for u in self.plan.unassigned:
            if not u.reasons:
                self.bad("reasons", u.ticket_id, "unassigned without a reason code")

    # -- one assignment ------------------------------------------------------------------------

    def check_assignment(self, a: Assignment) -> None:
        t = self.tickets.get(a.ticket_id)
        e = self.engineers.get(a.engineer_id)
        if t is None:
            return
        if e is None:
            self.bad("engineer", a.ticket_id, f"unknown engineer {a.engineer_id!r}")
            return
        if a.end - a.start != timedelta(minutes=t.duration_min):
            self.bad(
                "duration", t.id, f"lasts {a.end - a.start}, the ticket takes {t.duration_min} min"
            )
        missing = set(t.required_skills) - set(e.skills)
        if missing and not a.in_progress:
            self.bad("skills", t.id, f"{e.id} lacks {sorted(str(s) for s in missing)}")
        if t.pinned is not None:
            if a.engineer_id != t.pinned.engineer_id:
                self.bad("pin", t.id, f"pinned to {t.pinned.engineer_id}, given to {e.id}")
            if t.pinned.start is not None and abs(a.start - t.pinned.start) > timedelta(minutes=1):
                self.bad("pin", t.id, f"pinned start {t.pinned.start}, planned {a.start}")
        self.check_deadline_fields(a, t)
        if a.in_progress:
            self.check_in_progress(a, t)
            return
        self.check_timing(a, t, e)
        if t.mode == TicketMode.onsite:
            self.check_visit_capability(a, e)
        elif a.travel_min or a.travel_km:
            self.bad("travel", t.id, "remote work with a drive attached")

    def check_deadline_fields(self, a: Assignment, t: Ticket) -> None:
        """The deadline is the SLA's; on_time and slack follow from the start."""
        deadline = ticket_deadline(t, self.sites, self.policies)
        if abs(a.deadline - deadline) > EPS:
            self.bad("deadline", t.id, f"deadline {a.deadline}, expected {deadline}")
        if a.on_time != (a.start <= deadline):
            self.bad(
                "on_time", t.id, f"on_time={a.on_time} but start {a.start}, deadline {deadline}"
            )
        slack = (deadline - a.start).total_seconds() / 60
        if abs(a.slack_min - slack) >= 1:
            self.bad("slack", t.id, f"slack {a.slack_min} min, expected {slack:.0f}")

    def check_in_progress(self, a: Assignment, t: Ticket) -> None:
        """Work under way started before now (or its drive did), as pinned or as in the
        previous plan."""
        prev_plan = self.req.previous_plan
        en_route = prev_plan is not None and t.id in driving_to(prev_plan, self.req.now)
        if a.start >= self.req.now + timedelta(minutes=1) and not en_route:
            self.bad("in_progress", t.id, "marked under way but starts after now")
        pinned = t.pinned is not None and t.pinned.start is not None
        prev = self.req.previous_plan.assignment(t.id) if self.req.previous_plan else None
        same_prev = (
            prev is not None
            and prev.engineer_id == a.engineer_id
            and (abs(prev.start - a.start) <= timedelta(minutes=1))
        )
        if not pinned and not same_prev:
            self.bad("in_progress", t.id, "under way, but neither pinned nor started before")

    def check_timing(self, a: Assignment, t: Ticket, e: DispatchEngineer) -> None:
        """After now and busy_until, after creation and earliest start, inside the appointment
        window, the availability and the horizon, not during an absence."""
        now = self.req.now
        if a.start < now:
            self.bad("time", t.id, f"starts {a.start} before now {now}")
        if a.start < t.created_at:
            self.bad("time", t.id, "starts before the ticket was created")
        if t.earliest_start is not None and a.start < t.earliest_start:
            self.bad("earliest_start", t.id, f"starts {a.start} before {t.earliest_start}")
        if t.window is not None and (a.start < t.window.start or a.end > t.window.end):
            self.bad("window", t.id, f"{a.start}–{a.end} outside {t.window.start}–{t.window.end}")
        if self.horizon_end is not None and a.end > self.horizon_end:
            self.bad("horizon", t.id, f"ends {a.end} after the horizon {self.horizon_end}")
        self.check_available(e, a.start, a.end, t.id)

    def check_available(
        self, e: DispatchEngineer, start: datetime, end: datetime, subject: str
    ) -> None:
        """[start, end) lies in one availability window, after busy_until, outside absences."""
        if end <= start:
            return
        if not any(a <= start and end <= b for a, b in merge(self.windows(e))):
            self.bad("availability", subject, f"{e.id} is not available {start}–{end}")
        if e.busy_until is not None and start < e.busy_until:
            self.bad("busy_until", subject, f"{e.id} is busy until {e.busy_until}")
        for ab in self.req.absences:
            if ab.engineer_id != e.id or ab.kind == AbsenceKind.car_unavailable:
                continue
            if ab.start < end and start < ab.end:
                self.bad(
                    "absence", subject, f"{e.id} is away ({ab.kind.value}) {ab.start}–{ab.end}"
                )

    def check_visit_capability(self, a: Assignment, e: DispatchEngineer) -> None:
        """Only an engineer with a licence B and a car, the car not out of service, visits."""
        if not (e.licence_b and e.has_car):
            self.bad("visit", a.ticket_id, f"{e.id} has no licence B or no car")
        start = a.start - timedelta(minutes=a.travel_min)
        for ab in self.req.absences:
            mine = ab.engineer_id == e.id and ab.kind == AbsenceKind.car_unavailable
            if mine and ab.start < a.end and start < ab.end:
                self.bad("visit", a.ticket_id, f"{e.id}'s car is unavailable {ab.start}–{ab.end}")

    # -- routes --------------------------------------------------------------------------------

    def visits_of(self, e: DispatchEngineer) -> dict[str, Assignment]:
        return {
            a.ticket_id: a
            for a in self.plan.assignments
            if a.engineer_id == e.id
            and not a.in_progress
            and (t := self.tickets.get(a.ticket_id)) is not None
            and t.mode == TicketMode.onsite
        }

    def check_route(self, e: DispatchEngineer, route: Route | None) -> None:
        """Visits in one route from where the engineer is, back to base, every leg driven in no
        less than the travel model's time at its departure."""
        visits = self.visits_of(e)
        stops = route.stops if route is not None else []
        if not stops:
            if visits:
                self.bad("route", e.id, f"visits {sorted(visits)} but no route")
            return
        first, last = stops[0], stops[-1]
        starts = {e.start_location.key}
        for a in self.plan.assignments:
            t = self.tickets.get(a.ticket_id)
            if a.engineer_id == e.id and a.in_progress and t is not None:
                starts.add(visit_location(t, self.sites).key)
        if first.kind != StopKind.start or first.location.key not in starts:
            self.bad("route", e.id, "does not start where the engineer is")
        if last.kind != StopKind.end or last.location.key != e.base.key:
            self.bad("route", e.id, "does not end at the base")
        in_route = [s.ticket_id for s in stops[1:-1]]
        if any(s.kind != StopKind.visit for s in stops[1:-1]) or sorted(
            x or "" for x in in_route
        ) != sorted(visits):
            self.bad("route", e.id, f"stops {in_route} differ from the visits {sorted(visits)}")
        for prev, nxt in zip(stops, stops[1:], strict=False):
            leg = self.travel.leg(prev.location, nxt.location, prev.depart)
            if nxt.arrive - prev.depart < timedelta(minutes=leg.minutes) - EPS:
                self.bad(
                    "travel",
                    e.id,
                    f"{prev.location.key} → {nxt.location.key} leaving {prev.depart} takes "
                    f"{leg.minutes:.1f} min, arrives {nxt.arrive}",
                )
            if prev.depart < prev.arrive:
                self.bad("route", e.id, f"leaves {prev.location.key} before arriving")
            if nxt.kind == StopKind.visit and nxt.ticket_id in visits:
                a = visits[nxt.ticket_id]
                if nxt.arrive > a.start or nxt.depart < a.end:
                    self.bad(
                        "route",
                        a.ticket_id,
                        "the visit's work is not between arrival and departure",
                    )
                if (
                    abs(a.travel_min - nxt.travel_min) > 0
                    or abs(a.travel_km - nxt.travel_km) > 0.01
                ):
                    self.bad("travel", a.ticket_id, "the assignment's leg differs from the route's")
            if prev.depart < self.req.now - EPS and nxt.arrive > prev.depart:
                self.bad("route", e.id, f"drives before now ({prev.depart})")
            drive_end = prev.depart + timedelta(minutes=leg.minutes)
            self.check_available(e, prev.depart, drive_end, e.id)
            if nxt.kind == StopKind.end and prev.kind == StopKind.visit:
                last_visit = visits.get(prev.ticket_id or "")
                if last_visit is not None:
                    self.check_back_with_last_visit(e, last_visit, prev.depart, drive_end)

    def check_back_with_last_visit(
        self, e: DispatchEngineer, last: Assignment, depart: datetime, back: datetime
    ) -> None:
        """The way back is driven in the same stretch of hours as the last visit: nobody stays
        at a client's site overnight (or over the gap of a split shift) to drive back later."""
        if back <= depart:
            return
        if not any(
            a <= last.start and a <= depart and back <= b for a, b in merge(self.windows(e))
        ):
            self.bad(
                "route",
                e.id,
                f"drives back to base {depart}–{back}, not in the hours of the last visit "
                f"({last.ticket_id}, {last.start}–{last.end})",
            )

    # -- one thing at a time -------------------------------------------------------------------

    def check_timetable(self, e: DispatchEngineer, route: Route | None) -> None:
        """Work, drives and breaks of one engineer never overlap (no remote work while driving)."""
        spans: list[tuple[datetime, datetime, str]] = []
        for a in self.plan.assignments:
            if a.engineer_id == e.id:
                spans.append((a.start, a.end, f"ticket {a.ticket_id}"))
        if route is not None:
            for prev, nxt in zip(route.stops, route.stops[1:], strict=False):
                leg = self.travel.leg(prev.location, nxt.location, prev.depart)
                end = prev.depart + timedelta(minutes=leg.minutes)
                spans.append((prev.depart, end, f"drive to {nxt.location.key}"))
            for b in route.breaks:
                spans.append((b.start, b.end, "break"))
        spans = sorted(s for s in spans if s[1] - s[0] > EPS)
        for (a0, a1, an), (b0, _, bn) in zip(spans, spans[1:], strict=False):
            if b0 < a1 - EPS:
                self.bad("overlap", e.id, f"{an} ({a0}–{a1}) overlaps {bn} (from {b0})")

    def check_breaks(self, e: DispatchEngineer, route: Route | None) -> None:
        """Each lunch break still due is taken whole inside its window."""
        taken = route.breaks if route is not None else []
        free_from = self.req.now
        if e.busy_until is not None:
            free_from = max(free_from, e.busy_until)
        for a in self.plan.assignments:
            if a.engineer_id == e.id and a.in_progress:
                free_from = max(free_from, a.end)
        away = [
            (ab.start, ab.end)
            for ab in self.req.absences
            if ab.engineer_id == e.id and ab.kind != AbsenceKind.car_unavailable
        ]
        horizon = self.horizon_end
        # Working before the horizon: a window still open after the engineer is free and
        # before the horizon ends (busy until after the horizon means no lunch is owed).
        works = any(
            (b if horizon is None else min(b, horizon)) > max(a, free_from)
            for a, b in subtract(merge(self.windows(e)), away)
        )
        for k, br in enumerate(e.breaks):
            lo = max(br.earliest_start, free_from)
            due = works and lo + timedelta(minutes=br.duration_min) <= br.latest_end + EPS
            ok = any(
                b.start >= br.earliest_start - EPS
                and b.end <= br.latest_end + EPS
                and b.end - b.start >= timedelta(minutes=br.duration_min) - EPS
                for b in taken
            )
            if due and not ok:
                self.bad(
                    "break",
                    e.id,
                    f"break {k} ({br.duration_min} min in "
                    f"{br.earliest_start}–{br.latest_end}) not taken",
                )

    def check_kpis(self) -> None:
        """The KPI counts agree with the lists."""
        k = self.plan.kpis
        if k.assigned != len(self.plan.assignments) or k.unassigned != len(self.plan.unassigned):
            self.bad("kpis", "plan", "assigned/unassigned counts disagree with the lists")
        late = sum(1 for a in self.plan.assignments if not a.on_time)
        if k.breaches != late:
            self.bad("kpis", "plan", f"breaches {k.breaches}, late assignments {late}")
