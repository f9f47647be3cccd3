"""Dispatch contract v1: :class:`DispatchRequest` in, :class:`DispatchPlan` out.

Every datetime is aware; durations are whole minutes. A request validates completely before any
solving: unknown references, overlapping availability windows, a visit whose location the travel
matrix does not name — each raises :class:`~optimizer.errors.InvalidInput` naming the field and
the value. Tickets nobody can do are *not* errors: the plan reports them as unassigned with
reason codes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, Field, model_validator

from optimizer.domain.base import (
    Absence,
    Engineer,
    Site,
    SlaPolicy,
    Ticket,
    check_skills_known,
    check_ticket_references,
    ensure_unique_ids,
)
from optimizer.domain.common import (
    Flag,
    Id,
    Int,
    Location,
    Moment,
    Number,
    Priority,
    Skill,
    StrictModel,
    TicketMode,
    TimeWindow,
)
from optimizer.domain.skills import SkillList
from optimizer.domain.travel import TravelSpec, TravelSpecMatrix, TravelSpecModel
from optimizer.errors import InvalidInput, UnknownReference

# -- request ---------------------------------------------------------------------------------


class BreakRule(StrictModel):
    """A break (lunch) of ``duration_min`` to be placed inside [earliest_start, latest_end]."""

    earliest_start: Moment
    latest_end: Moment
    duration_min: Annotated[Int, Field(gt=0, le=240)] = 60

    @model_validator(mode="after")
    def _fits(self) -> Self:
        span = (self.latest_end - self.earliest_start).total_seconds() / 60
        if span < self.duration_min:
            raise ValueError(
                f"window {self.earliest_start.isoformat()}–{self.latest_end.isoformat()} is "
                f"shorter than the break ({self.duration_min} min)"
            )
        return self


class DispatchEngineer(Engineer):
    """An engineer as dispatch sees them today: when available, where now, busy until when."""

    availability: list[TimeWindow] | None = None
    """Windows of work; omitted (null): the office hours of the business calendar from the day
    being planned up to ``horizon_end``; an empty list: not working."""
    breaks: list[BreakRule] = Field(default_factory=list)
    current_location: Location | None = None
    busy_until: Moment | None = None

    @property
    def start_location(self) -> Location:
        """Where the engineer is now: ``current_location``, else the base."""
        return self.current_location or self.base


class Policy(StrEnum):
    """``optimal``: one CP-SAT model; ``greedy``: earliest-deadline-first list scheduling."""

    optimal = "optimal"
    greedy = "greedy"


class Lang(StrEnum):
    """The language of what a dispatcher reads: Russian by default, English on request."""

    ru = "ru"
    en = "en"


def _default_breach_weights() -> dict[Priority, int]:
    return {Priority.urgent: 10, Priority.normal: 3, Priority.low: 1}


class ObjectiveWeights(StrictModel):
    """Weights *inside* the objective terms: breaches per priority, a travel minute against a
    rouble of car cost, a change of engineer against a moved start. The terms themselves and
    their strict priority order are the registry :mod:`optimizer.dispatch.terms`; no weight
    here trades one term against another.
    """

    breach: dict[Priority, Annotated[Int, Field(ge=1, le=1000)]] = Field(
        default_factory=_default_breach_weights
    )
    travel_minute: Annotated[Int, Field(ge=0, le=1000)] = 1
    car_rub: Annotated[Int, Field(ge=0, le=1000)] = 1
    change_engineer: Annotated[Int, Field(ge=0, le=1000)] = 2
    change_start: Annotated[Int, Field(ge=0, le=1000)] = 1

    @model_validator(mode="after")
    def _all_priorities(self) -> Self:
        self.breach = {**_default_breach_weights(), **self.breach}
        return self


class DispatchOptions(StrictModel):
    """How to solve: the policy, the time budget, the seed and the language of explanations.

    ``time_limit_s`` bounds the whole solve (building the model and every lexicographic stage);
    explanations have their own budget, ``explain_time_s``. CP-SAT runs ``num_workers`` workers
    (default: one per CPU core, at most 8) under the wall clock, which is fastest but not
    reproducible run to run. With ``deterministic`` the search is CP-SAT's deterministic one (a
    single worker, or its interleaved search when ``num_workers`` > 1) stopped by a
    deterministic work limit of ``time_limit_s × work_per_second`` units: the same request and
    seed then give the same plan on any machine, and the wall clock (2 × ``time_limit_s``) is
    only a safety cap. The default ``work_per_second`` makes a deterministic solve take about as
    long as ``time_limit_s`` on the reference machine (``docs/benchmarks.md``, dispatch).
    """

    policy: Policy = Policy.optimal
    time_limit_s: Annotated[Number, Field(gt=0, le=3600)] = 10.0
    seed: Annotated[Int, Field(ge=0, le=2**31 - 1)] = 0
    num_workers: Annotated[Int, Field(ge=1, le=64)] | None = None
    deterministic: Flag = False
    work_per_second: Annotated[Number, Field(gt=0, le=1000)] = 0.15
    lang: Lang = Lang.ru
    weights: ObjectiveWeights = Field(default_factory=ObjectiveWeights)
    explain: Flag = True
    explain_time_s: Annotated[Number, Field(ge=0, le=600)] = 3.0


class DispatchRequest(StrictModel):
    """Who does which ticket, when and in which order, from ``now`` to the horizon."""

    now: Moment
    horizon_end: Moment | None = None
    engineers: list[DispatchEngineer] = Field(default_factory=list)
    tickets: list[Ticket] = Field(default_factory=list)
    sites: list[Site] = Field(default_factory=list)
    sla_policies: list[SlaPolicy] = Field(default_factory=list)
    absences: list[Absence] = Field(default_factory=list)
    travel: TravelSpec = Field(default_factory=TravelSpecModel)
    previous_plan: DispatchPlan | None = None
    options: DispatchOptions = Field(default_factory=DispatchOptions)
    skills: SkillList | None = None
    """The skills catalogue the engineers' and tickets' skills come from; omitted: the
    built-in one."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        check_dispatch_request(self)
        return self


def check_dispatch_request(req: DispatchRequest) -> None:
    """Every reference resolves and every window is sane; raises on the first problem."""
    if req.horizon_end is not None and req.horizon_end <= req.now:
        raise InvalidInput("horizon_end", req.horizon_end.isoformat(), "must be after now")
    for field in ("engineers", "tickets", "sites", "sla_policies"):
        ensure_unique_ids(getattr(req, field), field)
    policies = {p.id for p in req.sla_policies}
    for i, s in enumerate(req.sites):
        if s.sla_policy not in policies and s.sla_policy != "default":
            raise UnknownReference(
                f"sites[{i}].sla_policy", s.sla_policy, f"site {s.id!r} names an unknown SLA policy"
            )
    for i, e in enumerate(req.engineers):
        check_availability(e, f"engineers[{i}]")
    engineers = {e.id for e in req.engineers}
    for i, a in enumerate(req.absences):
        if a.engineer_id not in engineers:
            raise UnknownReference(
                f"absences[{i}].engineer_id", a.engineer_id, "absence of an unknown engineer"
            )
    sites = {s.id: s for s in req.sites}
    for i, t in enumerate(req.tickets):
        check_ticket_references(t, f"tickets[{i}]", sites, engineers)
        check_ticket_window(t, f"tickets[{i}]")
    check_skills_known(req.skills, req.engineers, req.tickets)
    check_locations(req)


def check_availability(e: DispatchEngineer, path: str) -> None:
    """Availability windows of one engineer must not overlap."""
    windows = e.availability or []
    order = sorted(range(len(windows)), key=lambda j: windows[j].start)
    for a, b in zip(order, order[1:], strict=False):
        wa, wb = windows[a], windows[b]
        if wb.start < wa.end:
            raise InvalidInput(
                f"{path}.availability[{b}]",
                f"{wb.start.isoformat()}–{wb.end.isoformat()}",
                f"overlaps {path}.availability[{a}] ({wa.start.isoformat()}–{wa.end.isoformat()})",
            )


def check_ticket_window(t: Ticket, path: str) -> None:
    """An appointment window must be long enough to hold the work."""
    if t.window is None:
        return
    span = (t.window.end - t.window.start).total_seconds() / 60
    if span < t.duration_min:
        raise InvalidInput(
            f"{path}.window",
            f"{t.window.start.isoformat()}–{t.window.end.isoformat()}",
            f"the window ({span:.0f} min) is shorter than the work ({t.duration_min} min)",
        )


def visit_location(t: Ticket, sites: dict[str, Site]) -> Location:
    """Where a ticket's work happens: its own location, else its site's."""
    if t.location is not None:
        return t.location
    assert t.site_id is not None  # a ticket has a site or a location (validated)
    return sites[t.site_id].location


def check_locations(req: DispatchRequest) -> None:
    """Every place a car may drive to or from is known to the travel spec."""
    sites = {s.id: (i, s) for i, s in enumerate(req.sites)}
    site_models = {k: v[1] for k, v in sites.items()}
    places: list[tuple[str, Location]] = []
    for i, t in enumerate(req.tickets):
        if t.mode != TicketMode.onsite:
            continue
        if t.location is not None:
            places.append((f"tickets[{i}].location", t.location))
        else:
            assert t.site_id is not None
            places.append(
                (f"sites[{sites[t.site_id][0]}].location", visit_location(t, site_models))
            )
    for i, e in enumerate(req.engineers):
        if e.can_visit:
            places.append((f"engineers[{i}].base", e.base))
            if e.current_location is not None:
                places.append((f"engineers[{i}].current_location", e.current_location))
    if isinstance(req.travel, TravelSpecMatrix):
        known = set(req.travel.locations)
        for field, loc in places:
            if loc.id is None:
                raise InvalidInput(
                    field, loc.key, "a travel matrix is given: name the location by its id"
                )
            if loc.id not in known:
                raise InvalidInput(field, loc.id, "location missing from the travel matrix")
    elif isinstance(req.travel, TravelSpecModel):
        for field, loc in places:
            if loc.lat is None or loc.lon is None:
                raise InvalidInput(
                    field, loc.key, "the travel model needs lat and lon (or give a travel matrix)"
                )


# -- plan ------------------------------------------------------------------------------------


class ReasonCode(StrEnum):
    """Why a ticket is late or left out."""

    NO_SKILLED_ENGINEER_ON_SHIFT = "NO_SKILLED_ENGINEER_ON_SHIFT"
    NO_VISIT_CAPABLE_ENGINEER = "NO_VISIT_CAPABLE_ENGINEER"
    OUTSIDE_HOURS = "OUTSIDE_HOURS"
    CAPACITY_BEFORE_DEADLINE = "CAPACITY_BEFORE_DEADLINE"
    TRAVEL_TIME = "TRAVEL_TIME"
    DEADLINE_ALREADY_PASSED = "DEADLINE_ALREADY_PASSED"
    PINNED_CONFLICT = "PINNED_CONFLICT"


class Assignment(StrictModel):
    """One ticket given to one engineer, with its timing against the deadline."""

    ticket_id: Id
    engineer_id: Id
    start: AwareDatetime
    end: AwareDatetime
    travel_min: Annotated[float, Field(ge=0)] = 0
    travel_km: Annotated[float, Field(ge=0)] = 0.0
    deadline: AwareDatetime
    on_time: bool
    slack_min: int
    mode: TicketMode = TicketMode.remote
    priority: Priority = Priority.normal
    in_progress: bool = False


class StopKind(StrEnum):
    start = "start"
    visit = "visit"
    end = "end"


class RouteStop(StrictModel):
    """A place on an engineer's route: arrive (after the drive), depart (the next drive starts)."""

    kind: StopKind
    ticket_id: Id | None = None
    location: Location
    arrive: AwareDatetime
    depart: AwareDatetime
    travel_min: Annotated[float, Field(ge=0)] = 0
    travel_km: Annotated[float, Field(ge=0)] = 0.0


class Route(StrictModel):
    """An engineer's day: stops in order (from where they are, back to base), breaks, totals."""

    engineer_id: Id
    stops: list[RouteStop] = Field(default_factory=list)
    breaks: list[TimeWindow] = Field(default_factory=list)
    work_min: int = 0
    travel_min: float = 0
    travel_km: float = 0.0
    car_cost_rub: float = 0.0
    available_min: int = 0
    utilisation: float = 0.0


class Unassigned(StrictModel):
    """A ticket left out of the plan, with the reasons."""

    ticket_id: Id
    reasons: list[ReasonCode] = Field(default_factory=list)
    message: str = ""


class Kpis(StrictModel):
    """Plan figures a dispatcher looks at first."""

    tickets: int = 0
    assigned: int = 0
    unassigned: int = 0
    visits: int = 0
    on_time: int = 0
    breaches: int = 0
    breaches_by_priority: dict[Priority, int] = Field(default_factory=dict)
    late_min_total: int = 0
    late_min_max: int = 0
    urgent_wait_min_total: int = 0
    urgent_wait_min_max: int = 0
    travel_min: float = 0
    travel_km: float = 0.0
    car_cost_rub: float = 0.0
    utilisation: dict[str, float] = Field(default_factory=dict)


class SolverStage(StrictModel):
    """One lexicographic stage of the optimal policy: which terms, what was found and proven."""

    terms: list[str]
    status: str
    objective: float
    best_bound: float
    wall_s: float


class SolverInfo(StrictModel):
    """How the plan was found.

    ``status``: OPTIMAL (every lexicographic stage proven), FEASIBLE, or GREEDY. ``objective``,
    ``best_bound`` and ``gap`` are those of the first stage not proven optimal — where the
    lexicographic comparison is decided — (of the last stage when all are proven). ``terms``:
    the objective terms of the plan in priority order, time in units of ``time_unit_min``
    minutes (1, or 0.1 with a fractional travel matrix).
    """

    policy: Policy
    status: str
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    wall_s: float = 0.0
    time_unit_min: float = 1.0
    terms: dict[str, int] = Field(default_factory=dict)
    stages: list[SolverStage] = Field(default_factory=list)
    note: str = ""


class FixKind(StrEnum):
    extend_shift = "extend_shift"
    add_engineer = "add_engineer"
    move_pin = "move_pin"


class Fix(StrictModel):
    """The smallest change found that makes a ticket on time (or at least assigned)."""

    kind: FixKind
    engineer_id: Id | None = None
    minutes: int | None = None
    skills: list[Skill] = Field(default_factory=list)
    visit: bool | None = None
    ticket_id: Id | None = None
    outcome: Literal["on_time", "assigned"] = "on_time"
    message: str = ""


class Explanation(StrictModel):
    """Why a ticket is late or left out, and what would fix it."""

    ticket_id: Id
    status: Literal["late", "unassigned"]
    reasons: list[ReasonCode]
    message: str
    fix: Fix | None = None


class StaffingHint(StrictModel):
    """An hour when engineers of a group (skills, visit capability) were short."""

    start: AwareDatetime
    end: AwareDatetime
    skills: list[Skill]
    visit: bool
    short_by: int
    minutes: int
    tickets: list[Id]
    message: str = ""


class DispatchPlan(StrictModel):
    """The answer: who does what when, routes, what is left out and why, KPIs, solver figures."""

    version: Literal["1"] = "1"
    now: AwareDatetime
    horizon_end: AwareDatetime
    assignments: list[Assignment] = Field(default_factory=list)
    routes: list[Route] = Field(default_factory=list)
    unassigned: list[Unassigned] = Field(default_factory=list)
    kpis: Kpis = Field(default_factory=Kpis)
    solver: SolverInfo
    explanations: list[Explanation] = Field(default_factory=list)
    staffing_hint: list[StaffingHint] = Field(default_factory=list)

    def assignment(self, ticket_id: str) -> Assignment | None:
        """The assignment of a ticket, if any."""
        return next((a for a in self.assignments if a.ticket_id == ticket_id), None)

    def route(self, engineer_id: str) -> Route | None:
        """The route of an engineer, if any."""
        return next((r for r in self.routes if r.engineer_id == engineer_id), None)


DispatchRequest.model_rebuild()
