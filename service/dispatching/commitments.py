"""Commitments: the current accepted assignment of a ticket, closing it (superseded,
released, done), and the rule that one engineer never holds two overlapping ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from optimizer.calendar import to_local
from optimizer.domain import TicketMode
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


TOLERANCE = timedelta(seconds=59)
"""Commitments are compared to the minute: plans start work on whole minutes, stored times may
carry the seconds of an as-of time."""

Span = tuple[datetime, datetime]


def latest_drive(
    busy: list[Span], after: datetime | None, before: datetime, minutes: float
) -> datetime | None:
    """When a drive of ``minutes`` that must end by ``before`` starts at the latest: not before
    ``after`` (the end of the previous visit: the engineer is still there), in a gap of the
    engineer's other work; None when no gap is long enough.

    A drive need not end right at the visit's start: an engineer may drive early and do remote
    work at the client's site until the visit starts (the dispatch engine plans it so; only
    remote work *while driving* is impossible)."""
    need = timedelta(minutes=minutes) - TOLERANCE
    if need <= timedelta(0):
        return before - timedelta(minutes=minutes)
    end = before
    for a, b in sorted(busy, key=lambda s: s[1], reverse=True):
        if a >= end:
            continue
        if b <= end - need and (after is None or end - need >= after):
            break  # the gap [b, end] holds the drive
        end = min(end, a)
    if after is not None and end - need < after:
        return None
    return end - timedelta(minutes=minutes)


class Commitment(NamedTuple):
    """One engineer's commitment as the overlap rules see it."""

    ticket_id: str
    start: datetime
    end: datetime
    travel_min: float
    visit: bool


def drive_starts(items: list[Commitment]) -> dict[str, datetime | None]:
    """For each visit among one engineer's commitments with a drive before it: when the drive
    starts at the latest (None when it fits nowhere: the commitments clash)."""
    out: dict[str, datetime | None] = {}
    ordered = sorted(items, key=lambda c: (c.start, c.end))
    for k, c in enumerate(ordered):
        if not c.visit or c.travel_min <= 0:
            continue
        previous = [o.end for o in ordered[:k] if o.visit and o.end <= c.start + TOLERANCE]
        busy = [(o.start, o.end) for o in ordered if o is not c]
        out[c.ticket_id] = latest_drive(busy, max(previous, default=None), c.start, c.travel_min)
    return out


def commitments_of(session: Session, engineer_ids: set[str]) -> dict[str, list[Commitment]]:
    """The current commitments of the engineers, with whether each is a visit."""
    rows = list(
        session.scalars(
            select(AcceptedAssignmentRow).where(
                AcceptedAssignmentRow.kind == "dispatch",
                AcceptedAssignmentRow.status == "current",
                AcceptedAssignmentRow.engineer_id.in_(engineer_ids),
            )
        )
    )
    ids = {r.ticket_id for r in rows if r.ticket_id is not None}
    modes = {
        tid: mode
        for tid, mode in session.execute(
            select(TicketRow.id, TicketRow.mode).where(TicketRow.id.in_(ids))
        )
    }
    out: dict[str, list[Commitment]] = {}
    for r in rows:
        tid = r.ticket_id or ""
        visit = modes.get(tid) == TicketMode.onsite.value or (r.travel_min or 0) > 0
        out.setdefault(r.engineer_id, []).append(
            Commitment(tid, r.start, r.end, r.travel_min or 0.0, visit)
        )
    return out


def check_no_double_booking(session: Session, engineer_ids: set[str]) -> None:
    """No two current commitments of one engineer overlap, and the drive before each visit fits
    in a gap between the previous visit and the start; 409 naming the engineer and both
    tickets."""
    if not engineer_ids:
        return
    session.flush()
    for engineer, items in sorted(commitments_of(session, engineer_ids).items()):
        spans = sorted(items, key=lambda c: (c.start, c.end))
        for a, b in zip(spans, spans[1:], strict=False):
            if b.start < a.end - TOLERANCE:
                _clash(engineer, a, b, a.start, b.start)
        for tid, drive in drive_starts(spans).items():
            if drive is not None:
                continue
            c = next(c for c in spans if c.ticket_id == tid)
            lead = c.start - timedelta(minutes=c.travel_min)
            ahead = [o for o in spans if o is not c and o.start < c.start and o.end > lead]
            if ahead:
                _clash(engineer, ahead[-1], c, ahead[-1].start, lead)


def _clash(engineer: str, a: Commitment, b: Commitment, a0: datetime, b0: datetime) -> None:
    raise DoubleBooking(
        f"engineer {engineer} would hold two overlapping commitments: ticket {a.ticket_id} "
        f"{_hm(a0)}–{_hm(a.end)} and ticket {b.ticket_id} {_hm(b0)}–{_hm(b.end)}",
        field="engineer_id",
        value=engineer,
        tickets=[a.ticket_id, b.ticket_id],
    )


def _hm(dt: datetime) -> str:
    return to_local(dt).strftime("%d.%m %H:%M")
