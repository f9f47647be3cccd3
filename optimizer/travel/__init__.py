"""Travel time and distance between locations, behind one interface (:class:`TravelModel`).

- :class:`GeodesicTravelModel` (the default, ``{"kind": "model"}``): geodesic km × circuity,
  speed by local hour of departure, a parking/walking allowance per leg, and a penalty for
  crossing the Volga between Saratov (right bank) and Engels (left bank), larger in rush hours
  of working days. All numbers in ``params.json``.
- :class:`MatrixTravelModel` (``{"kind": "matrix", ...}``): a matrix given by the user.
- :class:`OsrmTravelModel` (``{"kind": "osrm", "url": ...}``): an OSRM ``/table/v1`` server.
- :func:`make_travel_model` builds the one a request's ``travel`` field asks for.
- :class:`~optimizer.travel.geocode.Geocoder`: addresses to coordinates (Nominatim + cache).
"""

from optimizer.domain.travel import (
    TravelSpec,
    TravelSpecMatrix,
    TravelSpecModel,
    TravelSpecOsrm,
    check_travel_matrix,
)
from optimizer.travel.bank import Bank, bank_of
from optimizer.travel.base import ZERO_LEG, Leg, TravelMatrix, TravelModel
from optimizer.travel.factory import make_travel_model, parse_travel_spec
from optimizer.travel.geocode import Geocoder, GeocodingError
from optimizer.travel.geodesic import GeodesicTravelModel, Traffic
from optimizer.travel.matrix import MatrixTravelModel
from optimizer.travel.osrm import NoRouteError, OsrmError, OsrmTravelModel
from optimizer.travel.params import (
    RushWindow,
    TravelParams,
    default_travel_params,
    load_travel_params,
)

__all__ = [
    "ZERO_LEG",
    "Bank",
    "GeocodingError",
    "Geocoder",
    "GeodesicTravelModel",
    "Leg",
    "MatrixTravelModel",
    "NoRouteError",
    "OsrmError",
    "OsrmTravelModel",
    "RushWindow",
    "Traffic",
    "TravelMatrix",
    "TravelModel",
    "TravelParams",
    "TravelSpec",
    "TravelSpecMatrix",
    "TravelSpecModel",
    "TravelSpecOsrm",
    "bank_of",
    "check_travel_matrix",
    "default_travel_params",
    "load_travel_params",
    "make_travel_model",
    "parse_travel_spec",
]
