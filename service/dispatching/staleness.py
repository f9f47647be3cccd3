"""What changed since a plan was made: tickets added, removed, finished, reassigned or
edited, absences added or removed. Read from the plan's request itself, so it also holds for
plans other routes made from the store.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from optimizer.calendar import TZ
from service.models import AbsenceRow, JobRow, PlanBasisRow, TicketRow
from service.planning import PLANNABLE, current_commitments

# -- what changed since a plan was made -------------------------------------------------------


class Change(BaseModel):
    """One difference between the state a plan was made from and the state now."""

    what: Literal[
        "ticket_added",
        "ticket_removed",
        "ticket_status",
        "ticket_reassigned",
        "ticket_changed",
        "absence_added",
        "absence_removed",
    ]
    ticket_id: str | None = None
    engineer_id: str | None = None
    before: Any = None
    after: Any = None
    message: str


def ticket_versions(session: Session, ticket_ids: list[str]) -> dict[str, str]:
    """When each ticket was last changed (its fields, status or commitment)."""
    out: dict[str, str] = {}
    for chunk in range(0, len(ticket_ids), 500):
        for tid, updated in session.execute(
            select(TicketRow.id, TicketRow.updated).where(
                TicketRow.id.in_(ticket_ids[chunk : chunk + 500])
            )
        ):
            out[tid] = updated.isoformat()
    return out


def what_changed(session: Session, job: JobRow, basis: PlanBasisRow | None) -> list[Change]:
    """How the stored state differs from the one the plan's request was made from.

    Read from the request itself (its tickets, the accepted assignments it was given as the
    previous plan, its absences), so it also holds for plans made by other routes from the
    store; the basis adds ticket edits. Empty for a request that does not come from the store
    (no stored ticket in it).
    """
    payload = job.payload or {}
    tickets = payload.get("tickets") or []
    if not isinstance(tickets, list) or not tickets or "now" not in payload:
        return []
    now = datetime.fromisoformat(payload["now"])
    ids = [t["id"] for t in tickets if isinstance(t, dict) and isinstance(t.get("id"), str)]
    stored = {r.id: r for r in session.scalars(select(TicketRow).where(TicketRow.id.in_(ids)))}
    if not stored:
        return []
    engineers = {e.get("id") for e in payload.get("engineers") or [] if isinstance(e, dict)}
    commitments = current_commitments(session)
    prev = {
        a["ticket_id"]: a
        for a in ((payload.get("previous_plan") or {}).get("assignments") or [])
        if isinstance(a, dict) and "ticket_id" in a
    }
    changes: list[Change] = []
    for tid in ids:
        row = stored.get(tid)
        if row is None:
            changes.append(
                Change(what="ticket_removed", ticket_id=tid, message=f"ticket {tid} was deleted")
            )
            continue
        if row.status not in {s.value for s in PLANNABLE}:
            changes.append(
                Change(
                    what="ticket_status",
                    ticket_id=tid,
                    before="open" if tid not in prev else "assigned",
                    after=row.status,
                    message=f"ticket {tid} is {row.status} now",
                )
            )
            continue
        c = commitments.get(tid)
        was = prev.get(tid)
        if (c is None) != (was is None) or (
            c is not None and was is not None and c.engineer_id != was["engineer_id"]
        ):
            changes.append(
                Change(
                    what="ticket_reassigned",
                    ticket_id=tid,
                    before=was["engineer_id"] if was else None,
                    after=c.engineer_id if c else None,
                    message=f"ticket {tid} was reassigned",
                )
            )
    seen = set(ids)
    for row in session.scalars(
        select(TicketRow).where(
            TicketRow.status.in_([s.value for s in PLANNABLE]), TicketRow.created_at <= now
        )
    ):
        c = commitments.get(row.id)
        if row.id in seen or (c is not None and c.engineer_id not in engineers):
            continue
        changes.append(
            Change(
                what="ticket_added",
                ticket_id=row.id,
                after=row.status,
                message=f"ticket {row.id} was added",
            )
        )
    if basis is not None:
        versions = ticket_versions(session, ids)
        reported = {c.ticket_id for c in changes}
        for tid, version in (basis.state.get("tickets") or {}).items():
            if tid not in reported and tid in versions and versions[tid] != version:
                changes.append(
                    Change(what="ticket_changed", ticket_id=tid, message=f"ticket {tid} was edited")
                )
    changes.extend(_absence_changes(session, payload, engineers, now))
    return changes


def _absence_key(
    engineer_id: str, start: datetime, end: datetime, kind: str
) -> tuple[str, str, str, str]:
    return (engineer_id, start.astimezone(TZ).isoformat(), end.astimezone(TZ).isoformat(), kind)


def _absence_changes(
    session: Session, payload: dict[str, Any], engineers: set[Any], now: datetime
) -> list[Change]:
    end = datetime.fromisoformat(
        payload.get("horizon_end") or (now + timedelta(hours=24)).isoformat()
    )
    before = {
        _absence_key(
            a["engineer_id"],
            datetime.fromisoformat(a["start"]),
            datetime.fromisoformat(a["end"]),
            a["kind"],
        )
        for a in payload.get("absences") or []
        if isinstance(a, dict)
    }
    after = {
        _absence_key(r.engineer_id, r.start, r.end, r.kind)
        for r in session.scalars(
            select(AbsenceRow).where(
                AbsenceRow.engineer_id.in_([e for e in engineers if isinstance(e, str)]),
                AbsenceRow.start < end,
                AbsenceRow.end > now,
            )
        )
    }
    out = [
        Change(
            what="absence_added",
            engineer_id=k[0],
            after={"start": k[1], "end": k[2], "kind": k[3]},
            message=f"{k[0]}: {k[3]} {k[1]}–{k[2]} was added",
        )
        for k in sorted(after - before)
    ]
    out += [
        Change(
            what="absence_removed",
            engineer_id=k[0],
            before={"start": k[1], "end": k[2], "kind": k[3]},
            message=f"{k[0]}: {k[3]} {k[1]}–{k[2]} was removed",
        )
        for k in sorted(before - after)
    ]
    return out
