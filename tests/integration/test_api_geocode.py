"""A site's address is located from the department's known addresses (the stored sites, then
the geocoding cache), never from the network in tests; an unknown address is a 422 naming
``address`` with nothing stored; sites read back carry their bank of the Volga."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from geopy.exc import GeocoderUnavailable as GeopyUnavailable

from optimizer.domain import DataSet
from optimizer.travel.geocode import write_cache
from service.app import create_app
from service.auth import Role, create_key
from service.db import read_session, transaction
from service.geocoding import GeocoderUnavailable, SiteGeocoding, locate
from service.seed import load_sample, seed
from service.settings import Settings
from tests.integration.conftest import make_settings, unique

API = "/api/v1"

# Two stored sites face each other across the Volga: Saratov's centre (right bank) and
# Engels' centre (left bank), 8 km apart; a third is in Volsk, 100 km upstream.
SARATOV_SITE = {"address": "г. Саратов, ул. Московская, 66", "lat": 51.5331, "lon": 46.0342}
ENGELS_SITE = {"address": "г. Энгельс, пл. Ленина, 1", "lat": 51.4853, "lon": 46.1265}
VOLSK_SITE = {"address": "г. Вольск, ул. Ленина, 143", "lat": 52.0477, "lon": 47.3965}

# Addresses only the cache file knows: 1 km from the Saratov site, 1 km from the Engels one.
CACHED_SARATOV = ("г. Саратов, ул. Кутякова, 10", 51.5352, 46.0208)
CACHED_ENGELS = ("г. Энгельс, ул. Тельмана, 20", 51.4930, 46.1180)
UNKNOWN = "г. Саратов, ул. Нигдешняя, 999"


def _stored_sites() -> DataSet:
    """One policy and the three stored sites."""
    sites = [
        {"id": sid, "customer": "ООО «Маяк»", "address": s["address"], "city": city,
         "location": {"lat": s["lat"], "lon": s["lon"]}, "sla_policy": "geo-std"}
        for sid, s, city in (("geo-sar", SARATOV_SITE, "Saratov"),
                             ("geo-eng", ENGELS_SITE, "Engels"),
                             ("geo-vol", VOLSK_SITE, "Volsk"))
    ]  # fmt: skip
    return DataSet.model_validate({"sla_policies": [{"id": "geo-std"}], "sites": sites})


def _cache(path: Path) -> None:
    """A cache file with the two cached addresses."""
    entries = {
        " ".join(a.split()).casefold(): {"address": a, "lat": lat, "lon": lon}
        for a, lat, lon in (CACHED_SARATOV, CACHED_ENGELS)
    }
    write_cache(path, entries)


@dataclass(frozen=True)
class Geo:
    """The app over the stored sites and a cache file, with keys by role."""

    client: TestClient
    keys: dict[str, dict[str, str]]
    settings: Settings

    def as_(self, role: str) -> dict[str, str]:
        return self.keys[role]


@pytest.fixture(scope="module")
def geo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Geo]:
    folder = tmp_path_factory.mktemp("geocode")
    _cache(folder / "geocode_cache.json")
    settings = make_settings(
        f"sqlite:///{folder / 'wfm.db'}", geocode_cache=folder / "geocode_cache.json"
    )
    assert settings.geocode_online is False  # the tests' service never calls out
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as c:
        seed(app.state.engine, _stored_sites())
        with transaction(app.state.engine) as session:
            keys = {r.name: {"X-API-Key": create_key(session, r, r.name).key} for r in Role}
        yield Geo(client=c, keys=keys, settings=settings)


def _site(site_id: str, **fields: object) -> dict[str, object]:
    """A site body with no location: only an address (given in ``fields``)."""
    return {"id": site_id, "customer": "ООО «Связь»", "sla_policy": "geo-std", **fields}


def test_the_service_geocodes_offline_unless_told_otherwise() -> None:
    settings = Settings()
    assert settings.geocode_online is False
    assert SiteGeocoding(settings).geocoder().offline is True


def test_a_stored_sites_address_is_located_with_its_city_and_bank(geo: Geo) -> None:
    r = geo.client.get(
        f"{API}/geocode",
        params={"address": "  Г. ЭНГЕЛЬС,  пл. Ленина, 1"},
        headers=geo.as_("dispatcher"),
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "address": "Г. ЭНГЕЛЬС, пл. Ленина, 1",
        "lat": ENGELS_SITE["lat"],
        "lon": ENGELS_SITE["lon"],
        "city": "Engels",
        "bank": "left",
        "source": "site",
    }


def test_an_address_only_the_cache_knows_takes_the_city_of_the_nearest_site(geo: Geo) -> None:
    h = geo.as_("dispatcher")
    sar = geo.client.get(f"{API}/geocode", params={"address": CACHED_SARATOV[0]}, headers=h).json()
    eng = geo.client.get(f"{API}/geocode", params={"address": CACHED_ENGELS[0]}, headers=h).json()
    assert (sar["lat"], sar["lon"], sar["city"], sar["bank"], sar["source"]) == (
        CACHED_SARATOV[1], CACHED_SARATOV[2], "Saratov", "right", "cache"
    )  # fmt: skip
    assert (eng["city"], eng["bank"]) == ("Engels", "left")


def test_an_unknown_address_is_a_422_naming_the_address_and_asking_for_coordinates(
    geo: Geo,
) -> None:
    h = geo.as_("dispatcher")
    r = geo.client.get(f"{API}/geocode", params={"address": UNKNOWN}, headers=h)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert (r.json()["field"], r.json()["value"]) == ("address", UNKNOWN)
    assert "введите широту и долготу" in r.json()["errors"][0]["message"]
    en = geo.client.get(f"{API}/geocode", params={"address": UNKNOWN, "lang": "en"}, headers=h)
    assert "enter the site's latitude and longitude" in en.json()["errors"][0]["message"]


def test_a_viewer_may_not_geocode(geo: Geo) -> None:
    r = geo.client.get(f"{API}/geocode", params={"address": UNKNOWN}, headers=geo.as_("viewer"))
    assert r.status_code == 403


def test_a_site_given_a_cached_address_only_gets_its_coordinates_city_and_bank(geo: Geo) -> None:
    sid = unique("s")
    body = _site(sid, address=CACHED_SARATOV[0])
    r = geo.client.post(f"{API}/sites", json=body, headers=geo.as_("head"))
    assert r.status_code == 201, r.text
    stored = geo.client.get(f"{API}/sites/{sid}", headers=geo.as_("viewer")).json()
    assert stored["location"] == {"lat": CACHED_SARATOV[1], "lon": CACHED_SARATOV[2], "id": None}
    assert (stored["city"], stored["bank"]) == ("Saratov", "right")


def test_a_site_with_an_unknown_address_is_refused_and_nothing_is_stored(geo: Geo) -> None:
    sid = unique("s")
    r = geo.client.post(f"{API}/sites", json=_site(sid, address=UNKNOWN), headers=geo.as_("head"))
    assert r.status_code == 422
    assert (r.json()["field"], r.json()["value"]) == ("address", UNKNOWN)
    assert geo.client.get(f"{API}/sites/{sid}", headers=geo.as_("viewer")).status_code == 404


def test_a_site_with_neither_address_nor_location_is_refused_naming_location(geo: Geo) -> None:
    r = geo.client.post(
        f"{API}/sites", json=_site(unique("s"), city="Saratov"), headers=geo.as_("head")
    )
    assert r.status_code == 422
    assert r.json()["field"] == "location"


def test_given_coordinates_win_over_the_address_and_make_it_known(geo: Geo) -> None:
    sid = unique("s")
    address = "г. Саратов, ул. Новая, 1"  # not known until this site is stored
    body = _site(sid, address=address, city="Saratov", location={"lat": 51.54, "lon": 46.0})
    assert geo.client.post(f"{API}/sites", json=body, headers=geo.as_("head")).status_code == 201
    stored = geo.client.get(f"{API}/sites/{sid}", headers=geo.as_("viewer")).json()
    assert (stored["location"]["lat"], stored["bank"]) == (51.54, "right")
    known = geo.client.get(f"{API}/geocode", params={"address": address}, headers=geo.as_("head"))
    assert (known.json()["lat"], known.json()["source"]) == (51.54, "site")


def test_patching_the_address_alone_moves_the_site_to_the_new_address(geo: Geo) -> None:
    sid = unique("s")
    h = geo.as_("head")
    assert geo.client.post(
        f"{API}/sites", json=_site(sid, address=CACHED_SARATOV[0]), headers=h
    ).status_code == 201  # fmt: skip
    r = geo.client.patch(f"{API}/sites/{sid}", json={"address": CACHED_ENGELS[0]}, headers=h)
    assert r.status_code == 200, r.text
    # The city was stored with the first address; the coordinates follow the new one.
    assert (r.json()["location"]["lat"], r.json()["location"]["lon"]) == CACHED_ENGELS[1:]


def test_patching_to_an_unknown_address_changes_nothing(geo: Geo) -> None:
    sid = unique("s")
    h = geo.as_("head")
    geo.client.post(f"{API}/sites", json=_site(sid, address=CACHED_SARATOV[0]), headers=h)
    r = geo.client.patch(f"{API}/sites/{sid}", json={"address": UNKNOWN}, headers=h)
    assert (r.status_code, r.json()["field"]) == (422, "address")
    assert geo.client.get(f"{API}/sites/{sid}", headers=h).json()["address"] == CACHED_SARATOV[0]


def test_replacing_a_site_without_a_location_locates_its_address(geo: Geo) -> None:
    sid = unique("s")
    h = geo.as_("head")
    geo.client.post(f"{API}/sites", json=_site(sid, address=CACHED_SARATOV[0]), headers=h)
    r = geo.client.put(
        f"{API}/sites/{sid}", json=_site(sid, address=ENGELS_SITE["address"]), headers=h
    )
    assert r.status_code == 200, r.text
    assert (r.json()["city"], r.json()["bank"]) == ("Engels", "left")


def test_the_site_list_shows_the_bank_of_visited_cities_only(geo: Geo) -> None:
    sites = geo.client.get(f"{API}/sites", params={"limit": 1000}, headers=geo.as_("viewer"))
    banks = {s["id"]: s["bank"] for s in sites.json()["data"] if s["id"].startswith("geo-")}
    assert banks == {"geo-sar": "right", "geo-eng": "left", "geo-vol": None}


@dataclass
class FakeNominatim:
    """A geocoding service that knows one address, or fails on every call."""

    fail: bool = False
    calls: int = 0

    def geocode(self, query: str) -> object:
        self.calls += 1
        if self.fail:
            raise GeopyUnavailable("down")
        if "Чернышевского" in query:
            return type("Point", (), {"latitude": 51.5300, "longitude": 46.0400})()
        return None


def test_online_an_unknown_address_is_asked_once_and_cached(geo: Geo, tmp_path: Path) -> None:
    settings = geo.settings.model_copy(
        update={"geocode_online": True, "geocode_cache": tmp_path / "c.json"}
    )
    service = FakeNominatim()
    geocoding = SiteGeocoding(settings, service=service)
    address = "г. Саратов, ул. Чернышевского, 1"
    with read_session(geo.client.app.state.engine) as session:  # type: ignore[attr-defined]
        first = locate(session, geocoding, address)
        second = locate(session, geocoding, address)
    assert (first.source, first.city, first.bank) == ("service", "Saratov", "right")
    assert (second.source, service.calls) == ("cache", 1)
    assert "чернышевского" in (tmp_path / "c.json").read_text(encoding="utf-8")


def test_online_a_failing_geocoder_is_a_503_asking_for_coordinates(
    geo: Geo, tmp_path: Path
) -> None:
    settings = geo.settings.model_copy(
        update={"geocode_online": True, "geocode_cache": tmp_path / "c.json"}
    )
    geocoding = SiteGeocoding(settings, service=FakeNominatim(fail=True))
    engine = geo.client.app.state.engine  # type: ignore[attr-defined]
    with (
        read_session(engine) as session,
        pytest.raises(GeocoderUnavailable, match="введите широту и долготу"),
    ):
        locate(session, geocoding, UNKNOWN)


def test_every_sample_address_is_located_from_its_stored_site(tmp_path: Path) -> None:
    sample = load_sample()
    if sample is None:
        pytest.skip("the sample data set is not installed")
    settings = make_settings(
        f"sqlite:///{tmp_path / 'wfm.db'}", geocode_cache=tmp_path / "none.json"
    )
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False):
        seed(app.state.engine, DataSet(sla_policies=sample.sla_policies, sites=sample.sites))
        geocoding = SiteGeocoding(settings)
        with read_session(app.state.engine) as session:
            for site in sample.sites[:40]:
                place = locate(session, geocoding, site.address)
                assert (place.lat, place.lon, place.city) == (
                    site.location.lat, site.location.lon, site.city
                ), site.id  # fmt: skip
    assert not (tmp_path / "none.json").exists()
