"""Parameters of the default travel model, kept in one data file: ``params.json`` beside this
module. Every number is explained in the file's ``notes``."""

from __future__ import annotations

import json
from datetime import time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Self

from pydantic import ConfigDict, Field, field_validator, model_validator

from optimizer.domain.common import StrictModel
from optimizer.errors import InvalidInput

HOURS_PER_DAY = 24

Speed = Annotated[float, Field(gt=0, le=130)]
"""An average car speed in km/h."""

RiverPoint = tuple[Annotated[float, Field(ge=-90, le=90)], Annotated[float, Field(ge=-180, le=180)]]
"""A point ``(lat, lon)`` of the river's axis."""


class RushWindow(StrictModel):
    """A local time-of-day window [start, end) when the bridge is congested (working days)."""

    model_config = ConfigDict(frozen=True)

    start: time
    end: time

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} is not after start {self.start}")
        return self

    def contains(self, t: time) -> bool:
        """Whether a local time of day falls in the window."""
        return self.start <= t < self.end


class TravelParams(StrictModel):
    """Numbers of the default travel model (see ``params.json`` for where they come from)."""

    model_config = ConfigDict(frozen=True)

    notes: tuple[str, ...] = ()
    circuity: float = Field(ge=1.0, le=3.0)
    speed_kmh_working_day: tuple[Speed, ...]
    speed_kmh_day_off: tuple[Speed, ...]
    parking_min: float = Field(ge=0, le=60)
    bridge_penalty_min: float = Field(ge=0, le=240)
    bridge_rush_penalty_min: float = Field(ge=0, le=240)
    rush_windows: tuple[RushWindow, ...] = ()
    river_line: tuple[RiverPoint, ...] = Field(min_length=2)

    @field_validator("speed_kmh_working_day", "speed_kmh_day_off")
    @classmethod
    def _one_speed_per_hour(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if len(v) != HOURS_PER_DAY:
            raise ValueError(f"give {HOURS_PER_DAY} speeds, one per hour of the day; got {len(v)}")
        return v

    @field_validator("river_line")
    @classmethod
    def _north_to_south(cls, v: tuple[RiverPoint, ...]) -> tuple[RiverPoint, ...]:
        for (lat_a, _), (lat_b, _) in zip(v, v[1:], strict=False):
            if lat_b >= lat_a:
                raise ValueError("river_line points must go from north to south (latitude falls)")
        return v

    @model_validator(mode="after")
    def _rush_costs_at_least_normal(self) -> Self:
        if self.bridge_rush_penalty_min < self.bridge_penalty_min:
            raise ValueError("bridge_rush_penalty_min is below bridge_penalty_min")
        return self

    def speed_kmh(self, hour: int, working_day: bool) -> float:
        """Average car speed for a departure in a local hour of the day."""
        table = self.speed_kmh_working_day if working_day else self.speed_kmh_day_off
        return table[hour]

    def in_rush(self, t: time) -> bool:
        """Whether a local time of day is inside a rush window (the caller checks the day)."""
        return any(w.contains(t) for w in self.rush_windows)


def load_travel_params(path: Path | None = None) -> TravelParams:
    """The travel parameters: the packaged ``params.json``, or another file of the same shape."""
    if path is None:
        return default_travel_params()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput("travel params", str(path), "file not found") from None
    except OSError as err:
        raise InvalidInput("travel params", str(path), f"cannot read: {err.strerror}") from None
    return _parse(text, str(path))


@cache
def default_travel_params() -> TravelParams:
    """The packaged parameters (read once; the object is immutable)."""
    text = resources.files("optimizer.travel").joinpath("params.json").read_text(encoding="utf-8")
    return _parse(text, "optimizer/travel/params.json")


def _parse(text: str, source: str) -> TravelParams:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidInput(
            "travel params", source, f"malformed JSON at line {err.lineno}: {err.msg}"
        ) from None
    return TravelParams.model_validate(data)
