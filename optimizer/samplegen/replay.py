"""A greedy replay of the history with the eight engineers: who did each ticket and when.

Every engineer works the office hours of the production calendar on working days unless on
vacation or sick; on days off one engineer of the on-call rotation works 10:00–16:00 on remote
tickets. An event-driven dispatcher hands the most urgent waiting ticket (urgent first, then
earliest SLA deadline) to an idle eligible engineer (all its skills; for a visit also a car
available that day), the least-worked first. Remote work that does not fit before closing
continues in the engineer's next working interval; a visit is not split and may overrun the
interval by up to an hour, with a fixed drive there and back. Started work is never
interrupted, so an urgent ticket waits for the first engineer to become free.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from heapq import heappop, heappush

from optimizer.calendar import TZ, BusinessCalendar, default_calendar
from optimizer.domain import Absence, AbsenceKind, Engineer, Priority, TicketMode
from optimizer.samplegen.catalog import (
    CITY_CENTRES,
    HISTORY_START,
    ON_CALL_HOURS,
    ONSITE_OVERRUN_MIN,
    TRAVEL_CROSS_BANK_MIN,
    TRAVEL_SAME_BANK_MIN,
)
from optimizer.samplegen.history import HistoryTicket

ORIGIN = datetime.combine(HISTORY_START, datetime.min.time(), TZ)
REPLAY_TAIL_DAYS = 30
"""Working intervals are built this many days past the last ticket, for the queue to drain."""


def minute_of(dt: datetime) -> int:
    """Whole minutes since the start of the history (Europe/Saratov has no DST)."""
    return int((dt - ORIGIN).total_seconds() // 60)


def instant_of(minute: int) -> datetime:
    """The local instant of a replay minute."""
    return (ORIGIN + timedelta(minutes=minute)).astimezone(TZ)


@dataclass
class Worker:
    """An engineer in the replay: working intervals (minutes), whether a visit is possible in
    each, when the engineer is next free, and the minutes worked so far."""

    engineer: Engineer
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    visits: list[bool] = field(default_factory=list)
    free_at: int = 0
    worked: int = 0
    woken: int = -1

    def add(self, start: datetime, end: datetime, visit: bool) -> None:
        self.starts.append(minute_of(start))
        self.ends.append(minute_of(end))
        self.visits.append(visit)


def absent_days(absences: list[Absence]) -> dict[tuple[str, date], set[AbsenceKind]]:
    """(engineer, day) → kinds of absence covering any part of that day."""
    out: dict[tuple[str, date], set[AbsenceKind]] = {}
    for a in absences:
        d = a.start.astimezone(TZ).date()
        while datetime.combine(d, datetime.min.time(), TZ) < a.end:
            out.setdefault((a.engineer_id, d), set()).add(a.kind)
            d += timedelta(days=1)
    return out


def on_call_engineer(
    d: date, rotation: list[str], away: dict[tuple[str, date], set[AbsenceKind]]
) -> str | None:
    """Who is on call on a day off: weekly turns in the rotation, skipping anyone on leave."""
    week = (d - HISTORY_START).days // 7
    n = len(rotation)
    for k in range(n):
        eng = rotation[(week + k) % n]
        if not away.get((eng, d), set()) - {AbsenceKind.car_unavailable}:
            return eng
    return None


def build_workers(
    engineers: list[Engineer],
    absences: list[Absence],
    first: date,
    last: date,
    cal: BusinessCalendar,
) -> list[Worker]:
    """Working intervals of every engineer over [first, last]."""
    away = absent_days(absences)
    workers = {e.id: Worker(e) for e in engineers}
    # Work on a day off needs the engineer's consent (Labour Code art. 113).
    rotation = [e.id for e in engineers if e.holiday_work_consent]
    d = first
    while d <= last:
        if cal.is_working_day(d):
            for w in workers.values():
                kinds = away.get((w.engineer.id, d), set())
                if kinds - {AbsenceKind.car_unavailable}:
                    continue
                visit = w.engineer.can_visit and AbsenceKind.car_unavailable not in kinds
                for a, b in cal.open_intervals(d):
                    w.add(a, b, visit)
        else:
            eng = on_call_engineer(d, rotation, away)
            if eng is not None:
                a = datetime.combine(d, ON_CALL_HOURS[0], TZ)
                b = datetime.combine(d, ON_CALL_HOURS[1], TZ)
                workers[eng].add(a, b, False)
        d += timedelta(days=1)
    return [workers[e.id] for e in engineers]


def home_city(engineer: Engineer) -> str:
    """Saratov or Engels, whichever centre the engineer's base is nearer to."""
    lat, lon = engineer.base.lat or 0.0, engineer.base.lon or 0.0
    return min(
        CITY_CENTRES,
        key=lambda c: (CITY_CENTRES[c][0] - lat) ** 2 + (CITY_CENTRES[c][1] - lon) ** 2,
    )


def travel_min(engineer: Engineer, site_city: str) -> int:
    """The fixed drive from the engineer's base to a site: longer across the Volga."""
    same = home_city(engineer) == site_city
    return TRAVEL_SAME_BANK_MIN if same else TRAVEL_CROSS_BANK_MIN


def remote_slot(w: Worker, ready: int, duration: int) -> tuple[int, int] | None:
    """(start, finish) of remote work from ``ready``, continued across working intervals."""
    i = bisect_right(w.ends, ready)
    if i >= len(w.starts):
        return None
    start = max(ready, w.starts[i])
    left, t = duration, start
    while i < len(w.starts):
        t = max(t, w.starts[i])
        if t + left <= w.ends[i]:
            return start, t + left
        left -= w.ends[i] - t
        i += 1
    return None


def eligible(w: Worker, t: HistoryTicket) -> bool:
    """An engineer qualifies when holding every required skill (and a car for a visit)."""
    skills = set(w.engineer.skills)
    if not set(t.category.skills) <= skills:
        return False
    return t.mode != TicketMode.onsite or w.engineer.can_visit


def interval_at(w: Worker, minute: int) -> int | None:
    """Index of the working interval holding ``minute``, if any."""
    i = bisect_right(w.ends, minute)
    if i < len(w.starts) and w.starts[i] <= minute:
        return i
    return None


def next_start(w: Worker, minute: int) -> int | None:
    """The first minute after ``minute`` when the engineer's next interval begins."""
    i = bisect_right(w.starts, minute)
    return w.starts[i] if i < len(w.starts) else None


def queue_key(t: HistoryTicket) -> tuple[int, datetime, datetime]:
    """Dispatch order of the waiting queue: urgent first, then earliest deadline."""
    return (0 if t.priority == Priority.urgent else 1, t.deadline, t.created_at)


def try_start(w: Worker, t: HistoryTicket, now: int) -> tuple[int, int, int] | None:
    """(start, finish, busy until) when ``w`` can take ``t`` right now, else ``None``."""
    i = interval_at(w, now)
    if i is None or not eligible(w, t):
        return None
    if t.mode == TicketMode.onsite:
        if not w.visits[i]:
            return None
        drive = travel_min(w.engineer, t.site.city)
        finish = now + drive + t.duration_min
        if finish + drive > w.ends[i] + ONSITE_OVERRUN_MIN:
            return None
        return now + drive, finish, finish + drive
    slot = remote_slot(w, now, t.duration_min)
    if slot is None:
        return None
    return slot[0], slot[1], slot[1]


def replay(
    tickets: list[HistoryTicket],
    engineers: list[Engineer],
    absences: list[Absence],
    cal: BusinessCalendar | None = None,
) -> None:
    """Fill ``started_at``, ``finished_at`` and ``engineer_id`` of every ticket, in place.

    An event-driven dispatcher: whenever a ticket arrives or an engineer becomes free or
    starts a working interval, each idle engineer (least worked first) takes the most urgent
    waiting ticket they can do (urgent first, then earliest deadline).
    """
    cal = cal or default_calendar()
    if not tickets:
        return
    last = tickets[-1].created_at.date() + timedelta(days=REPLAY_TAIL_DAYS)
    workers = build_workers(engineers, absences, HISTORY_START, last, cal)
    events: list[tuple[int, int, int]] = []  # (minute, 0 arrival / 1 wake-up, index)
    for k, t in enumerate(tickets):
        heappush(events, (minute_of(t.created_at), 0, k))
    for j, w in enumerate(workers):
        if w.starts:
            heappush(events, (w.starts[0], 1, j))
    waiting: list[HistoryTicket] = []
    while events:
        now, kind, index = heappop(events)
        if kind == 0:
            waiting.append(tickets[index])
        if waiting:
            dispatch(now, waiting, workers, events)


def dispatch(
    now: int,
    waiting: list[HistoryTicket],
    workers: list[Worker],
    events: list[tuple[int, int, int]],
) -> None:
    """Give waiting tickets to idle engineers at ``now``; schedule the next wake-ups."""
    waiting.sort(key=queue_key)
    order = sorted(range(len(workers)), key=lambda j: (workers[j].worked, j))
    for j in order:
        w = workers[j]
        if w.free_at > now:
            continue
        for pos, t in enumerate(waiting):
            slot = try_start(w, t, now)
            if slot is None:
                continue
            start, finish, busy = slot
            t.started_at, t.finished_at = instant_of(start), instant_of(finish)
            t.engineer_id = w.engineer.id
            w.free_at, w.worked = busy, w.worked + t.duration_min
            heappush(events, (busy, 1, j))
            del waiting[pos]
            break
        else:
            wake = next_start(w, now)
            if wake is not None and wake > w.woken:
                w.woken = wake
                heappush(events, (wake, 1, j))
