"""The simulation's time axis: minutes since local midnight of the first simulated day.

Saratov keeps UTC+4 all year (no daylight saving), so a minute offset maps to a local time
linearly. :class:`SimClock` compiles the business calendar of :mod:`optimizer.calendar` over
the simulated days into arrays of open intervals, so that thousands of SLA deadlines and
office-time waits are computed at once (``numpy.searchsorted``) instead of day by day. It is a
view of the calendar, not a second calendar: the open intervals come from
:meth:`BusinessCalendar.open_intervals`, and a test checks the deadlines against
:func:`optimizer.calendar.deadline_after`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from optimizer.calendar import BusinessCalendar, default_calendar

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class SimClock:
    """Office hours and day kinds over ``days`` days from ``start`` (local midnight = minute 0)."""

    start: date
    days: int
    open_start: np.ndarray
    """Start minute of each open interval, ascending."""
    open_end: np.ndarray
    cum_before: np.ndarray
    """Office minutes before each open interval."""
    working: np.ndarray
    """Whether each day is a working day of the production calendar."""
    public_holiday: np.ndarray
    """Whether each day is an art. 112 public holiday."""
    pre_holiday: np.ndarray
    office_weekday: np.ndarray
    """Whose office hours each day keeps (a working Saturday keeps its swapped weekday's)."""
    tz_name: str = "Europe/Saratov"

    @classmethod
    def build(cls, start: date, days: int, calendar: BusinessCalendar | None = None) -> SimClock:
        """Compile the calendar from ``start`` over ``days`` days."""
        cal = calendar or default_calendar()
        epoch = datetime.combine(start, datetime.min.time(), cal.tz)
        starts: list[float] = []
        ends: list[float] = []
        working = np.zeros(days, dtype=bool)
        holiday = np.zeros(days, dtype=bool)
        pre = np.zeros(days, dtype=bool)
        office_wd = np.zeros(days, dtype=np.int8)
        for i in range(days):
            d = start + timedelta(days=i)
            working[i] = cal.is_working_day(d)
            holiday[i] = cal.is_public_holiday(d)
            pre[i] = cal.is_pre_holiday(d)
            office_wd[i] = cal.office_weekday(d)
            for opens, closes in cal.open_intervals(d):
                starts.append((opens - epoch).total_seconds() / 60.0)
                ends.append((closes - epoch).total_seconds() / 60.0)
        s = np.asarray(starts, dtype=float)
        e = np.asarray(ends, dtype=float)
        cum = np.concatenate([[0.0], np.cumsum(e - s)[:-1]]) if s.size else np.zeros(0)
        return cls(
            start=start,
            days=days,
            open_start=s,
            open_end=e,
            cum_before=cum,
            working=working,
            public_holiday=holiday,
            pre_holiday=pre,
            office_weekday=office_wd,
            tz_name=str(cal.tz.key),
        )

    # -- conversions --------------------------------------------------------------------------

    @property
    def epoch(self) -> datetime:
        """The aware instant of minute 0."""
        return datetime.combine(self.start, datetime.min.time(), ZoneInfo(self.tz_name))

    def to_datetime(self, minute: float) -> datetime:
        """The aware local instant of a simulation minute."""
        return self.epoch + timedelta(minutes=float(minute))

    def minute_of(self, dt: datetime) -> float:
        """The simulation minute of an aware instant (negative before the start)."""
        return (dt - self.epoch).total_seconds() / 60.0

    def day_of(self, minute: float) -> int:
        """Index of the day a minute falls in."""
        return int(minute // MINUTES_PER_DAY)

    # -- the business clock ------------------------------------------------------------------

    def business_time(self, t: np.ndarray) -> np.ndarray:
        """Office minutes from minute 0 up to each ``t`` (non-decreasing in ``t``)."""
        t = np.asarray(t, dtype=float)
        if self.open_start.size == 0:
            return np.zeros_like(t)
        j = np.searchsorted(self.open_start, t, side="right") - 1
        jj = np.clip(j, 0, None)
        inside = np.minimum(t - self.open_start[jj], self.open_end[jj] - self.open_start[jj])
        out = self.cum_before[jj] + np.maximum(inside, 0.0)
        return np.where(j < 0, 0.0, out)

    def business_deadline(self, created: np.ndarray, minutes: np.ndarray) -> np.ndarray:
        """``created`` plus ``minutes`` of office time (counted from the next opening when
        closed; landing on a closing time gives that closing time); ``inf`` past the compiled
        days."""
        created = np.asarray(created, dtype=float)
        target = self.business_time(created) + np.asarray(minutes, dtype=float)
        if self.open_start.size == 0:
            return np.full_like(target, np.inf)
        cum_end = self.cum_before + (self.open_end - self.open_start)
        j = np.searchsorted(cum_end, target - 1e-9, side="left")
        beyond = j >= cum_end.size
        jj = np.clip(j, 0, cum_end.size - 1)
        deadline = self.open_start[jj] + (target - self.cum_before[jj])
        deadline = np.maximum(deadline, created)
        return np.where(beyond, np.inf, deadline)

    def office_minutes_per_hour(self, hours: int) -> np.ndarray:
        """Open office minutes in each hour slot ``[60h, 60h + 60)`` for ``hours`` slots."""
        edges = np.arange(hours + 1, dtype=float) * 60.0
        bt = self.business_time(edges)
        return np.diff(bt)
