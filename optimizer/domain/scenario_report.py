"""The what-if results: the :class:`SimulationReport` of a scenario set (each scenario's
figures with confidence intervals, and their comparison with the baseline) and the
:class:`Calibration` fitted from a helpdesk export (contract v1, JSON, snake_case).

The request they answer is in :mod:`optimizer.domain.scenario_spec`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from optimizer.domain.common import StrictModel
from optimizer.domain.scenario_spec import Policy
from optimizer.domain.skills import SkillCatalogue, SkillEntry

# -- the report --------------------------------------------------------------------------------


class Estimate(StrictModel):
    """A mean over replications with its 95 % confidence interval (how it is computed:
    ``SimulationReport.interval_methods``)."""

    mean: float
    ci_low: float
    ci_high: float


class Distribution(StrictModel):
    """A waiting-time distribution: mean (with 95 % CI over replications) and percentiles of
    all tickets of all replications pooled. ``None`` when no ticket was counted."""

    mean: float | None
    ci_low: float | None
    ci_high: float | None
    p50: float | None
    p90: float | None
    p95: float | None
    count: float = 0
    """Tickets counted, per replication."""


class WeekSla(StrictModel):
    """The SLA in one week of the horizon (7 days from the first simulated midnight; the last
    week may be shorter): tickets by the week they were created, per replication."""

    week: Annotated[int, Field(ge=0)]
    start: date
    days: float
    judged: float
    """Counted tickets judged (their deadline fell in the run, or they started on time)."""
    on_time: float
    sla_attainment: Estimate | None
    """Share on time with its interval over replications; ``None`` with no ticket judged."""


class WaitBin(StrictModel):
    """Tickets whose wait to start (on the SLA clock) fell in ``[low_min, high_min)``."""

    low_min: float
    high_min: float | None
    """``None``: no upper end."""
    tickets: Estimate
    """Tickets per replication, with the interval over replications."""
    share: float
    """Share of every started counted ticket of every replication."""


class HourUtilisation(StrictModel):
    """The engineers' time in one hour of the day, summed over the horizon's days, per
    replication: working time, busy time inside it, busy time outside it (overtime, work
    running through lunch)."""

    hour: Annotated[int, Field(ge=0, le=23)]
    available_hours: float
    busy_hours: float
    outside_hours: float
    utilisation: Estimate | None
    """Busy over available working time; ``None`` when nobody works in that hour."""


class PhoneReport(StrictModel):
    """The dispatcher phone line (office hours)."""

    operators: int
    calls: float
    """Calls in office hours, per replication."""
    answered_at_once: Estimate
    """Share of calls answered at once."""
    callbacks: float
    """Calls needing a callback, per replication."""
    callbacks_within_target: Estimate
    """Share of callbacks made within the target (10 minutes)."""
    within_target: Estimate
    """Share of all calls answered at once or called back within the target."""
    callback_wait_p95_min: float | None


class Costs(StrictModel):
    """What the horizon costs, per replication, RUB."""

    salaries_rub: Estimate
    overtime_rub: Estimate
    """Overtime pay, Labour Code art. 152: the first 2 hours of a day ×1.5, further hours ×2."""
    weekend_work_rub: Estimate
    """Work on days off (on-call), art. 153: ×2."""
    car_rub: Estimate
    """Car compensation: km × the engineer's cost per km."""
    total_rub: Estimate


class EngineerUsage(StrictModel):
    """One engineer over the horizon, mean per replication."""

    engineer_id: str
    utilisation: float
    """Busy (work + travel) over available time."""
    available_hours: float
    busy_hours: float
    overtime_hours: float
    tickets: float
    visits: float
    km: float


class ShortfallRow(StrictModel):
    """Where people were missing: tickets of ``group`` waiting beyond their SLA in an hour of
    the week, as the mean number of such tickets at once (≈ engineers short)."""

    weekday: Annotated[int, Field(ge=0, le=6)]
    hour: Annotated[int, Field(ge=0, le=23)]
    group: str
    """``skill:<skill>``, ``visit`` (needs a car), or ``all`` (no particular skill)."""
    short_by: float
    overdue_tickets: float
    """Tickets of the group that breached their SLA with the deadline in this hour, per week."""


class TheoryCheck(StrictModel):
    """The synthetic base against Erlang C (M/M/c, 24x7).

    ``service_level_agrees``: Erlang C's P(wait ≤ target) lies inside the simulated 95 %
    interval widened by 0.005 (half a percentage point); ``mean_wait_agrees``: its mean wait
    lies inside the interval widened by 2 % of that wait. The widening keeps a 1-in-20 miss of
    a correct simulator from being flagged; the benchmark also shows the strict containment.
    """

    rate_per_hour: float
    mean_duration_min: float
    agents: int
    target_min: float
    occupancy: float
    stable: bool
    p_wait: float
    service_level: float
    asa_min: float | None
    sim_service_level: Estimate
    sim_mean_wait_min: Estimate
    sim_p_wait: Estimate
    service_level_agrees: bool
    mean_wait_agrees: bool


class BacktestRow(StrictModel):
    """One figure of a backtest: what the history recorded, what the model gives."""

    metric: str
    label: str
    recorded: float | None
    simulated: Estimate | None
    difference: float | None
    """Simulated mean minus recorded."""


class BacktestReport(StrictModel):
    """A recorded month replayed (``Scenario.backtest``): the figures side by side and, in
    words, the modelling assumptions that explain where they differ."""

    month: str
    first_day: date
    last_day: date
    rows: list[BacktestRow]
    explanation: list[str]


class ScenarioReport(StrictModel):
    """The figures of one scenario, each a mean per replication unless said otherwise."""

    name: str
    description: str = ""
    policy: Policy
    replications: int
    seed: int
    start: date
    horizon_days: float
    warmup_days: float
    tickets: Estimate
    """Tickets created and counted (after the warm-up), per replication."""
    started: Estimate
    unstarted_at_end: Estimate
    sla_attainment: Estimate
    """Share of counted tickets whose deadline fell in the horizon that started by it."""
    sla_attainment_by_priority: dict[str, Estimate]
    sla_attainment_by_mode: dict[str, Estimate]
    breaches: Estimate
    breaches_by_mode: dict[str, Estimate]
    breaches_by_priority: dict[str, Estimate]
    wait_min: Distribution
    """Time to start on the ticket's SLA clock (office minutes for a business clock)."""
    wait_elapsed_min: Distribution
    """Time to start in plain elapsed minutes."""
    urgent_response_min: Distribution
    urgent_response_p95_min: float | None
    phone: PhoneReport
    utilisation: Estimate
    utilisation_by_engineer: dict[str, float]
    engineers: list[EngineerUsage]
    overtime_hours: Estimate
    km: Estimate
    visits: Estimate
    costs: Costs
    extra_work_revenue_rub: Estimate
    """Additional (paid) work done: minutes × 600 RUB per norm-hour."""
    extra_work_hours: Estimate
    shortfall: list[ShortfallRow]
    """The worst hours of the week by group, most short first (at most 40 rows)."""
    sla_by_week: list[WeekSla] = Field(default_factory=list)
    """The SLA week by week (the tickets of the weeks, judged, add up to the whole run's)."""
    wait_histogram: list[WaitBin] = Field(default_factory=list)
    """The distribution of the wait to start (``wait_min``) over fixed bins of minutes."""
    utilisation_by_hour: list[HourUtilisation] = Field(default_factory=list)
    """The engineers' utilisation by hour of the day (24 rows, midnight first)."""
    overdue_by_hour: list[list[float]] = Field(default_factory=list)
    """7 × 24 (Monday first): tickets past their SLA at once, every group together."""
    offered_utilisation: float
    """Work arriving over engineer time available; ≥ 1 means the department cannot keep up."""
    overloaded: bool
    warnings: list[str] = Field(default_factory=list)
    theory: TheoryCheck | None = None
    backtest: BacktestReport | None = None
    skills: list[SkillEntry] = Field(default_factory=list)
    """The skills of the scenario (those in use, from its catalogue) with their names, so a
    ``skill:<skill>`` shortfall group reads as the skill's name; empty: the built-in
    catalogue."""

    @property
    def skill_catalogue(self) -> SkillCatalogue:
        """The catalogue the shortfall groups' skills are named from."""
        return SkillCatalogue.of(self.skills or None)


class ComparisonRow(StrictModel):
    """A scenario's figure against the baseline's, with the 95 % CI of the difference."""

    scenario: str
    baseline: str
    metric: str
    label: str
    baseline_value: float | None
    value: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    significant: bool
    test: str
    """``paired-t`` (same seeds: common random numbers), ``welch-t``, or ``none``."""


class SimulationReport(StrictModel):
    """Every scenario's figures and their comparison with the first (the baseline)."""

    version: str = "1"
    lang: str = "ru"
    name: str = ""
    scenarios: list[ScenarioReport]
    comparison: list[ComparisonRow]
    overloaded: bool
    warnings: list[str] = Field(default_factory=list)
    min_replications: int = 5
    """Fewer replications than this in a scenario make its report warn."""
    few_replications: bool = False
    """Some scenario has fewer replications than ``min_replications``."""
    interval_methods: dict[str, str] = Field(default_factory=dict)
    """How the intervals are computed: ``share``, ``amount``, ``difference``."""

    def scenario(self, name: str) -> ScenarioReport:
        """The report of the scenario called ``name``."""
        for s in self.scenarios:
            if s.name == name:
                return s
        raise KeyError(name)


# -- calibration from a helpdesk export --------------------------------------------------------


class DurationFit(StrictModel):
    """A log-normal duration fitted to one category's recorded durations.

    ``ks_distance`` is the Kolmogorov–Smirnov distance between the recorded durations and the
    fitted distribution (the largest gap between the two cumulative curves, 0 = identical),
    computed on the rounding grid of the export (durations written to 5 minutes are compared
    at the grid's edges); ``fits`` when it is below ``ks_critical``, the 5 % critical value
    1.36 / √n.
    """

    category: str
    tickets: int
    mu: float
    """Mean of the log-duration (minutes)."""
    sigma: float
    """Standard deviation of the log-duration."""
    median_min: float
    mean_min: float
    recorded_mean_min: float
    ks_distance: float
    ks_critical: float
    fits: bool


class ArrivalFit(StrictModel):
    """Arrivals by weekday × hour on working days, and one 24-hour profile for days off.

    ``dispersion`` is the variance over the mean of the hourly counts within each cell,
    pooled (1 for a Poisson process, which the simulation assumes; above 1 the arrivals come
    in bursts); ``dispersion_p_value`` is the chi-square test of the Poisson assumption.
    """

    working_day_per_hour: list[list[float]]
    """7 × 24 (Monday first): mean tickets in that hour on working days of that weekday."""
    working_days_by_weekday: list[int]
    day_off_per_hour: list[float]
    """24: mean tickets in that hour on weekends and holidays."""
    days_off: int
    tickets_per_working_day: float
    tickets_per_day_off: float
    dispersion: float
    dispersion_p_value: float


class Calibration(StrictModel):
    """What ``wfm whatif --calibrate EXPORT.csv`` fits from a helpdesk export."""

    source: str
    tickets: int
    first_day: date
    last_day: date
    durations: list[DurationFit]
    arrivals: ArrivalFit
