"""The simulation's compiled business clock agrees with the calendar it is compiled from."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np

from optimizer.calendar import TZ, deadline_after
from optimizer.simulate.clock import SimClock

# 2026-11-27 is a Friday: office 09:00-17:00; Monday 30 November 09:00-18:00.
FRIDAY = date(2026, 11, 23)  # the Monday of that week is minute 0


def _clock(days: int = 60, start: date = FRIDAY) -> SimClock:
    return SimClock.build(start, days)


def test_ticket_created_friday_evening_is_due_monday_morning():
    clock = _clock()
    created = clock.minute_of(datetime(2026, 11, 27, 16, 30, tzinfo=TZ))
    due = clock.business_deadline(np.array([created]), np.array([120.0]))[0]
    assert clock.to_datetime(due) == datetime(2026, 11, 30, 10, 30, tzinfo=TZ)


def test_compiled_deadlines_match_the_calendar_for_random_instants():
    clock = _clock(days=80, start=date(2026, 12, 14))  # spans the New Year holidays
    rng = np.random.default_rng(5)
    created = rng.uniform(0, 50 * 1440, size=300)
    minutes = rng.choice([30.0, 60.0, 120.0, 480.0], size=300)
    got = clock.business_deadline(created, minutes)
    for c, m, g in zip(created, minutes, got, strict=True):
        want = deadline_after(clock.to_datetime(c), m, "business")
        assert abs(clock.to_datetime(g) - want) < timedelta(seconds=1)


def test_office_time_between_friday_evening_and_monday_morning_is_the_open_minutes_only():
    clock = _clock()
    a = clock.minute_of(datetime(2026, 11, 27, 16, 30, tzinfo=TZ))
    b = clock.minute_of(datetime(2026, 11, 30, 10, 0, tzinfo=TZ))
    waited = clock.business_time(np.array([b]))[0] - clock.business_time(np.array([a]))[0]
    assert waited == 30 + 60


def test_new_year_holidays_are_not_working_days():
    clock = _clock(days=30, start=date(2026, 12, 28))
    assert clock.working[0]  # Monday 28 December
    assert not any(clock.working[4:14])  # Friday 1 to Sunday 10 January 2027
    assert clock.working[14]  # Monday 11 January
