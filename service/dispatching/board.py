"""The dispatcher's board: the engineers, commitments and queue of one working day, the
fingerprint of the stored state and the suggested as-of time.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from optimizer.calendar import TZ, default_calendar, to_local
from optimizer.domain import Engineer
from service.dispatching.commitments import Commitment, drive_starts
from service.dispatching.common import now_local
from service.jobs.store import JobStatus
from service.models import (
    AbsenceRow,
    AcceptedAssignmentRow,
    EngineerRow,
    JobRow,
    PlanBasisRow,
    SiteRow,
    TicketRow,
)
from service.planning import (
    PLANNABLE,
    current_commitments,
    lunch_breaks,
    office_hours,
    under_way,
    windows_from_roster,
)
from service.repo import to_model
from service.tickets import ACTIVE, TicketStatus

# -- the board --------------------------------------------------------------------------------


def state_fingerprint(session: Session) -> str:
    """A digest of everything a plan depends on: active tickets (status, commitment, edits)
    and absences; it changes whenever any of them does."""
    h = hashlib.sha256()
    for row in session.execute(
        select(TicketRow.id, TicketRow.status, TicketRow.engineer_id, TicketRow.updated)
        .where(TicketRow.status.in_([s.value for s in ACTIVE]))
        .order_by(TicketRow.id)
    ):
        h.update(repr(tuple(row)).encode())
    for absence in session.execute(
        select(
            AbsenceRow.id, AbsenceRow.engineer_id, AbsenceRow.start, AbsenceRow.end, AbsenceRow.kind
        ).order_by(AbsenceRow.id)
    ):
        h.update(repr(tuple(absence)).encode())
    return h.hexdigest()[:16]


def suggested_as_of(session: Session, now: datetime | None = None) -> datetime:
    """Now; or, when no active ticket was created today (sample data of another day), half
    an hour after opening on the day of the newest active ticket (not before it came in)."""
    now = to_local(now or now_local())
    newest = session.scalar(
        select(TicketRow.created_at)
        .where(TicketRow.status.in_([s.value for s in PLANNABLE]))
        .order_by(TicketRow.created_at.desc())
        .limit(1)
    )
    if newest is None or to_local(newest).date() == now.date():
        return now
    day = to_local(newest).date()
    hours = default_calendar().open_intervals(day)
    opening = hours[0][0] if hours else datetime.combine(day, datetime.min.time(), TZ)
    return max(to_local(newest), opening + timedelta(minutes=30))


def board(session: Session, as_of: datetime | None) -> dict[str, Any]:
    """Everything the dispatcher's board shows for the working day of ``as_of``."""
    at = to_local(as_of or now_local())
    day_start = datetime.combine(at.date(), datetime.min.time(), TZ)
    day_end = day_start + timedelta(days=1)
    rostered = windows_from_roster(session, day_start, day_end)
    office = office_hours(day_start, day_end)
    commitments = current_commitments(session)
    busy = under_way(session, at, commitments)
    engineers = []
    for r in session.scalars(select(EngineerRow).order_by(EngineerRow.id)):
        e = to_model(r, Engineer)
        windows = rostered.get(e.id, []) if rostered else office
        absences = [
            {"start": to_local(a.start), "end": to_local(a.end), "kind": a.kind, "note": a.note}
            for a in session.scalars(
                select(AbsenceRow)
                .where(
                    AbsenceRow.engineer_id == e.id,
                    AbsenceRow.start < day_end,
                    AbsenceRow.end > day_start,
                )
                .order_by(AbsenceRow.start)
            )
        ]
        until, work = busy.get(e.id, (None, None))
        engineers.append(
            {
                **e.model_dump(mode="json"),
                "can_visit": e.can_visit,
                "availability": [{"start": a, "end": b} for a, b in windows],
                "absences": absences,
                "lunch": lunch_breaks(windows, day_start, day_end),
                "busy_until": until,
                "current_location": work.location if work is not None and work.location else None,
            }
        )
    tickets = {}
    rows = session.scalars(
        select(AcceptedAssignmentRow)
        .where(
            AcceptedAssignmentRow.kind == "dispatch",
            AcceptedAssignmentRow.status.in_(["current", "done"]),
            AcceptedAssignmentRow.start < day_end,
            AcceptedAssignmentRow.end > day_start,
        )
        .order_by(AcceptedAssignmentRow.start, AcceptedAssignmentRow.id)
    )
    assignments = []
    chains: dict[str, list[Commitment]] = {}
    for a in rows:
        t = session.get(TicketRow, a.ticket_id) if a.ticket_id else None
        if t is None:
            continue
        tickets[t.id] = t
        site = session.get(SiteRow, t.site_id) if t.site_id else None
        late = max(0, int((a.start - t.sla_deadline).total_seconds() // 60))
        if a.status == "current":
            visit = t.mode == "onsite" or (a.travel_min or 0) > 0
            chains.setdefault(a.engineer_id, []).append(
                Commitment(t.id, a.start, a.end, a.travel_min or 0.0, visit)
            )
        assignments.append(
            {
                "id": a.id,
                "job_id": a.job_id,
                "ticket_id": t.id,
                "engineer_id": a.engineer_id,
                "start": to_local(a.start),
                "end": to_local(a.end),
                "travel_min": a.travel_min,
                "travel_km": a.travel_km,
                "drive_start": None,
                "deadline": to_local(t.sla_deadline),
                "late_min": late,
                "status": t.status if a.status == "current" else "done",
                "pinned": t.pinned is not None,
                "source": a.source,
                "mode": t.mode,
                "priority": t.priority,
                "title": t.title,
                "created_at": to_local(t.created_at),
                **_where(t, site),
            }
        )
    drives: dict[str, datetime | None] = {}
    for items in chains.values():
        drives.update(drive_starts(items))
    for item in assignments:
        if item["status"] != "done" and item["ticket_id"] in drives:
            drive = drives[item["ticket_id"]]
            item["drive_start"] = to_local(drive) if drive is not None else None
    latest = session.scalar(
        select(JobRow)
        .where(JobRow.kind == "dispatch")
        .order_by(JobRow.created.desc(), JobRow.id)
        .limit(1)
    )
    reasons = _reasons(session)
    queue = []
    for t in session.scalars(
        select(TicketRow)
        .where(
            TicketRow.status.in_([TicketStatus.open.value, TicketStatus.waiting_customer.value]),
            TicketRow.created_at <= day_end,
        )
        .order_by(TicketRow.sla_deadline, TicketRow.id)
    ):
        site = session.get(SiteRow, t.site_id) if t.site_id else None
        queue.append(
            {
                "ticket_id": t.id,
                "title": t.title,
                **_where(t, site),
                "mode": t.mode,
                "priority": t.priority,
                "kind": t.kind,
                "required_skills": t.required_skills,
                "duration_min": t.duration_min,
                "created_at": to_local(t.created_at),
                "sla_deadline": to_local(t.sla_deadline),
                "status": t.status,
                "reason": reasons.get(t.id),
            }
        )
    return {
        "as_of": at,
        "suggested_as_of": suggested_as_of(session),
        "day_start": day_start,
        "day_end": day_end,
        "state": state_fingerprint(session),
        "engineers": engineers,
        "assignments": assignments,
        "kpis": commitment_kpis(session, assignments, len(queue)),
        "queue": queue,
        "latest_plan": _latest(session, latest),
    }


def _where(t: TicketRow, site: SiteRow | None) -> dict[str, Any]:
    """Customer, address, city and location of a ticket (from its site)."""
    return {
        "customer": site.customer if site else "",
        "address": site.address if site else "",
        "city": site.city if site else "",
        "location": t.location or (site.location if site else None),
    }


def commitment_kpis(
    session: Session, assignments: list[dict[str, Any]], queued: int
) -> dict[str, Any]:
    """The KPI strip of the current commitments (named as a plan's KPIs): how many start on
    time, the breaches, the longest wait of an urgent ticket, the km driven and their cost."""
    current = [a for a in assignments if a["status"] != "done"]
    cost_per_km = {
        eid: float(cost or 0)
        for eid, cost in session.execute(select(EngineerRow.id, EngineerRow.car_cost_per_km_rub))
    }
    waits = [
        max(0, int((a["start"] - a["created_at"]).total_seconds() // 60))
        for a in current
        if a["priority"] == "urgent"
    ]
    km = sum(a["travel_km"] or 0.0 for a in current)
    return {
        "assigned": len(current),
        "on_time": sum(1 for a in current if a["late_min"] == 0),
        "breaches": sum(1 for a in current if a["late_min"] > 0),
        "urgent_wait_min_max": max(waits, default=0),
        "travel_km": round(km, 1),
        "car_cost_rub": round(
            sum((a["travel_km"] or 0.0) * cost_per_km.get(a["engineer_id"], 0.0) for a in current),
            2,
        ),
        "unassigned": queued,
    }


def _reasons(session: Session) -> dict[str, dict[str, Any]]:
    """Why the newest finished plan from the store left each ticket out."""
    job = session.scalar(
        select(JobRow)
        .where(JobRow.kind == "dispatch", JobRow.status == JobStatus.done.value)
        .order_by(JobRow.created.desc(), JobRow.id)
        .limit(1)
    )
    if job is None or job.result is None:
        return {}
    messages = {e["ticket_id"]: e for e in job.result.get("explanations") or []}
    out = {}
    for u in job.result.get("unassigned") or []:
        ex = messages.get(u["ticket_id"], {})
        out[u["ticket_id"]] = {
            "codes": u.get("reasons", []),
            "message": ex.get("message") or u.get("message", ""),
            "job_id": job.id,
        }
    return out


def _latest(session: Session, job: JobRow | None) -> dict[str, Any] | None:
    """The newest dispatch job: its id, job status, and what the dispatcher decided."""
    if job is None:
        return None
    basis = session.get(PlanBasisRow, job.id)
    status = basis.status if basis is not None else "proposed"
    if job.accepted is not None:
        status = "accepted"
    now = (job.payload or {}).get("now")
    return {
        "job_id": job.id,
        "job_status": job.status,
        "status": status,
        "kind": basis.kind if basis is not None else "plan",
        "as_of": now,
    }
