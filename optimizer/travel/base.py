"""What every travel model returns (:class:`Leg`, :class:`TravelMatrix`) and the interface they
share (:class:`TravelModel`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from optimizer.domain.common import Location
from optimizer.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Leg:
    """One drive: how many minutes it takes and how many kilometres the car covers."""

    minutes: float
    km: float


ZERO_LEG = Leg(0.0, 0.0)
"""Staying where one is."""


@dataclass(frozen=True)
class TravelMatrix:
    """Minutes and km between every pair of a list of locations, in the order given.

    ``minutes[i][j]`` is the drive from location ``i`` to location ``j``; the diagonal is 0.
    """

    minutes: list[list[float]]
    km: list[list[float]]

    def leg(self, i: int, j: int) -> Leg:
        """The leg from location ``i`` to location ``j``."""
        return Leg(self.minutes[i][j], self.km[i][j])

    @property
    def size(self) -> int:
        """How many locations the matrix covers."""
        return len(self.minutes)


@runtime_checkable
class TravelModel(Protocol):
    """Travel time and distance between locations, for a departure at an aware instant.

    The same location (same id, or same coordinates) is always 0 minutes and 0 km.
    """

    def leg(self, a: Location, b: Location, depart: datetime) -> Leg:
        """The drive from ``a`` to ``b`` leaving at ``depart``."""
        ...

    def matrix(self, locations: list[Location], depart: datetime) -> TravelMatrix:
        """Every leg between ``locations`` (in their order), all leaving at ``depart``."""
        ...


def coordinates(location: Location, field: str = "location") -> tuple[float, float]:
    """``(lat, lon)`` of a location; a location given only by an id is an input error here."""
    if location.lat is None or location.lon is None:
        raise InvalidInput(
            field,
            location.key,
            "this travel model needs lat and lon; give coordinates or a travel matrix",
        )
    return (location.lat, location.lon)


def label(location: Location) -> str:
    """How a location is named in messages: its id, else ``lat,lon``."""
    return location.key


def distinct_keys(locations: Sequence[Location]) -> tuple[list[int], list[Location]]:
    """Collapse repeated locations: the position of each input in the distinct list, and the list.

    Two inputs with the same key (same id, or the same coordinates to 6 decimals) are one place.
    """
    index: dict[str, int] = {}
    unique: list[Location] = []
    where: list[int] = []
    for loc in locations:
        key = loc.key
        if key not in index:
            index[key] = len(unique)
            unique.append(loc)
        where.append(index[key])
    return where, unique


def expand(where: list[int], minutes: list[list[float]], km: list[list[float]]) -> TravelMatrix:
    """A matrix over the original list from one over its distinct locations (diagonal 0)."""
    n = len(where)
    out_min = [[0.0] * n for _ in range(n)]
    out_km = [[0.0] * n for _ in range(n)]
    for i, wi in enumerate(where):
        for j, wj in enumerate(where):
            if wi != wj:
                out_min[i][j] = minutes[wi][wj]
                out_km[i][j] = km[wi][wj]
    return TravelMatrix(minutes=out_min, km=out_km)
