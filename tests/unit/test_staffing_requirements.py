"""Coverage requirements per interval and group, and the CoverageRequirement model."""

from __future__ import annotations

from datetime import date, time, timedelta

import pandas as pd
import pytest
from pydantic import ValidationError

from optimizer.domain.staffing import CoverageRequirement
from optimizer.errors import InvalidInput
from optimizer.staffing import (
    StaffingAssumptions,
    agents_required,
    erlang,
    forecast_arrivals,
    requirements,
)
from optimizer.staffing.forecast import ArrivalForecast
from tests.unit.test_staffing_forecast import at, fixed_history, synthetic_history, ticket_row


@pytest.fixture(scope="module")
def busy_forecast() -> ArrivalForecast:
    """Eight weeks from 2 Feb 2026, ~4 tickets an office hour, a quarter of them visits."""
    return forecast_arrivals(synthetic_history(per_hour=4.0, weeks=8, seed=5))


@pytest.fixture(scope="module")
def busy_rows(busy_forecast: ArrivalForecast) -> list[CoverageRequirement]:
    """The typical-week requirement of the busy forecast at the default targets."""
    return requirements(busy_forecast)


def by_key(rows: list[CoverageRequirement]) -> dict[tuple[int | None, time, str], int]:
    """(weekday, start, group) → required."""
    return {(r.weekday, r.start, r.group): r.required for r in rows}


def test_a_typical_week_has_rows_for_office_hours_monday_to_friday(
    busy_rows: list[CoverageRequirement],
) -> None:
    all_rows = [r for r in busy_rows if r.group == "all"]
    assert {r.weekday for r in all_rows} == {0, 1, 2, 3, 4}
    assert all(r.date is None for r in busy_rows)
    monday = sorted(r.start for r in all_rows if r.weekday == 0)
    friday = sorted(r.start for r in all_rows if r.weekday == 4)
    assert monday[0] == time(9) and monday[-1] == time(17)  # 09:00–18:00
    assert friday[-1] == time(16)  # Friday closes at 17:00


def test_every_group_of_a_busy_department_gets_rows(busy_rows: list[CoverageRequirement]) -> None:
    groups = {r.group for r in busy_rows}
    assert {"all", "urgent", "phone", "visit", "visit:right", "visit:left"} <= groups
    assert {"skill:asterisk_dialplan", "skill:sip_trunks", "skill:ip_phones"} <= groups


def test_all_engineers_cover_at_least_every_engineer_group(
    busy_rows: list[CoverageRequirement],
) -> None:
    need = by_key(busy_rows)
    for (weekday, start, group), n in need.items():
        if group != "phone":
            assert need[(weekday, start, "all")] >= n, (weekday, start, group)


def test_urgent_readiness_and_the_phone_line_need_at_least_one_each(
    busy_rows: list[CoverageRequirement],
) -> None:
    assert min(r.required for r in busy_rows if r.group == "urgent") >= 1
    assert min(r.required for r in busy_rows if r.group == "phone") >= 1


def test_a_midweek_afternoon_needs_the_erlang_c_count_for_its_arrivals(
    busy_forecast: ArrivalForecast, busy_rows: list[CoverageRequirement]
) -> None:
    # Wednesday 14:00 has no backlog; with exponential durations assumed (variability off)
    # the requirement is exactly Erlang C on the interval's rate and the stream's mean duration.
    plain = StaffingAssumptions(duration_variability=False)
    rows = requirements(busy_forecast, assumptions=plain, groups=["all"])
    wednesday = date(2026, 3, 30) + timedelta(days=2)  # the week after the history
    rate = busy_forecast.day_counts(wednesday, "all", typical=True)[14]
    expected = agents_required(rate, busy_forecast.aht_min["all"], 0.95, 120).agents
    assert by_key(rows)[(2, time(14), "all")] == expected


def test_the_overnight_backlog_raises_the_morning_requirement(
    busy_forecast: ArrivalForecast,
) -> None:
    with_backlog = by_key(requirements(busy_forecast, groups=["all"]))
    without = by_key(
        requirements(
            busy_forecast, groups=["all"], assumptions=StaffingAssumptions(carry_backlog=False)
        )
    )
    # Monday 09:00 carries the weekend; Wednesday 14:00 carries nothing.
    assert with_backlog[(0, time(9), "all")] > without[(0, time(9), "all")]
    assert with_backlog[(2, time(14), "all")] == without[(2, time(14), "all")]


def test_phone_operators_answer_or_call_back_within_ten_minutes(
    busy_forecast: ArrivalForecast, busy_rows: list[CoverageRequirement]
) -> None:
    # Calls = 1.5 per ticket, 4 min each, 95 % within 10 min.
    wednesday = date(2026, 3, 30) + timedelta(days=2)
    calls = busy_forecast.day_counts(wednesday, "all", typical=True)[11] * 1.5
    need = by_key(busy_rows)[(2, time(11), "phone")]
    assert erlang(calls, 4, need, 10).service_level >= 0.95
    if need > 1:
        assert erlang(calls, 4, need - 1, 10).service_level < 0.95


def test_a_higher_target_never_needs_fewer_engineers(busy_forecast: ArrivalForecast) -> None:
    low = by_key(requirements(busy_forecast, target_sl=0.8))
    high = by_key(requirements(busy_forecast, target_sl=0.99))
    assert all(high[k] >= v for k, v in low.items())
    assert sum(high.values()) > sum(low.values())


def test_shrinkage_raises_every_row_to_the_rostered_count(busy_forecast: ArrivalForecast) -> None:
    net = by_key(requirements(busy_forecast))
    gross = by_key(requirements(busy_forecast, shrinkage=0.25))
    for key, n in net.items():
        assert gross[key] == -(-n * 4 // 3)  # ceil(n / 0.75)


def test_a_quiet_department_gets_no_skill_or_bank_rows_and_no_visits_without_visits() -> None:
    # One remote ticket an office day: below 0.5 an hour per skill, no visits at all.
    f = forecast_arrivals(fixed_history(date(2026, 3, 16), 28, {11: 1}))
    rows = requirements(f)
    groups = {r.group for r in rows}
    assert groups == {"all", "urgent", "phone", "visit"}
    assert all(r.required == 0 for r in rows if r.group == "visit")
    assert all(r.required == 1 for r in rows if r.group == "urgent")


def test_requirements_for_dates_skip_days_off_and_follow_the_calendar(
    busy_forecast: ArrivalForecast,
) -> None:
    # Week of 23 February 2026: Monday is Defender of the Fatherland Day.
    week = [date(2026, 2, 23) + timedelta(days=i) for i in range(7)]
    rows = requirements(busy_forecast, dates=week)
    days = {r.date for r in rows}
    assert days == {date(2026, 2, 24), date(2026, 2, 25), date(2026, 2, 26), date(2026, 2, 27)}
    assert all(r.weekday == r.date.weekday() for r in rows if r.date is not None)


def test_thirty_minute_rows_from_an_hourly_forecast_are_rejected_but_two_hours_work(
    busy_forecast: ArrivalForecast,
) -> None:
    with pytest.raises(InvalidInput) as err:
        requirements(busy_forecast, interval_min=30)
    assert err.value.field == "interval_min"
    rows = requirements(busy_forecast, interval_min=120, groups=["all"])
    assert {r.minutes for r in rows} == {120}


def test_an_aht_override_changes_the_group_requirement(busy_forecast: ArrivalForecast) -> None:
    short = by_key(requirements(busy_forecast, groups=["urgent"], aht_min={"urgent": 5.0}))
    long = by_key(requirements(busy_forecast, groups=["urgent"], aht_min={"urgent": 240.0}))
    assert sum(long.values()) > sum(short.values())


def test_an_unknown_group_is_rejected() -> None:
    f = forecast_arrivals(pd.DataFrame([ticket_row(at(date(2026, 3, 16), 10))]))
    with pytest.raises(InvalidInput, match="skill:juggling"):
        requirements(f, groups=["skill:juggling"])


# -- the contract model ------------------------------------------------------------


def test_coverage_requirement_accepts_a_weekday_or_a_matching_date() -> None:
    row = CoverageRequirement(
        weekday=0, start=time(9), end=time(10), group="skill:sip_trunks", required=2
    )
    assert row.minutes == 60
    dated = CoverageRequirement(
        date=date(2026, 3, 16), weekday=0, start=time(23), end=time(0), group="phone", required=1
    )
    assert dated.minutes == 60


@pytest.mark.parametrize(
    "fields",
    [
        {"weekday": 0, "group": "juggling"},
        {"weekday": 7, "group": "all"},
        {"group": "all"},
        {"weekday": 1, "date": "2026-03-16", "group": "all"},
        {"weekday": 0, "group": "all", "required": -1},
        {"weekday": 0, "group": "all", "start": "10:00", "end": "09:00"},
        {"weekday": 0, "group": "all", "extra": 1},
    ],
)
def test_coverage_requirement_rejects_bad_rows(fields: dict[str, object]) -> None:
    data: dict[str, object] = {"start": "09:00", "end": "10:00", "required": 1, **fields}
    with pytest.raises(ValidationError):
        CoverageRequirement.model_validate(data)
