"""Commitments: the current accepted assignment of a ticket, closing it (superseded,
released, done), and the rule that one engineer never holds two overlapping ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from optimizer.calendar import to_local
from service.dispatching.common import DoubleBooking
from service.models import AcceptedAssignmentRow, TicketRow

# -- commitments ------------------------------------------------------------------------------


def current_of(session: Session, ticket_id: str) -> AcceptedAssignmentRow | None:
    """The ticket's current commitment, if any."""
    return session.scalar(
        select(AcceptedAssignmentRow).where(
            AcceptedAssignmentRow.ticket_id == ticket_id,
            AcceptedAssignmentRow.kind == "dispatch",
            AcceptedAssignmentRow.status == "current",
        )
    )


def close(row: AcceptedAssignmentRow, status: str, at: datetime, job_id: str | None = None) -> None:
    """End a commitment: superseded, released or done."""
    row.status = status
    row.closed_at = at
    row.closed_by_job = job_id
    if status == "done":
        row.finished_at = at


def set_ticket_assignment(ticket: TicketRow, row: AcceptedAssignmentRow | None) -> None:
    ticket.engineer_id = row.engineer_id if row is not None else None
    ticket.planned_start = row.start if row is not None else None
    ticket.planned_end = row.end if row is not None else None


def check_no_double_booking(session: Session, engineer_ids: set[str]) -> None:
    """No two current commitments of one engineer overlap (drives before visits included);
    409 naming the engineer and both tickets."""
    if not engineer_ids:
        return
    session.flush()
    rows = list(
        session.scalars(
            select(AcceptedAssignmentRow).where(
                AcceptedAssignmentRow.kind == "dispatch",
                AcceptedAssignmentRow.status == "current",
                AcceptedAssignmentRow.engineer_id.in_(engineer_ids),
            )
        )
    )
    by_engineer: dict[str, list[tuple[datetime, datetime, str]]] = {}
    for r in rows:
        lead = timedelta(minutes=r.travel_min or 0)
        by_engineer.setdefault(r.engineer_id, []).append((r.start - lead, r.end, r.ticket_id or ""))
    for engineer, spans in sorted(by_engineer.items()):
        spans.sort()
        for (a0, a1, at), (b0, b1, bt) in zip(spans, spans[1:], strict=False):
            if b0 < a1 - timedelta(seconds=59):
                raise DoubleBooking(
                    f"engineer {engineer} would hold two overlapping commitments: ticket {at} "
                    f"{_hm(a0)}–{_hm(a1)} and ticket {bt} {_hm(b0)}–{_hm(b1)}",
                    field="engineer_id",
                    value=engineer,
                    tickets=[at, bt],
                )


def _hm(dt: datetime) -> str:
    return to_local(dt).strftime("%d.%m %H:%M")
