"""Absences: vacation, sickness, training, or the car unavailable, over [start, end).

A vacation never overlaps another absence of the engineer (a 422 naming ``start`` and the
stored absence; nothing is stored). ``POST /absences/check`` shows what entering one means
before it is stored: the holidays not counted (art. 120), the engineer's year against 28 days
and a part of 14 (art. 115, 125), the weeks whose coverage it touches.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, Field
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from optimizer.domain import Absence, AbsenceKind
from optimizer.domain.common import Int
from service.auth import Principal, Role
from service.deps import ReadSession, require
from service.models import AbsenceRow, EngineerRow
from service.problems import Unprocessable
from service.repo import Store, merge, to_model
from service.rostering import AbsenceCheck, check_absence, check_overlap
from service.routers.crud import add_crud_routes

router = APIRouter(prefix="/absences", tags=["absences"])

Head = Annotated[Principal, Depends(require(Role.head))]
"""Who enters absences: the department head (checking one is a step of entering it)."""


class AbsencePublic(Absence):
    """An absence as stored, with the id the service gave it."""

    id: int = Field(description="Id given by the service")


class AbsenceStore(Store[Absence]):
    """Absences must name a stored engineer; a vacation overlaps no other absence."""

    def check(self, session: Session, item: Absence) -> None:
        check_engineer(session, item)

    def create(self, session: Session, item: Absence, **extra: Any) -> Any:
        check_engineer(session, item)
        check_overlap(session, item)
        return super().create(session, item, **extra)

    def replace(self, session: Session, ident: Any, item: Absence) -> Any:
        self.get(session, ident)
        check_engineer(session, item)
        check_overlap(session, item, exclude_id=ident)
        return super().replace(session, ident, item)

    def update(self, session: Session, ident: Any, patch: Any) -> Any:
        merged = merge(Absence, to_model(self.get(session, ident), Absence), patch)
        check_engineer(session, merged)
        check_overlap(session, merged, exclude_id=ident)
        return super().update(session, ident, patch)


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


class AbsenceToCheck(Absence):
    """An absence about to be entered; ``id`` when an entered one is being changed."""

    id: Annotated[Int, Field(ge=1)] | None = Field(
        default=None, description="The absence being changed"
    )


@router.post(
    "/check",
    response_model=AbsenceCheck,
    summary="What entering an absence means (art. 115, 120, 125; coverage), nothing stored",
    responses={422: {"description": "Overlaps another absence, or invalid"}},
)
def check(
    _: Head,
    body: AbsenceToCheck,
    session: ReadSession,
    lang: Literal["ru", "en"] = Query("ru", description="Language of the texts"),
) -> Any:
    item = Absence.model_validate(body.model_dump(exclude={"id"}))
    return check_absence(session, item, exclude_id=body.id, lang=lang)


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
