"""Building blocks shared by every contract model: strict base, enums, ids, locations."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

# -- strict scalar types ---------------------------------------------------------------------
# The contract is JSON: a number is a number, a flag is true or false, a moment is ISO 8601
# text with an offset. pydantic's lax mode would read ``true`` as 1 minute, ``"45"`` as 45,
# ``1`` as true and 1700000000 as a date; these types refuse all of that by name.


def _number_not_flag_or_text(value: Any) -> Any:
    """A number field takes a JSON number: ``true``/``false`` and text are refused."""
    if isinstance(value, bool | str | bytes):
        raise ValueError(f"must be a number, not {_json_kind(value)}")
    return value


def _flag_only(value: Any) -> Any:
    """A yes/no field takes ``true`` or ``false`` only (numpy's bool from tables too)."""
    if isinstance(value, bool):
        return value
    if type(value).__name__ == "bool_" and type(value).__module__ == "numpy":
        return bool(value)
    raise ValueError(f"must be true or false, not {_json_kind(value)}")


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str | bytes):
        return "text"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_TIME = re.compile(r"\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?")


def _moment_text(value: Any) -> Any:
    """A datetime is ISO 8601 text (or a datetime): a number is not read as a Unix time."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATETIME.match(value.strip()):
        return value
    raise ValueError(
        "must be an ISO 8601 date and time with an offset, e.g. 2026-11-27T16:30+04:00"
    )


def _date_text(value: Any) -> Any:
    """A date is ``YYYY-MM-DD`` (or a date): no datetime whose time and offset would be
    dropped, no number."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        return value
    raise ValueError("must be a date YYYY-MM-DD")


def _local_time_text(value: Any) -> Any:
    """A local time of day is ``HH:MM`` or ``HH:MM:SS`` without an offset: the offset would be
    dropped silently, and times of shifts are Saratov wall-clock times."""
    if isinstance(value, time) and value.tzinfo is None:
        return value
    if isinstance(value, str) and _ISO_TIME.fullmatch(value.strip()):
        return value
    raise ValueError("must be a local time HH:MM (Europe/Saratov, without an offset)")


Int = Annotated[int, BeforeValidator(_number_not_flag_or_text)]
"""A whole number: a JSON integer; ``true`` or ``"45"`` are refused, 45.5 too."""
Number = Annotated[float, BeforeValidator(_number_not_flag_or_text)]
"""A finite-or-not number (bounds say which): a JSON number; ``true`` or text are refused."""
Flag = Annotated[bool, BeforeValidator(_flag_only)]
"""``true`` or ``false``; 1, ``"yes"`` and the like are refused."""


def _moment_in_range(value: datetime) -> datetime:
    """A moment in the years 1900–2999: nothing the department plans lies outside them, and a
    year such as 0001 with a positive offset has no UTC time at all."""
    if not MOMENT_YEARS[0] <= value.year <= MOMENT_YEARS[1]:
        raise ValueError(f"year {value.year} is outside {MOMENT_YEARS[0]}–{MOMENT_YEARS[1]}")
    return value


MOMENT_YEARS = (1900, 2999)

Moment = Annotated[AwareDatetime, BeforeValidator(_moment_text), AfterValidator(_moment_in_range)]
"""An aware datetime from ISO 8601 text in the years 1900–2999; a naive one or a number is
refused."""
Day = Annotated[date, BeforeValidator(_date_text)]
"""A calendar date from ``YYYY-MM-DD``."""
LocalTime = Annotated[time, BeforeValidator(_local_time_text)]
"""A Saratov wall-clock time of day, without an offset."""

# -- strings that land in a column: their lengths match the column sizes -----------------------

ShortText = Annotated[str, Field(max_length=200)]
"""A name, city, category or external id: at most 200 characters (a VARCHAR(200) column)."""
LongText = Annotated[str, Field(max_length=4000)]
"""A title, address or note: at most 4,000 characters."""


def _not_only_dots(value: str) -> str:
    """``.`` and ``..`` name no item (they walk a path); an id must say something else."""
    if value.strip(".") == "":
        raise ValueError("an id cannot be only dots")
    return value


Id = Annotated[
    str,
    Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:\-]+$"),
    AfterValidator(_not_only_dots),
]
"""An identifier: letters, digits, ``_ . : -``, not only dots; what a helpdesk export can
carry, and safe in a URL path (no slash, no control character)."""

PositiveMinutes = Annotated[Int, Field(gt=0, le=7 * 24 * 60)]
"""A duration in whole minutes: positive, at most a week."""


class StrictModel(BaseModel):
    """Base of every contract model: unknown fields are rejected, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_default=True)


SKILL_ID_PATTERN = r"^[a-z0-9][a-z0-9_\-]*$"
"""A skill id: lowercase Latin letters, digits, ``_`` and ``-``, starting with a letter or
digit; safe in a URL path, in a ``skill:<id>`` coverage group and in a ``;``-separated cell."""

SKILL_ID_RE = re.compile(SKILL_ID_PATTERN)


def _skill_id(value: str) -> str:
    """A skill id is a short path-safe word (``freepbx``, ``sip_trunks``)."""
    if not SKILL_ID_RE.fullmatch(value):
        raise ValueError(
            "a skill id is lowercase Latin letters, digits, _ and -, e.g. freepbx or sip_trunks"
        )
    return value


Skill = Annotated[
    str,
    Field(min_length=1, max_length=50, json_schema_extra={"pattern": SKILL_ID_PATTERN}),
    AfterValidator(_skill_id),
]
"""What an engineer can do (a ticket requires a subset): the id of an entry of the skills
catalogue (:mod:`optimizer.domain.skills`). The models check the form only; whether the id is
in the catalogue is checked where the catalogue is known (a data set, a request, the service)."""


class Priority(StrEnum):
    """Ticket priority: urgent = telephony down, started immediately."""

    urgent = "urgent"
    normal = "normal"
    low = "low"


class TicketKind(StrEnum):
    """Maintenance is in the monthly fee; additional work is paid per norm-hour."""

    maintenance = "maintenance"
    additional = "additional"


class TicketMode(StrEnum):
    """Remote (AnyDesk and the like) or a site visit (Saratov and Engels only)."""

    remote = "remote"
    onsite = "onsite"


class Clock(StrEnum):
    """How an SLA clock runs: only in office hours, or around the clock."""

    business = "business"
    always = "24x7"


class AbsenceKind(StrEnum):
    """Why an engineer is away; ``car_unavailable`` means working but unable to visit."""

    vacation = "vacation"
    sick = "sick"
    training = "training"
    car_unavailable = "car_unavailable"


class City(StrEnum):
    """Cities of the customers. Only Saratov and Engels are visited on site."""

    saratov = "Saratov"
    engels = "Engels"
    other = "other"


VISIT_CITIES: frozenset[str] = frozenset({City.saratov.value, City.engels.value})


class Location(StrictModel):
    """A point: ``{"lat", "lon"}``, or ``{"id"}`` naming a row of an explicit travel matrix."""

    lat: Annotated[Number, Field(ge=-90, le=90)] | None = None
    lon: Annotated[Number, Field(ge=-180, le=180)] | None = None
    id: Id | None = None

    @model_validator(mode="after")
    def _coordinates_or_id(self) -> Self:
        has_coords = self.lat is not None and self.lon is not None
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        if not has_coords and self.id is None:
            raise ValueError("a location needs lat and lon, or an id of the travel matrix")
        return self

    @property
    def key(self) -> str:
        """A stable key: the matrix id, else the rounded coordinates."""
        if self.id is not None:
            return self.id
        return f"{self.lat:.6f},{self.lon:.6f}"


class TimeWindow(StrictModel):
    """A half-open interval [start, end) of aware datetimes."""

    start: Moment
    end: Moment

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end <= self.start:
            raise ValueError(
                f"end {self.end.isoformat()} is not after start {self.start.isoformat()}"
            )
        return self
