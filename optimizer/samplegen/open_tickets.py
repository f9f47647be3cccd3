"""The open tickets on the sample morning (Monday 2026-11-30 09:30): the Friday-afternoon
leftovers, the weekend's tickets of 24x7 customers and the Monday-morning wave."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from optimizer.calendar import TZ, default_calendar, sla_deadline
from optimizer.domain import (
    Absence,
    AbsenceKind,
    Engineer,
    Pin,
    Priority,
    Site,
    SlaPolicy,
    Ticket,
    TicketKind,
    TicketMode,
    TimeWindow,
)
from optimizer.samplegen.catalog import CATEGORIES, P_LOW_PRIORITY, SAMPLE_NOW, Category
from optimizer.samplegen.history import ROUND_THE_CLOCK, draw_duration

FRIDAY = (datetime(2026, 11, 27, 16, 0, tzinfo=TZ), datetime(2026, 11, 27, 17, 30, tzinfo=TZ))
WEEKEND = (datetime(2026, 11, 29, 16, 0, tzinfo=TZ), datetime(2026, 11, 30, 7, 30, tzinfo=TZ))
MONDAY = (datetime(2026, 11, 30, 7, 30, tzinfo=TZ), datetime(2026, 11, 30, 9, 25, tzinfo=TZ))
WAVES = ((FRIDAY, 10, "business"), (WEEKEND, 5, "24x7"), (MONDAY, 18, "any"))
"""(window, number of tickets, which customers): what came in after the last Friday dispatch
(business-clock customers: a 24x7 one would have been served that evening), after the Sunday
on-call shift ended (24x7 customers only), and on Monday morning before 09:25."""

MAX_OPEN_DURATION_MIN = 240
"""An open ticket is capped at four hours of work (longer jobs are split by the dispatcher)."""

URGENT_WEEKEND, URGENT_MONDAY, ONSITE = 1, 3, 6
URGENT_PRONE = ("sip_trunk_down", "server", "network_vpn")
ONSITE_PRONE = ("new_phone", "gateway", "ip_phone_fault", "network_vpn")
P_ADDITIONAL_UNBOOKED = 0.3
"""Paid work not yet booked is rarer in the queue: most of it is booked for a window."""

PINNED_CREATED = datetime(2026, 11, 30, 9, 4, tzinfo=TZ)
PINNED_START = datetime(2026, 11, 30, 9, 12, tzinfo=TZ)
REMOTE_WINDOW = (datetime(2026, 11, 30, 14, 0, tzinfo=TZ), datetime(2026, 11, 30, 16, 0, tzinfo=TZ))
ONSITE_WINDOW = (datetime(2026, 12, 1, 10, 0, tzinfo=TZ), datetime(2026, 12, 1, 12, 0, tzinfo=TZ))


class Draft:
    """A ticket being composed; becomes a :class:`Ticket` at the end."""

    def __init__(self, created: datetime, site: Site, category: Category) -> None:
        self.created = created
        self.site = site
        self.category = category
        self.priority = Priority.normal
        self.kind = TicketKind.maintenance
        self.mode = TicketMode.remote
        self.window: tuple[datetime, datetime] | None = None
        self.pinned: Pin | None = None
        self.duration = 0
        self.title_index = 0


def category_named(name: str) -> Category:
    """The catalog category of a name."""
    return next(c for c in CATEGORIES if c.name == name)


def draw_wave(
    rng: np.random.Generator, window: tuple[datetime, datetime], n: int, sites: list[Site]
) -> list[Draft]:
    """``n`` tickets at uniform minutes of a window, at sites drawn uniformly."""
    span = int((window[1] - window[0]).total_seconds() // 60)
    minutes = np.sort(rng.integers(0, span, size=n))
    cat_w = np.array([c.weight for c in CATEGORIES])
    out = []
    for m in minutes:
        site = sites[int(rng.integers(len(sites)))]
        cat = CATEGORIES[int(rng.choice(len(CATEGORIES), p=cat_w / cat_w.sum()))]
        out.append(Draft(window[0] + timedelta(minutes=int(m)), site, cat))
    return out


def present_engineer(
    engineers: list[Engineer], absences: list[Absence], skills: tuple[str, ...]
) -> Engineer:
    """The first engineer with the skills who is at work at ``SAMPLE_NOW``."""
    for e in engineers:
        away = any(
            a.engineer_id == e.id
            and a.kind != AbsenceKind.car_unavailable
            and a.start <= SAMPLE_NOW < a.end
            for a in absences
        )
        if not away and set(skills) <= set(e.skills):
            return e
    raise ValueError("no engineer present with the pinned ticket's skills")  # pragma: no cover


def generate_open_tickets(
    rng: np.random.Generator,
    sites: list[Site],
    policies: list[SlaPolicy],
    engineers: list[Engineer],
    absences: list[Absence],
    first_external: int,
) -> list[Ticket]:
    """About 34 open tickets: 4 urgent (one started and pinned), 6 on site, 2 paid jobs with
    an agreed window, the rest normal or low."""
    pools = {
        "24x7": [s for s in sites if s.sla_policy == ROUND_THE_CLOCK],
        "business": [s for s in sites if s.sla_policy != ROUND_THE_CLOCK],
        "any": sites,
    }
    waves = [draw_wave(rng, w, n, pools[who]) for w, n, who in WAVES]
    drafts = [d for wave in waves for d in wave]
    mark_urgent(rng, waves[1], URGENT_WEEKEND)
    mark_urgent(rng, waves[2], URGENT_MONDAY)
    pinned = pinned_draft(rng, sites, engineers, absences)
    mark_onsite(rng, drafts)
    mark_windows(rng, drafts)
    for d in drafts:
        finish_draft(rng, d)
    drafts.append(pinned)
    drafts.sort(key=lambda d: (d.created, d.site.id))
    by_policy = {p.id: p for p in policies}
    return [
        to_ticket(d, f"t{k + 1:03d}", f"HD-{first_external + k}", by_policy[d.site.sla_policy])
        for k, d in enumerate(drafts)
    ]


def mark_urgent(rng: np.random.Generator, wave: list[Draft], n: int) -> None:
    """Make ``n`` tickets of a wave urgent, with a category that can take telephony down."""
    for k in rng.choice(len(wave), size=n, replace=False):
        d = wave[int(k)]
        d.priority = Priority.urgent
        if d.category.p_urgent < 0.05:
            d.category = category_named(URGENT_PRONE[int(rng.integers(len(URGENT_PRONE)))])


def pinned_draft(
    rng: np.random.Generator, sites: list[Site], engineers: list[Engineer], absences: list[Absence]
) -> Draft:
    """An urgent trunk failure reported at 09:04 that an engineer started at 09:12."""
    site = sites[int(rng.integers(len(sites)))]
    d = Draft(PINNED_CREATED, site, category_named("sip_trunk_down"))
    d.priority = Priority.urgent
    d.duration = draw_duration(d.category, float(rng.standard_normal()))
    eng = present_engineer(engineers, absences, tuple(d.category.skills))
    d.pinned = Pin(engineer_id=eng.id, start=PINNED_START)
    return d


def mark_onsite(rng: np.random.Generator, drafts: list[Draft]) -> None:
    """Send ``ONSITE`` non-urgent tickets at Saratov/Engels sites on a visit."""
    candidates = [d for d in drafts if d.site.visitable and d.priority != Priority.urgent]
    for k in rng.choice(len(candidates), size=ONSITE, replace=False):
        d = candidates[int(k)]
        d.mode = TicketMode.onsite
        if d.category.name not in ONSITE_PRONE:
            d.category = category_named(ONSITE_PRONE[int(rng.integers(len(ONSITE_PRONE)))])


def mark_windows(rng: np.random.Generator, drafts: list[Draft]) -> None:
    """Two paid jobs booked for an agreed window: a remote greeting today 14–16 and a new
    phone installed on site tomorrow 10–12."""
    onsite = [d for d in drafts if d.mode == TicketMode.onsite]
    remote = [d for d in drafts if d.mode == TicketMode.remote and d.priority != Priority.urgent]
    job = onsite[int(rng.integers(len(onsite)))]
    job.category, job.window = category_named("new_phone"), ONSITE_WINDOW
    job.kind = TicketKind.additional
    job = remote[int(rng.integers(len(remote)))]
    job.category, job.window = category_named("greeting"), REMOTE_WINDOW
    job.kind = TicketKind.additional


def finish_draft(rng: np.random.Generator, d: Draft) -> None:
    """Duration, low priority and unbooked paid work by the category's odds."""
    d.duration = min(MAX_OPEN_DURATION_MIN, draw_duration(d.category, float(rng.standard_normal())))
    if d.window is not None:
        d.duration = min(d.duration, 90)
    u_low, u_add = rng.random(2)
    d.title_index = int(rng.integers(len(d.category.titles)))
    if d.priority != Priority.urgent and d.window is None:
        if u_low < P_LOW_PRIORITY:
            d.priority = Priority.low
        if u_add < d.category.p_additional * P_ADDITIONAL_UNBOOKED:
            d.kind = TicketKind.additional


def to_ticket(d: Draft, ident: str, external: str, policy: SlaPolicy) -> Ticket:
    """The contract ticket; a booked job is due at the latest start that fits its window."""
    window = TimeWindow(start=d.window[0], end=d.window[1]) if d.window else None
    if window is not None:
        deadline = window.end - timedelta(minutes=d.duration)
        earliest = window.start
    else:
        deadline = sla_deadline(d.created, d.priority, policy, default_calendar())
        earliest = None
    return Ticket(
        id=ident,
        external_id=external,
        site_id=d.site.id,
        created_at=d.created,
        priority=d.priority,
        kind=d.kind,
        mode=d.mode,
        category=d.category.name,
        required_skills=list(d.category.skills),
        duration_min=d.duration,
        earliest_start=earliest,
        deadline=deadline,
        window=window,
        pinned=d.pinned,
        title=d.category.titles[d.title_index % len(d.category.titles)],
    )
