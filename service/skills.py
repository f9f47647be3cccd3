"""The department's skills catalogue as the service stores it (table ``skills``).

Engineers and tickets stored by the service name skills of this catalogue; a skill outside it
is refused (422) with the field, the value and the catalogue named. Plans and rosters built
from the store carry the catalogue, so a department's own skills (FreePBX, MikroTik) work
through the engines. The table starts with the eight built-in skills (migration 0004).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from optimizer.domain import SkillCatalogue, SkillEntry
from service.models import EngineerRow, SkillRow, TicketRow
from service.repo import json_contains, to_model

CATALOGUE_ORDER: tuple[ColumnElement[Any] | InstrumentedAttribute[Any], ...] = (
    SkillRow.position.is_(None),
    SkillRow.position,
    SkillRow.created,
    SkillRow.id,
)
"""The catalogue's order: by position (a row without one after the others, by creation)."""


def stored_catalogue(session: Session) -> SkillCatalogue:
    """The stored catalogue, in catalogue order."""
    rows = session.scalars(select(SkillRow).order_by(*CATALOGUE_ORDER))
    return SkillCatalogue(tuple(to_model(r, SkillEntry) for r in rows))


def next_position(session: Session) -> int:
    """The position of a skill added now: after every stored one."""
    return (session.scalar(select(func.max(SkillRow.position))) or 0) + 1


def catalogue_payload(session: Session) -> list[dict[str, Any]]:
    """The stored catalogue as the ``skills`` field of an engine request (JSON)."""
    return [e.model_dump(mode="json") for e in stored_catalogue(session).entries]


def check_skills(session: Session, skills: list[str], path: str) -> None:
    """Every skill of the list at ``path`` is in the stored catalogue (else 422)."""
    if skills:
        stored_catalogue(session).check(skills, path)


def count_holders(session: Session, skill: str, *where: ColumnElement[bool]) -> tuple[int, int]:
    """How many engineers hold ``skill``, and how many tickets matching ``where`` require it."""
    engineers = session.scalar(select(func.count()).where(json_contains(EngineerRow.skills, skill)))
    tickets = session.scalar(
        select(func.count()).where(json_contains(TicketRow.required_skills, skill), *where)
    )
    return engineers or 0, tickets or 0
