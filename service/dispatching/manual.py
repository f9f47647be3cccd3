"""Manual assignment and pins, each checked by :func:`optimizer.dispatch.validate_plan`
against the engineer's stored day before anything is stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from optimizer.calendar import TZ, to_local
from optimizer.dispatch import (
    Assignment,
    DispatchPlan,
    DispatchRequest,
    Lang,
    Route,
    RouteStop,
    SolverInfo,
    StopKind,
    Violation,
    validate_plan,
)
from optimizer.domain import Id, Site, SlaPolicy, StrictModel, TicketMode
from optimizer.domain.common import Flag, Moment
from optimizer.travel import make_travel_model
from service.dispatching.commitments import (
    check_no_double_booking,
    close,
    current_of,
    latest_drive,
    set_ticket_assignment,
)
from service.dispatching.common import Actor, engineer_row, now_local, ticket_row
from service.dispatching.history import record
from service.models import AcceptedAssignmentRow, SiteRow, SlaPolicyRow, TicketRow, utcnow
from service.planning import (
    PLANNABLE,
    StoredDispatchRequest,
    build_dispatch_payload,
    current_commitments,
)
from service.problems import Unprocessable
from service.repo import to_model
from service.tickets import TicketStatus, as_ticket

# -- manual assignment, pins ------------------------------------------------------------------


class ManualAssignment(StrictModel):
    """Give a ticket to an engineer at a start time (checked before anything is stored)."""

    engineer_id: Id
    start: Moment
    pinned: Flag = False
    as_of: Moment | None = None


RULE_FIELD = {
    "skills": "engineer_id",
    "visit": "engineer_id",
    "absence": "engineer_id",
    "engineer": "engineer_id",
    "pin": "engineer_id",
}
"""Which field of a manual assignment a broken rule is about (the start for the others)."""

CHECKED_RULES = frozenset(
    {
        "skills",
        "visit",
        "absence",
        "engineer",
        "pin",
        "availability",
        "busy_until",
        "time",
        "earliest_start",
        "window",
        "horizon",
        "overlap",
        "travel",
        "route",
        "duration",
    }
)
"""The hard rules a manual assignment must keep (deadlines and lunch are the plan's concern)."""


class AssignmentPublic(BaseModel):
    """A commitment of an engineer to a ticket."""

    id: int
    job_id: str | None = None
    ticket_id: str | None = None
    engineer_id: str
    start: AwareDatetime
    end: AwareDatetime
    status: str
    source: str
    travel_min: float = 0
    travel_km: float = 0


def language(lang: Lang | str) -> Lang:
    """The language a caller asked for (``ru`` or ``en``); 422 naming ``lang`` otherwise."""
    try:
        return Lang(lang)
    except ValueError:
        raise Unprocessable("lang", lang, "expected ru or en") from None


def violation_entry(v: Violation, lang: Lang) -> dict[str, str]:
    """A broken rule as a refusal lists it: the group of rules and its precise code, whom it is
    about, the field of the checked day's plan at fault with its value, and the message in
    ``lang``."""
    return {
        "rule": v.rule,
        "code": v.code,
        "subject": v.subject,
        "field": v.field,
        "value": v.value,
        "message": v.text(lang),
    }


def manual_check(
    session: Session,
    ticket: TicketRow,
    engineer_id: str,
    start: datetime,
    as_of: datetime,
    lang: Lang | str = Lang.ru,
) -> tuple[list[dict[str, str]], float, float]:
    """The rules the engineer's day breaks with the ticket added at ``start`` (checked by
    :func:`validate_plan` on a request of that engineer's stored day, messages in ``lang``),
    and the drive to it."""
    words = language(lang)
    day_end = datetime.combine(to_local(start).date() + timedelta(days=1), datetime.min.time(), TZ)
    payload = _engineer_day(session, ticket, engineer_id, as_of, day_end)
    request = DispatchRequest.model_validate(payload)
    mine = [
        (t.id, c)
        for t in request.tickets
        if (c := current_of(session, t.id)) is not None and t.id != ticket.id
    ]
    assignments = [(tid, c.start, c.end) for tid, c in mine if c.start >= as_of]
    assignments.append((ticket.id, start, start + timedelta(minutes=ticket.duration_min)))
    deadlines = {
        r.id: r.sla_deadline
        for r in session.scalars(
            select(TicketRow).where(TicketRow.id.in_([t.id for t in request.tickets]))
        )
    }
    plan = _plan_of(request, assignments, deadlines)
    found = [
        v
        for v in validate_plan(request, plan, lang=words)
        if v.rule in CHECKED_RULES and (v.subject in (ticket.id, engineer_id))
    ]
    mine_a = plan.assignment(ticket.id)
    travel = (mine_a.travel_min, mine_a.travel_km) if mine_a is not None else (0.0, 0.0)
    return [violation_entry(v, words) for v in found], *travel


def _engineer_day(
    session: Session, ticket: TicketRow, engineer_id: str, as_of: datetime, day_end: datetime
) -> dict[str, Any]:
    """The request of one engineer's stored day with ``ticket`` among its tickets."""
    payload = build_dispatch_payload(
        session,
        StoredDispatchRequest(
            now=as_of,
            horizon_end=max(day_end, as_of + timedelta(hours=1)),
            engineer_ids=[engineer_id],
            statuses=list(PLANNABLE) + [TicketStatus.waiting_customer],
            options={"explain": False},
        ),
    )
    commitments = current_commitments(session)
    keep = []
    for t in payload["tickets"]:
        c = commitments.get(t["id"])
        if t["id"] == ticket.id or (c is not None and c.engineer_id == engineer_id):
            t.pop("pinned", None) if t["id"] == ticket.id else None
            keep.append(t)
    if not any(t["id"] == ticket.id for t in keep):
        keep.append(ticket_payload(ticket))
    payload["tickets"] = keep
    payload.pop("previous_plan", None)
    sites = {t.get("site_id") for t in keep}
    payload["sites"] = [s for s in payload["sites"] if s["id"] in sites]
    if ticket.site_id is not None and not any(s["id"] == ticket.site_id for s in payload["sites"]):
        payload = _with_site(session, payload, ticket.site_id)
    for e in payload["engineers"]:
        e["breaks"] = []  # lunch is placed by plans, not checked on a manual move
    return payload


def ticket_payload(ticket: TicketRow) -> dict[str, Any]:
    d: dict[str, Any] = as_ticket(ticket).model_dump(mode="json", exclude_none=True)
    d.pop("pinned", None)
    return d


def _with_site(session: Session, payload: dict[str, Any], site_id: str) -> dict[str, Any]:

    site = session.get(SiteRow, site_id)
    if site is None:
        return payload
    payload["sites"].append(to_model(site, Site).model_dump(mode="json"))
    if not any(p["id"] == site.sla_policy for p in payload["sla_policies"]):
        policy = session.get(SlaPolicyRow, site.sla_policy)
        if policy is not None:
            payload["sla_policies"].append(to_model(policy, SlaPolicy).model_dump(mode="json"))
    return payload


def _plan_of(
    request: DispatchRequest,
    items: list[tuple[str, datetime, datetime]],
    deadlines: dict[str, datetime],
) -> DispatchPlan:
    """A plan of one engineer's commitments, with the drives between their visits."""
    engineer = request.engineers[0]
    tickets = {t.id: t for t in request.tickets}
    sites = {s.id: s for s in request.sites}
    travel = make_travel_model(request.travel)
    assignments: list[Assignment] = []
    stops: list[RouteStop] = []
    here = engineer.start_location
    prev_depart = (
        request.now if engineer.busy_until is None else max(request.now, engineer.busy_until)
    )
    ordered = sorted(items, key=lambda x: x[1])
    for tid, start, end in ordered:
        t = tickets[tid]
        travel_min, travel_km = 0.0, 0.0
        if t.mode == TicketMode.onsite:
            where = t.location or sites[t.site_id or ""].location
            leg = travel.leg(here, where, start)
            # the drive goes in the latest gap of the other work after the previous visit
            busy = [(a, b) for other, a, b in ordered if other != tid]
            after = stops[-1].depart if len(stops) > 1 else None
            depart = latest_drive(busy, after, start, leg.minutes) or (
                start - timedelta(minutes=leg.minutes)
            )
            if not stops:
                stops.append(
                    RouteStop(
                        kind=StopKind.start,
                        location=here,
                        arrive=min(depart, prev_depart),
                        depart=depart,
                    )
                )
            else:
                stops[-1].depart = max(stops[-1].depart, depart)
            travel_min, travel_km = round(leg.minutes, 3), round(leg.km, 3)
            stops.append(
                RouteStop(
                    kind=StopKind.visit,
                    ticket_id=tid,
                    location=where,
                    arrive=start,
                    depart=end,
                    travel_min=travel_min,
                    travel_km=travel_km,
                )
            )
            here = where
        deadline = deadlines[tid]
        assignments.append(
            Assignment(
                ticket_id=tid,
                engineer_id=engineer.id,
                start=start,
                end=end,
                travel_min=travel_min,
                travel_km=travel_km,
                deadline=deadline,
                on_time=start <= deadline,
                slack_min=int((deadline - start).total_seconds() // 60),
                mode=t.mode,
                priority=t.priority,
            )
        )
    routes = []
    if stops:
        last = stops[-1]
        leg = travel.leg(here, engineer.base, last.depart)
        back = last.depart + timedelta(minutes=leg.minutes)
        stops.append(
            RouteStop(
                kind=StopKind.end,
                location=engineer.base,
                arrive=back,
                depart=back,
                travel_min=round(leg.minutes, 3),
                travel_km=round(leg.km, 3),
            )
        )
        routes.append(Route(engineer_id=engineer.id, stops=stops))
    return DispatchPlan(
        now=request.now,
        horizon_end=request.horizon_end or request.now + timedelta(hours=24),
        assignments=assignments,
        routes=routes,
        solver=SolverInfo(policy="greedy", status="MANUAL"),
    )


def assign_manually(
    session: Session,
    ticket_id: str,
    body: ManualAssignment,
    actor: Actor,
    lang: Lang | str = Lang.ru,
) -> AcceptedAssignmentRow:
    """Give the ticket to the engineer at ``body.start`` after checking the engineer's day
    with it (422 naming ``engineer_id`` or ``start`` with the broken rules explained in
    ``lang``; nothing stored). The earlier commitment is superseded; the caller commits."""
    words = language(lang)
    ticket = ticket_row(session, ticket_id)
    status = TicketStatus(ticket.status)
    if status not in PLANNABLE and status != TicketStatus.waiting_customer:
        raise Unprocessable(
            "ticket_id", ticket_id, f"ticket {ticket_id} is {status.value}; it cannot be reassigned"
        )
    engineer_row(session, body.engineer_id)
    as_of = body.as_of or now_local()
    found, travel_min, travel_km = manual_check(
        session, ticket, body.engineer_id, body.start, as_of, words
    )
    if found:
        first = found[0]
        field = RULE_FIELD.get(first["rule"], "start")
        value = body.engineer_id if field == "engineer_id" else body.start.isoformat()
        err = Unprocessable(field, value, first["message"])
        err.extensions["violations"] = found
        raise err
    at = utcnow()
    current = current_of(session, ticket_id)
    if current is not None:
        close(current, "superseded", at)
        record(session, ticket, "superseded", actor, at, engineer_id=current.engineer_id)
        session.flush()
    row = AcceptedAssignmentRow(
        job_id=None,
        kind="dispatch",
        engineer_id=body.engineer_id,
        ticket_id=ticket_id,
        start=body.start,
        end=body.start + timedelta(minutes=ticket.duration_min),
        travel_min=travel_min,
        travel_km=travel_km,
        status="current",
        source="manual",
        created_by=actor.key_id,
    )
    session.add(row)
    set_ticket_assignment(ticket, row)
    before = ticket.status
    ticket.status = TicketStatus.assigned.value
    ticket.pinned = (
        {"engineer_id": body.engineer_id, "start": body.start.isoformat()} if body.pinned else None
    )
    record(
        session,
        ticket,
        "manual_assign",
        actor,
        at,
        from_status=before,
        to_status=ticket.status,
        engineer_id=body.engineer_id,
        note="pinned" if body.pinned else "",
    )
    check_no_double_booking(session, {body.engineer_id})
    return row


def pin(session: Session, ticket_id: str, actor: Actor, pinned: bool = True) -> TicketRow:
    """Pin the ticket to its current engineer and start (plans keep it), or remove the pin."""
    ticket = ticket_row(session, ticket_id)
    if not pinned:
        if ticket.pinned is not None:
            ticket.pinned = None
            record(session, ticket, "unpin", actor, engineer_id=ticket.engineer_id)
        session.flush()
        return ticket
    current = current_of(session, ticket_id)
    if current is None:
        raise Unprocessable(
            "ticket_id", ticket_id, f"ticket {ticket_id} has no engineer to be pinned to"
        )
    ticket.pinned = {"engineer_id": current.engineer_id, "start": current.start.isoformat()}
    record(session, ticket, "pin", actor, engineer_id=current.engineer_id)
    session.flush()
    return ticket
