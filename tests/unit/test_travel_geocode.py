"""Geocoding through a persistent cache, with a fake geocoding service (never the network)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from geopy.exc import GeocoderTimedOut

from optimizer.errors import InvalidInput
from optimizer.travel import Geocoder, GeocodingError

MOSKOVSKAYA = "Саратов, ул. Московская, 66"
PUSHKINA = "Энгельс, ул. Пушкина, 1"


@dataclass(frozen=True)
class Point:
    """What a geopy geocoder returns: an object with latitude and longitude."""

    latitude: float
    longitude: float


@dataclass
class FakeGeocoder:
    """A geocoding service that knows a few addresses and records every question."""

    known: dict[str, Point] = field(
        default_factory=lambda: {
            MOSKOVSKAYA: Point(51.5336, 46.0343),
            PUSHKINA: Point(51.4993, 46.1215),
        }
    )
    asked: list[str] = field(default_factory=list)
    fails: bool = False

    def geocode(self, query: str) -> Point | None:
        self.asked.append(query)
        if self.fails:
            raise GeocoderTimedOut("Service timed out")
        return self.known.get(query)


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    """Where the cache file goes (not created yet)."""
    return tmp_path / "geo" / "cache.json"


@pytest.fixture
def service() -> FakeGeocoder:
    return FakeGeocoder()


def online(cache_path: Path, service: FakeGeocoder) -> Geocoder:
    """A geocoder asking the fake service with no delay between requests and no retries."""
    return Geocoder(cache_path, min_delay_s=0, geocoder=service, max_retries=0)


def test_new_address_is_asked_once_and_then_served_from_the_cache(cache_path, service):
    geo = online(cache_path, service)
    first = geo.geocode(MOSKOVSKAYA)
    second = geo.geocode(MOSKOVSKAYA)
    assert (first.lat, first.lon) == (51.5336, 46.0343)
    assert second == first
    assert service.asked == [MOSKOVSKAYA]


def test_answers_persist_in_the_cache_file_for_an_offline_geocoder(cache_path, service):
    online(cache_path, service).geocode(PUSHKINA)
    offline = Geocoder(cache_path, offline=True)
    loc = offline.geocode(PUSHKINA)
    assert (loc.lat, loc.lon) == (51.4993, 46.1215)
    stored = json.loads(cache_path.read_text(encoding="utf-8"))
    assert stored["version"] == 1
    assert stored["entries"]["энгельс, ул. пушкина, 1"]["address"] == PUSHKINA


def test_cache_lookup_ignores_extra_blanks_and_letter_case(cache_path, service):
    geo = online(cache_path, service)
    geo.geocode(MOSKOVSKAYA)
    again = geo.geocode("  саратов,   УЛ. Московская, 66 ")
    assert (again.lat, again.lon) == (51.5336, 46.0343)
    assert len(service.asked) == 1


def test_offline_address_missing_from_the_cache_is_an_input_error(cache_path):
    with pytest.raises(InvalidInput) as err:
        Geocoder(cache_path, offline=True).geocode(PUSHKINA)
    assert (err.value.field, err.value.value) == ("address", PUSHKINA)
    assert "not in the geocoding cache and offline" in str(err.value)


def test_offline_geocoder_never_asks_the_service(cache_path, service):
    with pytest.raises(InvalidInput):
        Geocoder(cache_path, offline=True, geocoder=service).geocode(MOSKOVSKAYA)
    assert service.asked == []


def test_address_not_found_is_an_input_error_and_is_not_asked_again(cache_path, service):
    geo = online(cache_path, service)
    for _ in range(2):
        with pytest.raises(InvalidInput, match="not found by the geocoder"):
            geo.geocode("Марс, ул. Несуществующая, 0")
    assert len(service.asked) == 1


def test_service_failure_is_a_geocoding_error_and_nothing_is_cached(cache_path, service):
    service.fails = True
    with pytest.raises(GeocodingError, match="timed out"):
        online(cache_path, service).geocode(MOSKOVSKAYA)
    assert not cache_path.exists()


def test_cache_is_written_without_leaving_temporary_files(cache_path, service):
    geo = online(cache_path, service)
    geo.geocode(MOSKOVSKAYA)
    geo.geocode(PUSHKINA)
    assert sorted(p.name for p in cache_path.parent.iterdir()) == ["cache.json"]
    assert len(json.loads(cache_path.read_text(encoding="utf-8"))["entries"]) == 2


def test_malformed_cache_file_is_an_input_error_naming_the_file(cache_path):
    cache_path.parent.mkdir(parents=True)
    cache_path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        Geocoder(cache_path, offline=True)
    assert (err.value.field, err.value.value) == ("geocoding cache", str(cache_path))


def test_cached_returns_none_for_unknown_address_without_asking(cache_path, service):
    geo = online(cache_path, service)
    assert geo.cached(MOSKOVSKAYA) is None
    assert service.asked == []
