"""What a plan or an event's proposal would change against the current commitments, and
whether it is stale.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy.orm import Session

from service.dispatching.basis import from_store
from service.dispatching.staleness import Change, what_changed
from service.jobs.store import JobStatus, get_job
from service.models import PlanBasisRow
from service.planning import current_commitments
from service.problems import NotFound

# -- proposals: what a plan would change ------------------------------------------------------


class Slot(BaseModel):
    engineer_id: str
    start: AwareDatetime


class ProposalChange(BaseModel):
    ticket_id: str
    before: Slot | None = None
    after: Slot | None = None


class Proposal(BaseModel):
    """What a plan made from the store would change against the current commitments."""

    job_id: str
    kind: str
    event: dict[str, Any] | None = None
    status: str
    as_of: AwareDatetime
    job_status: str
    stale: bool
    what_changed: list[Change] = Field(default_factory=list)
    changes: list[ProposalChange] = Field(default_factory=list)
    moved_starts: int = 0
    new_assignments: int = 0
    released: int = 0
    kpis: dict[str, Any] | None = None


def proposal(session: Session, job_id: str) -> Proposal:
    """The plan's changes against the current commitments, and whether it is stale."""
    job = get_job(session, job_id)
    basis = session.get(PlanBasisRow, job.id)
    if basis is None and not from_store(job):
        raise NotFound(f"job {job_id!r} is not a dispatch plan", field="job_id", value=job_id)
    status = basis.status if basis is not None else "proposed"
    if job.accepted is not None:
        status = "accepted"
    stale = []
    if status == "proposed" and job.status == JobStatus.done.value:
        stale = what_changed(session, job, basis)
    out = Proposal(
        job_id=job.id,
        kind=basis.kind if basis is not None else "plan",
        event=basis.event if basis is not None else None,
        status=status,
        as_of=basis.as_of if basis is not None else datetime.fromisoformat(job.payload["now"]),
        job_status=job.status,
        stale=bool(stale),
        what_changed=stale,
        kpis=(job.result or {}).get("kpis"),
    )
    if job.result is None:
        return out
    commitments = current_commitments(session)
    for a in job.result.get("assignments") or []:
        if a.get("in_progress"):
            continue
        c = commitments.get(a["ticket_id"])
        start = datetime.fromisoformat(a["start"])
        if c is not None and c.engineer_id == a["engineer_id"] and c.start == start:
            continue
        before = Slot(engineer_id=c.engineer_id, start=c.start) if c is not None else None
        out.changes.append(
            ProposalChange(
                ticket_id=a["ticket_id"],
                before=before,
                after=Slot(engineer_id=a["engineer_id"], start=start),
            )
        )
        if c is None:
            out.new_assignments += 1
        else:
            out.moved_starts += 1
    for u in job.result.get("unassigned") or []:
        c = commitments.get(u["ticket_id"])
        if c is not None:
            out.changes.append(
                ProposalChange(
                    ticket_id=u["ticket_id"], before=Slot(engineer_id=c.engineer_id, start=c.start)
                )
            )
            out.released += 1
    return out
