"""The ticket lifecycle: open → assigned → en route → in progress → done (also cancelled,
waiting for the customer, a second visit); each step checked against
:data:`service.tickets.TRANSITIONS` and recorded.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field
from sqlalchemy.orm import Session

from optimizer.domain import StrictModel
from optimizer.domain.common import Moment
from service.dispatching.commitments import close, current_of, set_ticket_assignment
from service.dispatching.common import Actor, now_local, ticket_row
from service.dispatching.history import record
from service.models import TicketRow, utcnow
from service.problems import Unprocessable
from service.tickets import ACTIVE, TRANSITIONS, UNDER_WAY, TicketStatus

# -- the lifecycle ----------------------------------------------------------------------------

StatusTarget = Literal[
    "open",
    "assigned",
    "en_route",
    "in_progress",
    "done",
    "cancelled",
    "waiting_customer",
    "second_visit",
]


class StatusChange(StrictModel):
    """Move a ticket along its lifecycle. ``second_visit``: the work needs another visit (the
    ticket goes back to the queue, its commitment is released)."""

    status: StatusTarget
    at: Moment | None = None
    note: str = Field(default="", max_length=2000)


def change_status(
    session: Session, ticket_id: str, change: StatusChange, actor: Actor
) -> TicketRow:
    """Apply one lifecycle step; 422 naming ``status`` and the value when it is not legal
    from where the ticket is. Nothing is stored on an error; the caller commits."""
    ticket = ticket_row(session, ticket_id)
    at = change.at or now_local()
    before = TicketStatus(ticket.status)
    target = TicketStatus.open if change.status == "second_visit" else TicketStatus(change.status)
    if change.status == "second_visit" and before != TicketStatus.in_progress:
        raise Unprocessable(
            "status",
            change.status,
            f"only work in progress can need a second visit (it is {before.value})",
        )
    if target not in TRANSITIONS[before]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[before])) or "none (final)"
        raise Unprocessable(
            "status",
            change.status,
            f"ticket {ticket_id} is {before.value}; from there it may move to: {allowed}",
        )
    commitment = current_of(session, ticket_id)
    if target in (TicketStatus.assigned, *UNDER_WAY) and commitment is None:
        raise Unprocessable(
            "status",
            change.status,
            f"ticket {ticket_id} has no engineer; assign it first "
            f"(POST /tickets/{ticket_id}/assignment)",
        )
    engineer = commitment.engineer_id if commitment is not None else ticket.engineer_id
    if commitment is not None:
        if target == TicketStatus.in_progress and commitment.started_at is None:
            commitment.started_at = at
            duration = timedelta(minutes=ticket.duration_min)
            commitment.end = (
                max(commitment.end, at + duration) if at > commitment.start else commitment.end
            )
            ticket.planned_end = commitment.end
        elif target == TicketStatus.done:
            close(commitment, "done", at)
            commitment.end = max(at, commitment.started_at or at)
        elif target in (TicketStatus.open, TicketStatus.cancelled, TicketStatus.waiting_customer):
            close(commitment, "released", at)
            set_ticket_assignment(ticket, None)
    if target in (TicketStatus.open, TicketStatus.cancelled) and ticket.pinned is not None:
        ticket.pinned = None
    ticket.status = target.value
    event = "second_visit" if change.status == "second_visit" else "status"
    record(
        session,
        ticket,
        event,
        actor,
        at,
        from_status=before.value,
        to_status=target.value,
        engineer_id=engineer,
        note=change.note,
    )
    session.flush()
    return ticket


def set_status_by_import(
    session: Session, ticket: TicketRow, status: TicketStatus, actor: Actor
) -> None:
    """A status given by a helpdesk import is taken as it is (the helpdesk is the truth of
    what happened), and recorded."""
    before = ticket.status
    if before == status.value:
        return
    ticket.status = status.value
    if status not in ACTIVE or status == TicketStatus.open:
        commitment = current_of(session, ticket.id)
        if commitment is not None:
            close(commitment, "done" if status == TicketStatus.done else "released", now_local())
            if status != TicketStatus.done:
                set_ticket_assignment(ticket, None)
    record(session, ticket, "import", actor, from_status=before, to_status=status.value)


def unassign(session: Session, ticket_id: str, actor: Actor) -> TicketRow:
    """Release the ticket's commitment; it goes back to the queue (422 when under way)."""
    ticket = ticket_row(session, ticket_id)
    if ticket.status != TicketStatus.assigned.value:
        raise Unprocessable(
            "ticket_id", ticket_id, f"ticket {ticket_id} is {ticket.status}, not assigned"
        )
    return change_status(session, ticket_id, StatusChange(status="open", note="unassigned"), actor)


def release_deleted(session: Session, ticket_id: str) -> None:
    """A deleted ticket's commitment ends with it (the rows stay as history)."""
    current = current_of(session, ticket_id)
    if current is not None:
        close(current, "released", utcnow())
        session.flush()
