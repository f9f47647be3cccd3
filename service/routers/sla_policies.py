"""SLA policies: the response time per priority and the clock it runs on."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement

from optimizer.domain import Clock, SlaPolicy
from service.auth import Role
from service.models import SiteRow, SlaPolicyRow
from service.repo import Reference, Store
from service.routers.crud import add_crud_routes

router = APIRouter(prefix="/sla-policies", tags=["sla policies"])

store: Store[SlaPolicy] = Store(
    "SLA policy", SlaPolicy, SlaPolicyRow, (Reference(SiteRow.sla_policy, "sites"),)
)


def policy_filters(
    clock: Annotated[Clock | None, Query(description="business or 24x7")] = None,
) -> list[ColumnElement[bool]]:
    """Filters of the SLA policy list."""
    return [SlaPolicyRow.clock == clock.value] if clock is not None else []


add_crud_routes(
    router, store, filters=policy_filters, order_by=(SlaPolicyRow.id,), write_role=Role.head
)
