"""Business calendar and SLA clock: Europe/Saratov office hours and the RU production calendar."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.calendar import TZ, BusinessCalendar, deadline_after, default_calendar, sla_deadline
from optimizer.domain import Clock, Priority, SlaPolicy
from optimizer.errors import InvalidInput

CAL = default_calendar()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_ticket_created_friday_evening_is_due_monday_morning():
    # Fri 16:30–17:00 uses 30 min, the other 90 min run Mon 09:00–10:30.
    due = sla_deadline(at("2026-11-27T16:30+04:00"), Priority.normal)
    assert due.isoformat() == "2026-11-30T10:30:00+04:00"


def test_ticket_created_on_the_shortened_day_before_may_day_is_due_after_the_long_weekend():
    # Thu 30 April ends at 17:00 (pre-holiday, art. 95): 60 min; 1 May is a holiday,
    # 2–3 May the weekend; the other 60 min run Mon 4 May 09:00–10:00.
    due = sla_deadline(at("2026-04-30T16:00+04:00"), Priority.normal)
    assert due.isoformat() == "2026-05-04T10:00:00+04:00"


def test_moscow_time_input_is_converted_not_read_as_local():
    # 15:30 Moscow = 16:30 Saratov; urgent 30 min lands on Friday's 17:00 close.
    due = sla_deadline(at("2026-11-27T15:30+03:00"), Priority.urgent)
    assert due.isoformat() == "2026-11-27T17:00:00+04:00"


def test_deadline_that_lands_exactly_on_closing_time_stays_that_day():
    due = deadline_after(at("2026-11-26T16:00+04:00"), 120)
    assert due == at("2026-11-26T18:00+04:00")


def test_ticket_created_at_closing_time_counts_from_next_opening():
    due = deadline_after(at("2026-11-26T18:00+04:00"), 30)
    assert due == at("2026-11-27T09:30+04:00")


def test_ticket_created_at_night_counts_from_the_morning():
    due = deadline_after(at("2026-11-25T02:00+04:00"), 120)
    assert due == at("2026-11-25T11:00+04:00")


def test_round_the_clock_policy_ignores_office_hours():
    policy = SlaPolicy(id="p", clock=Clock.always)
    due = sla_deadline(at("2026-11-28T23:00+04:00"), Priority.normal, policy)
    assert due == at("2026-11-29T01:00+04:00")


def test_new_year_holidays_push_the_deadline_into_january_twelfth():
    # 2026: 1–8 Jan holidays, 9 Jan a transferred day off (from 3 Jan), 10–11 Jan weekend;
    # 31 Dec 2026 is a transferred day off (from 4 Jan).
    due = deadline_after(at("2026-12-30T17:00+04:00"), 120)
    assert due == at("2027-01-11T10:00+04:00")


def test_working_saturday_of_2027_is_open_with_the_hours_of_the_day_it_replaces():
    # Sat 20 Feb 2027 is worked instead of Mon 22 Feb (a Monday: 09:00–18:00), and the
    # official calendar shortens it by an hour (the eve of the 22–23 Feb days off).
    assert CAL.is_working_day(date(2027, 2, 20))
    assert CAL.is_non_working(date(2027, 2, 22))
    assert CAL.open_intervals(date(2027, 2, 20)) == [
        (datetime(2027, 2, 20, 9, tzinfo=TZ), datetime(2027, 2, 20, 17, tzinfo=TZ))
    ]
    due = deadline_after(at("2027-02-19T16:30+04:00"), 120)
    assert due == at("2027-02-20T10:30+04:00")


def test_friday_before_victory_day_saturday_is_shortened():
    # 9 May 2026 is a Saturday holiday, so Friday 8 May ends at 16:00 instead of 17:00.
    assert CAL.is_pre_holiday(date(2026, 5, 8))
    assert CAL.open_intervals(date(2026, 5, 8))[0][1] == datetime(2026, 5, 8, 16, tzinfo=TZ)
    assert CAL.norm_minutes(date(2026, 5, 8)) == 420


def test_day_before_a_transferred_day_off_is_not_shortened():
    # 31 Dec 2026 is a transferred day off, not an art. 112 holiday.
    assert not CAL.is_pre_holiday(date(2026, 12, 30))
    assert CAL.norm_minutes(date(2026, 12, 30)) == 480


def test_observed_holidays_are_days_off():
    assert CAL.is_non_working(date(2026, 3, 9))  # 8 March on a Sunday, moved to Monday
    assert CAL.is_non_working(date(2027, 11, 5))  # transferred from 2 Jan 2027
    assert CAL.is_working_day(date(2026, 11, 27))


def test_office_hours_are_configurable():
    cal = BusinessCalendar(office_hours={d: (time(8), time(20)) for d in range(5)})
    assert deadline_after(at("2026-11-27T19:00+04:00"), 120, calendar=cal) == at(
        "2026-11-30T09:00+04:00"
    )


def test_business_minutes_between_counts_office_time_only():
    a, b = at("2026-11-27T16:30+04:00"), at("2026-11-30T10:30+04:00")
    assert CAL.business_minutes_between(a, b) == 120
    assert CAL.business_minutes_between(b, a) == -120


def test_is_open_respects_hours_and_days_off():
    assert CAL.is_open(at("2026-11-27T16:59+04:00"))
    assert not CAL.is_open(at("2026-11-27T17:00+04:00"))
    assert not CAL.is_open(at("2026-11-28T12:00+04:00"))
    assert CAL.is_open(at("2026-11-30T08:00+03:00"))  # 09:00 local


def test_naive_datetime_is_rejected_naming_the_field():
    with pytest.raises(InvalidInput) as err:
        sla_deadline(datetime(2026, 11, 27, 16, 30), Priority.normal)
    assert err.value.field == "created_at"


def test_negative_minutes_are_rejected():
    with pytest.raises(InvalidInput):
        CAL.add_business_minutes(at("2026-11-27T16:30+04:00"), -5)


def _brute_force_deadline(start: datetime, minutes: int) -> datetime:
    """Walk minute by minute, counting the minutes when the office is open."""
    t = start.astimezone(TZ).replace(second=0, microsecond=0)
    left = minutes
    while left > 0:
        if CAL.is_open(t):
            left -= 1
        t += timedelta(minutes=1)
    return t


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    start=st.datetimes(min_value=datetime(2026, 4, 20), max_value=datetime(2027, 1, 20)),
    minutes=st.integers(min_value=1, max_value=600),
    offset_h=st.sampled_from([2, 3, 4, 5]),
)
def test_add_business_minutes_agrees_with_a_minute_by_minute_walk(start, minutes, offset_h):
    from datetime import timezone

    aware = start.replace(second=0, microsecond=0, tzinfo=timezone(timedelta(hours=offset_h)))
    fast = CAL.add_business_minutes(aware, minutes)
    slow = _brute_force_deadline(aware, minutes)
    # The walk lands one minute past the last counted minute; equal as instants.
    assert fast == slow
    assert fast.utcoffset() == timedelta(hours=4)
    assert CAL.business_minutes_between(aware, fast) == minutes
