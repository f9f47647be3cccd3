"""Build the travel model a request asks for (its ``travel`` field)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from optimizer.domain.common import StrictModel
from optimizer.domain.travel import TravelSpec, TravelSpecMatrix, TravelSpecModel, TravelSpecOsrm
from optimizer.errors import InvalidInput, validation_error_fields
from optimizer.travel.base import TravelModel
from optimizer.travel.geodesic import GeodesicTravelModel
from optimizer.travel.matrix import MatrixTravelModel
from optimizer.travel.osrm import OsrmTravelModel
from optimizer.travel.params import TravelParams


class _TravelField(StrictModel):
    """A holder so a raw dict is validated exactly as a request's ``travel`` field."""

    travel: TravelSpec


_KINDS = frozenset({"model", "matrix", "osrm"})


def make_travel_model(
    spec: dict[str, Any] | BaseModel | None = None, params: TravelParams | None = None
) -> TravelModel:
    """The travel model of a ``travel`` field: absent or ``model`` → geodesic, ``matrix``, ``osrm``.

    ``spec`` is a validated :data:`~optimizer.domain.travel.TravelSpec` model or the raw dict;
    a dict is validated first and its errors name the field under ``travel.``.
    ``params`` replaces the packaged parameters of the geodesic model.
    """
    if spec is None:
        return GeodesicTravelModel(params)
    checked = parse_travel_spec(spec) if isinstance(spec, dict) else spec
    if isinstance(checked, TravelSpecModel):
        return GeodesicTravelModel(params)
    if isinstance(checked, TravelSpecMatrix):
        return MatrixTravelModel(checked.locations, checked.minutes, checked.km)
    if isinstance(checked, TravelSpecOsrm):
        return OsrmTravelModel(checked.url, profile=checked.profile, timeout_s=checked.timeout_s)
    raise InvalidInput("travel", type(spec).__name__, "not a travel spec (model, matrix or osrm)")


def parse_travel_spec(data: dict[str, Any]) -> TravelSpecModel | TravelSpecMatrix | TravelSpecOsrm:
    """Validate a raw ``travel`` dict; the first problem becomes one :class:`InvalidInput`."""
    try:
        return _TravelField.model_validate({"travel": data}).travel
    except ValidationError as err:
        loc, value, message = _first_problem(err)
        raise InvalidInput(loc, value, message) from None


def _first_problem(err: ValidationError) -> tuple[str, Any, str]:
    """The first problem, its path under ``travel.`` without pydantic's union tag."""
    first = err.errors(include_url=False)[0]
    loc = list(first.get("loc", ()))[1:]
    if loc and loc[0] in _KINDS:
        loc = loc[1:]
    path = "travel"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    fields = validation_error_fields(err)
    return path, fields[0][1], fields[0][2]
