"""Rules of the generator on tiny cases: shares, arrival rates, the replay's dispatch rules."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest

from optimizer.calendar import TZ, default_calendar
from optimizer.domain import Engineer, Location, Priority, Site, TicketKind, TicketMode
from optimizer.domain.skills import default_skill_ids
from optimizer.samplegen.catalog import CATEGORIES
from optimizer.samplegen.history import (
    HistoryTicket,
    business_daily_rate,
    draw_duration,
    is_post_holiday,
    round_the_clock_daily_rate,
)
from optimizer.samplegen.replay import replay
from optimizer.samplegen.sites import exact_counts, generate_sites

CAL = default_calendar()
SARATOV_SITE = Site(
    id="s1",
    customer="ООО «Вектор»",
    city="Saratov",
    location=Location(lat=51.53, lon=46.0),
    sla_policy="standard",
)
DIALPLAN = next(c for c in CATEGORIES if c.name == "dialplan_change")
PHONE = next(c for c in CATEGORIES if c.name == "new_phone")


def engineer(ident: str, car: bool = False) -> Engineer:
    """A Saratov engineer with every skill; ``car`` gives licence B and a car."""
    return Engineer(
        id=ident,
        name=ident,
        skills=list(default_skill_ids()),
        licence_b=car,
        has_car=car,
        base=Location(lat=51.53, lon=46.0),
    )


def ticket(
    at: datetime, priority: Priority = Priority.normal, category=DIALPLAN, minutes: int = 30
) -> HistoryTicket:  # type: ignore[no-untyped-def]
    """A ticket at the Saratov site; the deadline is two hours later (not used by the rules)."""
    return HistoryTicket(
        created_at=at,
        site=SARATOV_SITE,
        priority=priority,
        kind=TicketKind.maintenance,
        mode=TicketMode.onsite if category is PHONE else TicketMode.remote,
        category=category,
        duration_min=minutes,
        deadline=at.replace(hour=at.hour + 2),
    )


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)  # type: ignore[misc]


def test_exact_counts_split_by_largest_remainder_and_sum_to_the_total() -> None:
    assert exact_counts(320, {"a": 0.65, "b": 0.20, "c": 0.15}) == {"a": 208, "b": 64, "c": 48}
    assert sum(exact_counts(7, {"a": 0.5, "b": 0.5}).values()) == 7


def test_monday_after_new_year_holidays_is_post_holiday_but_an_ordinary_monday_is_not() -> None:
    assert is_post_holiday(date(2026, 1, 12), CAL)
    assert not is_post_holiday(date(2026, 11, 23), CAL)
    assert business_daily_rate(date(2026, 1, 12), CAL) > business_daily_rate(
        date(2026, 11, 23), CAL
    )


def test_business_customers_raise_no_tickets_on_days_off_but_24x7_customers_do() -> None:
    sunday, holiday = date(2026, 11, 29), date(2026, 11, 4)
    assert business_daily_rate(sunday, CAL) == 0 and business_daily_rate(holiday, CAL) == 0
    assert (
        0
        < round_the_clock_daily_rate(sunday, CAL)
        < round_the_clock_daily_rate(date(2026, 11, 25), CAL)
    )


def test_durations_are_multiples_of_five_within_bounds() -> None:
    for z in (-9.0, -1.0, 0.0, 1.3, 9.0):
        d = draw_duration(DIALPLAN, z)
        assert d % 5 == 0 and 5 <= d <= 480
    assert draw_duration(DIALPLAN, 0.0) == 30  # the median


def test_sites_of_a_seed_are_the_same_and_another_seed_differs() -> None:
    a = generate_sites(np.random.default_rng(1))
    b = generate_sites(np.random.default_rng(1))
    c = generate_sites(np.random.default_rng(2))
    assert a == b and a != c


def test_an_urgent_ticket_jumps_the_queue_of_waiting_normal_ones() -> None:
    # One engineer, busy 09:00-10:00 with a 60-minute job; at 09:10 a normal ticket, at 09:20
    # an urgent one arrive: at 10:00 the urgent one is taken first.
    busy = ticket(local(2026, 11, 25, 9, 0), minutes=60)
    normal = ticket(local(2026, 11, 25, 9, 10))
    urgent = ticket(local(2026, 11, 25, 9, 20), Priority.urgent)
    replay([busy, normal, urgent], [engineer("e1")], [])
    assert urgent.started_at == local(2026, 11, 25, 10, 0)
    assert normal.started_at == local(2026, 11, 25, 10, 30)


def test_a_ticket_created_in_the_evening_starts_next_morning() -> None:
    t = ticket(local(2026, 11, 25, 20, 15))
    replay([t], [engineer("e1")], [])
    assert t.started_at == local(2026, 11, 26, 9, 0)


def test_remote_work_past_closing_continues_the_next_working_day() -> None:
    # Friday closes at 17:00: 30 minutes from 16:45 are 15 on Friday and 15 on Monday.
    t = ticket(local(2026, 11, 27, 16, 45), minutes=30)
    replay([t], [engineer("e1")], [])
    assert t.started_at == local(2026, 11, 27, 16, 45)
    assert t.finished_at == local(2026, 11, 30, 9, 15)


def test_a_visit_goes_to_the_engineer_with_a_car_and_starts_after_the_drive() -> None:
    t = ticket(local(2026, 11, 25, 10, 0), category=PHONE)
    replay([t], [engineer("e1", car=False), engineer("e2", car=True)], [])
    assert t.engineer_id == "e2"
    assert t.started_at == local(2026, 11, 25, 10, 35)  # 35 min across Saratov


@pytest.mark.parametrize("kind", ["vacation", "sick"])
def test_an_absent_engineer_takes_no_ticket(kind: str) -> None:
    from optimizer.domain import Absence

    away = Absence(engineer_id="e1", start=local(2026, 11, 25), end=local(2026, 11, 26), kind=kind)
    t = ticket(local(2026, 11, 25, 10, 0))
    replay([t], [engineer("e1"), engineer("e2")], [away])
    assert t.engineer_id == "e2"
