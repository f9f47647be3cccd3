"""Engineers: skills, licence and car, base location, cost."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement, and_, not_
from sqlalchemy.orm import Session

from optimizer.domain import Engineer, Skill
from service.auth import Role
from service.models import EngineerRow, TicketRow
from service.repo import Reference, Store, json_contains, text_contains
from service.routers.crud import add_crud_routes
from service.skills import check_skills

router = APIRouter(prefix="/engineers", tags=["engineers"])


class EngineerStore(Store[Engineer]):
    """An engineer's skills are in the department's skills catalogue."""

    def check(self, session: Session, item: Engineer) -> None:
        check_skills(session, item.skills, "skills")


store = EngineerStore(
    "engineer", Engineer, EngineerRow, (Reference(TicketRow.engineer_id, "assigned tickets"),)
)


def engineer_filters(
    skill: Annotated[Skill | None, Query(description="Has this skill")] = None,
    can_visit: Annotated[bool | None, Query(description="Licence B and an own car")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Name contains")] = None,
) -> list[ColumnElement[bool]]:
    """Filters of the engineer list."""
    where: list[ColumnElement[bool]] = []
    if skill is not None:
        where.append(json_contains(EngineerRow.skills, skill))
    if can_visit is not None:
        visit = and_(EngineerRow.licence_b.is_(True), EngineerRow.has_car.is_(True))
        where.append(visit if can_visit else not_(visit))
    if q:
        where.append(text_contains(EngineerRow.name, q))
    return where


add_crud_routes(
    router,
    store,
    filters=engineer_filters,
    order_by=(EngineerRow.id,),
    write_role=Role.head,
)
