"""The committed sample data set holds what the issue promises (counts, shares, geography)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from optimizer.domain import DataSet, Location, Priority, TicketKind, TicketMode
from optimizer.io.sample import SAMPLE_NOW, load_sample_dataset, load_ticket_history

HISTORY_FIRST_DAY = date(2025, 12, 1)
HISTORY_LAST_DAY = date(2026, 11, 29)


@pytest.fixture(scope="module")
def dataset() -> DataSet:
    """The committed master data and open tickets."""
    return load_sample_dataset()


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    """The committed twelve months of ticket history."""
    return load_ticket_history()


def bank(lat: float, lon: float) -> str:
    """The Volga bank of a point, by the travel model when it is there."""
    try:
        from optimizer.travel.bank import bank_of
    except ImportError:
        # Fallback while optimizer.travel is being written: near the Saratov bridge the
        # river's axis runs at about lon 46.06; Saratov lies west of it, Engels east.
        return "right" if lon < 46.06 else "left"
    return bank_of(Location(lat=lat, lon=lon))


def test_there_are_at_least_300_sites_with_the_stated_city_shares(dataset: DataSet) -> None:
    n = len(dataset.sites)
    by_city = pd.Series([s.city for s in dataset.sites]).value_counts()
    assert n >= 300
    assert by_city["Saratov"] / n == pytest.approx(0.65, abs=0.02)
    assert by_city["Engels"] / n == pytest.approx(0.20, abs=0.02)
    others = n - by_city["Saratov"] - by_city["Engels"]
    assert others / n == pytest.approx(0.15, abs=0.02)


def test_saratov_sites_are_on_the_right_bank_and_engels_sites_on_the_left(dataset: DataSet) -> None:
    for s in dataset.sites:
        assert s.location.lat is not None and s.location.lon is not None
        if s.city == "Saratov":
            assert bank(s.location.lat, s.location.lon) == "right", s.id
            assert 51.44 < s.location.lat < 51.65 and 45.85 < s.location.lon < 46.06, s.id
        elif s.city == "Engels":
            assert bank(s.location.lat, s.location.lon) == "left", s.id
            assert 51.44 < s.location.lat < 51.53 and 46.08 < s.location.lon < 46.25, s.id


def test_other_city_sites_are_far_from_saratov(dataset: DataSet) -> None:
    for s in dataset.sites:
        if s.city not in ("Saratov", "Engels"):
            assert not s.visitable
            assert abs(s.location.lat - 51.53) + abs(s.location.lon - 46.03) > 0.5, s.id  # type: ignore[operator]


def test_three_sla_policies_one_of_them_round_the_clock_and_all_used(dataset: DataSet) -> None:
    clocks = sorted(p.clock.value for p in dataset.sla_policies)
    assert clocks == ["24x7", "business", "business"]
    assert {s.sla_policy for s in dataset.sites} == {p.id for p in dataset.sla_policies}


def test_eight_engineers_four_of_them_can_visit(dataset: DataSet) -> None:
    assert len(dataset.engineers) == 8
    assert sum(e.can_visit for e in dataset.engineers) == 4
    assert all(e.weekly_hours == 40 and e.cost_per_hour_rub > 0 for e in dataset.engineers)
    assert all(e.car_cost_per_km_rub > 0 for e in dataset.engineers if e.can_visit)


def test_every_skill_is_held_by_at_least_three_engineers(dataset: DataSet) -> None:
    from optimizer.domain.skills import default_skill_ids

    for skill in default_skill_ids():
        assert sum(skill in e.skills for e in dataset.engineers) >= 3, skill


def test_shift_templates_cover_office_early_late_and_weekend_on_call(dataset: DataSet) -> None:
    by_id = {t.id: t for t in dataset.shift_templates}
    assert (by_id["office"].start.hour, by_id["office"].end.hour) == (9, 18)
    assert (by_id["office_fri"].end.hour, by_id["office_fri"].weekdays) == (17, [4])
    assert (by_id["early"].start.hour, by_id["early"].end.hour) == (8, 17)
    assert (by_id["late"].start.hour, by_id["late"].end.hour) == (10, 19)
    assert by_id["weekend_on_call"].kind.value == "on_call"
    assert by_id["weekend_on_call"].weekdays == [5, 6]


def test_history_has_at_least_8000_tickets_over_twelve_months(history: pd.DataFrame) -> None:
    assert len(history) >= 8000
    days = history["created_at"].dt.date
    assert days.min() >= HISTORY_FIRST_DAY and days.max() <= HISTORY_LAST_DAY
    assert history["id"].is_unique


def test_history_shares_of_urgent_onsite_and_additional_are_in_range(history: pd.DataFrame) -> None:
    n = len(history)
    assert 0.05 <= (history["priority"] == Priority.urgent.value).sum() / n <= 0.10
    assert 0.10 <= (history["mode"] == TicketMode.onsite.value).sum() / n <= 0.15
    assert 0.25 <= (history["kind"] == TicketKind.additional.value).sum() / n <= 0.35


def test_onsite_history_tickets_are_only_in_saratov_and_engels(history: pd.DataFrame) -> None:
    onsite = history[history["mode"] == "onsite"]
    assert set(onsite["site_city"]) == {"Saratov", "Engels"}


def test_additional_work_is_priced_at_600_rub_per_hour(history: pd.DataFrame) -> None:
    extra = history[history["kind"] == "additional"]
    assert (extra["price_rub"] == extra["duration_min"] * 10).all()
    assert (history.loc[history["kind"] == "maintenance", "price_rub"] == 0).all()


def test_monday_is_busier_than_tuesday_to_thursday_and_friday_quieter(
    history: pd.DataFrame,
) -> None:
    per_weekday = history.groupby(history["created_at"].dt.day_of_week).size()
    midweek = per_weekday[[1, 2, 3]].mean()
    assert per_weekday[0] > 1.2 * midweek
    assert per_weekday[4] < midweek
    assert per_weekday[5] + per_weekday[6] < 0.1 * per_weekday.sum()


def test_first_working_days_after_long_breaks_are_busier_than_ordinary_mondays(
    history: pd.DataFrame,
) -> None:
    from optimizer.calendar import default_calendar
    from optimizer.samplegen.history import is_post_holiday

    cal = default_calendar()
    per_day = history.groupby(history["created_at"].dt.date).size()
    post = [d for d in per_day.index if is_post_holiday(d, cal)]
    mondays = [d for d in per_day.index if d.weekday() == 0 and d not in post]
    assert date(2026, 1, 12) in post and len(post) >= 5
    assert per_day[post].mean() > 1.1 * per_day[mondays].mean()


def test_weekend_tickets_come_only_from_round_the_clock_customers(
    history: pd.DataFrame, dataset: DataSet
) -> None:
    policy = {s.id: s.sla_policy for s in dataset.sites}
    weekend = history[history["created_at"].dt.day_of_week >= 5]
    assert len(weekend) > 0
    assert {policy[s] for s in weekend["site_id"]} == {"round_the_clock"}


def test_history_on_time_means_started_by_the_deadline(history: pd.DataFrame) -> None:
    assert history["started_at"].notna().all()
    assert (history["on_time"] == (history["started_at"] <= history["deadline"])).all()
    assert (history["finished_at"] > history["started_at"]).all()
    assert (history["started_at"] >= history["created_at"]).all()


def test_history_engineers_hold_the_required_skills(
    history: pd.DataFrame, dataset: DataSet
) -> None:
    skills = {e.id: set(e.skills) for e in dataset.engineers}
    visitors = {e.id for e in dataset.engineers if e.can_visit}
    for eng, req, mode in zip(
        history["engineer_id"], history["required_skills"], history["mode"], strict=True
    ):
        assert set(req.split(";")) <= skills[eng]
        assert mode == "remote" or eng in visitors


def test_open_tickets_describe_a_monday_morning_queue(dataset: DataSet) -> None:
    tickets = dataset.tickets
    assert 30 <= len(tickets) <= 40
    assert all(t.created_at <= SAMPLE_NOW for t in tickets)
    assert sum(t.priority == Priority.urgent for t in tickets) >= 3
    assert 5 <= sum(t.mode == TicketMode.onsite for t in tickets) <= 7
    windowed = [t for t in tickets if t.window is not None]
    assert 1 <= len(windowed) <= 2 and all(t.kind == TicketKind.additional for t in windowed)
    pinned = [t for t in tickets if t.pinned is not None]
    assert len(pinned) == 1 and pinned[0].pinned.start <= SAMPLE_NOW  # type: ignore[union-attr,operator]
    assert all(t.deadline is not None for t in tickets)


def test_every_category_sent_on_site_can_be_done_by_two_drivers(history: pd.DataFrame) -> None:
    from optimizer.samplegen.catalog import CATEGORIES, ENGINEERS

    drivers = [set(e.skills) for e in ENGINEERS if e.can_visit]
    for cat in CATEGORIES:
        if cat.p_onsite > 0:
            assert sum(set(cat.skills) <= d for d in drivers) >= 2, cat.name
