"""The norm of working hours per month, quarter and year (Labour Code art. 91, art. 95).

The norm follows the Ministry of Labour's procedure (order 588n of 13.08.2009): the working
days of a five-day week with Saturday and Sunday off, as the production calendar moves them,
times a fifth of the weekly hours (8 h for 40 h, 7.2 h for 36 h, 4.8 h for 24 h), less one
hour for each shortened pre-holiday day. Norms are kept in minutes, so 7.2 h is exact.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from datetime import date, timedelta
from datetime import date as Date

from pydantic import Field

from optimizer.calendar.business import MAX_YEAR, MIN_YEAR, BusinessCalendar
from optimizer.calendar.production import HOLIDAY_NAMES, DayKind
from optimizer.domain.common import StrictModel
from optimizer.errors import InvalidInput

WEEKLY_HOURS = (40, 36, 24)
"""The weeks the published calendar gives norms for."""


class PeriodNorm(StrictModel):
    """Days and norm hours of a month, a quarter or the year."""

    label: str
    """``2027-02``, ``2027-Q1`` or ``2027``."""
    calendar_days: int
    working_days: int
    days_off: int
    shortened_days: int
    norm_hours: dict[int, float]
    """Weekly hours (40, 36, 24) → norm hours of the period."""


class CalendarDay(StrictModel):
    """A date the calendar lists: a day off, a shortened day, a worked weekend."""

    date: Date
    kind: DayKind
    holiday: str | None = None
    """The art. 112 holiday key (``new_year``, ``victory_day``…) when the date is one."""
    moved_from: Date | None = None


class CalendarYear(StrictModel):
    """A year of the production calendar with its norms and where its facts come from."""

    year: int
    official: bool
    source: str
    warning: str | None = None
    days: list[CalendarDay] = Field(default_factory=list)
    months: list[PeriodNorm] = Field(default_factory=list)
    quarters: list[PeriodNorm] = Field(default_factory=list)
    total: PeriodNorm


def check_year(year: int, field: str = "year") -> int:
    """A year the calendar supports, else :class:`InvalidInput` naming ``field``."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(field, year, f"outside the supported years {MIN_YEAR}–{MAX_YEAR}")
    return year


def period_norm(
    cal: BusinessCalendar, first: date, last: date, label: str, weekly: tuple[int, ...]
) -> PeriodNorm:
    """Working days, days off, shortened days and norm hours of ``first``..``last``."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    working = [d for d in days if cal.is_working_day(d)]
    return PeriodNorm(
        label=label,
        calendar_days=len(days),
        working_days=len(working),
        days_off=len(days) - len(working),
        shortened_days=sum(1 for d in working if cal.is_pre_holiday(d)),
        norm_hours={w: sum(cal.norm_minutes(d, w) for d in working) / 60 for w in weekly},
    )


def month_norm_minutes(
    cal: BusinessCalendar, year: int, month: int, weekly_hours: float = 40
) -> int:
    """Norm minutes of a month for a five-day week of ``weekly_hours``."""
    last = _stdlib_calendar.monthrange(year, month)[1]
    return sum(cal.norm_minutes(date(year, month, d), weekly_hours) for d in range(1, last + 1))


def calendar_year(
    year: int, calendar: BusinessCalendar | None = None, weekly: tuple[int, ...] = WEEKLY_HOURS
) -> CalendarYear:
    """The production calendar of ``year``: listed days, norms per month, quarter and year.

    A year without official data uses the rule and carries the warning (also raised as a
    :class:`~optimizer.calendar.production.ProductionCalendarWarning`).
    """
    check_year(year)
    cal = calendar or BusinessCalendar()
    py = cal.production_year(year)
    months = []
    for m in range(1, 13):
        n_days = _stdlib_calendar.monthrange(year, m)[1]
        months.append(
            period_norm(cal, date(year, m, 1), date(year, m, n_days), f"{year}-{m:02d}", weekly)
        )
    quarters = []
    for q in range(4):
        first = date(year, 3 * q + 1, 1)
        end_month = 3 * q + 3
        last = date(year, end_month, _stdlib_calendar.monthrange(year, end_month)[1])
        quarters.append(period_norm(cal, first, last, f"{year}-Q{q + 1}", weekly))
    return CalendarYear(
        year=year,
        official=py.official,
        source=py.source,
        warning=py.warning("en"),
        days=[
            CalendarDay(date=f.date, kind=f.kind, holiday=f.holiday, moved_from=f.moved_from)
            for f in sorted(py.facts.values(), key=lambda f: f.date)
        ],
        months=months,
        quarters=quarters,
        total=period_norm(cal, date(year, 1, 1), date(year, 12, 31), str(year), weekly),
    )


def holiday_name(key: str, lang: str = "ru") -> str:
    """The name of an art. 112 holiday for people."""
    return HOLIDAY_NAMES[lang].get(key, key)
