"""Contract models of the roster engine (v1): :class:`RosterRequest` in, :class:`Roster` out.

A request plans shifts for the days ``start``..``end`` (both included, at most a year) from
shift templates, for engineers with their absences, against coverage requirements per
interval and group (:class:`~optimizer.domain.staffing.CoverageRequirement`). Labour rules
are hard; coverage, overtime, the norm of hours, preferences and fairness are soft, in that
order of weight.

Times are local (Europe/Saratov); every datetime in a :class:`Roster` carries ``+04:00``.
"""

from __future__ import annotations

from datetime import date as Date
from datetime import timedelta
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, Field, model_validator

from optimizer.domain.base import (
    Absence,
    Engineer,
    ShiftTemplate,
    check_skills_known,
    ensure_unique_ids,
)
from optimizer.domain.common import Flag, Id, Int, Number, StrictModel
from optimizer.domain.skills import SkillList, UnknownSkill
from optimizer.domain.staffing import CoverageRequirement, group_skill
from optimizer.errors import InvalidInput, UnknownReference

SARATOV = ZoneInfo("Europe/Saratov")
"""Local time of the department (the roster's dates are Saratov dates)."""

MAX_PERIOD_DAYS = 366
"""The longest period one request may plan (a leap year)."""


class PinnedShift(StrictModel):
    """A shift fixed in advance: ``engineer_id`` works ``template_id`` on ``date``."""

    engineer_id: Id
    date: Date
    template_id: Id


class PreviousShift(StrictModel):
    """A shift worked before the period (the last days of the previous month).

    With the previous days' shifts the labour rules hold across the period's start: rest
    between shifts, days in a row, the weekly rest and the week's normal time (art. 91, 110).
    ``paid_minutes`` is the working time of the shift (without the break); when absent the
    whole span counts.
    """

    engineer_id: Id
    date: Date
    start: AwareDatetime
    end: AwareDatetime
    paid_minutes: Annotated[int, Field(ge=0)] | None = None

    @property
    def worked_minutes(self) -> int:
        """Paid minutes of the shift (the span when not given)."""
        if self.paid_minutes is not None:
            return self.paid_minutes
        return int((self.end - self.start).total_seconds() // 60)


class RequiredDayOff(StrictModel):
    """A day the engineer must not work (a promised day off, a day of donated blood…)."""

    engineer_id: Id
    date: Date


class EngineerRules(StrictModel):
    """Per-engineer overrides of the labour limits; ``None`` keeps the department default."""

    engineer_id: Id
    max_consecutive_days: Annotated[int, Field(ge=1, le=14)] | None = None
    weekly_hours: Annotated[float, Field(gt=0, le=40)] | None = None
    overtime_used_h: Annotated[float, Field(ge=0, le=120)] = 0
    """Overtime already worked this calendar year before ``start`` (counts toward 120 h)."""
    allow_overtime: bool | None = None


class LabourRules(StrictModel):
    """Hard labour limits (Labour Code of the Russian Federation) with their defaults."""

    max_consecutive_days: Annotated[int, Field(ge=1, le=14)] = 6
    min_rest_between_shifts_h: Annotated[float, Field(ge=0, le=24)] = 12
    weekly_rest_h: Annotated[float, Field(ge=0, le=72)] = 42
    """Art. 110: the uninterrupted weekly rest, within each calendar week."""
    weekly_hours: Annotated[float, Field(gt=0, le=40)] | None = None
    """Art. 91: the normal time a week; ``None`` takes each engineer's ``weekly_hours``."""
    allow_overtime: bool = True
    overtime_max_2days_h: Annotated[float, Field(ge=0, le=24)] = 4
    """Art. 99: overtime at most 4 h over two consecutive days."""
    overtime_max_year_h: Annotated[float, Field(ge=0, le=120)] = 120
    """Art. 99: overtime at most 120 h a calendar year."""
    pinned: list[PinnedShift] = Field(default_factory=list)
    required_days_off: list[RequiredDayOff] = Field(default_factory=list)
    per_engineer: list[EngineerRules] = Field(default_factory=list)

    def for_engineer(self, engineer_id: str) -> EngineerRules | None:
        """The overrides of one engineer, if any."""
        for r in self.per_engineer:
            if r.engineer_id == engineer_id:
                return r
        return None


class RosterWeights(StrictModel):
    """Weights of the soft goals, in points per natural unit (a person-hour, a request…).

    The defaults keep the priority order: a missing person weighs far more than overtime,
    overtime more than hours below the norm, those more than preferences, then fairness,
    then an extra person on duty.
    """

    shortfall_per_person_hour: Annotated[int, Field(ge=1, le=100_000)] = 1000
    overtime_per_hour: Annotated[int, Field(ge=0, le=10_000)] = 50
    below_norm_per_hour: Annotated[int, Field(ge=0, le=10_000)] = 10
    preference_unit: Annotated[int, Field(ge=0, le=10_000)] = 100
    """Points per unit of a shift on/off request's own weight."""
    weekend_duty_spread: Annotated[int, Field(ge=0, le=10_000)] = 40
    """Points per shift between the most and the least weekend/holiday/on-call duties."""
    hours_spread_per_hour: Annotated[int, Field(ge=0, le=10_000)] = 2
    """Points per hour between the largest and smallest deficit against the norm."""
    day_off_work_per_hour: Annotated[int, Field(ge=0, le=10_000)] = 5
    """Points per hour worked on a weekend or holiday (paid double, art. 153)."""
    over_coverage_per_person_hour: Annotated[int, Field(ge=0, le=10_000)] = 1
    """Points per person-hour on duty beyond the requirement of the group ``all``."""


class RosterRequest(StrictModel):
    """Plan shifts for ``start``..``end`` (inclusive, local dates)."""

    start: Date
    end: Date
    engineers: list[Engineer] = Field(min_length=1)
    absences: list[Absence] = Field(default_factory=list)
    shift_templates: list[ShiftTemplate] = Field(min_length=1)
    requirements: list[CoverageRequirement] = Field(default_factory=list)
    rules: LabourRules = Field(default_factory=LabourRules)
    weights: RosterWeights = Field(default_factory=RosterWeights)
    history: list[PreviousShift] = Field(default_factory=list)
    """Shifts worked on the days before ``start``, so that the rules hold across it. The
    year's overtime so far goes in ``rules.per_engineer[].overtime_used_h``."""
    start_from: Annotated[list[PinnedShift], Field(max_length=50_000)] | None = None
    """The shifts of an earlier roster of the period (a re-plan after the head's edits): with
    the pins put in and the days given off taken out, it is the solve's first roster when it
    keeps every rule, and the answer is never worse than it."""
    time_limit_s: Annotated[Number, Field(gt=0, le=3600)] = 10
    seed: Annotated[Int, Field(ge=0, le=2**31 - 1)] = 0
    num_workers: Annotated[Int, Field(ge=1, le=64)] = 2
    max_deterministic_time: Annotated[Number, Field(gt=0)] | None = None
    """A deterministic work limit (CP-SAT units) in addition to ``time_limit_s``; for tests."""
    skills: SkillList | None = None
    """The skills catalogue of the engineers' skills and the ``skill:<skill>`` groups;
    omitted: the built-in one."""
    deterministic: Flag | None = None
    """With several workers, interleave them deterministically: the same request and seed
    give the same roster when the solve ends by proving optimality or by the deterministic
    limit (a wall-clock limit can still cut it at a different point). ``None`` (default):
    deterministic up to 5000 shift variables (a department month), free-running above,
    where interleaving the workers costs much solution quality (figures in
    ``docs/benchmarks.md``, "Department roster")."""

    @model_validator(mode="after")
    def _period_and_references(self) -> Self:
        check_roster_request(self)
        return self

    @property
    def days(self) -> list[Date]:
        """Every date of the period, in order."""
        n = (self.end - self.start).days + 1
        return [self.start + timedelta(days=i) for i in range(n)]


def check_roster_request(req: RosterRequest) -> None:
    """Period length, unique ids, and that every reference resolves; first problem raised."""
    if req.end < req.start:
        raise InvalidInput("end", req.end.isoformat(), f"before start {req.start.isoformat()}")
    n_days = (req.end - req.start).days + 1
    if n_days > MAX_PERIOD_DAYS:
        raise InvalidInput(
            "end", req.end.isoformat(), f"the period is {n_days} days; at most a year (366)"
        )
    ensure_unique_ids(req.engineers, "engineers")
    ensure_unique_ids(req.shift_templates, "shift_templates")
    engineers = {e.id for e in req.engineers}
    templates = {t.id for t in req.shift_templates}
    for i, a in enumerate(req.absences):
        if a.engineer_id not in engineers:
            raise UnknownReference(
                f"absences[{i}].engineer_id", a.engineer_id, "absence of an unknown engineer"
            )
    for i, e in enumerate(req.engineers):
        for j, p in enumerate(e.preferences):
            if p.template_id is not None and p.template_id not in templates:
                raise UnknownReference(
                    f"engineers[{i}].preferences[{j}].template_id",
                    p.template_id,
                    "preference for an unknown shift template",
                )
            try:
                Date.fromisoformat(p.date)
            except ValueError:
                raise InvalidInput(
                    f"engineers[{i}].preferences[{j}].date", p.date, "not a calendar date"
                ) from None
    # requirement groups are checked by CoverageRequirement itself, their skills here; rows
    # dated outside the period are simply not used
    catalogue = check_skills_known(req.skills, req.engineers, [])
    for i, r in enumerate(req.requirements):
        skill = group_skill(r.group)
        if skill is not None and skill not in catalogue:
            raise UnknownSkill(f"requirements[{i}].group", r.group, catalogue.unknown_message())
    _check_rules(req, engineers, templates)
    _check_history(req, engineers)
    _check_start_from(req, engineers, templates)


def _check_shift(
    path: str, s: PinnedShift, req: RosterRequest, engineers: set[str], templates: set[str]
) -> None:
    """A shift of a known engineer and template, inside the period."""
    if s.engineer_id not in engineers:
        raise UnknownReference(f"{path}.engineer_id", s.engineer_id, "unknown engineer")
    if s.template_id not in templates:
        raise UnknownReference(f"{path}.template_id", s.template_id, "unknown shift template")
    if not req.start <= s.date <= req.end:
        raise InvalidInput(f"{path}.date", s.date.isoformat(), "outside the period")


def _check_start_from(req: RosterRequest, engineers: set[str], templates: set[str]) -> None:
    seen: set[tuple[str, Date]] = set()
    for i, s in enumerate(req.start_from or []):
        path = f"start_from[{i}]"
        _check_shift(path, s, req, engineers, templates)
        if (s.engineer_id, s.date) in seen:
            raise InvalidInput(
                f"{path}.date", s.date.isoformat(), "a second shift of the engineer that day"
            )
        seen.add((s.engineer_id, s.date))


def _check_rules(req: RosterRequest, engineers: set[str], templates: set[str]) -> None:
    rules = req.rules
    for i, p in enumerate(rules.pinned):
        _check_shift(f"rules.pinned[{i}]", p, req, engineers, templates)
    for i, d in enumerate(rules.required_days_off):
        path = f"rules.required_days_off[{i}]"
        if d.engineer_id not in engineers:
            raise UnknownReference(f"{path}.engineer_id", d.engineer_id, "unknown engineer")
    for i, o in enumerate(rules.per_engineer):
        if o.engineer_id not in engineers:
            raise UnknownReference(
                f"rules.per_engineer[{i}].engineer_id", o.engineer_id, "unknown engineer"
            )


def _check_history(req: RosterRequest, engineers: set[str]) -> None:
    """Previous shifts: a known engineer, a date before the period, a shift that starts on
    its date and ends after it starts, no two overlapping shifts of one engineer."""
    seen: dict[str, list[tuple[int, PreviousShift]]] = {}
    for i, h in enumerate(req.history):
        path = f"history[{i}]"
        if h.engineer_id not in engineers:
            raise UnknownReference(f"{path}.engineer_id", h.engineer_id, "unknown engineer")
        if h.date >= req.start:
            raise InvalidInput(
                f"{path}.date",
                h.date.isoformat(),
                f"inside the period (starts {req.start.isoformat()}); history holds only the "
                "days before it",
            )
        if h.end <= h.start:
            raise InvalidInput(f"{path}.end", h.end.isoformat(), "not after start")
        local_day = h.start.astimezone(SARATOV).date()
        if local_day != h.date:
            raise InvalidInput(
                f"{path}.start",
                h.start.isoformat(),
                f"starts on {local_day.isoformat()} (Saratov time), not on date "
                f"{h.date.isoformat()}",
            )
        span = int((h.end - h.start).total_seconds() // 60)
        if h.paid_minutes is not None and h.paid_minutes > span:
            raise InvalidInput(
                f"{path}.paid_minutes", h.paid_minutes, f"longer than the shift ({span} min)"
            )
        for j, other in seen.get(h.engineer_id, []):
            if h.start < other.end and other.start < h.end:
                raise InvalidInput(
                    f"{path}.start", h.start.isoformat(), f"overlaps history[{j}] of the engineer"
                )
        seen.setdefault(h.engineer_id, []).append((i, h))


# --------------------------------------------------------------------------- results


class RosterAssignment(StrictModel):
    """One shift: who works which template on which day, from when to when (local time).

    ``day`` is the index of the date from the start of the period (0-based). Rosters of the
    Shift Scheduling Benchmark have no calendar: ``date``, ``start`` and ``end`` are then null.
    """

    engineer_id: str
    date: Date | None = None
    day: int
    template_id: str
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    paid_minutes: int = 0
    kind: str = "day"
    non_working_day: bool = False
    """The date is a weekend or holiday of the production calendar (art. 113)."""


class CoverageRow(StrictModel):
    """How many engineers of a group are on duty in an interval, against the requirement."""

    date: Date | None = None
    day: int
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    group: str
    required: int
    scheduled: int
    short_by: int
    over_by: int


class ShortfallRow(StrictModel):
    """An interval where the group has ``short_by`` fewer people on duty than required."""

    date: Date | None = None
    day: int
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    group: str
    short_by: int

    @property
    def person_hours(self) -> float:
        """Missing person-hours of the row (0 when the row has no clock times)."""
        if self.start is None or self.end is None:
            return 0.0
        return self.short_by * (self.end - self.start).total_seconds() / 3600


class WeeklyHours(StrictModel):
    """Hours of one engineer in one calendar week (Monday ``week_start``).

    ``hours`` = ``normal_hours`` + ``overtime_hours`` + ``day_off_hours``: work on a weekend
    or holiday is counted apart (art. 153), outside the week's normal time and overtime.
    """

    engineer_id: str
    week_start: Date
    hours: float
    normal_hours: float
    overtime_hours: float
    cap_hours: float
    day_off_hours: float = 0


class EngineerFairness(StrictModel):
    """What one engineer got: hours against the norm, weekend/holiday and on-call duties.

    ``hours`` is every hour worked; ``day_off_hours`` (weekends, holidays) and
    ``overtime_hours`` are part of it but never fill the norm: ``norm_deficit_hours`` is the
    norm less the normal hours of working days. ``pay_rub`` prices the hours at the
    engineer's rate: overtime at 1.5 for the first two hours of a day and double after
    (art. 152), day-off work double (art. 153).
    """

    engineer_id: str
    name: str = ""
    shifts: int
    hours: float
    norm_hours: float
    overtime_hours: float
    weekend_holiday_shifts: int
    on_call_shifts: int
    requests_granted: int = 0
    requests_denied: int = 0
    day_off_hours: float = 0
    norm_deficit_hours: float = 0
    pay_rub: float = 0


class LabourCost(StrictModel):
    """What the roster's hours cost, by kind (RUB at each engineer's hourly rate)."""

    normal_rub: float = 0
    overtime_rub: float = 0
    """Art. 152: 1.5× for the first two hours of a day's overtime, 2× after."""
    day_off_rub: float = 0
    """Art. 153: work on a weekend or holiday paid double."""
    total_rub: float = 0


class Fairness(StrictModel):
    """Fairness figures: per engineer, and the spreads the objective keeps small."""

    per_engineer: list[EngineerFairness] = Field(default_factory=list)
    duty_spread: int = 0
    """Most minus fewest weekend/holiday/on-call duties among engineers who may take them."""
    norm_deficit_spread_h: float = 0
    """Largest minus smallest shortfall of hours against the norm."""


class AbsenceDay(StrictModel):
    """A day (or part of it) an engineer is away or without the car, for grids and exports."""

    engineer_id: str
    date: Date
    kind: str


class SolverInfo(StrictModel):
    """How the solve went: status, objective and bound (in the engine's points), time."""

    status: str
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    wall_s: float = 0
    deterministic_time: float = 0
    num_workers: int = 1
    seed: int = 0
    engine: Literal["cp-sat"] = "cp-sat"


class Roster(StrictModel):
    """The shift plan with its coverage, shortfall, hours, fairness and solver figures.

    ``objective``, ``best_bound`` and ``status`` repeat the solver block at the top level;
    for a benchmark instance ``objective`` is the benchmark's own penalty, re-scored from
    the assignments.
    """

    start: Date | None = None
    end: Date | None = None
    instance: str | None = None
    status: str
    objective: float | None = None
    best_bound: float | None = None
    assignments: list[RosterAssignment] = Field(default_factory=list)
    coverage: list[CoverageRow] = Field(default_factory=list)
    shortfall: list[ShortfallRow] = Field(default_factory=list)
    weekly_hours: list[WeeklyHours] = Field(default_factory=list)
    fairness: Fairness = Field(default_factory=Fairness)
    penalties: dict[str, float] = Field(default_factory=dict)
    """The objective broken down by goal (natural units: person-hours short, hours…)."""
    cost: LabourCost = Field(default_factory=LabourCost)
    engineers: dict[str, str] = Field(default_factory=dict)
    """Engineer id → name, in the order of the request (for grids)."""
    templates: dict[str, str] = Field(default_factory=dict)
    """Template id → name."""
    absence_days: list[AbsenceDay] = Field(default_factory=list)
    days_off: list[Date] = Field(default_factory=list)
    """Weekends and holidays of the production calendar inside the period."""
    solver: SolverInfo

    def is_feasible(self) -> bool:
        """A roster was found (optimal or feasible)."""
        return self.status in ("OPTIMAL", "FEASIBLE")

    @property
    def shortfall_person_hours(self) -> float:
        """Total missing person-hours over every group."""
        return sum(r.person_hours for r in self.shortfall)


# --------------------------------------------------------------------------- reports


class ShortfallCell(StrictModel):
    """People missing in one hour of one date for one group."""

    date: Date
    hour: Annotated[int, Field(ge=0, le=23)]
    group: str
    short_by: int
    """Most people missing at any moment of the hour."""
    person_hours: float


class Recommendation(StrictModel):
    """An action a department head can take, with the shortfall it removes (person-hours).

    ``verified`` says whether the gain was measured by re-solving the roster with the change
    (otherwise it is the shortfall the change addresses, an upper bound).
    """

    kind: Literal["add_engineer", "move_vacation"]
    text: str
    gain_person_hours: float
    verified: bool = False
    engineer_id: str | None = None
    groups: list[str] = Field(default_factory=list)
    count: int = 1
    """How many engineers an ``add_engineer`` recommendation adds (the "+N" of its text)."""


class ShortfallReport(StrictModel):
    """Where and when people are missing, totals, and what to do about it."""

    total_person_hours: float
    by_group: dict[str, float] = Field(default_factory=dict)
    by_weekday: dict[int, float] = Field(default_factory=dict)
    by_date: dict[Date, float] = Field(default_factory=dict)
    cells: list[ShortfallCell] = Field(default_factory=list)
    recommendations: list[Recommendation] = Field(default_factory=list)
    summary: str = ""


class VacationPart(StrictModel):
    """One continuous leave: dates (inclusive), calendar days, holidays inside not counted."""

    start: Date
    end: Date
    calendar_days: int
    holidays_inside: int
    counted_days: int


class EngineerVacation(StrictModel):
    """An engineer's leave in a year against the Labour Code (art. 115, 120, 125)."""

    engineer_id: str
    name: str = ""
    parts: list[VacationPart] = Field(default_factory=list)
    counted_days: int = 0
    longest_part_days: int = 0
    ok: bool = True
    issues: list[str] = Field(default_factory=list)


class VacationWeekImpact(StrictModel):
    """Who is on leave in a week and which groups fall below their requirement on some day."""

    week_start: Date
    away: list[str] = Field(default_factory=list)
    short_groups: dict[str, int] = Field(default_factory=dict)
    """Group → most people missing on a day even if everyone left worked (capacity)."""
    tight_groups: list[str] = Field(default_factory=list)
    """Groups with no one to spare on some day."""


class VacationPlanReport(StrictModel):
    """The year's vacation plan checked per engineer, with its coverage impact per week."""

    year: int
    entitlement_days: int = 28
    ok: bool = True
    engineers: list[EngineerVacation] = Field(default_factory=list)
    weeks: list[VacationWeekImpact] = Field(default_factory=list)
    roster_shortfall_with_vacations: float | None = None
    roster_shortfall_without_vacations: float | None = None
