"""Events of the day (a new urgent ticket, a sick engineer, an overrun, a car breakdown):
each is recorded, then answered with a proposal stored as a finished dispatch job.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy.orm import Session

from optimizer.calendar import TZ, to_local
from optimizer.domain import Id, Priority, StrictModel, Ticket, TicketMode
from optimizer.domain.common import Moment
from service.dispatching.basis import PlanFromStore, plan_payload, store_basis
from service.dispatching.commitments import close, current_of, set_ticket_assignment
from service.dispatching.common import Actor, engineer_row, now_local, ticket_row
from service.dispatching.history import record, record_created
from service.dispatching.proposals import Proposal, proposal
from service.dispatching.replan import propose_plan
from service.jobs.store import JobStatus, new_job_id
from service.models import AbsenceRow, JobRow, TicketRow, utcnow
from service.planning import current_commitments
from service.problems import Unprocessable
from service.tickets import UNDER_WAY, Lookup, TicketStatus, create_ticket


class UrgentTicketEvent(StrictModel):
    """A new ticket arrived (usually urgent: telephony down)."""

    ticket: Ticket
    as_of: Moment | None = Field(default=None, description="Default: the ticket's created_at")
    options: dict[str, Any] = Field(default_factory=dict)


class AbsenceEvent(StrictModel):
    """An engineer reports sick, or their car breaks down, at ``at`` (until ``until``,
    default the end of that day)."""

    engineer_id: Id
    at: Moment
    until: Moment | None = None
    note: str = Field(default="", max_length=2000)
    as_of: Moment | None = Field(default=None, description="Default: at")
    options: dict[str, Any] = Field(default_factory=dict)


class OverrunEvent(StrictModel):
    """Work under way will end later than committed."""

    ticket_id: Id
    new_end: Moment
    as_of: Moment | None = Field(default=None, description="Default: now")
    options: dict[str, Any] = Field(default_factory=dict)


class EventReport(BaseModel):
    """What an event recorded and the proposal made after it."""

    event: dict[str, Any]
    as_of: AwareDatetime
    job_id: str
    links: dict[str, str]
    plan: dict[str, Any]
    proposal: Proposal
    passes: list[str]
    wall_s: float


def _end_of_day(at: datetime) -> datetime:
    local = to_local(at)
    return datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), TZ)


def _assigned_of(session: Session, engineer_id: str, onsite_only: bool = False) -> set[str]:
    """Tickets assigned (not started) to the engineer."""
    out = set()
    for c in current_commitments(session).values():
        if c.engineer_id != engineer_id or c.ticket_id is None:
            continue
        t = session.get(TicketRow, c.ticket_id)
        if t is None or t.status != TicketStatus.assigned.value:
            continue
        if onsite_only and t.mode != TicketMode.onsite.value:
            continue
        out.add(t.id)
    return out


def _back_to_queue(
    session: Session,
    engineer_id: str,
    statuses: set[TicketStatus],
    event: str,
    at: datetime,
    actor: Actor,
    onsite_only: bool = False,
) -> list[str]:
    """Work of the engineer in ``statuses`` goes back to the queue (its commitment released)."""
    moved = []
    for c in list(current_commitments(session).values()):
        if c.engineer_id != engineer_id or c.ticket_id is None:
            continue
        t = session.get(TicketRow, c.ticket_id)
        if t is None or TicketStatus(t.status) not in statuses:
            continue
        if onsite_only and t.mode != TicketMode.onsite.value:
            continue
        before = t.status
        close(c, "released", at)
        set_ticket_assignment(t, None)
        t.status = TicketStatus.open.value
        record(
            session,
            t,
            event,
            actor,
            at,
            from_status=before,
            to_status="open",
            engineer_id=engineer_id,
        )
        moved.append(t.id)
    return moved


def record_urgent_ticket(
    session: Session, body: UrgentTicketEvent, actor: Actor
) -> tuple[dict[str, Any], datetime, set[str], set[str]]:
    """Store the new ticket; (event, as of, touched, urgent)."""
    row = create_ticket(session, body.ticket, Lookup(session))
    record_created(session, row, actor, "urgent_ticket")
    as_of = body.as_of or body.ticket.created_at
    event = {"kind": "urgent_ticket", "ticket_id": row.id, "priority": row.priority}
    urgent = {row.id} if row.priority == Priority.urgent.value else set()
    return event, as_of, set(), urgent


def _check_at(field: str, at: datetime, until: datetime | None) -> datetime:
    end = until or _end_of_day(at)
    if end <= at:
        raise Unprocessable("until", end.isoformat(), f"must be after {field} ({at.isoformat()})")
    return end


def record_absence_event(
    session: Session, body: AbsenceEvent, kind: Literal["sick", "car_unavailable"], actor: Actor
) -> tuple[dict[str, Any], datetime, set[str], set[str]]:
    """Store the absence; work the engineer can no longer do goes back to the queue."""
    engineer = engineer_row(session, body.engineer_id)
    end = _check_at("at", body.at, body.until)
    session.add(
        AbsenceRow(engineer_id=engineer.id, start=body.at, end=end, kind=kind, note=body.note)
    )
    if kind == "sick":
        back = _back_to_queue(session, engineer.id, set(UNDER_WAY), "sick", body.at, actor)
        touched = _assigned_of(session, engineer.id)
        name = "sick"
    else:
        back = _back_to_queue(
            session, engineer.id, {TicketStatus.en_route}, "car_breakdown", body.at, actor, True
        )
        touched = _assigned_of(session, engineer.id, onsite_only=True)
        name = "car_breakdown"
    session.flush()
    event = {
        "kind": name,
        "engineer_id": engineer.id,
        "at": body.at.isoformat(),
        "until": end.isoformat(),
        "back_to_queue": back,
    }
    return event, body.as_of or body.at, touched | set(back), set()


def record_overrun(
    session: Session, body: OverrunEvent, actor: Actor
) -> tuple[dict[str, Any], datetime, set[str], set[str]]:
    """Move the end of work under way; the engineer's later work is free to move."""
    ticket = ticket_row(session, body.ticket_id)
    c = current_of(session, ticket.id)
    if TicketStatus(ticket.status) not in UNDER_WAY or c is None:
        raise Unprocessable(
            "ticket_id", body.ticket_id, f"only work under way can overrun (it is {ticket.status})"
        )
    if body.new_end <= max(c.start, c.started_at or c.start):
        raise Unprocessable("new_end", body.new_end.isoformat(), "must be after the work started")
    before = c.end
    c.end = body.new_end
    ticket.planned_end = body.new_end
    record(
        session,
        ticket,
        "overrun",
        actor,
        utcnow(),
        engineer_id=c.engineer_id,
        note=f"{before.astimezone(TZ).isoformat()} → {body.new_end.astimezone(TZ).isoformat()}",
    )
    session.flush()
    event = {
        "kind": "overrun",
        "ticket_id": ticket.id,
        "engineer_id": c.engineer_id,
        "new_end": body.new_end.isoformat(),
    }
    return event, body.as_of or now_local(), _assigned_of(session, c.engineer_id), set()


def propose_after_event(
    session: Session,
    event: dict[str, Any],
    as_of: datetime,
    touched: set[str],
    urgent: set[str],
    options: dict[str, Any],
    actor: Actor,
) -> EventReport:
    """Make the proposal after an event and store it as a finished dispatch job (with its
    basis), ready to accept or reject. The caller commits."""
    started = time.perf_counter()
    payload = plan_payload(session, PlanFromStore(as_of=as_of, options=options))
    used, plan, passes = propose_plan(payload, touched, urgent)
    now = utcnow()
    job = JobRow(
        id=new_job_id(),
        kind="dispatch",
        status=JobStatus.done.value,
        progress=1.0,
        payload=used,
        result=plan.model_dump(mode="json"),
        created=now,
        started=now,
        finished=utcnow(),
        created_by=actor.key_id,
    )
    session.add(job)
    session.flush()
    store_basis(session, job.id, used, "event", event)
    base = f"/api/v1/jobs/{job.id}"
    return EventReport(
        event=event,
        as_of=to_local(as_of),
        job_id=job.id,
        links={"self": base, "result": f"{base}/result"},
        plan=job.result or {},
        proposal=proposal(session, job.id),
        passes=passes,
        wall_s=round(time.perf_counter() - started, 3),
    )
