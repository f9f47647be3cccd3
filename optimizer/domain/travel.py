"""The ``travel`` field of a request (contract v1): how travel time and distance are found.

- ``{"kind": "model"}`` (the default): the geodesic model with rush hours and the Volga bridge;
- ``{"kind": "matrix", "locations": [...ids], "minutes": [[...]], "km": [[...]]}``: an explicit
  matrix, row ``i`` / column ``j`` being the leg from ``locations[i]`` to ``locations[j]``;
- ``{"kind": "osrm", "url": ..., "profile": "driving", "timeout_s": 10}``: an OSRM server.

The engine side (the models themselves) lives in :mod:`optimizer.travel`; this module only
validates, so the domain package never imports an engine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Literal, Self

from pydantic import Field, StrictFloat, model_validator

from optimizer.domain.common import Id, Number, StrictModel
from optimizer.errors import InvalidInput


class TravelSpecModel(StrictModel):
    """Use the built-in model: geodesic distance × circuity, speed by hour, bridge penalty."""

    kind: Literal["model"] = "model"


class TravelSpecMatrix(StrictModel):
    """An explicit travel matrix; locations of the request refer to it by ``{"id": ...}``."""

    kind: Literal["matrix"] = "matrix"
    locations: list[Id] = Field(min_length=1)
    minutes: list[list[StrictFloat]]
    km: list[list[StrictFloat]] | None = None
    """Cells are numbers: strict, so a ``true`` in the JSON is an error, not one minute."""

    @model_validator(mode="after")
    def _square_and_consistent(self) -> Self:
        check_travel_matrix(self.locations, self.minutes, self.km)
        return self


class TravelSpecOsrm(StrictModel):
    """Ask an OSRM server (``/table/v1``) for durations and distances."""

    kind: Literal["osrm"] = "osrm"
    url: str = Field(pattern=r"^https?://\S+$", max_length=500)
    profile: str = Field(default="driving", pattern=r"^[A-Za-z0-9_\-]+$", max_length=50)
    timeout_s: Annotated[Number, Field(gt=0, le=300)] = 10.0


TravelSpec = Annotated[
    TravelSpecModel | TravelSpecMatrix | TravelSpecOsrm, Field(discriminator="kind")
]
"""The ``travel`` field: one of the three kinds, chosen by ``kind``."""


def check_travel_matrix(
    location_ids: Sequence[str],
    minutes: Sequence[Sequence[float]],
    km: Sequence[Sequence[float]] | None = None,
    field: str = "travel",
) -> None:
    """Raise :class:`InvalidInput` on the first defect of an explicit travel matrix.

    Ids must be unique; ``minutes`` (and ``km`` when given) must be square with one row and one
    column per id, every cell a finite number ≥ 0.
    """
    check_unique_location_ids(location_ids, field)
    check_square(minutes, len(location_ids), f"{field}.minutes")
    if km is not None:
        check_square(km, len(location_ids), f"{field}.km")


def check_unique_location_ids(location_ids: Sequence[str], field: str = "travel") -> None:
    """Every location of a matrix has its own id (a repeated id would make a row ambiguous)."""
    first_seen: dict[str, int] = {}
    for i, ident in enumerate(location_ids):
        if ident in first_seen:
            raise InvalidInput(
                f"{field}.locations[{i}]",
                ident,
                f"duplicate location id (also at {field}.locations[{first_seen[ident]}])",
            )
        first_seen[ident] = i


def check_square(rows: Sequence[Sequence[float]], size: int, field: str) -> None:
    """A matrix has ``size`` rows of ``size`` finite, non-negative numbers."""
    if len(rows) != size:
        raise InvalidInput(
            field, f"{len(rows)} rows", f"expected {size} rows, one per location in the matrix"
        )
    for i, row in enumerate(rows):
        if len(row) != size:
            raise InvalidInput(
                f"{field}[{i}]",
                len(row),
                f"row length {len(row)}, expected {size} (one column per location)",
            )
        for j, cell in enumerate(row):
            number = isinstance(cell, int | float) and not isinstance(cell, bool)
            if not number or not math.isfinite(cell) or cell < 0:
                raise InvalidInput(f"{field}[{i}][{j}]", cell, "must be a finite number ≥ 0")
