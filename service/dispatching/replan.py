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


def minimal_change_payload(payload: dict[str, Any], free: set[str]) -> dict[str, Any]:
    """The request with every accepted assignment not in ``free`` pinned to its engineer and
    start; free ones stay free, with the accepted plan as the previous plan (a change costs).
    Work whose promised start (or, for a visit, whose drive) is already past keeps only its
    engineer: it has not been reported started, so it starts as soon as they can."""
    out = copy.deepcopy(payload)
    now = datetime.fromisoformat(out["now"])
    accepted = _accepted(out)
    for t in out["tickets"]:
        a = accepted.get(t["id"])
        if a is None or t["id"] in free or t.get("pinned") is not None:
            continue
        drive = timedelta(minutes=a.get("travel_min") or 0)
        if datetime.fromisoformat(a["start"]) - drive <= now + timedelta(minutes=1):
            # the drive (or the work) should have begun already: it starts as soon as its
            # engineer can
            t["pinned"] = {"engineer_id": a["engineer_id"]}
            continue
        t["pinned"] = {"engineer_id": a["engineer_id"], "start": a["start"]}
    return out


def _accepted(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The accepted assignments (the previous plan) by ticket id."""
    prev = payload.get("previous_plan") or {}
    return {a["ticket_id"]: a for a in prev.get("assignments") or []}


class Slot(NamedTuple):
    """Where the greedy policy puts a ticket: engineer, start, deadline, on time."""

    engineer_id: str
    start: datetime
    deadline: datetime
    on_time: bool


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
    return None if a is None else Slot(a.engineer_id, a.start, a.deadline, a.on_time)


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
    longer fits where it was promised (a lunch moved, a drive) is freed too; None when an
    urgent ticket's slot or a dispatcher's own pin does not hold."""
    payload = _unpin(pinned, free)
    for tid, slot in placed.items():
        payload = _pin(payload, tid, slot)
    payload["options"] = _options(pinned, GREEDY_OPTIONS)
    plan = _solve(payload)
    lost = _lost(plan, payload)
    if lost & ours:
        payload = _unpin(payload, lost & ours)
        plan = _solve(payload)
    if _lost(plan, payload) & (ours | set(placed)):
        return None
    return payload, plan


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
    """The engineer's pinned accepted work that overlaps [lo, hi]."""
    out = set()
    accepted = _accepted(pinned)
    for t in pinned["tickets"]:
        pin = t.get("pinned") or {}
        a = accepted.get(t["id"])
        if a is None or pin.get("engineer_id") != engineer_id or pin.get("start") is None:
            continue
        if datetime.fromisoformat(a["start"]) < hi and datetime.fromisoformat(a["end"]) > lo:
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
    pinned: dict[str, Any], tid: str, first: Slot | None, ours: set[str]
) -> tuple[dict[str, Any], DispatchPlan] | None:
    """The ``in-the-way`` pass for one urgent ticket: free the accepted work that blocks it
    on one engineer — the suitable engineer free by the deadline with the fewest assignments in
    the way who can then start it on time; else the one who can start it soonest. None when no
    such plan was found."""
    now = datetime.fromisoformat(pinned["now"])
    deadline = first.deadline if first is not None else now + timedelta(minutes=30)
    lo, hi = _window(pinned, tid, deadline)
    blocking = {e: in_the_way(pinned, e, lo, hi) for e in suitable(pinned, tid, lo, hi)}
    ranked = sorted(
        (len(b), _minutes(pinned, b), e)
        for e, b in blocking.items()
        if _free_by(pinned, e) <= deadline
    )
    tried = set()
    for _, _, engineer in ranked[:ENGINEERS_TRIED]:
        tried.add(engineer)
        slot = insert_alone(pinned, tid, blocking[engineer], engineer)
        if slot is not None and slot.on_time:
            done = _finish(pinned, {tid: slot}, blocking[engineer], ours)
            if done is not None:
                return done
    everyone = set().union(*blocking.values()) if blocking else set()
    soonest = insert_alone(pinned, tid, everyone)
    if soonest is None or (soonest.engineer_id in tried and soonest.on_time):
        return None
    free = blocking.get(soonest.engineer_id, set())
    slot = insert_alone(pinned, tid, free, soonest.engineer_id)
    if slot is None:
        return None
    if not slot.on_time and first is not None and first.start <= slot.start:
        slot, free = first, set()  # nobody can be on time: disturb nobody for nothing
    return _finish(pinned, {tid: slot}, free, ours)


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
        plain = {**pinned, "options": _options(pinned, GREEDY_OPTIONS)}
        return Proposed(plain, _solve(plain), passes)
    if len(urgent) == 1:
        passes.append("in-the-way")
        done = _make_room(pinned, next(iter(urgent)), first, ours)
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
