"""Plans from the store: the request of the stored state as of a time, and the basis a plan
job remembers (its as-of time, the ticket versions it saw, the event that caused it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field
from sqlalchemy.orm import Session

from optimizer.domain import Id, StrictModel
from optimizer.domain.common import Moment
from service.dispatching.common import now_local
from service.dispatching.staleness import ticket_versions
from service.models import JobRow, PlanBasisRow, utcnow
from service.planning import StoredDispatchRequest, build_dispatch_payload

# -- plans from the store ---------------------------------------------------------------------


class PlanFromStore(StrictModel):
    """Plan the stored day as of a time (default: now)."""

    as_of: Moment | None = None
    horizon_end: Moment | None = None
    engineer_ids: list[Id] | None = Field(default=None, max_length=1000)
    options: dict[str, Any] = Field(
        default_factory=dict, description="DispatchOptions: policy, time_limit_s, seed, lang…"
    )


def plan_payload(session: Session, body: PlanFromStore) -> dict[str, Any]:
    """The DispatchRequest (JSON) of the stored state as of ``body.as_of``."""
    as_of = body.as_of or now_local()
    return build_dispatch_payload(
        session,
        StoredDispatchRequest(
            now=as_of,
            horizon_end=body.horizon_end,
            engineer_ids=body.engineer_ids,
            options=body.options,
        ),
    )


def store_basis(
    session: Session,
    job_id: str,
    payload: dict[str, Any],
    kind: str,
    event: dict[str, Any] | None = None,
) -> PlanBasisRow:
    """Remember what a plan job was made from (its as-of time, ticket versions, the event)."""
    ids = [t["id"] for t in payload.get("tickets") or []]
    row = PlanBasisRow(
        job_id=job_id,
        kind=kind,
        as_of=datetime.fromisoformat(payload["now"]),
        state={"tickets": ticket_versions(session, ids)},
        event=event,
        status="proposed",
        created=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def from_store(job: JobRow) -> bool:
    """A dispatch job whose request names stored tickets (made from the store)."""
    return job.kind == "dispatch" and bool((job.payload or {}).get("tickets"))
