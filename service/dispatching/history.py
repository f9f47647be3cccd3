"""A ticket's history: every change of status, engineer or pin, with who made it and when."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.dispatching.common import Actor, ticket_row
from service.models import TicketHistoryRow, TicketRow, utcnow

# -- history ----------------------------------------------------------------------------------


class HistoryEntry(BaseModel):
    """One recorded change of a ticket."""

    id: int
    ticket_id: str
    at: AwareDatetime
    event: str
    from_status: str | None = None
    to_status: str | None = None
    engineer_id: str | None = None
    job_id: str | None = None
    note: str = ""
    by_key_id: int | None = None
    by_name: str = ""


def record(
    session: Session,
    ticket: TicketRow,
    event: str,
    actor: Actor,
    at: datetime | None = None,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    engineer_id: str | None = None,
    job_id: str | None = None,
    note: str = "",
) -> None:
    """Write one change of ``ticket`` to its history."""
    session.add(
        TicketHistoryRow(
            ticket_id=ticket.id,
            at=at or utcnow(),
            event=event,
            from_status=from_status,
            to_status=to_status,
            engineer_id=engineer_id,
            job_id=job_id,
            note=note,
            by_key_id=actor.key_id,
            by_name=actor.name,
        )
    )


def history(session: Session, ticket_id: str) -> list[HistoryEntry]:
    """The ticket's changes, oldest first; 404 for an unknown ticket."""
    ticket_row(session, ticket_id)
    rows = session.scalars(
        select(TicketHistoryRow)
        .where(TicketHistoryRow.ticket_id == ticket_id)
        .order_by(TicketHistoryRow.id)
    )
    return [HistoryEntry.model_validate(r, from_attributes=True) for r in rows]


def record_created(
    session: Session, ticket: TicketRow, actor: Actor, event: str = "created"
) -> None:
    """A new ticket's first history entry."""
    record(session, ticket, event, actor, to_status=ticket.status)
