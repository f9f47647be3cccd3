"""The department's master data (contract v1): engineers, sites, SLA policies, tickets,
absences, shift templates, and the :class:`DataSet` that ties them together."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator

from optimizer.domain.common import (
    VISIT_CITIES,
    AbsenceKind,
    Clock,
    Flag,
    Id,
    Int,
    LocalTime,
    Location,
    LongText,
    Moment,
    Number,
    PositiveMinutes,
    Priority,
    ShortText,
    Skill,
    StrictModel,
    TicketKind,
    TicketMode,
    TimeWindow,
)
from optimizer.domain.skills import SkillCatalogue, SkillList, check_catalogue
from optimizer.errors import InvalidInput, UnknownReference

DEFAULT_RESPONSE_MIN: dict[Priority, int] = {
    Priority.urgent: 30,
    Priority.normal: 120,
    # Not in the contract text: low tickets get one business day (8 h).
    Priority.low: 480,
}


class SlaPolicy(StrictModel):
    """Response-time promise of a contract: work starts within ``response_min[priority]``."""

    id: Id
    name: ShortText = ""
    clock: Clock = Clock.business
    response_min: dict[Priority, Annotated[Int, Field(gt=0, le=30 * 24 * 60)]] = Field(
        default_factory=lambda: dict(DEFAULT_RESPONSE_MIN)
    )

    @field_validator("response_min")
    @classmethod
    def _fill_defaults(cls, v: dict[Priority, int]) -> dict[Priority, int]:
        return {**DEFAULT_RESPONSE_MIN, **v}

    def minutes_for(self, priority: Priority) -> int:
        """Response time in minutes for a ticket of this priority."""
        return self.response_min[priority]


class PreferenceKind(StrEnum):
    on = "on"
    off = "off"


class ShiftPreference(StrictModel):
    """An engineer's wish to work (``on``) or not (``off``) on a date, optionally a template."""

    date: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    kind: PreferenceKind
    template_id: Id | None = None
    weight: Annotated[Int, Field(ge=0, le=1000)] = 1


class Engineer(StrictModel):
    """A support engineer: skills, whether they can drive to a site, what an hour costs."""

    id: Id
    name: Annotated[ShortText, Field(min_length=1)]
    skills: list[Skill] = Field(default_factory=list)
    licence_b: Flag = False
    has_car: Flag = False
    base: Location
    weekly_hours: Annotated[Number, Field(gt=0, le=40)] = 40
    cost_per_hour_rub: Annotated[Number, Field(ge=0, le=1_000_000)] = 0
    car_cost_per_km_rub: Annotated[Number, Field(ge=0, le=100_000)] = 0
    holiday_work_consent: Flag = False
    preferences: list[ShiftPreference] = Field(default_factory=list)

    @field_validator("skills")
    @classmethod
    def _unique_skills(cls, v: list[Skill]) -> list[Skill]:
        dup = [s for s, n in Counter(v).items() if n > 1]
        if dup:
            raise ValueError(f"skill {dup[0]!r} listed twice")
        return v

    @property
    def can_visit(self) -> bool:
        """Visits need a driving licence B and an own car (before absences of the car)."""
        return self.licence_b and self.has_car


class Absence(StrictModel):
    """An engineer away (vacation, sick, training) or without the car, over [start, end)."""

    engineer_id: Id
    start: Moment
    end: Moment
    kind: AbsenceKind
    note: LongText = ""

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end <= self.start:
            raise ValueError(
                f"end {self.end.isoformat()} is not after start {self.start.isoformat()}"
            )
        return self


class Site(StrictModel):
    """A customer's premises with its PBX; its SLA policy sets the response time."""

    id: Id
    customer: Annotated[LongText, Field(min_length=1)]
    address: LongText = ""
    city: Annotated[ShortText, Field(min_length=1)]
    location: Location
    sla_policy: Id

    @property
    def visitable(self) -> bool:
        """Only customers in Saratov and Engels are ever visited on site."""
        return self.city in VISIT_CITIES


class Pin(StrictModel):
    """Work already started or promised: the engineer is fixed, and the start when given."""

    engineer_id: Id
    start: Moment | None = None


class Ticket(StrictModel):
    """A request from a customer: what, where, how urgent, how long it takes."""

    id: Id
    external_id: Annotated[ShortText, Field(min_length=1)] | None = None
    site_id: Id | None = None
    location: Location | None = None
    created_at: Moment
    priority: Priority = Priority.normal
    kind: TicketKind = TicketKind.maintenance
    mode: TicketMode = TicketMode.remote
    category: ShortText | None = None
    required_skills: list[Skill] = Field(default_factory=list)
    duration_min: PositiveMinutes
    earliest_start: Moment | None = None
    deadline: Moment | None = None
    window: TimeWindow | None = None
    pinned: Pin | None = None
    title: LongText = ""

    @model_validator(mode="after")
    def _where(self) -> Self:
        if self.site_id is None and self.location is None:
            raise ValueError("a ticket needs site_id or location")
        return self

    @model_validator(mode="after")
    def _times_consistent(self) -> Self:
        if self.deadline is not None and self.deadline < self.created_at:
            raise ValueError(
                f"deadline {self.deadline.isoformat()} is before created_at "
                f"{self.created_at.isoformat()}"
            )
        return self


class ShiftKind(StrEnum):
    day = "day"
    on_call = "on_call"


class ShiftTemplate(StrictModel):
    """A shift pattern: local start and end time (Europe/Saratov), unpaid break, weekdays."""

    id: Id
    name: ShortText = ""
    start: LocalTime
    end: LocalTime
    break_min: Annotated[Int, Field(ge=0, le=180)] = 60
    kind: ShiftKind = ShiftKind.day
    weekdays: list[Annotated[Int, Field(ge=0, le=6)]] = Field(
        default_factory=lambda: [0, 1, 2, 3, 4]
    )

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end <= self.start:
            raise ValueError(
                f"end {self.end.isoformat()} is not after start {self.start.isoformat()}"
                " (overnight templates are not supported)"
            )
        span = (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)
        if self.break_min >= span:
            raise ValueError(f"break_min {self.break_min} leaves no working time in the shift")
        return self

    @property
    def paid_minutes(self) -> int:
        """Working minutes of the shift, the break excluded."""
        span = (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)
        return span - self.break_min


def ensure_unique_ids(items: Iterable[StrictModel], field: str) -> None:
    """Raise :class:`InvalidInput` naming the first id that occurs twice in ``field``."""
    seen: set[str] = set()
    for i, item in enumerate(items):
        ident = getattr(item, "id")  # noqa: B009
        if ident in seen:
            raise InvalidInput(f"{field}[{i}].id", ident, f"duplicate id in {field}")
        seen.add(ident)


class DataSet(StrictModel):
    """Everything the department knows: master data plus tickets, references resolved."""

    sla_policies: list[SlaPolicy] = Field(default_factory=list)
    sites: list[Site] = Field(default_factory=list)
    engineers: list[Engineer] = Field(default_factory=list)
    absences: list[Absence] = Field(default_factory=list)
    shift_templates: list[ShiftTemplate] = Field(default_factory=list)
    tickets: list[Ticket] = Field(default_factory=list)
    skills: SkillList | None = None
    """The skills catalogue of the department; omitted: the built-in one."""

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        check_dataset(self)
        return self

    def site(self, site_id: str) -> Site:
        return self._sites_by_id()[site_id]

    def policy(self, policy_id: str) -> SlaPolicy:
        return {p.id: p for p in self.sla_policies}[policy_id]

    def _sites_by_id(self) -> dict[str, Site]:
        return {s.id: s for s in self.sites}


def check_dataset(ds: DataSet) -> None:
    """Unique ids and resolved references; raises :class:`InvalidInput` on the first problem."""
    for field in ("sla_policies", "sites", "engineers", "shift_templates", "tickets"):
        ensure_unique_ids(getattr(ds, field), field)
    policies = {p.id for p in ds.sla_policies}
    for i, s in enumerate(ds.sites):
        if s.sla_policy not in policies:
            raise UnknownReference(
                f"sites[{i}].sla_policy", s.sla_policy, f"site {s.id!r} names an unknown SLA policy"
            )
    engineers = {e.id for e in ds.engineers}
    for i, a in enumerate(ds.absences):
        if a.engineer_id not in engineers:
            raise UnknownReference(
                f"absences[{i}].engineer_id", a.engineer_id, "absence of an unknown engineer"
            )
    sites = {s.id: s for s in ds.sites}
    for i, t in enumerate(ds.tickets):
        check_ticket_references(t, f"tickets[{i}]", sites, engineers)
    check_skills_known(ds.skills, ds.engineers, ds.tickets)


def check_skills_known(
    skills: SkillList | None, engineers: Iterable[Engineer], tickets: Iterable[Ticket]
) -> SkillCatalogue:
    """Every engineer's skill and every ticket's required skill is in the catalogue (``skills``,
    else the built-in one); returns the catalogue."""
    if skills is not None:
        check_catalogue(skills)
    catalogue = SkillCatalogue.of(skills)
    for i, e in enumerate(engineers):
        catalogue.check(e.skills, f"engineers[{i}].skills")
    for i, t in enumerate(tickets):
        catalogue.check(t.required_skills, f"tickets[{i}].required_skills")
    return catalogue


def check_ticket_references(
    t: Ticket, path: str, sites: dict[str, Site], engineers: set[str]
) -> None:
    """A ticket's site must exist, an on-site ticket must be in a visited city, a pin must name
    a known engineer."""
    if t.site_id is not None and t.site_id not in sites:
        raise UnknownReference(
            f"{path}.site_id", t.site_id, f"ticket {t.id!r} names an unknown site {t.site_id!r}"
        )
    if t.mode == TicketMode.onsite and t.site_id is not None and not sites[t.site_id].visitable:
        site = sites[t.site_id]
        raise InvalidInput(
            f"{path}.mode",
            t.mode.value,
            f"site {site.id!r} is in {site.city}; only Saratov and Engels are visited on site",
        )
    if t.pinned is not None and t.pinned.engineer_id not in engineers:
        raise UnknownReference(
            f"{path}.pinned.engineer_id",
            t.pinned.engineer_id,
            f"ticket {t.id!r} is pinned to an unknown engineer",
        )
