"""Contract models of the staffing engine: Erlang results and coverage requirements.

A :class:`CoverageRequirement` says how many engineers of a *group* must be on duty in an
interval of a weekday (a weekly pattern) or of a specific date. The roster engine consumes
these rows as its soft coverage constraints.

Groups
------
``all``            any engineer;
``skill:<skill>``  engineers having ``<skill>`` (an id of the skills catalogue);
``visit``          visit-capable engineers (licence B and a car available that day);
``visit:right``    visit-capable engineers for the right bank (Saratov);
``visit:left``     visit-capable engineers for the left bank (Engels);
``phone``          dispatcher-line operators (answer, or call back within 10 minutes);
``urgent``         engineers ready to start an urgent ticket within 30 minutes.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator

from optimizer.domain.common import SKILL_ID_RE, Day, Int, LocalTime, StrictModel

FIXED_GROUPS: frozenset[str] = frozenset(
    {"all", "visit", "visit:right", "visit:left", "phone", "urgent"}
)
"""Group names other than ``skill:<skill>``."""

SKILL_PREFIX = "skill:"


def skill_group(skill: str) -> str:
    """The group name of the engineers having ``skill``."""
    return f"{SKILL_PREFIX}{skill}"


def is_valid_group(group: str) -> bool:
    """A group is one of the fixed names or ``skill:`` followed by a skill id (whether the
    skill is in the catalogue is checked by the request that carries the catalogue)."""
    if group in FIXED_GROUPS:
        return True
    if group.startswith(SKILL_PREFIX):
        return SKILL_ID_RE.fullmatch(group[len(SKILL_PREFIX) :]) is not None
    return False


def group_skill(group: str) -> str | None:
    """The skill id of a ``skill:<skill>`` group, else None."""
    return group[len(SKILL_PREFIX) :] if group.startswith(SKILL_PREFIX) else None


class CoverageRequirement(StrictModel):
    """At least ``required`` engineers of ``group`` on duty in [start, end) of a weekday or date.

    Exactly the pattern the roster engine consumes: give ``weekday`` (0 = Monday) for a
    weekly pattern, ``date`` for one day, or both when they agree. ``end`` of ``00:00`` means
    midnight at the end of the day.
    """

    weekday: Annotated[Int, Field(ge=0, le=6)] | None = None
    date: Day | None = None
    start: LocalTime
    end: LocalTime
    group: Annotated[str, Field(max_length=40)]
    required: Annotated[Int, Field(ge=0, le=10_000)]

    @field_validator("group")
    @classmethod
    def _known_group(cls, v: str) -> str:
        if not is_valid_group(v):
            raise ValueError(
                "unknown group; use all, skill:<skill>, visit, visit:right, visit:left, "
                "phone or urgent"
            )
        return v

    @model_validator(mode="after")
    def _day_and_interval(self) -> Self:
        if self.weekday is None and self.date is None:
            raise ValueError("give a weekday (0 = Monday) or a date")
        mismatch = self.date is not None and self.weekday not in (None, self.date.weekday())
        if mismatch and self.date is not None:
            raise ValueError(
                f"date {self.date.isoformat()} is weekday {self.date.weekday()}, not {self.weekday}"
            )
        if self.end != time(0, 0) and self.end <= self.start:
            raise ValueError(f"end {self.end} is not after start {self.start}")
        return self

    @property
    def minutes(self) -> int:
        """Length of the interval in minutes (``end`` 00:00 is midnight)."""
        end = 24 * 60 if self.end == time(0, 0) else self.end.hour * 60 + self.end.minute
        return end - (self.start.hour * 60 + self.start.minute)


class ErlangResult(StrictModel):
    """Performance of a queue with ``agents`` servers (Erlang C, or Erlang A with patience).

    ``service_level`` is P(an arriving customer is answered within the target); with
    abandonment it counts only customers who are answered within the target (those who
    hang up first are not served in time). ``asa_min`` is the average speed of answer in
    minutes over all arrivals (0 for those answered at once); ``None`` when unstable.
    """

    p_wait: Annotated[float, Field(ge=0, le=1)]
    service_level: Annotated[float, Field(ge=0, le=1)]
    asa_min: Annotated[float, Field(ge=0)] | None
    occupancy: Annotated[float, Field(ge=0)]
    agents: Annotated[int, Field(ge=1)]
    offered_load: Annotated[float, Field(ge=0)]
    stable: bool
    p_abandon: Annotated[float, Field(ge=0, le=1)] | None = None
    target_min: Annotated[float, Field(ge=0)] | None = None
