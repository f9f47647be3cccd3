"""Business calendar, SLA clock and the Russian production calendar (Europe/Saratov).

- :class:`BusinessCalendar` — working days, office hours, the norm of a date, SLA arithmetic;
- :func:`sla_deadline` / :func:`deadline_after` — when work on a ticket must start;
- :class:`ProductionCalendar` — the official calendar of the years shipped as data
  (``ru_production_calendar.json``, with the decree of each year), the Labour Code rule with
  a :class:`ProductionCalendarWarning` for any other year;
- :func:`calendar_year` — a year with its norms of hours per month, quarter and year.
"""

from optimizer.calendar.business import (
    DEFAULT_OFFICE_HOURS,
    MAX_YEAR,
    MIN_YEAR,
    NORM_DAY_MIN,
    PRE_HOLIDAY_SHORTENING,
    PUBLIC_HOLIDAYS_ART_112,
    TZ,
    BusinessCalendar,
    deadline_after,
    default_calendar,
    sla_deadline,
    to_local,
)
from optimizer.calendar.norms import (
    WEEKLY_HOURS,
    CalendarDay,
    CalendarYear,
    PeriodNorm,
    calendar_year,
    check_year,
    holiday_name,
    month_norm_minutes,
)
from optimizer.calendar.production import (
    HOLIDAY_NAMES,
    HOLIDAYS_ART_112,
    DayFact,
    DayKind,
    ProductionCalendar,
    ProductionCalendarWarning,
    ProductionYear,
    default_production_calendar,
    load_official_years,
    rule_year,
)

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "HOLIDAYS_ART_112",
    "HOLIDAY_NAMES",
    "MAX_YEAR",
    "MIN_YEAR",
    "NORM_DAY_MIN",
    "PRE_HOLIDAY_SHORTENING",
    "PUBLIC_HOLIDAYS_ART_112",
    "TZ",
    "WEEKLY_HOURS",
    "BusinessCalendar",
    "CalendarDay",
    "CalendarYear",
    "DayFact",
    "DayKind",
    "PeriodNorm",
    "ProductionCalendar",
    "ProductionCalendarWarning",
    "ProductionYear",
    "calendar_year",
    "check_year",
    "deadline_after",
    "default_calendar",
    "default_production_calendar",
    "holiday_name",
    "load_official_years",
    "month_norm_minutes",
    "rule_year",
    "sla_deadline",
    "to_local",
]
