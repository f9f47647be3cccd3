"""Arrival forecast: weekday × interval means, holiday factors, weekly trend, input checks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
import pytest

from optimizer.calendar import TZ, default_calendar
from optimizer.domain import Priority, Ticket, TicketKind, TicketMode
from optimizer.errors import InvalidInput
from optimizer.staffing import forecast_arrivals, is_post_holiday

SKILLS = ("asterisk_dialplan", "sip_trunks", "ip_phones")


def ticket_row(at: datetime, **over: object) -> dict[str, object]:
    """One history row (remote, normal, dialplan, 30 min) created at ``at``."""
    row: dict[str, object] = {
        "created_at": at.isoformat(),
        "priority": "normal",
        "mode": "remote",
        "required_skills": "asterisk_dialplan",
        "duration_min": 30.0,
        "site_city": "Saratov",
    }
    row.update(over)
    return row


def at(d: date, hour: int, minute: int = 0) -> datetime:
    """A Saratov-local instant."""
    return datetime.combine(d, time(hour, minute), TZ)


def fixed_history(start: date, days: int, per_working_day: dict[int, int]) -> pd.DataFrame:
    """Exactly ``per_working_day[hour]`` tickets in that hour of every working day."""
    cal = default_calendar()
    rows = []
    for i in range(days):
        d = start + timedelta(days=i)
        if cal.is_working_day(d):
            for hour, n in per_working_day.items():
                rows.extend(ticket_row(at(d, hour, 5 + j)) for j in range(n))
    return pd.DataFrame(rows)


def synthetic_history(
    start: date = date(2026, 2, 2),
    weeks: int = 8,
    per_hour: float = 2.0,
    growth_per_week: float = 0.0,
    seed: int = 7,
    onsite_share: float = 0.25,
) -> pd.DataFrame:
    """Seeded Poisson history: ``per_hour`` tickets an office hour on working days (a tenth of
    that at other times), priorities 10/70/20 %, a share onsite split between Saratov and
    Engels, one or two of three skills, durations 5 + Exp(40) minutes."""
    rng = np.random.default_rng(seed)
    cal = default_calendar()
    rows = []
    for i in range(weeks * 7):
        d = start + timedelta(days=i)
        level = per_hour * (1 + growth_per_week * i / 7)
        for hour in range(24):
            busy = cal.is_working_day(d) and 9 <= hour < 17
            for _ in range(rng.poisson(level if busy else level * 0.1)):
                onsite = rng.random() < onsite_share
                rows.append(
                    ticket_row(
                        at(d, hour, int(rng.integers(0, 60))),
                        priority=str(rng.choice(["urgent", "normal", "low"], p=[0.1, 0.7, 0.2])),
                        mode="onsite" if onsite else "remote",
                        required_skills=";".join(
                            rng.choice(SKILLS, size=int(rng.integers(1, 3)), replace=False)
                        ),
                        duration_min=5 + float(rng.exponential(40)),
                        site_city=str(rng.choice(["Saratov", "Engels"])) if onsite else "Samara",
                    )
                )
    return pd.DataFrame(rows)


# -- profiles ------------------------------------------------------------


def test_three_tickets_every_working_morning_give_a_mean_of_three_at_ten() -> None:
    history = fixed_history(date(2026, 3, 16), 28, {10: 3, 14: 1})
    f = forecast_arrivals(history)
    for weekday in range(5):
        assert f.profiles["all"][weekday][10] == pytest.approx(3.0)
        assert f.profiles["all"][weekday][14] == pytest.approx(1.0)
        assert f.profiles["all"][weekday][12] == 0.0
    assert f.expected(date(2026, 4, 15), time(10), "all") == pytest.approx(3.0)
    assert f.rate(date(2026, 4, 15), time(10)) == pytest.approx(3.0)


def test_a_monday_without_tickets_counts_as_zero_in_the_mean() -> None:
    # Four Mondays; tickets on two of them only.
    rows = [ticket_row(at(date(2026, 3, 16), 11)), ticket_row(at(date(2026, 3, 30), 11))]
    rows.append(ticket_row(at(date(2026, 4, 10), 11)))  # a Friday closing the range
    f = forecast_arrivals(pd.DataFrame(rows))
    assert f.profiles["all"][0][11] == pytest.approx(2 / 4)


def test_half_hour_intervals_report_the_rate_per_hour() -> None:
    history = fixed_history(date(2026, 3, 16), 14, {10: 2})
    f = forecast_arrivals(history, interval_min=30)
    assert f.expected(date(2026, 3, 25), time(10, 0)) == pytest.approx(2.0)
    assert f.rate(date(2026, 3, 25), time(10, 0)) == pytest.approx(4.0)
    assert f.expected(date(2026, 3, 25), time(10, 30)) == 0.0


def test_tickets_on_days_off_form_their_own_profile() -> None:
    history = fixed_history(date(2026, 3, 16), 14, {10: 2})
    weekend = [ticket_row(at(date(2026, 3, 21), 12)), ticket_row(at(date(2026, 3, 22), 12))]
    monday = [ticket_row(at(date(2026, 3, 30), 10))]  # the history runs to Monday 30 March
    f = forecast_arrivals(pd.concat([history, pd.DataFrame(weekend + monday)], ignore_index=True))
    # 4 days off in the history (21, 22, 28, 29 March), one ticket at noon on two of them.
    assert f.off_profiles["all"][12] == pytest.approx(2 / 4)
    assert f.expected(date(2026, 3, 28), time(12)) == pytest.approx(0.5)
    assert f.expected(date(2026, 3, 28), time(10)) == 0.0


def test_streams_split_urgent_visits_banks_and_skills() -> None:
    d = date(2026, 3, 16)
    rows = [
        ticket_row(at(d, 10), priority="urgent"),
        ticket_row(at(d, 10), mode="onsite", site_city="Saratov", required_skills="sip_trunks"),
        ticket_row(at(d, 10), mode="onsite", site_city="Engels", duration_min=90.0),
    ]
    f = forecast_arrivals(pd.DataFrame(rows))
    counts = {s: f.profiles[s][0][10] for s in f.streams}
    assert counts["all"] == 3
    assert counts["urgent"] == 1
    assert counts["visit"] == 2
    assert counts["visit:right"] == 1 and counts["visit:left"] == 1
    assert counts["skill:asterisk_dialplan"] == 2 and counts["skill:sip_trunks"] == 1
    assert f.aht_min["visit"] == pytest.approx(60.0)
    assert f.aht_min["visit:left"] == pytest.approx(90.0)


# -- holidays and trend ------------------------------------------------------------


def test_the_day_after_new_year_holidays_is_post_holiday_but_an_ordinary_monday_is_not() -> None:
    cal = default_calendar()
    assert is_post_holiday(cal, date(2026, 1, 12))  # after 31 Dec – 11 Jan
    assert is_post_holiday(cal, date(2026, 2, 24))  # after Sat, Sun and Mon 23 Feb
    assert not is_post_holiday(cal, date(2026, 3, 16))  # an ordinary Monday
    assert not is_post_holiday(cal, date(2026, 1, 10))  # a day off itself


def test_double_tickets_after_holidays_give_a_post_holiday_factor_of_two() -> None:
    # Post-holiday days in the history: 12 Jan, 24 Feb, 10 Mar; each gets 4 extra tickets.
    history = fixed_history(date(2026, 1, 12), 63, {10: 4})
    post = (date(2026, 1, 12), date(2026, 2, 24), date(2026, 3, 10))
    surge = [ticket_row(at(d, 11)) for d in post for _ in range(4)]
    f = forecast_arrivals(pd.concat([history, pd.DataFrame(surge)], ignore_index=True))
    assert f.trend_per_week == pytest.approx(0.0, abs=1e-12)
    assert f.post_holiday_factor == pytest.approx(2.0)
    # The regular profile is not inflated by the surge.
    assert f.profiles["all"][0][10] == pytest.approx(4.0)
    assert f.profiles["all"][1][11] == 0.0
    assert f.expected(date(2026, 3, 10), time(10)) == pytest.approx(8.0)
    assert f.expected(date(2026, 3, 11), time(10)) == pytest.approx(4.0)


def test_a_history_without_holidays_has_neutral_factors_and_no_trend() -> None:
    f = forecast_arrivals(fixed_history(date(2026, 3, 16), 35, {10: 2}))
    assert f.post_holiday_factor == 1.0
    assert f.pre_holiday_factor == 1.0
    assert f.trend_per_week == pytest.approx(0.0, abs=1e-12)


def test_growing_demand_gives_a_positive_weekly_trend_projected_forward() -> None:
    history = synthetic_history(weeks=12, per_hour=6.0, growth_per_week=0.03, seed=3)
    f = forecast_arrivals(history)
    # Relative to the history's centre (~6 weeks in, level ≈ 1.18): 0.03 / 1.18 ≈ 0.025.
    assert 0.015 < f.trend_per_week < 0.035
    later, now = date(2026, 5, 13), date(2026, 3, 18)
    assert f.rate(later, time(10)) > f.rate(now, time(10))


def test_same_history_gives_the_same_forecast() -> None:
    a = forecast_arrivals(synthetic_history(seed=11))
    b = forecast_arrivals(synthetic_history(seed=11))
    assert a.trend_per_week == b.trend_per_week
    assert np.array_equal(a.profiles["all"], b.profiles["all"])


# -- input checks ------------------------------------------------------------


def test_a_naive_created_at_is_rejected_naming_the_row() -> None:
    rows = [ticket_row(at(date(2026, 3, 16), 10)), ticket_row(at(date(2026, 3, 16), 11))]
    rows[1]["created_at"] = "2026-03-16T11:00:00"
    with pytest.raises(InvalidInput) as err:
        forecast_arrivals(pd.DataFrame(rows))
    assert err.value.field == "history[1].created_at"


def test_a_missing_column_is_named() -> None:
    frame = pd.DataFrame([ticket_row(at(date(2026, 3, 16), 10))]).drop(columns="duration_min")
    with pytest.raises(InvalidInput) as err:
        forecast_arrivals(frame)
    assert err.value.value == "duration_min"


def test_an_unknown_skill_and_an_odd_interval_are_rejected() -> None:
    frame = pd.DataFrame([ticket_row(at(date(2026, 3, 16), 10), required_skills="juggling")])
    with pytest.raises(InvalidInput, match="juggling"):
        forecast_arrivals(frame)
    ok = pd.DataFrame([ticket_row(at(date(2026, 3, 16), 10))])
    with pytest.raises(InvalidInput) as err:
        forecast_arrivals(ok, interval_min=45)
    assert err.value.field == "interval_min"


def test_moscow_time_stamps_are_counted_in_saratov_hours() -> None:
    # 09:30 Moscow (+03:00) is 10:30 in Saratov (+04:00).
    row = ticket_row(at(date(2026, 3, 16), 10), created_at="2026-03-16T09:30:00+03:00")
    f = forecast_arrivals(pd.DataFrame([row]))
    assert f.profiles["all"][0][10] == 1.0


def test_ticket_objects_are_accepted_as_history() -> None:
    tickets = [
        Ticket(
            id=f"t{i}",
            location={"lat": 51.53, "lon": 46.03},
            created_at=at(date(2026, 3, 16), 10, i),
            priority=Priority.normal,
            kind=TicketKind.maintenance,
            mode=TicketMode.remote,
            required_skills=["sip_trunks"],
            duration_min=20,
        )
        for i in range(3)
    ]
    f = forecast_arrivals(tickets)
    assert f.profiles["skill:sip_trunks"][0][10] == 3.0


def test_a_typed_frame_with_aware_timestamps_and_missing_skills_is_read() -> None:
    # What the sample reader returns: datetime64 with a zone, string columns with <NA>.
    frame = pd.DataFrame(
        {
            "created_at": pd.to_datetime(["2026-03-16T10:10+04:00", "2026-03-16T10:20+04:00"]),
            "priority": pd.array(["normal", "urgent"], dtype="string"),
            "mode": pd.array(["remote", "onsite"], dtype="string"),
            "required_skills": pd.array(["sip_trunks", pd.NA], dtype="string"),
            "duration_min": [15, 45],
            "site_city": pd.array([pd.NA, "Engels"], dtype="string"),
        }
    )
    f = forecast_arrivals(frame)
    assert f.profiles["all"][0][10] == 2.0
    assert f.profiles["skill:sip_trunks"][0][10] == 1.0
    assert f.profiles["visit:left"][0][10] == 1.0
