"""Backtest: a recorded month of the ticket history replayed by the simulated department.

A scenario with ``backtest: "2026-07"`` keeps everything of the sample base except the
arrivals: instead of tickets drawn from the fitted profile, the history's own tickets of that
month arrive when they were created, at their site, with their priority, kind, mode, required
skills and recorded duration. The absences are the data set's (the same vacations and sick
notes); random sickness is off unless the scenario sets ``sick_rate``. The simulation starts
:data:`WARMUP_DAYS` before the month with the tickets of that week, so the month does not
open with an empty queue, and runs on after it with the following tickets until the month's
tickets have started (the tail of the sample base).

What the history recorded for the same month is measured by the same function as the
simulation (:func:`optimizer.simulate.metrics.figures_of_tickets`) on the recorded start of
work, so the two columns of the report mean the same thing. Where they differ, the cause is
in the model, not in the demand: the report names the assumptions
(:func:`optimizer.simulate.backtest_text.explanations`).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from optimizer.domain.scenario import check_month
from optimizer.errors import InvalidInput
from optimizer.simulate.clock import MINUTES_PER_DAY, SimClock
from optimizer.simulate.demand import skills_of
from optimizer.simulate.fitted import BaseData
from optimizer.simulate.metrics import figures_of_tickets
from optimizer.simulate.model import (
    KINDS,
    MODES,
    PRIORITIES,
    BacktestSummary,
    RecordedTickets,
    SiteTable,
    SkillBits,
    SlaTable,
    TicketMix,
)

WARMUP_DAYS = 7
"""Days simulated before the month with their recorded tickets (not counted)."""


def month_first_day(text: str, field: str) -> date:
    """The first day of a ``YYYY-MM`` month; anything else names the field."""
    try:
        check_month(text)
    except ValueError as err:
        raise InvalidInput(field, text, str(err)) from None
    year, month = text.split("-")
    return date(int(year), int(month), 1)


@dataclass(frozen=True)
class RecordedPeriod:
    """A month of the history and the tickets around it that the backtest replays."""

    month: str
    first_day: date
    last_day: date
    history: pd.DataFrame
    """Rows created from the warm-up on, sorted by creation."""
    mix: TicketMix

    @property
    def clock_start(self) -> date:
        """Minute 0 of the simulation: the warm-up's first day."""
        return self.first_day - timedelta(days=WARMUP_DAYS)

    @property
    def warmup_days(self) -> float:
        """Days before the month, simulated but not counted."""
        return float(WARMUP_DAYS)

    @property
    def horizon_days(self) -> float:
        """The warm-up and the month."""
        return float(WARMUP_DAYS + (self.last_day - self.first_day).days + 1)

    def tickets(
        self, sites: SiteTable, clock: SimClock, multiplier: float, skills: SkillBits
    ) -> RecordedTickets:
        """The recorded tickets as simulation arrays (a demand multiplier below 1 thins them;
        above 1 the extra demand comes from the fitted profile, as for the sample base); their
        required skills as masks of ``skills``."""
        h = self.history
        h = h[_minutes(h["created_at"], clock) < clock.days * MINUTES_PER_DAY]
        index = {s: i for i, s in enumerate(sites.ids)}
        cats = {c: i for i, c in enumerate(self.mix.categories)}
        known = set(skills.ids)
        return RecordedTickets(
            created=_minutes(h["created_at"], clock),
            site=np.array([index[s] for s in h["site_id"]], dtype=np.int64),
            priority=_codes(h["priority"], [p.value for p in PRIORITIES]),
            kind=_codes(h["kind"], list(KINDS)),
            mode=_codes(h["mode"], list(MODES)),
            skills=np.array(
                [skills.mask(skills_of(v, known)) for v in h["required_skills"]], dtype=np.int64
            ),
            duration=h["duration_min"].to_numpy(dtype=float),
            category=np.array([cats.get(str(c), 0) for c in h["category"]], dtype=np.int64),
            thin=min(1.0, multiplier),
        )

    def summary(self, clock: SimClock, sites: SiteTable, sla: SlaTable) -> BacktestSummary:
        """What the history recorded for the month, measured like a replication."""
        h = self.history
        index = {s: i for i, s in enumerate(sites.ids)}
        site = np.array([index[s] for s in h["site_id"]], dtype=np.int64)
        start = _minutes(h["started_at"], clock)
        figures, _ = figures_of_tickets(
            clock,
            _minutes(h["created_at"], clock),
            start,
            _minutes(h["deadline"], clock),
            _codes(h["priority"], [p.value for p in PRIORITIES]),
            _codes(h["mode"], list(MODES)),
            _codes(h["kind"], list(KINDS)),
            sla.clock[sites.policy[site]],
            h["duration_min"].to_numpy(dtype=float),
            (
                WARMUP_DAYS * MINUTES_PER_DAY,
                self.horizon_days * MINUTES_PER_DAY,
                float(np.nanmax(start, initial=0.0)) + 1.0,
            ),
        )
        return BacktestSummary(
            month=self.month, first_day=self.first_day, last_day=self.last_day, recorded=figures
        )


def _minutes(column: pd.Series, clock: SimClock) -> np.ndarray:
    """Aware datetimes as simulation minutes (NaN where missing)."""
    epoch = pd.Timestamp(clock.epoch)
    delta = (column - epoch).dt.total_seconds() / 60.0
    return delta.to_numpy(dtype=float, na_value=np.nan)


def _codes(column: pd.Series, levels: list[str]) -> np.ndarray:
    """Category words as the simulation's integer codes."""
    lookup = {v: i for i, v in enumerate(levels)}
    return np.array([lookup[str(v)] for v in column], dtype=np.int8)


def recorded_period(month: str, base: BaseData, field: str) -> RecordedPeriod:
    """The recorded month of the base's history; a month outside it names the field."""
    first = month_first_day(month, field)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    h = base.history
    created = h["created_at"]
    if h.empty:
        raise InvalidInput(field, month, "the ticket history is empty")
    covered_from = created.min().date()
    covered_to = created.max().date()
    if first < covered_from.replace(day=1) or last > covered_to + timedelta(days=2):
        raise InvalidInput(
            field,
            month,
            f"not a recorded month: the history covers {covered_from:%Y-%m} to {covered_to:%Y-%m}",
        )
    known = {s.id for s in base.dataset.sites}
    clock_start = pd.Timestamp(first - timedelta(days=WARMUP_DAYS)).tz_localize(created.dt.tz)
    rows = h[created >= clock_start].sort_values("created_at", kind="stable")
    unknown = sorted(set(rows["site_id"]) - known)
    if unknown:
        raise InvalidInput(field, month, f"the history names unknown sites: {unknown[0]}")
    if rows["started_at"].isna().all():
        raise InvalidInput(field, month, "the history records no start of work")
    return RecordedPeriod(
        month=f"{first:%Y-%m}", first_day=first, last_day=last, history=rows, mix=base.mix
    )
