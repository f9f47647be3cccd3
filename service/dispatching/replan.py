"""Re-planning after an event: a proposal that disturbs as little as possible, fast.

A dispatcher who hears "telephony is down at a customer" wants the answer while still on the
phone, and wants the engineers' promised times to hold. So the proposal never re-plans the day
as a whole; it works on the request made from the store (:func:`service.planning.
build_dispatch_payload`) in passes, and stops at the first that has the event's urgent tickets
on time:

1. ``greedy``: every accepted assignment the event does not touch is pinned to its engineer
   and start; each urgent ticket is inserted first (the public greedy policy on the pinned work
   and the urgent ticket alone, so no queued ticket with an older deadline takes its place);
   then the whole request is planned by the greedy policy with the urgent ticket pinned where
   it went. Work the event touched (a sick engineer's) and the queue fill the gaps.
2. ``in-the-way``: when no engineer has room before the urgent ticket's deadline, the accepted
   work that blocks it is freed on one engineer only — a suitable engineer (skills, visit, on
   shift, free of work under way by the deadline) with the fewest accepted assignments between
   now and the deadline plus the work, who can then start it on time — and the whole request is
   planned greedily with the urgent ticket pinned there. The freed work goes back to its
   promised time where it still fits (the greedy policy also completes the accepted plan), else
   as soon as possible. When nobody can start it in time, it gets the soonest start found,
   freeing one engineer's work only when that starts it sooner.
3. ``cp-sat``: when that fails too (a pin that cannot be kept, several urgent tickets), a short
   deterministic CP-SAT solve with the work in the next two hours of every suitable engineer
   free, hinted by the accepted plan (the engine hints with the previous plan completed
   greedily) and with its change cost, the rest pinned.

A ticket nobody can do at all stays out (its explanation says why) and nothing moves for it.

Every accepted assignment outside the freed set stays pinned, so the engine's order of terms
(travel before changes against the previous plan) cannot move it. Proposals search no fixes
(explanations carry reasons only); the explanation endpoint searches and verifies a fix on
demand. Nothing here touches the database: a request in, a plan out.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from optimizer.dispatch import DispatchPlan, DispatchRequest, SearchParams, solve
from optimizer.dispatch.problem import minute_origin
from optimizer.domain import Location, Site, Ticket, TicketMode
from optimizer.domain.dispatch import DispatchEngineer, visit_location
from optimizer.travel import TravelModel, make_travel_model

GREEDY_OPTIONS: dict[str, Any] = {"policy": "greedy", "explain": True, "explain_time_s": 0.0}
"""The greedy passes: no fix search (explanations with reasons only)."""

CPSAT_OPTIONS: dict[str, Any] = {
    "policy": "optimal",
    "time_limit_s": 1.0,
    "deterministic": True,
    "num_workers": 1,
    "explain": True,
    "explain_time_s": 0.0,
}
"""The last pass: a short deterministic CP-SAT solve (the same request gives the same plan)."""

CPSAT_PARAMS = SearchParams(relaxation=False)
"""The last pass wants a plan, not a proof: no lower bound from the relaxation."""

PASSED_THROUGH = ("time_limit_s", "seed", "num_workers", "work_per_second", "lang", "weights")
"""Options of the event's request that the proposal honours (the policy is the proposal's)."""

MAX_TIME_LIMIT_S = 10.0
"""A proposal is answered in the request: the CP-SAT pass never runs longer than this."""

ENGINEERS_TRIED = 4
"""How many engineers the ``in-the-way`` pass tries, fewest blocked assignments first."""

DRIVE_MARGIN = timedelta(minutes=1)
"""A visit moved to another time gets this much more than the travel model's drive: the
engines reserve legs rounded up to whole minutes."""

VISIT_MARGIN = timedelta(minutes=60)
"""Around a visit, accepted work this close also blocks it (the drives before and after)."""


class Proposed(NamedTuple):
    """A proposal: the request it was planned from, the plan, the passes that ran."""

    payload: dict[str, Any]
    plan: DispatchPlan
    passes: list[str]


def _options(payload: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """The pass's options with the event's own options (budget, seed, language) passed on."""
    given = payload.get("options") or {}
    out = {**defaults, **{k: given[k] for k in PASSED_THROUGH if k in given}}
    if "time_limit_s" in out:
        out["time_limit_s"] = min(float(out["time_limit_s"]), MAX_TIME_LIMIT_S)
    return out


def _solve(payload: dict[str, Any]) -> DispatchPlan:
    return solve(DispatchRequest.model_validate(payload))


def minimal_change_payload(
    payload: dict[str, Any], free: set[str], fixed: dict[str, Slot] | None = None
) -> dict[str, Any]:
    """The request with every accepted assignment not in ``free`` pinned to its engineer and a
    start; free ones stay free, with the accepted plan as the previous plan (a change costs).

    Each engineer keeps the promised order of their work. A promised start stays where it
    still can; work whose start (or, for a visit, whose drive) is already past — nobody
    reported it started — starts at the plan's first minute, and work it pushes moves on by
    just as much. ``fixed`` slots (an urgent ticket placed by the proposal) push the
    engineer's accepted work the same way; a dispatcher's own pins are kept and pushed
    around."""
    out = copy.deepcopy(payload)
    req = DispatchRequest.model_validate(out)
    travel = make_travel_model(req.travel)
    sites = {x.id: x for x in req.sites}
    tickets = {t.id: t for t in req.tickets}
    engineers = {e.id: e for e in req.engineers}
    origin = minute_origin(req.now)
    accepted = _accepted(out)
    fixed = fixed or {}
    walls: dict[str, list[tuple[datetime, datetime]]] = {}
    for tid, slot in fixed.items():
        dur = timedelta(minutes=tickets[tid].duration_min)
        walls.setdefault(slot.engineer_id, []).append(
            (slot.start - timedelta(minutes=slot.travel_min), slot.start + dur)
        )
    for t in req.tickets:
        pin = t.pinned
        if pin is not None and pin.start is not None and t.id not in fixed:
            lead = timedelta(minutes=(accepted.get(t.id) or {}).get("travel_min") or 0)
            dur = timedelta(minutes=t.duration_min)
            walls.setdefault(pin.engineer_id, []).append((pin.start - lead, pin.start + dur))
    work: dict[str, list[str]] = {}
    for t in out["tickets"]:
        a = accepted.get(t["id"])
        pin = t.get("pinned")
        if a is None or t["id"] in free or t["id"] in fixed:
            continue
        if pin is not None and (pin.get("start") or pin["engineer_id"] != a["engineer_id"]):
            continue  # a dispatcher's pin to a time (a wall above), or to someone else
        if a["engineer_id"] in engineers:
            work.setdefault(a["engineer_id"], []).append(t["id"])
    starts: dict[str, datetime] = {}
    for eid, ids in work.items():
        chain = Chain(engineers[eid], origin, walls.get(eid, []), travel, sites)
        for tid in sorted(ids, key=lambda i: (datetime.fromisoformat(accepted[i]["start"]), i)):
            starts[tid] = chain.place(tickets[tid], accepted[tid])
    for t in out["tickets"]:
        if t["id"] in starts:
            eid = accepted[t["id"]]["engineer_id"]
            t["pinned"] = {"engineer_id": eid, "start": starts[t["id"]].isoformat()}
    for tid, slot in fixed.items():
        out = _pin(out, tid, slot)
    return out


class Chain:
    """One engineer's accepted work placed again in its promised order: each piece at its
    promised start when it still can, else as soon as the work before it (or a wall: an urgent
    ticket, a dispatcher's pin) lets it, with the drive to it; the lunch stays in the gap where
    the accepted plan had it, so pushing work by minutes never leaves no room for it."""

    def __init__(
        self,
        e: DispatchEngineer,
        origin: datetime,
        walls: list[tuple[datetime, datetime]],
        travel: TravelModel,
        sites: dict[str, Site],
    ) -> None:
        self.cursor = max(origin, e.busy_until or origin)
        self.promised_end = self.cursor
        self.here = e.start_location
        self.walls = walls
        self.travel = travel
        self.sites = sites
        self.lunch = e.breaks[0] if e.breaks else None

    def _lunch_before(self, promised_lead: datetime) -> None:
        """Take the lunch now when the accepted plan had it in the gap before this work."""
        b = self.lunch
        if b is None:
            return
        need = timedelta(minutes=b.duration_min)
        gap_start = max(self.promised_end, b.earliest_start)
        if min(promised_lead, b.latest_end) - gap_start < need:
            return  # the accepted plan had it later
        self.cursor = max(self.cursor, b.earliest_start) + need
        self.lunch = None

    def _fit(
        self, promised: datetime, dur: timedelta, drive: timedelta, where: Location | None
    ) -> tuple[datetime, timedelta]:
        """The promised start, or the soonest after the cursor and clear of the walls; with
        the drive before it (longer when it leaves at another time of day)."""
        start = promised
        while True:
            if start - drive < self.cursor:
                if where is not None:
                    leg = self.travel.leg(self.here, where, self.cursor).minutes
                    drive = max(drive, timedelta(minutes=leg) + DRIVE_MARGIN)
                start = _minute_up(max(start, self.cursor + drive))
            wall = next(
                (w for w in self.walls if w[0] < start + dur and start - drive < w[1]), None
            )
            if wall is None:
                return start, drive
            self.cursor = max(self.cursor, wall[1])

    def place(self, t: Ticket, a: dict[str, Any]) -> datetime:
        """Where this piece of accepted work goes (the next in the promised order)."""
        promised = datetime.fromisoformat(a["start"])
        dur = timedelta(minutes=t.duration_min)
        drive = timedelta(minutes=a.get("travel_min") or 0)
        where = visit_location(t, self.sites) if t.mode == TicketMode.onsite else None
        self._lunch_before(promised - drive)
        start, lead = self._fit(promised, dur, drive, where)
        b = self.lunch
        if b is not None and start + dur + timedelta(minutes=b.duration_min) > b.latest_end:
            # no room for the lunch after this piece: it goes before, pushing the piece
            need = timedelta(minutes=b.duration_min)
            lunch_at = max(self.cursor, b.earliest_start)
            self.lunch = None
            if lunch_at + need > start - lead and lunch_at + need <= b.latest_end:
                self.cursor = lunch_at + need
                start, lead = self._fit(promised, dur, drive, where)
        self.cursor = start + dur
        self.promised_end = max(self.promised_end, promised + dur)
        self.here = where or self.here
        return start


def _minute_up(at: datetime) -> datetime:
    """The time rounded up to the whole minute (plans start work on whole minutes)."""
    if at.second or at.microsecond:
        return at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return at


def _accepted(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The accepted assignments (the previous plan) by ticket id."""
    prev = payload.get("previous_plan") or {}
    return {a["ticket_id"]: a for a in prev.get("assignments") or []}


class Slot(NamedTuple):
    """Where the greedy policy puts a ticket: engineer, start, deadline, on time, the drive."""

    engineer_id: str
    start: datetime
    deadline: datetime
    on_time: bool
    travel_min: float = 0.0


def insert_alone(
    pinned: dict[str, Any], tid: str, free: set[str], engineer_id: str | None = None
) -> Slot | None:
    """Where the greedy policy puts ticket ``tid`` among the pinned work alone (the queue and
    the work in ``free`` left out; with ``engineer_id``, on that engineer), or None."""
    out = copy.deepcopy(pinned)
    out.pop("previous_plan", None)
    keep = []
    for t in out["tickets"]:
        pin = t.get("pinned") or {}
        if t["id"] == tid:
            keep.append({**t, "pinned": {"engineer_id": engineer_id}} if engineer_id else t)
        elif pin.get("start") is not None and t["id"] not in free:
            keep.append(t)
    out["tickets"] = keep
    out["options"] = {**_options(pinned, GREEDY_OPTIONS), "explain": False}
    a = _solve(out).assignment(tid)
    if a is None:
        return None
    return Slot(a.engineer_id, a.start, a.deadline, a.on_time, a.travel_min)


def _pin(payload: dict[str, Any], tid: str, slot: Slot) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    for t in out["tickets"]:
        if t["id"] == tid:
            t["pinned"] = {"engineer_id": slot.engineer_id, "start": slot.start.isoformat()}
    return out


def _unpin(payload: dict[str, Any], free: set[str]) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    for t in out["tickets"]:
        if t["id"] in free:
            t.pop("pinned", None)
    return out


def _lost(plan: DispatchPlan, payload: dict[str, Any]) -> set[str]:
    """Tickets whose pin the plan does not keep (the greedy leaves a pin it cannot keep
    unassigned)."""
    out = set()
    for t in payload["tickets"]:
        pin = t.get("pinned")
        if pin is None:
            continue
        a = plan.assignment(t["id"])
        start = pin.get("start")
        if (
            a is None
            or a.engineer_id != pin["engineer_id"]
            or (start is not None and a.start != datetime.fromisoformat(start))
        ):
            out.add(t["id"])
    return out


def _finish(
    pinned: dict[str, Any], placed: dict[str, Slot], free: set[str], ours: set[str]
) -> tuple[dict[str, Any], DispatchPlan] | None:
    """The whole request planned greedily with the urgent tickets pinned to their slots and the
    accepted work in ``free`` unpinned. Accepted work pinned by the proposal (``ours``) that no
    longer fits where it was promised (a lunch moved, a longer drive) keeps only its engineer,
    and is freed only when that does not hold either; None when an urgent ticket's slot or a
    dispatcher's own pin does not hold."""
    payload = _unpin(pinned, free)
    for tid, slot in placed.items():
        payload = _pin(payload, tid, slot)
    payload["options"] = _options(pinned, GREEDY_OPTIONS)
    plan = _solve(payload)
    lost = _lost(plan, payload) & ours
    if lost:
        payload = _engineer_only(payload, lost)
        plan = _solve(payload)
        lost = _lost(plan, payload) & ours
    if lost:
        payload = _unpin(payload, lost)
        plan = _solve(payload)
    if _lost(plan, payload) & (ours | set(placed)):
        return None
    return payload, plan


def _engineer_only(payload: dict[str, Any], ids: set[str]) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    for t in out["tickets"]:
        if t["id"] in ids and t.get("pinned"):
            t["pinned"] = {"engineer_id": t["pinned"]["engineer_id"]}
    return out


def _on_time(plan: DispatchPlan, urgent: set[str]) -> int:
    return sum(1 for a in plan.assignments if a.ticket_id in urgent and a.on_time)


def _window(pinned: dict[str, Any], tid: str, deadline: datetime) -> tuple[datetime, datetime]:
    """From now to the urgent ticket's deadline plus its work (and the drives, for a visit)."""
    now = datetime.fromisoformat(pinned["now"])
    t = next(t for t in pinned["tickets"] if t["id"] == tid)
    end = deadline + timedelta(minutes=t["duration_min"])
    return now, end + (VISIT_MARGIN if t.get("mode") == "onsite" else timedelta(0))


def suitable(pinned: dict[str, Any], tid: str, lo: datetime, hi: datetime) -> list[str]:
    """Engineers who could do the ticket in [lo, hi]: its skills, a licence and a car for a
    visit, a shift in that span, no absence over all of it."""
    t = next(t for t in pinned["tickets"] if t["id"] == tid)
    need = set(t.get("required_skills") or [])
    visit = t.get("mode") == "onsite"
    out = []
    for e in pinned["engineers"]:
        if not need <= set(e.get("skills") or []):
            continue
        if visit and not (e.get("licence_b") and e.get("has_car")):
            continue
        windows = e.get("availability")
        if windows is not None and not any(
            datetime.fromisoformat(w["start"]) < hi and datetime.fromisoformat(w["end"]) > lo
            for w in windows
        ):
            continue
        if any(
            a["engineer_id"] == e["id"]
            and (visit or a["kind"] != "car_unavailable")
            and datetime.fromisoformat(a["start"]) <= lo
            and datetime.fromisoformat(a["end"]) >= hi
            for a in pinned.get("absences") or []
        ):
            continue
        out.append(e["id"])
    return out


def in_the_way(pinned: dict[str, Any], engineer_id: str, lo: datetime, hi: datetime) -> set[str]:
    """The engineer's accepted work, pinned where the proposal keeps it, that overlaps
    [lo, hi] (its drive included)."""
    out = set()
    accepted = _accepted(pinned)
    for t in pinned["tickets"]:
        pin = t.get("pinned") or {}
        a = accepted.get(t["id"])
        if a is None or pin.get("engineer_id") != engineer_id or pin.get("start") is None:
            continue
        start = datetime.fromisoformat(pin["start"])
        lead = timedelta(minutes=a.get("travel_min") or 0)
        if start - lead < hi and start + timedelta(minutes=t["duration_min"]) > lo:
            out.add(t["id"])
    return out


def _free_by(pinned: dict[str, Any], engineer_id: str) -> datetime:
    """When the engineer's work under way ends (now when none)."""
    e = next(e for e in pinned["engineers"] if e["id"] == engineer_id)
    now = datetime.fromisoformat(pinned["now"])
    busy = e.get("busy_until")
    return max(now, datetime.fromisoformat(busy)) if busy else now


def _minutes(pinned: dict[str, Any], ids: set[str]) -> float:
    accepted = _accepted(pinned)
    return sum(
        (
            datetime.fromisoformat(accepted[i]["end"])
            - datetime.fromisoformat(accepted[i]["start"])
        ).total_seconds()
        for i in ids
    )


def _make_room(
    payload: dict[str, Any],
    touched: set[str],
    pinned: dict[str, Any],
    tid: str,
    first: Slot | None,
    ours: set[str],
) -> tuple[dict[str, Any], DispatchPlan] | None:
    """The ``in-the-way`` pass for one urgent ticket: on one engineer — the suitable engineer
    free by the deadline with the fewest assignments in the way who can then start it on time;
    else the one who can start it soonest — the urgent ticket goes first and the accepted work
    in its way moves on, in its promised order, by as much as it must. None when no such plan
    was found."""
    now = datetime.fromisoformat(pinned["now"])
    deadline = first.deadline if first is not None else now + timedelta(minutes=30)
    lo, hi = _window(pinned, tid, deadline)
    blocking = {e: in_the_way(pinned, e, lo, hi) for e in suitable(pinned, tid, lo, hi)}
    ranked = sorted(
        (len(b), _minutes(pinned, b), e)
        for e, b in blocking.items()
        if _free_by(pinned, e) <= deadline
    )

    def push(slot: Slot) -> tuple[dict[str, Any], DispatchPlan] | None:
        moved = minimal_change_payload(payload, touched, {tid: slot})
        return _finish(moved, {tid: slot}, set(), ours)

    tried = set()
    for _, _, engineer in ranked[:ENGINEERS_TRIED]:
        tried.add(engineer)
        slot = insert_alone(pinned, tid, blocking[engineer], engineer)
        if slot is not None and slot.on_time:
            done = push(slot)
            if done is not None:
                return done
    everyone = set().union(*blocking.values()) if blocking else set()
    soonest = insert_alone(pinned, tid, everyone)
    if soonest is None or (soonest.engineer_id in tried and soonest.on_time):
        return None
    slot = insert_alone(pinned, tid, blocking.get(soonest.engineer_id, set()), soonest.engineer_id)
    if slot is None:
        return None
    if not slot.on_time and first is not None and first.start <= slot.start:
        return _finish(pinned, {tid: first}, set(), ours)  # nobody can be on time: disturb nobody
    return push(slot)


def propose_plan(payload: dict[str, Any], touched: set[str], urgent: set[str]) -> Proposed:
    """A re-plan after an event that disturbs as little as possible (see the module's passes).

    ``payload`` is the request made from the store (the accepted plan as its previous plan);
    ``touched`` the accepted work the event took away from its engineer (free to move);
    ``urgent`` the event's urgent tickets. Every urgent ticket on time ends the search; when
    nobody can start one on time, it gets the soonest start found; a ticket nobody can do at
    all stays out (explained) and nothing moves for it.
    """
    pinned = minimal_change_payload(payload, touched)
    ours = {t["id"] for t in payload["tickets"] if t.get("pinned") is None} & set(
        _accepted(payload)
    )
    passes = ["greedy"]
    placed: dict[str, Slot] = {}
    first: Slot | None = None
    for tid in sorted(urgent):
        first = insert_alone(_pinned_with(pinned, placed), tid, set())
        if first is None or not first.on_time:
            break
        placed[tid] = first
    if len(placed) == len(urgent):
        done = _finish(pinned, placed, set(), ours)
        if done is not None:
            return Proposed(done[0], done[1], passes)
    if not urgent or (first is None and len(urgent) == 1):
        # nothing urgent, or nobody can do the urgent ticket at all (it stays out, explained)
        done = _finish(pinned, {}, set(), ours)
        if done is not None:
            return Proposed(done[0], done[1], passes)
        plain = {**pinned, "options": _options(pinned, GREEDY_OPTIONS)}
        return Proposed(plain, _solve(plain), passes)
    if len(urgent) == 1:
        passes.append("in-the-way")
        done = _make_room(payload, touched, pinned, next(iter(urgent)), first, ours)
        if done is not None:
            return Proposed(done[0], done[1], passes)
    passes.append("cp-sat")
    lo = datetime.fromisoformat(pinned["now"])
    blocking: set[str] = set()
    for tid in urgent:
        hi = lo + timedelta(hours=2)
        for e in suitable(pinned, tid, lo, hi):
            blocking |= in_the_way(pinned, e, lo, hi)
    relaxed = minimal_change_payload(payload, touched | blocking)
    relaxed["options"] = _options(payload, CPSAT_OPTIONS)
    plan = solve(DispatchRequest.model_validate(relaxed), params=CPSAT_PARAMS)
    return Proposed(relaxed, plan, passes)


def _pinned_with(pinned: dict[str, Any], placed: dict[str, Slot]) -> dict[str, Any]:
    out = pinned
    for tid, slot in placed.items():
        out = _pin(out, tid, slot)
    return out
