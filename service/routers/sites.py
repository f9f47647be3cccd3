"""Customer sites: where the PBX is, which city, which SLA policy.

A site may be written without ``location`` when it has an address: the address is located
(a stored site's, the geocoding cache's, or — when the settings allow — Nominatim's; see
:mod:`service.geocoding`), and an unknown one is a 422 naming ``address``. Read back, a site
carries the bank of the Volga its coordinates are on (Saratov and Engels only).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.routing import APIRoute
from pydantic import Field
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from optimizer.domain import Site
from optimizer.domain.common import Id, Location, LongText, ShortText, StrictModel
from optimizer.travel import Bank
from service.auth import Principal, Role
from service.deps import ReadSession, WriteSession, require
from service.geocoding import bank_for, complete_site
from service.models import SiteRow, SlaPolicyRow, TicketRow
from service.problems import Unprocessable
from service.repo import Reference, Store, partial_model, text_contains, to_model
from service.routers import API_PREFIX
from service.routers.crud import add_crud_routes
from service.routers.geocode import GeocodingDep

router = APIRouter(prefix="/sites", tags=["sites"])

Head = Annotated[Principal, Depends(require(Role.head))]
SiteId = Annotated[str, Path(description="Id of the site", max_length=100)]
LangQuery = Annotated[Literal["ru", "en"], Query(description="Language of a refusal")]


class SiteStore(Store[Site]):
    """Sites must name a stored SLA policy."""

    def check(self, session: Session, item: Site) -> None:
        check_policy(session, item)


def check_policy(session: Session, site: Site) -> None:
    """A site names an SLA policy that exists."""
    if session.get(SlaPolicyRow, site.sla_policy) is None:
        raise Unprocessable("sla_policy", site.sla_policy, "no SLA policy with this id")


store = SiteStore("site", Site, SiteRow, (Reference(TicketRow.site_id, "tickets"),))


class SiteIn(StrictModel):
    """A site as written: without ``location`` its address is located, and without ``city``
    the city of the located address is taken."""

    id: Id
    customer: Annotated[LongText, Field(min_length=1)]
    address: LongText = ""
    city: Annotated[ShortText, Field(min_length=1)] | None = None
    location: Location | None = None
    sla_policy: Id


SitePatch = partial_model(SiteIn, {"id"}, "SitePatch")


class SitePublic(Site):
    """A site as read: with the bank of the Volga of its coordinates (Saratov and Engels;
    ``null`` elsewhere, where no site is visited)."""

    bank: Bank | None = None


def site_public(row: SiteRow) -> SitePublic:
    """A stored site with its bank."""
    site = to_model(row, Site)
    return SitePublic(**site.model_dump(), bank=bank_for(site.city, site.location))


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


add_crud_routes(
    router,
    store,
    filters=site_filters,
    order_by=(SiteRow.id,),
    write_role=Role.head,
    public=site_public,
    public_model=SitePublic,
)
# The shared writes store a body as it is; a site's writes locate its address first (with
# the app's geocoding settings), so they are the routes below.
router.routes[:] = [
    r
    for r in router.routes
    if not (isinstance(r, APIRoute) and (r.methods or set()) & {"POST", "PUT", "PATCH"})
]

WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such site"},
    422: {"description": "Invalid, or an address no stored site nor the cache knows"},
    503: {"description": "The geocoding service does not answer (online only)"},
}


@router.post(
    "",
    response_model=SitePublic,
    status_code=201,
    summary="Create a site (its address located when no location is given)",
    name="create_site",
    responses={409: {"description": "The site exists already"}, **WRITE_RESPONSES},
)
def create_site(
    body: SiteIn,
    reader: ReadSession,
    session: WriteSession,
    _: Head,
    geocoding: GeocodingDep,
    response: Response,
    lang: LangQuery = "ru",
) -> Any:
    site = complete_site(reader, geocoding, body.model_dump(mode="json"), lang)
    row = store.create(session, site)
    session.commit()
    response.headers["Location"] = f"{API_PREFIX}{router.prefix}/{row.id}"
    return site_public(row)


@router.put(
    "/{ident}",
    response_model=SitePublic,
    summary="Replace a site (its address located when no location is given)",
    name="replace_site",
    responses=WRITE_RESPONSES,
)
def replace_site(
    ident: SiteId,
    body: SiteIn,
    reader: ReadSession,
    session: WriteSession,
    _: Head,
    geocoding: GeocodingDep,
    lang: LangQuery = "ru",
) -> Any:
    store.get(reader, ident)
    site = complete_site(reader, geocoding, body.model_dump(mode="json"), lang)
    row = store.replace(session, ident, site)
    session.commit()
    return site_public(row)


@router.patch(
    "/{ident}",
    response_model=SitePublic,
    summary="Change some fields of a site (a new address without a location is located)",
    name="patch_site",
    responses=WRITE_RESPONSES,
)
def patch_site(
    ident: SiteId,
    body: SitePatch,  # type: ignore[valid-type]
    reader: ReadSession,
    session: WriteSession,
    _: Head,
    geocoding: GeocodingDep,
    lang: LangQuery = "ru",
) -> Any:
    current = store.read(reader, ident)
    values = patched_values(current, body)
    site = complete_site(reader, geocoding, values, lang)
    row = store.replace(session, ident, site)
    session.commit()
    return site_public(row)


def patched_values(current: Site, patch: Any) -> dict[str, Any]:
    """The stored site with the patch's fields; a new address without a location drops the
    old coordinates, so the new address is located."""
    values = current.model_dump(mode="json")
    changes = patch.model_dump(mode="json", exclude_unset=True)
    moved = "address" in changes and changes["address"] != current.address
    if moved and "location" not in changes:
        values["location"] = None
    values.update(changes)
    return values
