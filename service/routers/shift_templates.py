"""Shift templates: local start and end, break, kind (day / on call), valid weekdays."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement

from optimizer.domain import ShiftKind, ShiftTemplate
from service.auth import Role
from service.models import ShiftTemplateRow
from service.repo import Store
from service.routers.crud import add_crud_routes

router = APIRouter(prefix="/shift-templates", tags=["shift templates"])

store: Store[ShiftTemplate] = Store("shift template", ShiftTemplate, ShiftTemplateRow)


def template_filters(
    kind: Annotated[ShiftKind | None, Query(description="day or on_call")] = None,
) -> list[ColumnElement[bool]]:
    """Filters of the shift template list."""
    return [ShiftTemplateRow.kind == kind.value] if kind is not None else []


add_crud_routes(
    router, store, filters=template_filters, order_by=(ShiftTemplateRow.id,), write_role=Role.head
)
