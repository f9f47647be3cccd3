"""Building blocks shared by every contract model: strict base, enums, ids, locations."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

Id = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:\-]+$")]
"""An identifier: letters, digits, ``_ . : -``; what a helpdesk export can carry."""

PositiveMinutes = Annotated[int, Field(gt=0, le=7 * 24 * 60)]
"""A duration in minutes: positive, at most a week."""


class StrictModel(BaseModel):
    """Base of every contract model: unknown fields are rejected, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_default=True)


class Skill(StrEnum):
    """What an engineer can do; a ticket requires a subset."""

    asterisk_dialplan = "asterisk_dialplan"
    sip_trunks = "sip_trunks"
    gateways = "gateways"
    ip_phones = "ip_phones"
    network_vpn = "network_vpn"
    linux_server = "linux_server"
    crm_integration = "crm_integration"
    call_center = "call_center"


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

    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
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

    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end <= self.start:
            raise ValueError(
                f"end {self.end.isoformat()} is not after start {self.start.isoformat()}"
            )
        return self
