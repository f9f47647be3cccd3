"""Twelve months of ticket history: non-homogeneous Poisson arrivals by weekday × hour, ticket
attributes by category, SLA deadlines, then a greedy replay with the eight engineers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from optimizer.calendar import TZ, BusinessCalendar, default_calendar, sla_deadline
from optimizer.domain import Priority, Site, SlaPolicy, TicketKind, TicketMode
from optimizer.samplegen.catalog import (
    BUSINESS_HOUR_WEIGHTS,
    BUSINESS_TICKETS_PER_DAY,
    CATEGORIES,
    DAY_OFF_FACTOR_24X7,
    DURATION_MAX,
    DURATION_MIN,
    DURATION_STEP,
    HISTORY_END,
    HISTORY_START,
    NIGHT_URGENT_FACTOR,
    P_LOW_PRIORITY,
    POST_HOLIDAY_FACTOR,
    PRICE_RUB_PER_HOUR,
    ROUND_THE_CLOCK_HOUR_WEIGHTS,
    ROUND_THE_CLOCK_TICKETS_PER_DAY,
    WEEKDAY_FACTOR,
    Category,
)

ROUND_THE_CLOCK = "round_the_clock"
"""Id of the 24x7 policy: its customers raise tickets at any hour, every day."""


@dataclass
class HistoryTicket:
    """One ticket of the history, before and after the replay fills who did it and when."""

    created_at: datetime
    site: Site
    priority: Priority
    kind: TicketKind
    mode: TicketMode
    category: Category
    duration_min: int
    deadline: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    engineer_id: str = ""

    @property
    def price_rub(self) -> int:
        """Additional work is priced as minutes × the norm-hour rate; maintenance is 0."""
        if self.kind != TicketKind.additional:
            return 0
        return self.duration_min * PRICE_RUB_PER_HOUR // 60


def history_days() -> list[date]:
    """Every day of the history window, inclusive."""
    n = (HISTORY_END - HISTORY_START).days + 1
    return [HISTORY_START + timedelta(days=i) for i in range(n)]


def is_post_holiday(d: date, cal: BusinessCalendar) -> bool:
    """The first working day after three or more days off in a row (New Year, May, …)."""
    return cal.is_working_day(d) and all(
        cal.is_non_working(d - timedelta(days=k)) for k in (1, 2, 3)
    )


def business_daily_rate(d: date, cal: BusinessCalendar) -> float:
    """Expected tickets from business customers on a day: none on days off, Monday ×1.4,
    Friday ×0.85, the first day after a long break ×1.8."""
    if cal.is_non_working(d):
        return 0.0
    if is_post_holiday(d, cal):
        return BUSINESS_TICKETS_PER_DAY * POST_HOLIDAY_FACTOR
    return BUSINESS_TICKETS_PER_DAY * WEEKDAY_FACTOR.get(d.weekday(), 1.0)


def round_the_clock_daily_rate(d: date, cal: BusinessCalendar) -> float:
    """Expected tickets from 24x7 customers on a day (fewer on days off)."""
    factor = 1.0 if cal.is_working_day(d) else DAY_OFF_FACTOR_24X7
    return ROUND_THE_CLOCK_TICKETS_PER_DAY * factor


def hourly_rates(daily: float, weights: tuple[float, ...]) -> np.ndarray:
    """A daily rate spread over the 24 local hours by relative weights."""
    w = np.asarray(weights, dtype=float)
    return daily * w / w.sum()


def draw_arrivals(rng: np.random.Generator, cal: BusinessCalendar) -> list[tuple[datetime, bool]]:
    """Arrival instants (to the minute) with a flag "from a 24x7 customer", sorted."""
    out: list[tuple[datetime, bool]] = []
    for d in history_days():
        rates = np.concatenate(
            [
                hourly_rates(business_daily_rate(d, cal), BUSINESS_HOUR_WEIGHTS),
                hourly_rates(round_the_clock_daily_rate(d, cal), ROUND_THE_CLOCK_HOUR_WEIGHTS),
            ]
        )
        counts = rng.poisson(rates)
        midnight = datetime.combine(d, datetime.min.time(), TZ)
        for slot in np.flatnonzero(counts):
            hour, always = int(slot) % 24, bool(slot >= 24)
            for minute in rng.integers(0, 60, size=int(counts[slot])):
                out.append((midnight + timedelta(hours=hour, minutes=int(minute)), always))
    out.sort(key=lambda x: (x[0], x[1]))
    return out


def site_weights(rng: np.random.Generator, sites: list[Site]) -> np.ndarray:
    """How much each site calls: gamma(2) — a few big customers, many quiet ones."""
    return rng.gamma(2.0, 1.0, size=len(sites))


def draw_duration(category: Category, z: float) -> int:
    """A lognormal duration (median and sigma of the category), rounded to 5 minutes."""
    raw = category.median_min * math.exp(category.sigma * z)
    stepped = int(round(raw / DURATION_STEP)) * DURATION_STEP
    return int(min(DURATION_MAX, max(DURATION_MIN, stepped)))


def generate_history_tickets(
    rng: np.random.Generator,
    sites: list[Site],
    policies: list[SlaPolicy],
    cal: BusinessCalendar | None = None,
) -> list[HistoryTicket]:
    """The tickets of the history window with attributes and deadlines (not yet replayed)."""
    cal = cal or default_calendar()
    by_policy = {p.id: p for p in policies}
    arrivals = draw_arrivals(rng, cal)
    weights = site_weights(rng, sites)
    pools = {
        flag: [i for i, s in enumerate(sites) if (s.sla_policy == ROUND_THE_CLOCK) == flag]
        for flag in (False, True)
    }
    cdfs = {flag: np.cumsum(weights[pool]) / weights[pool].sum() for flag, pool in pools.items()}
    n = len(arrivals)
    cat_w = np.array([c.weight for c in CATEGORIES])
    cats = rng.choice(len(CATEGORIES), size=n, p=cat_w / cat_w.sum())
    u = rng.random((5, n))
    z = rng.standard_normal(n)
    out = []
    for k, (created, always) in enumerate(arrivals):
        pick = int(np.searchsorted(cdfs[always], u[0, k], side="right"))
        site = sites[pools[always][min(pick, len(pools[always]) - 1)]]
        cat = CATEGORIES[int(cats[k])]
        p_urgent = cat.p_urgent * (1.0 if cal.is_open(created) else NIGHT_URGENT_FACTOR)
        priority = ticket_priority(u[1, k] < p_urgent, u[2, k] < P_LOW_PRIORITY)
        mode = TicketMode.onsite if site.visitable and u[3, k] < cat.p_onsite else TicketMode.remote
        additional = priority != Priority.urgent and u[4, k] < cat.p_additional
        out.append(
            HistoryTicket(
                created_at=created,
                site=site,
                priority=priority,
                kind=TicketKind.additional if additional else TicketKind.maintenance,
                mode=mode,
                category=cat,
                duration_min=draw_duration(cat, float(z[k])),
                deadline=sla_deadline(created, priority, by_policy[site.sla_policy], cal),
            )
        )
    return out


def ticket_priority(urgent: bool, low: bool) -> Priority:
    """Urgent when telephony is down; otherwise low when the customer says so, else normal."""
    if urgent:
        return Priority.urgent
    return Priority.low if low else Priority.normal
