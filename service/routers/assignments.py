"""Accepted assignments: what accepted plans, manual assignments and rosters put into the
schedule; a ticket's earlier commitments stay listed as superseded, released or done."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel
from sqlalchemy import ColumnElement

from service.deps import ReadSession, Viewer
from service.models import AcceptedAssignmentRow
from service.repo import Page, PagingDep, Store

router = APIRouter(prefix="/assignments", tags=["assignments"])

Status = Literal["current", "superseded", "released", "done"]


class AssignmentPublic(BaseModel):
    """An accepted assignment: a ticket (plan) or a shift (roster) of an engineer."""

    id: int
    job_id: str | None = None
    kind: Literal["dispatch", "roster"]
    engineer_id: str
    ticket_id: str | None = None
    template_id: str | None = None
    start: AwareDatetime
    end: AwareDatetime
    status: Status = "current"
    source: str = "plan"
    travel_min: float = 0
    travel_km: float = 0
    started_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    closed_by_job: str | None = None


store: Store[AssignmentPublic] = Store("assignment", AssignmentPublic, AcceptedAssignmentRow)


def assignment_filters(
    engineer_id: Annotated[str | None, Query(max_length=100)] = None,
    ticket_id: Annotated[str | None, Query(max_length=100)] = None,
    kind: Annotated[Literal["dispatch", "roster"] | None, Query()] = None,
    status: Annotated[
        Status | None, Query(description="current, superseded, released, done")
    ] = None,
    start_from: Annotated[AwareDatetime | None, Query(description="start ≥ this")] = None,
    start_to: Annotated[AwareDatetime | None, Query(description="start < this")] = None,
) -> list[ColumnElement[bool]]:
    """Filters of the assignment list."""
    where: list[ColumnElement[bool]] = []
    if engineer_id:
        where.append(AcceptedAssignmentRow.engineer_id == engineer_id)
    if ticket_id:
        where.append(AcceptedAssignmentRow.ticket_id == ticket_id)
    if kind:
        where.append(AcceptedAssignmentRow.kind == kind)
    if status:
        where.append(AcceptedAssignmentRow.status == status)
    if start_from is not None and 1900 <= start_from.year <= 2200:
        where.append(AcceptedAssignmentRow.start >= start_from)
    if start_to is not None and 1900 <= start_to.year <= 2200:
        where.append(AcceptedAssignmentRow.start < start_to)
    return where


@router.get("", response_model=Page[AssignmentPublic], summary="List accepted assignments")
def list_assignments(
    session: ReadSession,
    _: Viewer,
    paging: PagingDep,
    where: Annotated[list[ColumnElement[bool]], Depends(assignment_filters)],
) -> Any:
    order = (AcceptedAssignmentRow.start, AcceptedAssignmentRow.id)
    return store.page(session, where, paging, order)
