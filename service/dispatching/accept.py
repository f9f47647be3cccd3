"""Accepting and rejecting plans. Accepting makes a plan's assignments the engineers'
commitments, superseding earlier ones (kept as history); it is refused when the state moved on
since the plan was made, or when an engineer would be double-booked.
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from optimizer.calendar import TZ
from service.auth import Principal
from service.dispatching.basis import from_store, store_basis
from service.dispatching.commitments import (
    check_no_double_booking,
    close,
    current_of,
    set_ticket_assignment,
)
from service.dispatching.common import Actor, StalePlan
from service.dispatching.history import record
from service.dispatching.staleness import what_changed
from service.jobs.store import JobStatus, get_job
from service.models import (
    AcceptedAssignmentRow,
    EngineerRow,
    JobRow,
    PlanBasisRow,
    TicketRow,
    utcnow,
)
from service.problems import Conflict, NotFound, Unprocessable
from service.tickets import ACTIVE, UNDER_WAY, TicketStatus

# -- accept and reject ------------------------------------------------------------------------


class AcceptedItem(BaseModel):
    """The part of a plan's or roster's assignment that is stored."""

    engineer_id: str
    ticket_id: str | None = None
    template_id: str | None = None
    start: AwareDatetime
    end: AwareDatetime
    travel_min: float = 0.0
    travel_km: float = 0.0
    in_progress: bool = False


class AcceptReport(BaseModel):
    """What accepting a result stored."""

    job_id: str
    kind: str
    accepted: AwareDatetime
    assignments: int
    tickets_assigned: int
    superseded: int = 0
    released: int = 0
    unchanged: int = 0


def _items(job: JobRow) -> list[AcceptedItem]:
    out = []
    for i, item in enumerate((job.result or {}).get("assignments") or []):
        try:
            out.append(AcceptedItem.model_validate(item))
        except ValidationError as err:
            msg = str(err.errors()[0]["msg"])
            raise Unprocessable(f"result.assignments[{i}]", item, msg) from None
    return out


def check_acceptable(session: Session, job: JobRow) -> PlanBasisRow | None:
    """A done, not yet accepted job, not a rejected or superseded proposal; 409 otherwise."""
    if job.status != JobStatus.done.value or job.result is None:
        raise Conflict(
            f"job {job.id!r} is {job.status}; only a done job can be accepted",
            field="job_id",
            value=job.id,
            job_status=job.status,
        )
    if job.accepted is not None:
        raise Conflict(
            f"job {job.id!r} was accepted at {job.accepted.astimezone(TZ).isoformat()}",
            field="job_id",
            value=job.id,
        )
    basis = session.get(PlanBasisRow, job.id)
    if basis is not None and basis.status in ("rejected", "superseded"):
        raise Conflict(
            f"job {job.id!r} was {basis.status}; make a new plan",
            field="job_id",
            value=job.id,
            plan_status=basis.status,
        )
    return basis


def accept_plan(session: Session, job: JobRow, actor: Actor) -> AcceptReport:
    """Make a dispatch plan the engineers' commitments (the caller commits).

    Each ticket's earlier current commitment is superseded (kept) unless the plan keeps it
    as it is; tickets the request planned but the plan leaves out lose their commitment and
    go back to the queue; assigned tickets are recorded in their history. Refused with 409
    when the state has moved on since the plan was made, or when an engineer would hold two
    overlapping commitments.
    """
    basis = check_acceptable(session, job)
    changed = what_changed(session, job, basis)
    if changed:
        raise StalePlan(
            f"the stored state changed since this plan was made ({len(changed)} change(s): "
            f"{'; '.join(c.message for c in changed[:5])}); make a new plan",
            field="job_id",
            value=job.id,
            what_changed=[c.model_dump(mode="json") for c in changed],
        )
    at = utcnow()
    report = AcceptReport(
        job_id=job.id, kind=job.kind, accepted=at.astimezone(TZ), assignments=0, tickets_assigned=0
    )
    items = _items(job)
    known_engineers = set(session.scalars(select(EngineerRow.id)))
    touched: set[str] = set()
    planned_ids = {
        t.get("id") for t in (job.payload or {}).get("tickets") or [] if isinstance(t, dict)
    }
    for i, a in enumerate(items):
        if a.ticket_id is None:
            continue
        ticket = session.get(TicketRow, a.ticket_id)
        if ticket is None:
            raise Unprocessable(
                f"result.assignments[{i}].ticket_id", a.ticket_id, "no such ticket is stored"
            )
        if a.engineer_id not in known_engineers:
            raise Unprocessable(
                f"result.assignments[{i}].engineer_id", a.engineer_id, "no such engineer is stored"
            )
        status = TicketStatus(ticket.status)
        if status in UNDER_WAY or status not in ACTIVE:
            continue  # work under way or finished is not re-planned
        # A plan may take assigned work for started (its promised start before the plan's
        # first minute); the store still has it assigned, so the plan's time is what holds.
        current = current_of(session, a.ticket_id)
        if (
            current is not None
            and current.engineer_id == a.engineer_id
            and current.start == a.start
            and current.end == a.end
        ):
            # The same work at the same time, now part of this plan: its drive is this plan's
            # (the route may leave at another time around moved work), so the row follows it.
            current.job_id = job.id
            current.travel_min = a.travel_min
            current.travel_km = a.travel_km
            report.unchanged += 1
            report.tickets_assigned += 1
            continue
        if current is not None:
            close(current, "superseded", at, job.id)
            touched.add(current.engineer_id)
            report.superseded += 1
            record(
                session,
                ticket,
                "superseded",
                actor,
                at,
                engineer_id=current.engineer_id,
                job_id=job.id,
            )
        session.flush()  # the old row stops being current before the new one is
        row = AcceptedAssignmentRow(
            job_id=job.id,
            kind="dispatch",
            engineer_id=a.engineer_id,
            ticket_id=a.ticket_id,
            start=a.start,
            end=a.end,
            travel_min=a.travel_min,
            travel_km=a.travel_km,
            status="current",
            source="plan",
            created_by=actor.key_id,
        )
        session.add(row)
        set_ticket_assignment(ticket, row)
        before = ticket.status
        if status in (TicketStatus.open, TicketStatus.waiting_customer):
            ticket.status = TicketStatus.assigned.value
        record(
            session,
            ticket,
            "plan_accepted",
            actor,
            at,
            from_status=before,
            to_status=ticket.status,
            engineer_id=a.engineer_id,
            job_id=job.id,
        )
        touched.add(a.engineer_id)
        report.assignments += 1
        report.tickets_assigned += 1
    for u in (job.result or {}).get("unassigned") or []:
        tid = u.get("ticket_id") if isinstance(u, dict) else None
        if not isinstance(tid, str) or tid not in planned_ids:
            continue
        ticket = session.get(TicketRow, tid)
        current = current_of(session, tid) if ticket is not None else None
        if (
            ticket is None
            or current is None
            or TicketStatus(ticket.status) != TicketStatus.assigned
        ):
            continue
        close(current, "released", at, job.id)
        set_ticket_assignment(ticket, None)
        ticket.status = TicketStatus.open.value
        report.released += 1
        record(
            session,
            ticket,
            "released",
            actor,
            at,
            from_status="assigned",
            to_status="open",
            engineer_id=current.engineer_id,
            job_id=job.id,
            note=u.get("message", ""),
        )
    check_no_double_booking(session, touched)
    job.accepted = at
    if basis is not None:
        basis.status, basis.decided, basis.decided_by = "accepted", at, actor.key_id
    for other in session.scalars(
        select(PlanBasisRow).where(PlanBasisRow.status == "proposed", PlanBasisRow.job_id != job.id)
    ):
        other.status, other.decided = "superseded", at
    session.flush()
    return report


def accept_roster(session: Session, job: JobRow, actor: Actor) -> AcceptReport:
    """Store a roster's shifts as accepted assignments (they bound later dispatch plans)."""
    check_acceptable(session, job)
    at = utcnow()
    items = _items(job)
    for a in items:
        session.add(
            AcceptedAssignmentRow(
                job_id=job.id,
                kind="roster",
                engineer_id=a.engineer_id,
                template_id=a.template_id,
                start=a.start,
                end=a.end,
                status="current",
                source="plan",
                created_by=actor.key_id,
            )
        )
    job.accepted = at
    session.flush()
    return AcceptReport(
        job_id=job.id,
        kind=job.kind,
        accepted=at.astimezone(TZ),
        assignments=len(items),
        tickets_assigned=0,
    )


def accept_job(session: Session, job_id: str, principal: Principal, what: str) -> AcceptReport:
    """Accept a finished job's result (``what``: dispatch or roster); the caller commits."""
    job = get_job(session, job_id)
    actor = Actor.of(principal)
    if what == "dispatch":
        return accept_plan(session, job, actor)
    return accept_roster(session, job, actor)


def reject_plan(session: Session, job_id: str, principal: Principal) -> PlanBasisRow:
    """The dispatcher declines a plan or proposal made from the store; it can no longer be
    accepted. 409 for an accepted one; 404 for a job that is not such a plan."""
    job = get_job(session, job_id)
    basis = session.get(PlanBasisRow, job.id)
    if basis is None and not from_store(job):
        raise NotFound(f"job {job_id!r} is not a dispatch plan", field="job_id", value=job_id)
    if job.accepted is not None or (basis is not None and basis.status == "accepted"):
        raise Conflict(f"job {job_id!r} was accepted already", field="job_id", value=job_id)
    if basis is None:
        basis = store_basis(session, job.id, job.payload, "plan")
    basis.status, basis.decided, basis.decided_by = "rejected", utcnow(), principal.key_id
    session.flush()
    return basis
