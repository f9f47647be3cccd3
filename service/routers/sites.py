"""Customer sites: where the PBX is, which city, which SLA policy."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from optimizer.domain import Site
from service.auth import Role
from service.models import SiteRow, SlaPolicyRow, TicketRow
from service.problems import Unprocessable
from service.repo import Reference, Store, text_contains
from service.routers.crud import add_crud_routes

router = APIRouter(prefix="/sites", tags=["sites"])


class SiteStore(Store[Site]):
    """Sites must name a stored SLA policy."""

    def check(self, session: Session, item: Site) -> None:
        check_policy(session, item)


def check_policy(session: Session, site: Site) -> None:
    """A site names an SLA policy that exists."""
    if session.get(SlaPolicyRow, site.sla_policy) is None:
        raise Unprocessable("sla_policy", site.sla_policy, "no SLA policy with this id")


store = SiteStore("site", Site, SiteRow, (Reference(TicketRow.site_id, "tickets"),))


def site_filters(
    city: Annotated[str | None, Query(max_length=200, description="City, exactly")] = None,
    sla_policy: Annotated[str | None, Query(max_length=100, description="SLA policy id")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Customer contains")] = None,
) -> list[ColumnElement[bool]]:
    """Filters of the site list."""
    where: list[ColumnElement[bool]] = []
    if city:
        where.append(SiteRow.city == city)
    if sla_policy:
        where.append(SiteRow.sla_policy == sla_policy)
    if q:
        where.append(text_contains(SiteRow.customer, q))
    return where


add_crud_routes(router, store, filters=site_filters, order_by=(SiteRow.id,), write_role=Role.head)
