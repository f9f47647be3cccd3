"""Which bank of the Volga a point is on: Saratov is on the right (west) bank, Engels on the left
(east) bank.

The approximation: the river is a polyline of its axis (``river_line`` in ``params.json``) going
from north to south; at a point's latitude the axis has one longitude (linear interpolation
between the two neighbouring vertices, the end longitude beyond the ends), and a point west of
it is on the right bank. Islands, the river's width and the bays are ignored, and the answer is
only meaningful within about 30 km of the Saratov bridge — which covers every visited site,
since site visits are made in Saratov and Engels only.
"""

from __future__ import annotations

from typing import Literal

from optimizer.domain.common import Location
from optimizer.travel.base import coordinates
from optimizer.travel.params import TravelParams, default_travel_params

Bank = Literal["right", "left"]
"""``right``: the west bank (Saratov); ``left``: the east bank (Engels)."""


def bank_of(location: Location, params: TravelParams | None = None) -> Bank:
    """The bank of the Volga a point is on: west of the river's axis is the right bank."""
    lat, lon = coordinates(location)
    return bank_at(lat, lon, params or default_travel_params())


def bank_at(lat: float, lon: float, params: TravelParams) -> Bank:
    """The bank of a point given by raw coordinates."""
    return "right" if lon < river_lon_at(lat, params) else "left"


def river_lon_at(lat: float, params: TravelParams) -> float:
    """Longitude of the river's axis at a latitude (linear between vertices, flat beyond)."""
    line = params.river_line
    if lat >= line[0][0]:
        return line[0][1]
    for (lat_n, lon_n), (lat_s, lon_s) in zip(line, line[1:], strict=False):
        if lat_s <= lat <= lat_n:
            t = (lat_n - lat) / (lat_n - lat_s)
            return lon_n + t * (lon_s - lon_n)
    return line[-1][1]
