"""The default travel model: geodesic distance × circuity, speed by hour, the Volga bridge.

For a drive from ``a`` to ``b`` leaving at ``depart``:

- road km = geodesic km (WGS-84, geopy) × ``circuity``;
- minutes = road km / speed × 60, the speed being the average for the local hour of departure
  (Europe/Saratov), from the working-day or the day-off table of the production calendar;
- + ``parking_min`` (parking and walking to the door) once per leg between two different points;
- + the bridge penalty when ``a`` and ``b`` are on different banks of the Volga
  (:func:`~optimizer.travel.bank.bank_of`): ``bridge_rush_penalty_min`` when leaving inside a
  rush window of a working day, else ``bridge_penalty_min``.

The speed is the one at departure for the whole leg (a drive starting at 07:55 is priced at the
07:00 speed even if it ends in the 08:00 hour). The model is deterministic and symmetric in km;
minutes are symmetric too for the same departure time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from geopy.distance import geodesic

from optimizer.calendar import default_calendar, to_local
from optimizer.domain.common import Location
from optimizer.travel.bank import Bank, bank_at
from optimizer.travel.base import ZERO_LEG, Leg, TravelMatrix, coordinates, distinct_keys, expand
from optimizer.travel.params import TravelParams, default_travel_params

Point = tuple[float, float]


@dataclass(frozen=True)
class Traffic:
    """Road conditions for a departure: average speed and the cost of crossing the bridge."""

    speed_kmh: float
    bridge_min: float
    rush: bool


class GeodesicTravelModel:
    """Travel time and distance from coordinates, rush hours and the Saratov–Engels bridge.

    Parameters
    ----------
    params
        The model's numbers; the packaged ``params.json`` when omitted.
    is_working_day
        Which dates are working days (rush hours and working-day speeds apply only on them);
        the Russian production calendar of :mod:`optimizer.calendar` when omitted.
    """

    def __init__(
        self,
        params: TravelParams | None = None,
        is_working_day: Callable[[date], bool] | None = None,
    ) -> None:
        self.params = params or default_travel_params()
        self._is_working_day = is_working_day or default_calendar().is_working_day
        self._geodesic = geodesic()
        # Road km does not depend on the departure time: matrices for several departure hours
        # (and repeated legs) reuse it. Per instance, so no module-level mutable state.
        self._km_cache: dict[tuple[Point, Point], float] = {}

    def leg(self, a: Location, b: Location, depart: datetime) -> Leg:
        """The drive from ``a`` to ``b`` leaving at ``depart`` (an aware datetime)."""
        pa, pb = coordinates(a), coordinates(b)
        traffic = self.traffic_at(depart)
        if a.key == b.key:
            return ZERO_LEG
        return self._leg(pa, pb, traffic)

    def matrix(self, locations: list[Location], depart: datetime) -> TravelMatrix:
        """Every leg between ``locations``, all leaving at ``depart``."""
        for i, loc in enumerate(locations):
            coordinates(loc, f"locations[{i}]")
        traffic = self.traffic_at(depart)
        where, unique = distinct_keys(locations)
        unique_points = [coordinates(loc) for loc in unique]
        n = len(unique)
        minutes = [[0.0] * n for _ in range(n)]
        km = [[0.0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                leg = self._leg(unique_points[i], unique_points[j], traffic)
                minutes[i][j] = minutes[j][i] = leg.minutes
                km[i][j] = km[j][i] = leg.km
        return expand(where, minutes, km)

    # -- the rules ------------------------------------------------------------------------------

    def traffic_at(self, depart: datetime) -> Traffic:
        """Speed and bridge cost for a departure, from its local hour and the calendar."""
        local = to_local(depart, "depart")
        working = self._is_working_day(local.date())
        rush = working and self.params.in_rush(local.time())
        return Traffic(
            speed_kmh=self.params.speed_kmh(local.hour, working),
            bridge_min=self.params.bridge_rush_penalty_min
            if rush
            else self.params.bridge_penalty_min,
            rush=rush,
        )

    def road_km(self, a: Point, b: Point) -> float:
        """Road distance: the geodesic distance stretched by the circuity factor."""
        key = (a, b) if a <= b else (b, a)
        km = self._km_cache.get(key)
        if km is None:
            km = float(self._geodesic.measure(a, b)) * self.params.circuity
            self._km_cache[key] = km
        return km

    def bank(self, p: Point) -> Bank:
        """The bank of the Volga a point is on."""
        return bank_at(p[0], p[1], self.params)

    def crosses_river(self, a: Point, b: Point) -> bool:
        """A leg between the right (Saratov) and the left (Engels) bank crosses the bridge."""
        return self.bank(a) != self.bank(b)

    def _leg(self, a: Point, b: Point, traffic: Traffic) -> Leg:
        km = self.road_km(a, b)
        if km == 0.0:
            return ZERO_LEG
        minutes = km / traffic.speed_kmh * 60.0 + self.params.parking_min
        if self.crosses_river(a, b):
            minutes += traffic.bridge_min
        return Leg(minutes=minutes, km=km)
