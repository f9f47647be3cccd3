"""An explicit travel matrix given by the user (``{"kind": "matrix", ...}``).

Locations refer to rows by id (``{"id": "office"}``); a location given by coordinates is
looked up by its key ``"lat,lon"`` (6 decimals), so a matrix may also be keyed that way.
The departure time is ignored. Without ``km`` every distance is 0 (car costs then count as 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from optimizer.domain.common import Location
from optimizer.domain.travel import check_travel_matrix
from optimizer.errors import InvalidInput
from optimizer.travel.base import ZERO_LEG, Leg, TravelMatrix


class MatrixTravelModel:
    """Travel minutes (and km) read from a square matrix, one row and column per location id.

    Parameters
    ----------
    location_ids
        The id of each row / column, unique.
    minutes
        ``minutes[i][j]``: the drive from ``location_ids[i]`` to ``location_ids[j]``.
    km
        Distances in the same layout; all 0 when omitted.
    """

    def __init__(
        self,
        location_ids: Sequence[str],
        minutes: Sequence[Sequence[float]],
        km: Sequence[Sequence[float]] | None = None,
    ) -> None:
        check_travel_matrix(location_ids, minutes, km)
        n = len(location_ids)
        self.location_ids = list(location_ids)
        self._row = {ident: i for i, ident in enumerate(self.location_ids)}
        self._minutes = [[float(c) for c in row] for row in minutes]
        self._km = [[float(c) for c in row] for row in km] if km is not None else _zeros(n)

    def leg(self, a: Location, b: Location, depart: datetime) -> Leg:
        """The drive from ``a`` to ``b`` as the matrix gives it (``depart`` is ignored)."""
        i, j = self.row_of(a), self.row_of(b)
        if i == j:
            return ZERO_LEG
        return Leg(self._minutes[i][j], self._km[i][j])

    def matrix(self, locations: list[Location], depart: datetime) -> TravelMatrix:
        """The sub-matrix of ``locations`` in their order (``depart`` is ignored)."""
        rows = [self.row_of(loc) for loc in locations]
        minutes = [[self._cell(self._minutes, i, j) for j in rows] for i in rows]
        km = [[self._cell(self._km, i, j) for j in rows] for i in rows]
        return TravelMatrix(minutes=minutes, km=km)

    def row_of(self, location: Location) -> int:
        """The matrix row of a location; a location the matrix does not name is an input error."""
        key = location.key
        row = self._row.get(key)
        if row is None:
            raise InvalidInput("travel.locations", key, "location missing from the travel matrix")
        return row

    @staticmethod
    def _cell(table: list[list[float]], i: int, j: int) -> float:
        """A cell, with staying in place always 0 whatever the diagonal says."""
        return 0.0 if i == j else table[i][j]


def _zeros(n: int) -> list[list[float]]:
    return [[0.0] * n for _ in range(n)]
