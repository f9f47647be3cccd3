"""The skills catalogue: what engineers can do and tickets require, with Russian and English
names for the pages, listed in catalogue order (the built-in eight, then the added ones in the
order they were added). A skill in use (by an engineer or an unfinished ticket) cannot be
deleted; its names can always be changed, its id never (engineers and tickets name it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import Session

from optimizer.domain import SkillEntry
from service.auth import Role
from service.models import SkillRow, TicketRow
from service.problems import Conflict
from service.repo import Store, text_contains
from service.routers.crud import add_crud_routes
from service.skills import CATALOGUE_ORDER, count_holders, next_position
from service.tickets import ACTIVE

router = APIRouter(prefix="/skills", tags=["skills"])


class SkillStore(Store[SkillEntry]):
    """Skills are named inside JSON lists of engineers and tickets: deletion counts them; a
    new skill goes to the end of the catalogue."""

    def create(self, session: Session, item: SkillEntry, **extra: Any) -> Any:
        """Insert the skill after every stored one (409 on a duplicate id)."""
        return super().create(session, item, **{"position": next_position(session), **extra})

    def delete(self, session: Session, ident: str) -> None:
        """Delete the skill; 409 while an engineer holds it or an unfinished ticket needs it."""
        self.get(session, ident)
        unfinished = TicketRow.status.in_([s.value for s in ACTIVE])
        engineers, tickets = count_holders(session, ident, unfinished)
        if engineers or tickets:
            raise Conflict(
                f"skill {ident!r} is held by {engineers} engineers and required by {tickets} "
                "unfinished tickets; change them first",
                id=ident,
                engineers=engineers,
                tickets=tickets,
            )
        super().delete(session, ident)


store = SkillStore("skill", SkillEntry, SkillRow)


def skill_filters(
    q: Annotated[str | None, Query(max_length=100, description="Id or a name contains")] = None,
) -> list[ColumnElement[bool]]:
    """Filters of the skill list."""
    if not q:
        return []
    return [
        or_(
            text_contains(SkillRow.id, q),
            text_contains(SkillRow.name_ru, q),
            text_contains(SkillRow.name_en, q),
        )
    ]


add_crud_routes(
    router, store, filters=skill_filters, order_by=CATALOGUE_ORDER, write_role=Role.head
)
