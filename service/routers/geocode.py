"""Geocoding: an address to its coordinates, city and bank of the Volga, for the sites form."""

from __future__ import annotations

import threading
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from service.deps import Dispatcher, ReadSession
from service.geocoding import Place, SiteGeocoding, locate

router = APIRouter(prefix="/geocode", tags=["geocoding"])

_MAKING = threading.Lock()

LangQuery = Annotated[Literal["ru", "en"], Query(description="Language of a refusal")]


def get_geocoding(request: Request) -> SiteGeocoding:
    """The app's geocoding, made at its first use (one per app, so one rate limiter)."""
    state = request.app.state
    with _MAKING:
        if getattr(state, "geocoding", None) is None:
            state.geocoding = SiteGeocoding(state.settings)
    geocoding = state.geocoding
    assert isinstance(geocoding, SiteGeocoding)
    return geocoding


GeocodingDep = Annotated[SiteGeocoding, Depends(get_geocoding)]


@router.get(
    "",
    response_model=Place,
    summary="Where an address is: coordinates, city, bank of the Volga",
    responses={
        422: {"description": "An address no stored site, the cache or the geocoder knows"},
        503: {"description": "The geocoding service does not answer (online only)"},
    },
)
def geocode(
    session: ReadSession,
    _: Dispatcher,
    geocoding: GeocodingDep,
    address: Annotated[str, Query(min_length=1, max_length=4000, description="The address")],
    lang: LangQuery = "ru",
) -> Any:
    return locate(session, geocoding, address, lang)
