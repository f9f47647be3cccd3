"""A site's address to its coordinates, city and bank of the Volga: the service layer of
geocoding.

Where an address is looked up, in order:

1. **The stored sites.** The department's known addresses are its sites: ``wfm serve --init``
   loads the sample data's sites (addresses with their coordinates) into the database, and
   every site saved later joins them. An address equal to a stored site's (blanks collapsed,
   case folded, as in the geocoding cache) takes that site's coordinates and city. So the
   sample addresses are known without a cache file, and nothing is written twice.
2. **The geocoding cache** (``WFM_GEOCODE_CACHE``, default ``var/geocode_cache.json``), the
   file ``wfm travel geocode`` fills.
3. **Nominatim**, only when ``WFM_GEOCODE_ONLINE`` allows it (off by default: the service
   must work on a machine without a network, and tests never call out). Its answers go to
   the cache.

An address none of them knows is a 422 naming ``address``, asking for the coordinates in the
caller's language; the geocoding service failing is a 503 with the same advice.

The city of a point found outside the stored sites is the city of the nearest stored site
within :data:`CITY_RADIUS_KM` on the same bank of the Volga (Saratov and Engels face each
other across it); none near: the city stays for the user to pick. The bank is computed from
the coordinates for sites in Saratov and Engels only, the cities visited on site, since the
river model means nothing far from the Saratov bridge.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from geopy.distance import great_circle
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from optimizer.domain import Site
from optimizer.domain.common import VISIT_CITIES, Location
from optimizer.errors import InvalidInput
from optimizer.travel import Bank, Geocoder, GeocodingError, bank_of
from optimizer.travel.geocode import cache_key
from service.models import SiteRow
from service.problems import Problem, Unprocessable
from service.settings import Settings

Lang = Literal["ru", "en"]

CITY_RADIUS_KM = 3.0
"""A point takes the city of a stored site at most this far away (on the same bank)."""

Source = Literal["site", "cache", "service"]


class Place(BaseModel):
    """Where an address is: coordinates, the city when known, the bank of the Volga for the
    visited cities, and what answered (a stored site, the cache or the geocoding service)."""

    address: str
    lat: float
    lon: float
    city: str | None
    bank: Bank | None
    source: Source


class GeocoderUnavailable(Problem):
    status, slug, title = 503, "geocoder-unavailable", "Geocoder unavailable"


MESSAGES: dict[str, dict[Lang, str]] = {
    "unknown": {
        "ru": "адрес не найден среди известных адресов; введите широту и долготу объекта",
        "en": "the address is not among the known addresses; enter the site's latitude and "
        "longitude",
    },
    "empty": {
        "ru": "нужен адрес или широта и долгота объекта",
        "en": "give an address or the site's latitude and longitude",
    },
    "no_city": {
        "ru": "город по координатам не определён; укажите город",
        "en": "the city cannot be told from the coordinates; give the city",
    },
    "unavailable": {
        "ru": "служба геокодирования не отвечает; введите широту и долготу объекта",
        "en": "the geocoding service does not answer; enter the site's latitude and longitude",
    },
}
"""What the caller reads, by case and language."""


@dataclass
class SiteGeocoding:
    """The geocoding of one service: its settings, and (online) one shared geocoder, so the
    rate limit of Nominatim holds across requests of this process.

    Offline, a geocoder is built per lookup, so a cache file refreshed by ``wfm travel
    geocode`` is read without a restart.
    """

    settings: Settings
    service: Any = None
    """The geocoding service when online (a geopy geocoder or a fake); Nominatim when None."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._online: Geocoder | None = None

    @property
    def online(self) -> bool:
        """Whether an address unknown to the sites and the cache is asked from the service."""
        return self.settings.geocode_online

    def geocoder(self) -> Geocoder:
        """The cache-backed geocoder: offline unless the settings allow the network."""
        if not self.online:
            return Geocoder(self.settings.geocode_cache, offline=True)
        if self._online is None:
            # One attempt per request: a retry waits 5 s, too long for someone at a form.
            self._online = Geocoder(
                self.settings.geocode_cache, geocoder=self.service, max_retries=0
            )
        return self._online

    def lookup(self, address: str, lang: Lang) -> tuple[Location, Source]:
        """Coordinates of an address from the cache, else (online) the service."""
        with self._lock:
            geocoder = self.geocoder()
            try:
                source: Source = "cache" if geocoder.cached(address) else "service"
                return geocoder.geocode(address), source
            except InvalidInput:
                raise Unprocessable("address", address, MESSAGES["unknown"][lang]) from None
            except GeocodingError as err:
                raise GeocoderUnavailable(
                    MESSAGES["unavailable"][lang], field="address", value=address, cause=str(err)
                ) from None


def locate(session: Session, geocoding: SiteGeocoding, address: str, lang: Lang = "ru") -> Place:
    """Where an address is: a stored site's place, else the cache's (or the service's)."""
    text = " ".join(address.split())
    if not text:
        raise Unprocessable("address", address, MESSAGES["empty"][lang])
    known = _stored_site(session, text)
    if known is not None:
        loc = known.location
        assert loc.lat is not None and loc.lon is not None
        return Place(
            address=text,
            lat=loc.lat,
            lon=loc.lon,
            city=known.city,
            bank=bank_for(known.city, loc),
            source="site",
        )
    loc, source = geocoding.lookup(text, lang)
    assert loc.lat is not None and loc.lon is not None
    city = city_near(session, loc)
    return Place(
        address=text, lat=loc.lat, lon=loc.lon, city=city, bank=bank_for(city, loc), source=source
    )


def bank_for(city: str | None, location: Location) -> Bank | None:
    """The bank of the Volga of a site in a visited city, from its coordinates; else None."""
    if city not in VISIT_CITIES or location.lat is None or location.lon is None:
        return None
    return bank_of(location)


def city_near(session: Session, location: Location) -> str | None:
    """The city of the nearest stored site within :data:`CITY_RADIUS_KM` on the same bank."""
    assert location.lat is not None and location.lon is not None
    point = (location.lat, location.lon)
    bank = bank_of(location)
    best: tuple[float, str] | None = None
    for site in _stored_sites(session):
        lat, lon = site.location.lat, site.location.lon
        if lat is None or lon is None:
            continue
        km = great_circle(point, (lat, lon)).km
        if km > CITY_RADIUS_KM or (best is not None and km >= best[0]):
            continue
        if site.city in VISIT_CITIES and bank_of(site.location) != bank:
            continue
        best = (km, site.city)
    return best[1] if best else None


def complete_site(
    session: Session, geocoding: SiteGeocoding, values: dict[str, Any], lang: Lang = "ru"
) -> Site:
    """A site from ``values`` whose ``location`` (and ``city``) may be missing when it has an
    address: the address is located, its coordinates (and city) filled in."""
    if values.get("location") is None:
        address = values.get("address") or ""
        if not address.strip():
            raise Unprocessable("location", None, MESSAGES["empty"][lang])
        place = locate(session, geocoding, address, lang)
        values = {**values, "location": {"lat": place.lat, "lon": place.lon}}
        if not values.get("city"):
            if place.city is None:
                raise Unprocessable("city", None, MESSAGES["no_city"][lang])
            values["city"] = place.city
    return Site.model_validate(values)


class KnownSite(NamedTuple):
    """What geocoding needs of a stored site."""

    address: str
    city: str
    location: Location


def _stored_site(session: Session, address: str) -> KnownSite | None:
    """The first stored site (by id) at this address with coordinates."""
    key = cache_key(address)
    for site in _stored_sites(session):
        if cache_key(site.address) == key and site.location.lat is not None:
            return site
    return None


def _stored_sites(session: Session) -> list[KnownSite]:
    """Every stored site's address, city and location, by id."""
    rows = session.execute(
        select(SiteRow.address, SiteRow.city, SiteRow.location).order_by(SiteRow.id)
    )
    return [KnownSite(r.address or "", r.city, Location.model_validate(r.location)) for r in rows]
