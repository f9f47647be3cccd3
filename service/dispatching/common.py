"""Who made a change, the stored ticket and engineer looked up by id, and the conflicts
the loop answers with (409 stale plan, 409 double booking).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from optimizer.calendar import TZ
from service.auth import Principal
from service.models import EngineerRow, TicketRow
from service.problems import Conflict, NotFound

# -- who and when -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who made a change: the API key's id and name (None for the system itself)."""

    key_id: int | None
    name: str

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(principal.key_id, principal.name)


SYSTEM = Actor(None, "system")


def now_local() -> datetime:
    """Now, in Saratov time."""
    return datetime.now(TZ)


class StalePlan(Conflict):
    slug, title = "stale-plan", "The plan was made from an older state"


class DoubleBooking(Conflict):
    slug, title = "double-booking", "Overlapping commitments"


def ticket_row(session: Session, ticket_id: str, field: str = "ticket_id") -> TicketRow:
    """The stored ticket, or 404 naming it."""
    row = session.get(TicketRow, ticket_id)
    if row is None:
        raise NotFound(f"no ticket {ticket_id!r}", field=field, value=ticket_id)
    return row


def engineer_row(session: Session, engineer_id: str, field: str = "engineer_id") -> EngineerRow:
    """The stored engineer, or 404 naming them."""
    row = session.get(EngineerRow, engineer_id)
    if row is None:
        raise NotFound(f"no engineer {engineer_id!r}", field=field, value=engineer_id)
    return row
