"""Absences: vacation, sickness, training, or the car unavailable, over [start, end)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, Field
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from optimizer.domain import Absence, AbsenceKind
from service.auth import Role
from service.models import AbsenceRow, EngineerRow
from service.problems import Unprocessable
from service.repo import Store, to_model
from service.routers.crud import add_crud_routes

router = APIRouter(prefix="/absences", tags=["absences"])


class AbsencePublic(Absence):
    """An absence as stored, with the id the service gave it."""

    id: int = Field(description="Id given by the service")


class AbsenceStore(Store[Absence]):
    """Absences must name a stored engineer."""

    def check(self, session: Session, item: Absence) -> None:
        check_engineer(session, item)


def check_engineer(session: Session, absence: Absence) -> None:
    """An absence belongs to an engineer that exists."""
    if session.get(EngineerRow, absence.engineer_id) is None:
        raise Unprocessable("engineer_id", absence.engineer_id, "no engineer with this id")


store = AbsenceStore("absence", Absence, AbsenceRow)


def public(row: AbsenceRow) -> AbsencePublic:
    """The absence with its id."""
    return to_model(row, AbsencePublic)


def absence_filters(
    engineer_id: Annotated[str | None, Query(max_length=100, description="Whose")] = None,
    kind: Annotated[AbsenceKind | None, Query(description="Why")] = None,
    overlaps_from: Annotated[
        AwareDatetime | None, Query(description="Absences that end after this")
    ] = None,
    overlaps_to: Annotated[
        AwareDatetime | None, Query(description="Absences that start before this")
    ] = None,
) -> list[ColumnElement[bool]]:
    """Filters of the absence list."""
    where: list[ColumnElement[bool]] = []
    if engineer_id:
        where.append(AbsenceRow.engineer_id == engineer_id)
    if kind is not None:
        where.append(AbsenceRow.kind == kind.value)
    if overlaps_from is not None:
        where.append(AbsenceRow.end > _checked(overlaps_from))
    if overlaps_to is not None:
        where.append(AbsenceRow.start < _checked(overlaps_to))
    return where


def _checked(dt: datetime) -> datetime:
    if dt.tzinfo is None:  # AwareDatetime already refuses this; kept for direct callers
        raise Unprocessable("datetime", dt.isoformat(), "needs an offset")
    return dt


add_crud_routes(
    router,
    store,
    filters=absence_filters,
    order_by=(AbsenceRow.start, AbsenceRow.id),
    write_role=Role.head,
    id_type=int,
    public=public,
    public_model=AbsencePublic,
)
