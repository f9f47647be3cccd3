"""``validate_plan(request, plan)``: every hard rule re-checked from the request alone.

It never looks at the CP-SAT model or the engines' minute grid: times are the plan's datetimes,
travel is the request's travel model asked for each leg at the leg's actual departure, deadlines
are recomputed from the SLA policies. An empty list means the plan keeps every rule.

Each :class:`Violation` names the precise rule broken (``code``, one of
:data:`~optimizer.dispatch.text.VIOLATIONS`), the plan's field at fault and its value, and says
it in words: in Russian by default, naming engineers and customers as the request names them,
or in English (the checker's technical wording) with ``lang="en"``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from optimizer.calendar import TZ
from optimizer.dispatch.build import driving_to, effective_availability, ticket_deadline
from optimizer.dispatch.text import ABSENCE_WORDS, VIOLATIONS, PlanWords, violation_text
from optimizer.domain.base import Absence, Ticket
from optimizer.domain.common import AbsenceKind, TicketMode
from optimizer.domain.dispatch import (
    Assignment,
    DispatchEngineer,
    DispatchPlan,
    DispatchRequest,
    Lang,
    Route,
    RouteStop,
    StopKind,
    visit_location,
)
from optimizer.domain.skills import SkillCatalogue
from optimizer.intervals import merge, subtract
from optimizer.travel import TravelModel, make_travel_model

EPS = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Violation:
    """A broken rule: which rule, about whom (ticket or engineer id), in words.

    ``rule`` is the group of rules (``skills``, ``availability``, ``overlap`` …) and ``code``
    the precise way it is broken (``skill_missing``, ``before_shift`` …). ``field`` is the path
    of the plan's field at fault (``assignments[0].engineer_id``, ``routes[1].stops[2].arrive``)
    and ``value`` its value as the plan has it. ``message`` is in ``lang``; :meth:`text` gives it
    in another language.
    """

    rule: str
    subject: str
    message: str
    code: str = ""
    field: str = ""
    value: str = ""
    lang: Lang = Lang.ru
    params: Mapping[str, Any] = dataclasses.field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def text(self, lang: Lang | str) -> str:
        """The message in ``lang`` (``ru`` or ``en``)."""
        if self.code not in VIOLATIONS:
            return self.message
        return violation_text(self.code, Lang(lang), self.params)

    def __str__(self) -> str:
        return f"[{self.rule}] {self.subject}: {self.message}"


def validate_plan(
    request: DispatchRequest,
    plan: DispatchPlan,
    travel_model: TravelModel | None = None,
    lang: Lang | str | None = None,
) -> list[Violation]:
    """Every hard rule the plan breaks (empty: the plan is feasible), with messages in ``lang``
    (default: the request's ``options.lang``, Russian unless it says otherwise)."""
    language = Lang(lang) if lang is not None else request.options.lang
    checker = _Checker(request, plan, travel_model or make_travel_model(request.travel), language)
    checker.run()
    return checker.found


class _Checker:
    def __init__(
        self, request: DispatchRequest, plan: DispatchPlan, travel: TravelModel, lang: Lang
    ) -> None:
        self.req = request
        self.plan = plan
        self.travel = travel
        self.lang = lang
        self.found: list[Violation] = []
        self.tickets = {t.id: t for t in request.tickets}
        self.engineers = {e.id: e for e in request.engineers}
        self.sites = {s.id: s for s in request.sites}
        self.policies = {p.id: p for p in request.sla_policies}
        self.horizon_end = request.horizon_end
        self.skills = SkillCatalogue.of(request.skills)
        self.words = PlanWords(request)
        self.at_index = {a.ticket_id: i for i, a in enumerate(plan.assignments)}
        self.route_index = {r.engineer_id: j for j, r in enumerate(plan.routes)}

    def windows(self, e: DispatchEngineer) -> list[tuple[datetime, datetime]]:
        """The engineer's windows of work (given, or the office hours by the contract's rule)."""
        return effective_availability(self.req, e)

    # -- words ---------------------------------------------------------------------------------

    def bad(
        self,
        code: str,
        subject: str,
        where: str,
        value: object,
        e: DispatchEngineer | None = None,
        **params: Any,
    ) -> None:
        """Record a broken rule about ``subject`` at the plan's field ``where``, the engineer
        ``e`` named. A datetime ``<x>`` of ``params`` also gets its local ``<x>_at``, a pair
        ``<x>start``, ``<x>end`` its ``<x>span``."""
        for k, v in list(params.items()):
            if isinstance(v, datetime):
                params[f"{k}_at"] = self.words.moment(v)
                end = params.get(k.removesuffix("start") + "end")
                if k.endswith("start") and isinstance(end, datetime):
                    params[k.removesuffix("start") + "span"] = self.words.span(v, end)
        if e is not None:
            params.update(engineer=e.name, engineer_id=e.id)
        if subject in self.tickets:
            params.setdefault("ticket", self.words.ticket(subject))
        entry = VIOLATIONS[code]
        shown = value.isoformat() if isinstance(value, datetime) else str(value)
        message = violation_text(code, self.lang, params)
        self.found.append(
            Violation(entry.rule, subject, message, code, where, shown, self.lang, params)
        )

    def assignment_field(self, a: Assignment, name: str) -> str:
        return f"assignments[{self.at_index.get(a.ticket_id, 0)}].{name}"

    def at_stop(
        self, e: DispatchEngineer, k: int, stop: RouteStop, name: str
    ) -> tuple[str, str, object]:
        """The subject, the field's path and its value, for a rule about field ``name`` of stop
        ``k`` of the engineer's route."""
        return e.id, self.route_field(e.id, f".stops[{k}].{name}"), getattr(stop, name)

    def route_field(self, engineer_id: str, rest: str = "") -> str:
        j = self.route_index.get(engineer_id)
        return "routes" if j is None else f"routes[{j}]{rest}"

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
        listed = [(f"assignments[{i}]", a.ticket_id) for i, a in enumerate(self.plan.assignments)]
        listed += [(f"unassigned[{i}]", u.ticket_id) for i, u in enumerate(self.plan.unassigned)]
        for where, tid in listed:
            seen[tid] = seen.get(tid, 0) + 1
            if tid not in self.tickets:
                self.bad("ticket_unknown", tid, f"{where}.ticket_id", tid, ticket_id=tid)
        for tid in self.tickets:
            n = seen.get(tid, 0)
            if n != 1:
                code = "ticket_missing" if n == 0 else "ticket_repeated"
                self.bad(code, tid, "assignments", tid, count=n)
        for i, u in enumerate(self.plan.unassigned):
            if not u.reasons:
                self.bad("reason_missing", u.ticket_id, f"unassigned[{i}].reasons", "[]")

    # -- one assignment ------------------------------------------------------------------------

    def on(self, a: Assignment, name: str) -> tuple[str, str, object]:
        """The subject, the field's path and its value, for a rule about field ``name`` of
        assignment ``a``."""
        return a.ticket_id, self.assignment_field(a, name), getattr(a, name)

    def check_assignment(self, a: Assignment) -> None:
        t = self.tickets.get(a.ticket_id)
        e = self.engineers.get(a.engineer_id)
        if t is None:
            return
        if e is None:
            self.bad("engineer_unknown", *self.on(a, "engineer_id"), engineer_id=a.engineer_id)
            return
        if a.end - a.start != timedelta(minutes=t.duration_min):
            planned = a.end - a.start
            minutes = round(planned.total_seconds() / 60)
            self.bad("duration_wrong", *self.on(a, "end"), planned=planned, planned_min=minutes,
                     need_min=t.duration_min)  # fmt: skip
        missing = [s for s in t.required_skills if s not in set(e.skills)]
        if missing and not a.in_progress:
            names = ", ".join(f"«{n}»" for n in self.skills.names(missing, Lang.ru.value))
            word = "навыком" if len(missing) == 1 else "навыками"
            self.bad("skill_missing", *self.on(a, "engineer_id"), e, skills=names, skill_word=word,
                     missing=sorted(str(s) for s in missing))  # fmt: skip
        pin = t.pinned
        if pin is not None and a.engineer_id != pin.engineer_id:
            self.bad("pin_engineer", *self.on(a, "engineer_id"), e, pinned_id=pin.engineer_id,
                     pinned=self.words.who(pin.engineer_id))  # fmt: skip
        if pin is not None and pin.start is not None and abs(a.start - pin.start) > MINUTE:
            self.bad("pin_start", *self.on(a, "start"), start=a.start, pinned_start=pin.start)
        self.check_deadline_fields(a, t)
        if a.in_progress:
            self.check_in_progress(a, t)
            return
        self.check_timing(a, t, e)
        if t.mode == TicketMode.onsite:
            self.check_visit_capability(a, e)
        elif a.travel_min or a.travel_km:
            self.bad("remote_with_drive", *self.on(a, "travel_min"))

    def check_deadline_fields(self, a: Assignment, t: Ticket) -> None:
        """The deadline is the SLA's; on_time and slack follow from the start."""
        deadline = ticket_deadline(t, self.sites, self.policies)
        if abs(a.deadline - deadline) > EPS:
            self.bad("deadline_wrong", *self.on(a, "deadline"), deadline=a.deadline,
                     expected=deadline)  # fmt: skip
        if a.on_time != (a.start <= deadline):
            self.bad("on_time_wrong", *self.on(a, "on_time"), on_time=a.on_time, start=a.start,
                     deadline=deadline)  # fmt: skip
        slack = (deadline - a.start).total_seconds() / 60
        if abs(a.slack_min - slack) >= 1:
            self.bad("slack_wrong", *self.on(a, "slack_min"), slack=a.slack_min,
                     expected=f"{slack:.0f}")  # fmt: skip

    def check_in_progress(self, a: Assignment, t: Ticket) -> None:
        """Work under way started before now (or its drive did), as pinned or as in the
        previous plan."""
        prev_plan = self.req.previous_plan
        en_route = prev_plan is not None and t.id in driving_to(prev_plan, self.req.now)
        if a.start >= self.req.now + MINUTE and not en_route:
            self.bad("in_progress_later", *self.on(a, "start"), start=a.start, now=self.req.now)
        pinned = t.pinned is not None and t.pinned.start is not None
        prev = prev_plan.assignment(t.id) if prev_plan is not None else None
        same_prev = (
            prev is not None
            and prev.engineer_id == a.engineer_id
            and (abs(prev.start - a.start) <= MINUTE)
        )
        if not pinned and not same_prev:
            self.bad("in_progress_unknown", *self.on(a, "in_progress"))

    def check_timing(self, a: Assignment, t: Ticket, e: DispatchEngineer) -> None:
        """After now and busy_until, after creation and earliest start, inside the appointment
        window, the availability and the horizon, not during an absence."""
        now, start = self.req.now, self.on(a, "start")
        if a.start < now:
            self.bad("start_before_now", *start, start=a.start, now=now)
        if a.start < t.created_at:
            self.bad("start_before_created", *start, start=a.start, created_at=t.created_at)
        if t.earliest_start is not None and a.start < t.earliest_start:
            self.bad("start_before_earliest", *start, start=a.start, earliest=t.earliest_start)
        w = t.window
        if w is not None and (a.start < w.start or a.end > w.end):
            self.bad("outside_window", *start, start=a.start, end=a.end, window_start=w.start,
                     window_end=w.end)  # fmt: skip
        if self.horizon_end is not None and a.end > self.horizon_end:
            self.bad("after_horizon", *self.on(a, "end"), end=a.end, horizon=self.horizon_end)
        self.check_available(e, a.start, a.end, t.id, start[1])
        self.check_away(e, a.start, a.end, t.id, self.assignment_field(a, "engineer_id"))

    def check_available(
        self,
        e: DispatchEngineer,
        start: datetime,
        end: datetime,
        subject: str,
        where: str,
        drive: bool = False,
    ) -> None:
        """[start, end) lies in one availability window and after busy_until."""
        if end <= start:
            return
        windows = merge(self.windows(e))
        if not any(a <= start and end <= b for a, b in windows):
            code, shift = "drive_off_shift", dict[str, Any]()
            if not drive:
                code, shift = self.outside_shift(windows, start, end)
            self.bad(code, subject, where, start, e, start=start, end=end, **shift)
        if e.busy_until is not None and start < e.busy_until:
            self.bad("engineer_busy", subject, where, start, e, busy_until=e.busy_until)

    def outside_shift(
        self, windows: list[tuple[datetime, datetime]], start: datetime, end: datetime
    ) -> tuple[str, dict[str, Any]]:
        """How work at [start, end) misses the shifts: it ends after the shift it starts in, it
        starts before a shift of the same day, or it lies where nobody works."""
        for a, b in windows:
            if a <= start < b:
                return "after_shift", {"shift_end": b}
        day = start.astimezone(TZ).date()
        later = [a for a, _ in windows if a > start and a.astimezone(TZ).date() == day]
        if later:
            return "before_shift", {"shift_start": min(later)}
        return "off_shift", {}

    def check_away(
        self, e: DispatchEngineer, start: datetime, end: datetime, subject: str, where: str
    ) -> None:
        """[start, end) lies outside the engineer's absences (a car out of service aside)."""
        for ab in self.req.absences:
            if ab.engineer_id != e.id or ab.kind == AbsenceKind.car_unavailable:
                continue
            if ab.start < end and start < ab.end:
                self.bad(
                    "engineer_away",
                    subject,
                    where,
                    e.id,
                    e=e,
                    kind=ab.kind.value,
                    kind_ru=ABSENCE_WORDS[ab.kind],
                    when_ru="на этот день" if self.whole_day(ab, start) else "в это время",
                    period=self.words.period(ab.start, ab.end),
                    away_start=ab.start,
                    away_end=ab.end,
                )

    def whole_day(self, ab: Absence, at: datetime) -> bool:
        """The absence covers the whole local day of ``at``."""
        day = at.astimezone(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
        return ab.start <= day and day + timedelta(days=1) <= ab.end

    def check_visit_capability(self, a: Assignment, e: DispatchEngineer) -> None:
        """Only an engineer with a licence B and a car, the car not out of service, visits."""
        if not (e.licence_b and e.has_car):
            lacks = [w for w, has in (("нет прав категории B", e.licence_b),
                                      ("нет своей машины", e.has_car)) if not has]  # fmt: skip
            self.bad("no_licence_or_car", *self.on(a, "engineer_id"), e, lacks_ru=", ".join(lacks))
        start = a.start - timedelta(minutes=a.travel_min)
        for ab in self.req.absences:
            mine = ab.engineer_id == e.id and ab.kind == AbsenceKind.car_unavailable
            if mine and ab.start < a.end and start < ab.end:
                period = self.words.period(ab.start, ab.end)
                self.bad("car_unavailable", *self.on(a, "engineer_id"), e, period=period,
                         away_start=ab.start, away_end=ab.end)  # fmt: skip

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
                self.bad(
                    "route_missing",
                    e.id,
                    self.route_field(e.id),
                    "",
                    visits=sorted(visits),
                    visits_ru=", ".join(sorted(visits)),
                    e=e,
                )
            return
        first, last = stops[0], stops[-1]
        starts = {e.start_location.key}
        for a in self.plan.assignments:
            t = self.tickets.get(a.ticket_id)
            if a.engineer_id == e.id and a.in_progress and t is not None:
                starts.add(visit_location(t, self.sites).key)
        if first.kind != StopKind.start or first.location.key not in starts:
            where = self.route_field(e.id, ".stops[0].location")
            self.bad("route_start", e.id, where, first.location.key, e=e)
        if last.kind != StopKind.end or last.location.key != e.base.key:
            where = self.route_field(e.id, f".stops[{len(stops) - 1}].location")
            self.bad("route_end", e.id, where, last.location.key, e=e)
        in_route = [s.ticket_id for s in stops[1:-1]]
        if any(s.kind != StopKind.visit for s in stops[1:-1]) or sorted(
            x or "" for x in in_route
        ) != sorted(visits):
            where = self.route_field(e.id, ".stops")
            self.bad(
                "route_stops", e.id, where, in_route, stops=in_route, visits=sorted(visits), e=e
            )
        for k, (prev, nxt) in enumerate(zip(stops, stops[1:], strict=False)):
            self.check_leg(e, visits, k, prev, nxt)

    def check_leg(
        self,
        e: DispatchEngineer,
        visits: dict[str, Assignment],
        k: int,
        prev: RouteStop,
        nxt: RouteStop,
    ) -> None:
        """One drive of a route, from stop ``k`` to the next: long enough, inside the hours,
        after now, and agreeing with the visit it leads to."""
        leg = self.travel.leg(prev.location, nxt.location, prev.depart)
        if nxt.arrive - prev.depart < timedelta(minutes=leg.minutes) - EPS:
            self.bad("drive_too_short", *self.at_stop(e, k + 1, nxt, "arrive"), e,
                     from_key=prev.location.key, to_key=nxt.location.key, depart=prev.depart,
                     from_ru=self.words.place(prev), to_ru=self.words.place(nxt),
                     arrive=nxt.arrive, minutes=f"{leg.minutes:.1f}",
                     minutes_ru=f"{leg.minutes:.1f}".replace(".", ","))  # fmt: skip
        if prev.depart < prev.arrive:
            self.bad("depart_before_arrive", *self.at_stop(e, k, prev, "depart"), e,
                     place_key=prev.location.key, place_ru=self.words.place(prev))  # fmt: skip
        if nxt.kind == StopKind.visit and nxt.ticket_id in visits:
            a = visits[nxt.ticket_id]
            if nxt.arrive > a.start or nxt.depart < a.end:
                where = self.route_field(e.id, f".stops[{k + 1}].arrive")
                self.bad("visit_outside_stop", a.ticket_id, where, nxt.arrive)
            if abs(a.travel_min - nxt.travel_min) > 0 or abs(a.travel_km - nxt.travel_km) > 0.01:
                where = self.assignment_field(a, "travel_min")
                self.bad("leg_differs", a.ticket_id, where, a.travel_min)
        depart_field = self.route_field(e.id, f".stops[{k}].depart")
        if prev.depart < self.req.now - EPS and nxt.arrive > prev.depart:
            self.bad("drive_before_now", e.id, depart_field, prev.depart, depart=prev.depart, e=e)
        drive_end = prev.depart + timedelta(minutes=leg.minutes)
        self.check_available(e, prev.depart, drive_end, e.id, depart_field, drive=True)
        self.check_away(e, prev.depart, drive_end, e.id, depart_field)
        if nxt.kind == StopKind.end and prev.kind == StopKind.visit:
            last_visit = visits.get(prev.ticket_id or "")
            if last_visit is not None:
                self.check_back_with_last_visit(e, last_visit, prev.depart, drive_end, depart_field)

    def check_back_with_last_visit(
        self, e: DispatchEngineer, last: Assignment, depart: datetime, back: datetime, where: str
    ) -> None:
        """The way back is driven in the same stretch of hours as the last visit: nobody stays
        at a client's site overnight (or over the gap of a split shift) to drive back later."""
        if back <= depart:
            return
        if not any(
            a <= last.start and a <= depart and back <= b for a, b in merge(self.windows(e))
        ):
            self.bad(
                "back_after_last_visit",
                e.id,
                where,
                depart,
                e=e,
                depart=depart,
                back=back,
                drive_span=self.words.span(depart, back),
                ticket_id=last.ticket_id,
                ticket=self.words.ticket(last.ticket_id),
                start=last.start,
                end=last.end,
            )

    # -- one thing at a time -------------------------------------------------------------------

    def check_timetable(self, e: DispatchEngineer, route: Route | None) -> None:
        """Work, drives and breaks of one engineer never overlap (no remote work while driving)."""
        # (start, end, English label, Russian label, the plan's field)
        spans: list[tuple[datetime, datetime, str, str, str]] = []
        for a in self.plan.assignments:
            if a.engineer_id == e.id:
                where = self.assignment_field(a, "start")
                words = self.words.ticket(a.ticket_id)
                spans.append((a.start, a.end, f"ticket {a.ticket_id}", words, where))
        if route is not None:
            for k, (prev, nxt) in enumerate(zip(route.stops, route.stops[1:], strict=False)):
                leg = self.travel.leg(prev.location, nxt.location, prev.depart)
                end = prev.depart + timedelta(minutes=leg.minutes)
                where = self.route_field(e.id, f".stops[{k}].depart")
                ru = f"дорога → {self.words.place(nxt)}"
                spans.append((prev.depart, end, f"drive to {nxt.location.key}", ru, where))
            for k, b in enumerate(route.breaks):
                where = self.route_field(e.id, f".breaks[{k}].start")
                spans.append((b.start, b.end, "break", "обед", where))
        spans = sorted((s for s in spans if s[1] - s[0] > EPS), key=lambda s: (s[0], s[1], s[2]))
        for (a0, a1, an, an_ru, _), (b0, _, bn, bn_ru, where) in zip(
            spans, spans[1:], strict=False
        ):
            if b0 < a1 - EPS:
                self.bad(
                    "overlap",
                    e.id,
                    where,
                    b0,
                    e=e,
                    first=an,
                    first_ru=an_ru,
                    first_start=a0,
                    first_end=a1,
                    second=bn,
                    second_ru=bn_ru,
                    second_start=b0,
                )

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
                    "break_missing",
                    e.id,
                    self.route_field(e.id, ".breaks"),
                    len(taken),
                    e=e,
                    index=k,
                    duration_min=br.duration_min,
                    earliest=br.earliest_start,
                    latest=br.latest_end,
                )

    def check_kpis(self) -> None:
        """The KPI counts agree with the lists."""
        k = self.plan.kpis
        if k.assigned != len(self.plan.assignments) or k.unassigned != len(self.plan.unassigned):
            self.bad("kpi_counts", "plan", "kpis.assigned", k.assigned)
        late = sum(1 for a in self.plan.assignments if not a.on_time)
        if k.breaches != late:
            self.bad(
                "kpi_breaches", "plan", "kpis.breaches", k.breaches, breaches=k.breaches, late=late
            )
