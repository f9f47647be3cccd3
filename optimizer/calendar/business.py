"""Business calendar and SLA clock of the department (Europe/Saratov, UTC+4).

The department works Mon–Thu 09:00–18:00 and Fri 09:00–17:00 local time (lunch is
staggered, so the SLA clock does not stop for it). Days off follow the Russian production
calendar (:mod:`optimizer.calendar.production`): weekends, public holidays of Labour Code
art. 112 and the Government's transferred days off; a weekend day moved to a working day is
worked with the office hours of the weekday it replaces; a shortened day (art. 95) ends one
hour earlier.

Saratov is UTC+4 all year, which is *not* Moscow time: a helpdesk stamping ``+03:00``
is converted, never read as local.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from optimizer.calendar.production import (
    HOLIDAYS_ART_112,
    ProductionCalendar,
    ProductionYear,
    default_production_calendar,
)
from optimizer.domain.base import SlaPolicy
from optimizer.domain.common import Clock, Priority
from optimizer.errors import InvalidInput

TZ = ZoneInfo("Europe/Saratov")

DEFAULT_OFFICE_HOURS: Mapping[int, tuple[time, time]] = {
    0: (time(9), time(18)),
    1: (time(9), time(18)),
    2: (time(9), time(18)),
    3: (time(9), time(18)),
    4: (time(9), time(17)),
}
"""Office hours by weekday (Monday = 0); a weekday missing here is closed."""

PUBLIC_HOLIDAYS_ART_112: frozenset[tuple[int, int]] = frozenset(HOLIDAYS_ART_112)
"""Non-working public holidays of Labour Code art. 112 (month, day)."""

PRE_HOLIDAY_SHORTENING = timedelta(hours=1)
NORM_DAY_MIN = 8 * 60
"""Norm of a working day for a 40-hour week (art. 91), in minutes."""

MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days and office hours of the department, with the SLA clock arithmetic.

    Parameters
    ----------
    office_hours
        Weekday (0 = Monday) → (open, close) in local time. Configurable for another office.
    tz
        The local time zone; Europe/Saratov by default.
    """

    office_hours: Mapping[int, tuple[time, time]] = field(
        default_factory=lambda: dict(DEFAULT_OFFICE_HOURS)
    )
    tz: ZoneInfo = TZ
    production: ProductionCalendar = field(default_factory=default_production_calendar)

    # -- days -----------------------------------------------------------------

    def production_year(self, year: int) -> ProductionYear:
        """The production calendar of a year (official data, or the rule with a warning)."""
        return self.production.year(year)

    def is_public_holiday(self, d: date) -> bool:
        """An art. 112 public holiday (a non-working day by law, whatever the weekday)."""
        return (d.month, d.day) in PUBLIC_HOLIDAYS_ART_112

    def is_transferred_working_day(self, d: date) -> bool:
        """A weekend day the Government moved to a working day (a working Saturday)."""
        return self.production.year(d.year).is_working_weekend(d)

    def is_non_working(self, d: date) -> bool:
        """A day off: a weekend not transferred, a public holiday, or a transferred day off."""
        return self.production.year(d.year).is_day_off(d)

    def is_working_day(self, d: date) -> bool:
        """A working day of the production calendar."""
        return not self.is_non_working(d)

    def is_pre_holiday(self, d: date) -> bool:
        """A working day one hour shorter (art. 95): the day before a holiday, or the day the
        calendar shortens (a working Saturday before a holiday weekend, 2025-11-01)."""
        return self.production.year(d.year).is_shortened(d)

    def norm_minutes(self, d: date, weekly_hours: float = 40) -> int:
        """Norm working minutes of a date for a five-day week of ``weekly_hours`` (Ministry
        of Labour order 588n): a fifth of the week, one hour less on a shortened day, 0 off.
        For 40 h: 480, 420 on a shortened day."""
        if self.is_non_working(d):
            return 0
        full = round(weekly_hours * 60 / 5)
        return full - (60 if self.is_pre_holiday(d) else 0)

    def office_weekday(self, d: date) -> int:
        """Whose office hours a day keeps: a working Saturday keeps those of the weekday whose
        day off it was swapped with (the decree's pair), Monday's when the pair is unknown."""
        if self.is_transferred_working_day(d):
            return self.production.swapped_weekday(d)
        return d.weekday()

    # -- hours ----------------------------------------------------------------

    def open_intervals(self, d: date) -> list[tuple[datetime, datetime]]:
        """The office's open intervals on a date, aware in local time (empty on days off)."""
        _check_year(d)
        if self.is_non_working(d):
            return []
        hours = self.office_hours.get(self.office_weekday(d))
        if hours is None:
            return []
        opens = datetime.combine(d, hours[0], self.tz)
        closes = datetime.combine(d, hours[1], self.tz)
        if self.is_pre_holiday(d):
            closes -= PRE_HOLIDAY_SHORTENING
        return [(opens, closes)] if closes > opens else []

    def is_open(self, dt: datetime) -> bool:
        """Whether the office is open at an aware instant."""
        local = _local(dt, self.tz, "dt")
        return any(a <= local < b for a, b in self.open_intervals(local.date()))

    def add_business_minutes(self, dt: datetime, minutes: float) -> datetime:
        """The instant ``minutes`` of office time after ``dt`` (local time zone).

        Time outside office hours does not count; a start outside hours counts from the next
        opening. Landing exactly on a closing time returns that closing time.
        """
        if minutes < 0:
            raise InvalidInput("minutes", minutes, "must not be negative")
        local = _local(dt, self.tz, "dt")
        remaining = timedelta(minutes=minutes)
        day = local.date()
        for _ in range(366 * 3):
            for opens, closes in self.open_intervals(day):
                start = max(opens, local)
                if start >= closes:
                    continue
                if remaining <= closes - start:
                    return start + remaining
                remaining -= closes - start
            day += timedelta(days=1)
        raise InvalidInput("minutes", minutes, "no office time within three years")

    def business_minutes_between(self, a: datetime, b: datetime) -> float:
        """Office minutes in [a, b); negative when b is before a."""
        la, lb = _local(a, self.tz, "a"), _local(b, self.tz, "b")
        if lb < la:
            return -self.business_minutes_between(b, a)
        total = timedelta(0)
        day = la.date()
        while day <= lb.date():
            for opens, closes in self.open_intervals(day):
                lo, hi = max(opens, la), min(closes, lb)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 60


@cache
def default_calendar() -> BusinessCalendar:
    """The department's calendar with the default office hours."""
    return BusinessCalendar()


def sla_deadline(
    created_at: datetime,
    priority: Priority | str,
    policy: SlaPolicy | None = None,
    calendar: BusinessCalendar | None = None,
) -> datetime:
    """When work on a ticket must start: ``created_at`` plus the policy's response time,
    counted in office time on a business clock or in plain time on a 24x7 clock.

    The result is in Europe/Saratov (``+04:00``) whatever the input offset.
    """
    policy = policy or SlaPolicy(id="default")
    prio = Priority(priority)
    return deadline_after(created_at, policy.minutes_for(prio), policy.clock, calendar)


def deadline_after(
    created_at: datetime,
    minutes: float,
    clock: Clock | str = Clock.business,
    calendar: BusinessCalendar | None = None,
) -> datetime:
    """``created_at`` plus ``minutes`` on the given clock, in local time."""
    cal = calendar or default_calendar()
    local = _local(created_at, cal.tz, "created_at")
    if Clock(clock) == Clock.always:
        return local + timedelta(minutes=minutes)
    return cal.add_business_minutes(local, minutes)


def to_local(dt: datetime, field_name: str = "datetime") -> datetime:
    """An aware datetime converted to Europe/Saratov; naive input is an error."""
    return _local(dt, TZ, field_name)


def _local(dt: datetime, tz: ZoneInfo, field_name: str) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise InvalidInput(field_name, dt.isoformat(), "datetime needs an offset, e.g. +04:00")
    local = dt.astimezone(tz)
    _check_year(local.date())
    return local


def _check_year(d: date) -> None:
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise InvalidInput(
            "date", d.isoformat(), f"outside the supported years {MIN_YEAR}–{MAX_YEAR}"
        )
