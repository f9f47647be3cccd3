"""The what-if request: the :class:`Scenario` spec and the :class:`ScenarioSet` of a scenario
file (contract v1, JSON, snake_case); the report is in :mod:`optimizer.domain.scenario_report`.

A scenario file holds one scenario, or a set ``{"scenarios": [...]}`` whose first scenario is
the baseline the others are compared with. A scenario is a *base* plus *changes*:

- ``"base": "sample"`` (the default): the sample department of ``data/`` — its engineers,
  sites, absences, shift templates, SLA policies, and arrivals fitted from its ticket history;
- ``"base": {"synthetic": {"rate_per_hour", "mean_duration_min", "engineers"}}``: Poisson
  arrivals, exponential durations, identical engineers on 24x7 duty with one skill, every
  ticket remote, normal priority on a 24x7 SLA clock — the M/M/c queue of Erlang C, kept to
  check the simulator against queueing theory.

``changes`` is an object (see :class:`ScenarioChanges`) or a list of such objects, merged in
order (lists concatenate, single values: the last wins).

References (engineer ids, cities) are checked against the base when the scenario is compiled,
before anything runs; :mod:`optimizer.simulate` raises an :class:`~optimizer.errors.InvalidInput`
naming the field, e.g. ``scenarios[1].changes.remove_engineers[0]``.
"""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import AwareDatetime, Field, field_validator, model_validator

from optimizer.domain.base import Absence
from optimizer.domain.common import Clock, Id, Location, Priority, Skill, StrictModel
from optimizer.domain.skills import (
    SkillCatalogue,
    SkillList,
    check_catalogue,
    default_catalogue,
)

MAX_HORIZON_DAYS = 1096
"""Three years (with a leap day): the longest horizon a scenario may ask for."""

MAX_REPLICATIONS = 1000

DEFAULT_SICK_RATE = 0.04
"""Share of working days lost to sickness in the sample department (about 10 days a year)."""


def check_horizon(days: float) -> float:
    """A horizon of at most three years."""
    if days > MAX_HORIZON_DAYS:
        raise ValueError(f"over 3 years (at most {MAX_HORIZON_DAYS} days)")
    return days


def check_month(text: str) -> str:
    """A month written ``YYYY-MM``."""
    parts = text.split("-")
    if (
        len(parts) != 2
        or len(parts[0]) != 4
        or len(parts[1]) != 2
        or not (parts[0].isdigit() and parts[1].isdigit())
        or not 1 <= int(parts[1]) <= 12
    ):
        raise ValueError("expected a month as YYYY-MM, e.g. 2026-07")
    return text


class Policy(StrEnum):
    """How tickets are handed to engineers during the simulation."""

    greedy = "greedy"
    optimal = "optimal"


class EngineerSource(StrEnum):
    """Where the engineers' working time comes from."""

    templates = "templates"
    roster = "roster"


class SyntheticBase(StrictModel):
    """The M/M/c queue: Poisson arrivals, exponential durations, ``engineers`` identical servers."""

    rate_per_hour: Annotated[float, Field(gt=0, le=100_000)]
    mean_duration_min: Annotated[float, Field(gt=0, le=7 * 24 * 60)]
    engineers: Annotated[int, Field(ge=1, le=1000)]
    sla_response_min: Annotated[float, Field(gt=0, le=30 * 24 * 60)] = 120
    """The SLA target: a ticket is on time when started within this many minutes (24x7)."""


class ScenarioBase(StrictModel):
    """``"sample"`` or ``{"synthetic": {...}}``."""

    synthetic: SyntheticBase | None = None
    sample: bool = False

    @model_validator(mode="before")
    @classmethod
    def _from_word(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value.strip() == "sample":
                return {"sample": True}
            raise ValueError('base must be "sample" or {"synthetic": {...}}')
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if self.synthetic is not None and self.sample:
            raise ValueError('give either "sample" or "synthetic", not both')
        if self.synthetic is None:
            self.sample = True
        return self

    @property
    def is_synthetic(self) -> bool:
        """Whether this is the M/M/c base."""
        return self.synthetic is not None


class AddClients(StrictModel):
    """``count`` new client organisations in ``city`` (a city of the base's sites)."""

    city: Annotated[str, Field(min_length=1, max_length=100)]
    count: Annotated[int, Field(ge=1, le=100_000)]


class NewEngineer(StrictModel):
    """Engineers to hire; ``like`` copies an existing engineer's skills, car and costs."""

    id: Id | None = None
    name: str | None = None
    like: Id | None = None
    skills: list[Skill] | None = None
    licence_b: bool | None = None
    has_car: bool | None = None
    base: Location | None = None
    cost_per_hour_rub: Annotated[float, Field(ge=0)] | None = None
    car_cost_per_km_rub: Annotated[float, Field(ge=0)] | None = None
    count: Annotated[int, Field(ge=1, le=100)] = 1
    car: bool | None = None
    """Shorthand: ``true`` = licence B and an own car (can visit), ``false`` = neither."""
    can_visit: bool | None = None
    """The same shorthand, named like the engineer's property."""

    @model_validator(mode="after")
    def _car_shorthand(self) -> Self:
        flags = {v for v in (self.car, self.can_visit) if v is not None}
        if len(flags) > 1:
            raise ValueError("car and can_visit disagree")
        if flags:
            flag = flags.pop()
            if self.licence_b is None:
                self.licence_b = flag
            if self.has_car is None:
                self.has_car = flag
        return self

    @model_validator(mode="after")
    def _id_only_for_one(self) -> Self:
        if self.id is not None and self.count > 1:
            raise ValueError("an explicit id names one engineer; drop id or set count to 1")
        return self


class CarOut(StrictModel):
    """An engineer's car out of service over [start, end): they work, but cannot visit."""

    engineer_id: Id
    start: AwareDatetime
    end: AwareDatetime
    note: str = ""

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end <= self.start:
            raise ValueError(
                f"end {self.end.isoformat()} is not after start {self.start.isoformat()}"
            )
        return self


class WeekendOnCall(StrictModel):
    """On-call duty on days off (weekends and holidays): ``per_day`` engineers, rotating weekly,
    from ``start`` to ``end`` local time (the data set's on-call template when omitted, else
    10:00–18:00); work done is paid double (Labour Code art. 153)."""

    enabled: bool = True
    engineers: list[Id] | None = None
    """Who rotates; every engineer of the base when omitted."""
    start: time | None = None
    end: time | None = None
    per_day: Annotated[int, Field(ge=1, le=20)] = 1
    urgent_only: bool = False

    @model_validator(mode="before")
    @classmethod
    def _from_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return {"enabled": value}
        return value

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(
                f"end {self.end.isoformat()} is not after start {self.start.isoformat()}"
            )
        return self


class SlaChange(StrictModel):
    """A new SLA for every contract: the clock and/or response minutes per priority."""

    clock: Clock | None = None
    response_min: dict[Priority, Annotated[int, Field(gt=0, le=30 * 24 * 60)]] | None = None


class PhoneLine(StrictModel):
    """The dispatcher phone line: operators answer at once or call back (target 10 minutes)."""

    operators: Annotated[int, Field(ge=0, le=100)] = 1
    calls_per_ticket: Annotated[float, Field(ge=0, le=20)] = 1.2
    """Calls per ticket created (tickets by phone, plus questions and status calls)."""
    handle_min: Annotated[float, Field(gt=0, le=120)] = 4.0
    callback_target_min: Annotated[float, Field(gt=0, le=240)] = 10.0


_LIST_CHANGES = ("add_clients", "add_engineers", "remove_engineers", "absences", "cars_out")


class ScenarioChanges(StrictModel):
    """What differs from the base. Everything is optional; nothing given = the base itself."""

    add_clients: list[AddClients] = Field(default_factory=list)
    demand_multiplier: Annotated[float, Field(gt=0, le=100)] = 1.0
    """Every arrival rate × this factor."""
    add_engineers: list[NewEngineer] = Field(default_factory=list)
    remove_engineers: list[Id] = Field(default_factory=list)
    absences: list[Absence] = Field(default_factory=list)
    cars_out: list[CarOut] = Field(default_factory=list)
    weekend_on_call: WeekendOnCall | None = None
    sla: SlaChange | None = None
    sla_response_min: Annotated[float, Field(gt=0, le=30 * 24 * 60)] | None = None
    """Shortcut: the response minutes of normal-priority tickets (the synthetic base's target)."""
    operators: Annotated[int, Field(ge=0, le=100)] | None = None
    """Phone operators on the dispatcher line (overrides ``phone.operators``)."""

    @model_validator(mode="before")
    @classmethod
    def _merge_list(cls, value: Any) -> Any:
        """A list of change objects is merged in order: lists concatenate, the last value wins."""
        if not isinstance(value, list):
            return value
        merged: dict[str, Any] = {}
        for i, part in enumerate(value):
            if not isinstance(part, dict):
                raise ValueError(f"item {i} is not an object of changes")
            for key, v in part.items():
                if key in _LIST_CHANGES and isinstance(v, list):
                    merged.setdefault(key, [])
                    if isinstance(merged[key], list):
                        merged[key] = [*merged[key], *v]
                    else:
                        merged[key] = v
                else:
                    merged[key] = v
        return merged

    @field_validator("remove_engineers", mode="before")
    @classmethod
    def _ids_of_objects(cls, v: Any) -> Any:
        """``[{"id": "e01"}]`` or ``[{"engineer_id": "e01"}]`` are read as ``["e01"]``."""
        if isinstance(v, list):
            return [
                (item.get("id", item.get("engineer_id")) if isinstance(item, dict) else item)
                for item in v
            ]
        return v

    @field_validator("remove_engineers")
    @classmethod
    def _unique_removals(cls, v: list[str]) -> list[str]:
        seen: set[str] = set()
        for ident in v:
            if ident in seen:
                raise ValueError(f"engineer {ident!r} removed twice")
            seen.add(ident)
        return v


class Scenario(StrictModel):
    """One what-if: a base, changes, and how to simulate it."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    description: str = ""
    base: ScenarioBase = Field(default_factory=lambda: ScenarioBase(sample=True))
    changes: ScenarioChanges = Field(default_factory=ScenarioChanges)
    start: date | None = None
    """First simulated day (local midnight); the sample's planning start when omitted."""
    horizon_days: Annotated[float, Field(gt=0)] = 28
    warmup_days: Annotated[float, Field(ge=0)] | None = None
    """Tickets created before this are simulated but not counted (default: 0 for the sample,
    a tenth of the horizon up to 7 days for the synthetic base)."""
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 5
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 1
    policy: Policy = Policy.greedy
    time_limit_s: Annotated[float, Field(gt=0, le=60)] = 0.2
    """Time limit of each optimal-dispatcher call (policy ``optimal``)."""
    engineers_from: EngineerSource = EngineerSource.templates
    sick_rate: Annotated[float, Field(ge=0, le=0.5)] | None = None
    """Share of working days lost to sudden sickness (spells of a few days); 0.04 for the
    sample base and 0 for the synthetic one (M/M/c has no sickness) when omitted."""
    phone: PhoneLine = Field(default_factory=PhoneLine)
    demand_trend: bool = False
    """Extrapolate the history's weekly trend (off: the history's mean level)."""
    backtest: str | None = None
    """A recorded month of the history (``YYYY-MM``) to replay: its own tickets arrive instead
    of the fitted profile, and the report shows the recorded figures beside the simulated
    ones. ``start`` and ``horizon_days`` are then the month's."""
    skills: SkillList | None = None
    """Skills the scenario adds to its base's catalogue (the data set's, or the built-in one
    for the synthetic base), for the engineers hired in ``changes``."""

    @field_validator("horizon_days")
    @classmethod
    def _at_most_three_years(cls, v: float) -> float:
        return check_horizon(v)

    def catalogue(self, base: SkillCatalogue, path: str = "scenario") -> SkillCatalogue:
        """The base's skills catalogue followed by the scenario's own ``skills``.

        The scenario's catalogue names each skill once (else ``<path>.skills[j].id``) and
        every hire's skill is in the result (else
        ``<path>.changes.add_engineers[i].skills[k]``). The check waits for the base: a hire
        may hold a skill of the data set's catalogue that the scenario does not repeat.
        """
        if self.skills is not None:
            check_catalogue(self.skills, f"{path}.skills")
        catalogue = base.extended(self.skills)
        for i, e in enumerate(self.changes.add_engineers):
            if e.skills is not None:
                catalogue.check(e.skills, f"{path}.changes.add_engineers[{i}].skills")
        return catalogue

    @field_validator("backtest")
    @classmethod
    def _month(cls, v: str | None) -> str | None:
        return None if v is None else check_month(v)

    @model_validator(mode="after")
    def _warmup_inside_horizon(self) -> Self:
        if self.warmup_days is not None and self.warmup_days >= self.horizon_days:
            raise ValueError(
                f"warmup_days {self.warmup_days} leaves nothing of horizon_days {self.horizon_days}"
            )
        return self

    @property
    def effective_warmup_days(self) -> float:
        """Warm-up actually used (see ``warmup_days``)."""
        if self.warmup_days is not None:
            return self.warmup_days
        if self.base.is_synthetic:
            return min(self.horizon_days / 10.0, 7.0)
        return 0.0

    @property
    def effective_sick_rate(self) -> float:
        """Sick rate actually used (see ``sick_rate``)."""
        if self.sick_rate is not None:
            return self.sick_rate
        return 0.0 if self.base.is_synthetic else DEFAULT_SICK_RATE


class ScenarioDefaults(StrictModel):
    """Settings a scenario set applies to each of its scenarios that does not give its own."""

    start: date | None = None
    horizon_days: Annotated[float, Field(gt=0)] | None = None
    warmup_days: Annotated[float, Field(ge=0)] | None = None
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] | None = None
    seed: Annotated[int, Field(ge=0, lt=2**63)] | None = None
    policy: Policy | None = None
    time_limit_s: Annotated[float, Field(gt=0, le=60)] | None = None
    engineers_from: EngineerSource | None = None
    sick_rate: Annotated[float, Field(ge=0, le=0.5)] | None = None
    demand_trend: bool | None = None
    backtest: str | None = None

    @field_validator("horizon_days")
    @classmethod
    def _at_most_three_years(cls, v: float | None) -> float | None:
        return None if v is None else check_horizon(v)

    @field_validator("backtest")
    @classmethod
    def _month(cls, v: str | None) -> str | None:
        return None if v is None else check_month(v)


class ScenarioSet(StrictModel):
    """Scenarios to compare; the first is the baseline. A single scenario object is accepted
    and becomes a set of one."""

    name: str = ""
    description: str = ""
    defaults: ScenarioDefaults | None = None
    scenarios: list[Scenario] = Field(min_length=1, max_length=50)

    @model_validator(mode="before")
    @classmethod
    def _wrap_and_default(cls, value: Any) -> Any:
        if isinstance(value, list):
            value = {"scenarios": value}
        if not isinstance(value, dict):
            return value
        if "scenarios" not in value and isinstance(value.get("name"), str):
            # One scenario object, known by its name; a name that is not text is left to
            # the set's own ``name`` field, so the error names ``name``, not
            # ``scenarios[0].name``.
            value = {"scenarios": [value]}
        defaults = value.get("defaults")
        scenarios = value.get("scenarios")
        if isinstance(defaults, dict) and isinstance(scenarios, list):
            given = {k: v for k, v in defaults.items() if v is not None}
            value = {
                **value,
                "scenarios": [{**given, **s} if isinstance(s, dict) else s for s in scenarios],
            }
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        seen: set[str] = set()
        for i, s in enumerate(self.scenarios):
            if s.name in seen:
                raise ValueError(f"scenarios[{i}].name {s.name!r} is used twice")
            seen.add(s.name)
        return self

    @model_validator(mode="after")
    def _skills_known(self) -> Self:
        """What can be checked of the skills before the base is read: each scenario's
        catalogue names a skill once, and a hire on the synthetic base (whose catalogue is the
        built-in one) holds known skills; a hire on the sample base is checked against the
        data set's catalogue when the scenario is compiled."""
        for i, s in enumerate(self.scenarios):
            path = f"scenarios[{i}]"
            if s.base.is_synthetic:
                s.catalogue(default_catalogue(), path)
            elif s.skills is not None:
                check_catalogue(s.skills, f"{path}.skills")
        return self
