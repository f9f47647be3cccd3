"""Addresses to coordinates: geopy's Nominatim behind a rate limiter, with a persistent cache.

An adapter, so it reads and writes its cache file; the travel models stay pure.

- Online: an address not in the cache is asked from Nominatim (at most one request per
  ``min_delay_s`` seconds, as the OpenStreetMap usage policy asks), and the answer — found or
  not found — is written to the cache at once, atomically (temporary file + rename).
- Offline: only the cache answers; an address missing from it is :class:`InvalidInput`.

Cache file (JSON)::

    {"version": 1,
     "entries": {"саратов, ул. московская, 66": {"address": "Саратов, ул. Московская, 66",
                                                 "lat": 51.53, "lon": 46.03}}}

The key is the address with blanks collapsed and case folded; ``lat``/``lon`` are ``null`` for
an address the geocoder did not find (so it is not asked again).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim

from optimizer.domain.common import Location
from optimizer.errors import InvalidInput, WfmError

CACHE_VERSION = 1


class GeocodingError(WfmError):
    """The geocoding service failed (timeout, refusal, unavailable): not the address's fault."""


class GeocoderService(Protocol):
    """What we need of a geopy geocoder: ``geocode(query)`` returning a point or ``None``."""

    def geocode(self, query: str) -> Any:
        """A result with ``latitude`` and ``longitude``, or ``None`` when not found."""
        ...


class Geocoder:
    """Geocode addresses through a cache file, asking Nominatim only for new ones.

    Parameters
    ----------
    cache_path
        The JSON cache; created on the first answer if missing.
    user_agent
        Identifies the application to Nominatim (required by its usage policy).
    min_delay_s
        Least time between two requests to the service.
    offline
        Use the cache only; a missing address is an input error.
    geocoder
        The geocoding service (a geopy geocoder or a fake); Nominatim when omitted.
    timeout_s
        Timeout of each request to Nominatim.
    max_retries
        Retries of a failed request (the rate limiter waits 5 s between them).
    """

    def __init__(
        self,
        cache_path: Path,
        user_agent: str = "wfm",
        min_delay_s: float = 1.0,
        offline: bool = False,
        geocoder: GeocoderService | None = None,
        timeout_s: float = 10.0,
        max_retries: int = 2,
    ) -> None:
        self.cache_path = Path(cache_path)
        self.offline = offline
        self._entries = read_cache(self.cache_path)
        self._lookup: Callable[[str], Any] | None = None
        if not offline:
            service = geocoder or Nominatim(user_agent=user_agent, timeout=timeout_s)
            self._lookup = RateLimiter(
                service.geocode,
                min_delay_seconds=min_delay_s,
                max_retries=max_retries,
                swallow_exceptions=False,
            )

    def geocode(self, address: str) -> Location:
        """The coordinates of an address: from the cache, else (online) from the service."""
        key = cache_key(address)
        if not key:
            raise InvalidInput("address", address, "empty address")
        if key in self._entries:
            return _from_entry(address, self._entries[key])
        if self._lookup is None:
            raise InvalidInput("address", address, "not in the geocoding cache and offline")
        entry = self._ask(address)
        self._entries[key] = entry
        write_cache(self.cache_path, self._entries)
        return _from_entry(address, entry)

    def cached(self, address: str) -> Location | None:
        """The cached coordinates of an address, or ``None`` (never asks the service)."""
        entry = self._entries.get(cache_key(address))
        if entry is None or entry.get("lat") is None:
            return None
        return _from_entry(address, entry)

    def _ask(self, address: str) -> dict[str, Any]:
        """One request to the service; its failures become :class:`GeocodingError`."""
        assert self._lookup is not None
        try:
            found = self._lookup(address)
        except GeopyError as err:
            raise GeocodingError(f"geocoding {address!r} failed: {err}") from None
        if found is None:
            return {"address": address, "lat": None, "lon": None}
        return {"address": address, "lat": float(found.latitude), "lon": float(found.longitude)}


def cache_key(address: str) -> str:
    """The cache key of an address: blanks collapsed, case folded."""
    return " ".join(address.split()).casefold()


def _from_entry(address: str, entry: dict[str, Any]) -> Location:
    """A cached answer as a location; a cached "not found" is an input error."""
    if entry.get("lat") is None or entry.get("lon") is None:
        raise InvalidInput("address", address, "not found by the geocoder")
    return Location(lat=entry["lat"], lon=entry["lon"])


def read_cache(path: Path) -> dict[str, dict[str, Any]]:
    """The entries of a cache file; a missing file is an empty cache, a broken one an error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise InvalidInput("geocoding cache", str(path), f"cannot read: {err.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidInput(
            "geocoding cache", str(path), f"malformed JSON at line {err.lineno}: {err.msg}"
        ) from None
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, dict) or not all(isinstance(v, dict) for v in entries.values()):
        raise InvalidInput(
            "geocoding cache", str(path), "expected {'version': 1, 'entries': {...}}"
        )
    return entries


def write_cache(path: Path, entries: dict[str, dict[str, Any]]) -> None:
    """Write the cache atomically: a temporary file in the same folder, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"version": CACHE_VERSION, "entries": dict(sorted(entries.items()))}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(payload, f, ensure_ascii=False, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
