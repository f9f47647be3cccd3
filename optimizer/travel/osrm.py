"""Travel times and distances from an OSRM server (``GET /table/v1/{profile}/...``).

For users who run their own OSRM with the Volga region's OpenStreetMap extract. The client:

- sends coordinates in OSRM's ``lon,lat`` order, 6 decimals, separated by ``;``;
- never puts more than ``chunk`` (100 by default, the limit of a stock ``osrm-routed``)
  coordinates in one request: above that, the distinct locations are cut into blocks of
  ``chunk // 2`` and every (source block, destination block) pair is one request with
  ``sources=`` / ``destinations=`` indices;
- has a timeout on every request and raises :class:`OsrmError` on a timeout, a transport error,
  an HTTP error or an answer whose ``code`` is not ``"Ok"``;
- treats a ``null`` cell (OSRM found no route) as :class:`NoRouteError`, naming both locations.

OSRM has no time of day, so ``depart`` is ignored. :meth:`OsrmTravelModel.leg` asks the server
each time: callers with many legs use :meth:`OsrmTravelModel.matrix` once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import httpx

from optimizer.domain.common import Location
from optimizer.errors import InvalidInput, WfmError
from optimizer.travel.base import Leg, TravelMatrix, coordinates, distinct_keys, expand, label

MAX_COORDINATES = 100
"""Default ``--max-table-size`` of ``osrm-routed``."""

Point = tuple[float, float]
Block = range


class OsrmError(WfmError):
    """OSRM could not answer: unreachable, too slow, an HTTP error, or ``code`` not ``"Ok"``."""


class NoRouteError(OsrmError, InvalidInput):
    """OSRM found no road between two locations (a ``null`` cell of the table)."""

    def __init__(self, origin: str, destination: str) -> None:
        InvalidInput.__init__(
            self,
            "travel.locations",
            f"{origin} -> {destination}",
            f"no route from {origin} to {destination} (OSRM returned null)",
        )
        self.origin = origin
        self.destination = destination


class OsrmTravelModel:
    """A :class:`~optimizer.travel.base.TravelModel` backed by an OSRM ``/table`` service.

    Parameters
    ----------
    base_url
        The server, e.g. ``http://localhost:5000``.
    profile
        The OSRM profile in the URL (``driving``).
    timeout_s
        Connect / read / write timeout of each request, seconds.
    chunk
        The most coordinates one request may hold (at least 2).
    """

    def __init__(
        self,
        base_url: str,
        profile: str = "driving",
        timeout_s: float = 10,
        chunk: int = MAX_COORDINATES,
    ) -> None:
        if chunk < 2:
            raise InvalidInput("chunk", chunk, "an OSRM request needs room for at least 2 points")
        if timeout_s <= 0:
            raise InvalidInput("timeout_s", timeout_s, "must be positive")
        self.base_url = base_url.rstrip("/")
        self.profile = profile
        self.timeout_s = float(timeout_s)
        self.chunk = chunk

    def leg(self, a: Location, b: Location, depart: datetime) -> Leg:
        """The drive from ``a`` to ``b`` (one request unless they are the same place)."""
        return self.matrix([a, b], depart).leg(0, 1)

    def matrix(self, locations: list[Location], depart: datetime) -> TravelMatrix:
        """Every leg between ``locations``, asked in chunks of at most ``chunk`` coordinates."""
        for i, loc in enumerate(locations):
            coordinates(loc, f"locations[{i}]")
        where, unique = distinct_keys(locations)
        n = len(unique)
        minutes = [[0.0] * n for _ in range(n)]
        km = [[0.0] * n for _ in range(n)]
        if n > 1:
            points = [coordinates(loc) for loc in unique]
            with httpx.Client(timeout=self.timeout_s) as client:
                for sources, destinations in self.blocks(n):
                    body = self._get(client, self.table_url(points, sources, destinations))
                    self._fill(body, unique, sources, destinations, minutes, km)
        return expand(where, minutes, km)

    # -- requests -------------------------------------------------------------------------------

    def blocks(self, n: int) -> Iterator[tuple[Block, Block]]:
        """(sources, destinations) index ranges so no request holds more than ``chunk`` points."""
        if n <= self.chunk:
            yield range(n), range(n)
            return
        half = self.chunk // 2
        cuts = [range(k, min(k + half, n)) for k in range(0, n, half)]
        for sources in cuts:
            for destinations in cuts:
                yield sources, destinations

    def table_url(self, points: Sequence[Point], sources: Block, destinations: Block) -> str:
        """The ``/table/v1`` URL for one block pair; coordinates in OSRM's ``lon,lat`` order."""
        same = sources == destinations
        chosen = list(sources) if same else [*sources, *destinations]
        coords = ";".join(f"{points[k][1]:.6f},{points[k][0]:.6f}" for k in chosen)
        url = f"{self.base_url}/table/v1/{self.profile}/{coords}?annotations=duration,distance"
        if not same:
            src = ";".join(str(i) for i in range(len(sources)))
            dst = ";".join(str(len(sources) + i) for i in range(len(destinations)))
            url += f"&sources={src}&destinations={dst}"
        return url

    def _get(self, client: httpx.Client, url: str) -> dict[str, Any]:
        """One table request; every failure becomes an :class:`OsrmError` naming the server."""
        try:
            response = client.get(url)
        except httpx.TimeoutException:
            raise OsrmError(
                f"OSRM at {self.base_url} did not answer within {self.timeout_s:g} s"
            ) from None
        except httpx.HTTPError as err:
            raise OsrmError(f"OSRM at {self.base_url} is unreachable: {err}") from None
        try:
            body = response.json()
        except ValueError:
            raise OsrmError(
                f"OSRM at {self.base_url} answered HTTP {response.status_code} without JSON"
            ) from None
        code = body.get("code") if isinstance(body, dict) else None
        if response.status_code != 200 or code != "Ok":
            message = body.get("message", "") if isinstance(body, dict) else ""
            raise OsrmError(
                f"OSRM at {self.base_url} refused the table request: HTTP "
                f"{response.status_code}, code {code!r}{': ' + message if message else ''}"
            )
        return body

    def _fill(
        self,
        body: dict[str, Any],
        unique: Sequence[Location],
        sources: Block,
        destinations: Block,
        minutes: list[list[float]],
        km: list[list[float]],
    ) -> None:
        """Copy one answer into the full matrices (seconds → minutes, metres → km)."""
        durations = _table(body, "durations", len(sources), len(destinations), self.base_url)
        distances = _table(body, "distances", len(sources), len(destinations), self.base_url)
        for r, i in enumerate(sources):
            for c, j in enumerate(destinations):
                if i == j:
                    continue
                seconds, metres = durations[r][c], distances[r][c]
                if seconds is None or metres is None:
                    raise NoRouteError(label(unique[i]), label(unique[j]))
                if not isinstance(seconds, int | float) or not isinstance(metres, int | float):
                    raise OsrmError(f"OSRM at {self.base_url} answered a non-numeric cell")
                minutes[i][j] = float(seconds) / 60.0
                km[i][j] = float(metres) / 1000.0


def _table(body: dict[str, Any], name: str, rows: int, cols: int, server: str) -> list[list[Any]]:
    """A ``rows × cols`` table of an OSRM answer, or an :class:`OsrmError` saying what is off."""
    table = body.get(name)
    if (
        not isinstance(table, list)
        or len(table) != rows
        or any(not isinstance(row, list) or len(row) != cols for row in table)
    ):
        raise OsrmError(
            f"OSRM at {server} answered without a {rows}×{cols} '{name}' table "
            "(does the server support annotations=duration,distance?)"
        )
    return table
