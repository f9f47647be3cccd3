"""Dispatch requests built from the sample data: the sample morning (``sample_request``) and the
benchmark snapshots (``snapshot``) at three sizes and two stressed variants.

Everything is deterministic: a snapshot is a function of its size, variant and seed.

- ``sample_request(at)``: the engineers of the sample with their office hours of that day (the
  production calendar's, lunch 60 min between 12:00 and 15:00), the sample's absences, and the
  tickets open at ``at`` — the sample's open tickets at the sample morning, else the tickets of the
  history created by ``at`` and not yet started then.
- ``snapshot(size)``: S = 8 engineers / 40 open tickets / 6 visits, M = 20 / 150 / 25,
  L = 60 / 500 / 80. Extra engineers are copies of the sample's (skills, licence, car, costs) with
  bases moved a little on the same bank; extra tickets are drawn from the history (category,
  skills, duration, priority, site) and made open at the snapshot's ``now`` (created in the last
  four hours; deadlines from the site's SLA policy).
- variants: ``new_year`` — Monday 2027-01-11 09:30, the first working day after the New Year
  holidays: half as many tickets again, created over the holidays, so the business-clock ones are
  all due by 11:00 and the 24x7 ones overdue; ``sick`` — two visiting engineers off sick that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from optimizer.calendar import TZ, default_calendar, to_local
from optimizer.domain.base import Absence, DataSet, Engineer, Ticket
from optimizer.domain.common import (
    AbsenceKind,
    Location,
    Priority,
    TicketKind,
    TicketMode,
    TimeWindow,
)
from optimizer.domain.dispatch import (
    BreakRule,
    DispatchEngineer,
    DispatchOptions,
    DispatchRequest,
)
from optimizer.io.sample import SAMPLE_NOW, load_sample_dataset, load_ticket_history

Size = Literal["S", "M", "L"]
Variant = Literal["base", "new_year", "sick"]

SIZES: dict[str, tuple[int, int, int]] = {"S": (8, 40, 6), "M": (20, 150, 25), "L": (60, 500, 80)}
"""Engineers, open tickets, visits of each benchmark size."""

NEW_YEAR_NOW = datetime(2027, 1, 11, 9, 30, tzinfo=TZ)
"""The first working day after the New Year holidays of 2027, 09:30."""

LUNCH = (time(12, 0), time(15, 0), 60)
"""Lunch: 60 minutes, somewhere between 12:00 and 15:00."""


def sample_now() -> datetime:
    """The sample morning (Monday 2026-11-30 09:30, Europe/Saratov)."""
    return SAMPLE_NOW


def working_day_of(at: datetime) -> date:
    """The day whose office hours a dispatch at ``at`` plans: today while the office is still to
    close, else the next working day."""
    cal = default_calendar()
    local = to_local(at)
    d = local.date()
    for _ in range(30):
        hours = cal.open_intervals(d)
        if hours and hours[-1][1] > local:
            return d
        d += timedelta(days=1)
    return local.date()


def office_engineer(e: Engineer, day: date) -> DispatchEngineer:
    """An engineer working the office hours of ``day`` with a lunch break."""
    hours = default_calendar().open_intervals(day)
    lo, hi, minutes = LUNCH
    return DispatchEngineer(
        **e.model_dump(),
        availability=[TimeWindow(start=a, end=b) for a, b in hours],
        breaks=[
            BreakRule(
                earliest_start=datetime.combine(day, lo, TZ),
                latest_end=datetime.combine(day, hi, TZ),
                duration_min=minutes,
            )
        ]
        if hours
        else [],
    )


def sample_request(
    at: datetime | None = None, options: DispatchOptions | None = None
) -> DispatchRequest:
    """The request of the sample data at ``at`` (default: the sample morning)."""
    ds = load_sample_dataset()
    now = to_local(at) if at is not None else sample_now()
    day = working_day_of(now)
    if at is None or now == sample_now():
        tickets = [t for t in ds.tickets if t.created_at <= now]
    else:
        tickets = open_tickets_from_history(load_ticket_history(), now)
    return _request(ds, ds.engineers, tickets, now, day, ds.absences, options)


def _request(
    ds: DataSet,
    engineers: list[Engineer],
    tickets: list[Ticket],
    now: datetime,
    day: date,
    absences: list[Absence],
    options: DispatchOptions | None,
) -> DispatchRequest:
    start = datetime.combine(day, time(0), TZ)
    end = start + timedelta(days=1)
    ids = {e.id for e in engineers}
    relevant = [a for a in absences if a.engineer_id in ids and a.start < end and a.end > start]
    used_sites = {t.site_id for t in tickets}
    sites = [s for s in ds.sites if s.id in used_sites]
    return DispatchRequest(
        now=now,
        engineers=[office_engineer(e, day) for e in engineers],
        tickets=tickets,
        sites=sites,
        sla_policies=ds.sla_policies,
        absences=relevant,
        options=options or DispatchOptions(),
    )


def open_tickets_from_history(history: pd.DataFrame, at: datetime) -> list[Ticket]:
    """Tickets of the history created by ``at`` and not started then, as open tickets."""
    created = history["created_at"]
    started = history["started_at"]
    mask = (created <= at) & (started.isna() | (started > at))
    return [_ticket_of(row, str(row["id"])) for _, row in history[mask].iterrows()]


def _ticket_of(row: pd.Series, ident: str, created_at: datetime | None = None) -> Ticket:
    skills = [s for s in str(row["required_skills"]).split(";") if s]
    return Ticket(
        id=ident,
        external_id=str(row["external_id"]),
        site_id=str(row["site_id"]),
        created_at=created_at or row["created_at"].to_pydatetime(),
        priority=Priority(row["priority"]),
        kind=TicketKind(row["kind"]),
        mode=TicketMode(row["mode"]),
        category=str(row["category"]),
        required_skills=skills,  # type: ignore[arg-type]
        duration_min=int(row["duration_min"]),
        title=str(row["category"]),
    )


# -- benchmark snapshots ---------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotSpec:
    size: str
    variant: str
    engineers: int
    tickets: int
    visits: int


def snapshot_spec(size: Size, variant: Variant = "base") -> SnapshotSpec:
    n_eng, n_tix, n_vis = SIZES[size]
    if variant == "new_year":
        n_tix, n_vis = round(n_tix * 1.5), round(n_vis * 1.5)
    return SnapshotSpec(size, variant, n_eng, n_tix, n_vis)


def snapshot(
    size: Size, variant: Variant = "base", seed: int = 0, options: DispatchOptions | None = None
) -> DispatchRequest:
    """A benchmark request: ``size`` S, M or L, ``variant`` base, new_year or sick."""
    spec = snapshot_spec(size, variant)
    rng = np.random.default_rng([seed, ord(size), len(variant)])
    ds = load_sample_dataset()
    now = NEW_YEAR_NOW if variant == "new_year" else sample_now()
    day = working_day_of(now)
    engineers = _engineers(ds.engineers, spec.engineers, rng)
    absences = list(ds.absences)
    if variant == "sick":
        drivers = [e for e in engineers if e.can_visit][:2]
        start = datetime.combine(day, time(0), TZ)
        absences += [
            Absence(
                engineer_id=e.id, start=start, end=start + timedelta(days=1), kind=AbsenceKind.sick
            )
            for e in drivers
        ]
    base = [t for t in ds.tickets if t.created_at <= now] if variant != "new_year" else []
    tickets = _tickets(ds, load_ticket_history(), base, spec, now, rng)
    return _request(ds, engineers, tickets, now, day, absences, options)


def _engineers(sample: list[Engineer], n: int, rng: np.random.Generator) -> list[Engineer]:
    """The sample's engineers, then copies of them with bases moved by up to ~1.5 km."""
    out = list(sample[:n])
    k = len(out)
    while len(out) < n:
        proto = sample[k % len(sample)]
        k += 1
        base = proto.base
        assert base.lat is not None and base.lon is not None
        lat = round(base.lat + float(rng.uniform(-0.012, 0.012)), 5)
        lon = round(base.lon + float(rng.uniform(-0.012, 0.012)), 5)
        out.append(
            proto.model_copy(
                update={
                    "id": f"e{k:02d}",
                    "name": f"Инженер {k:02d}",
                    "base": Location(lat=lat, lon=lon),
                }
            )
        )
    return out


def _tickets(
    ds: DataSet,
    history: pd.DataFrame,
    base: list[Ticket],
    spec: SnapshotSpec,
    now: datetime,
    rng: np.random.Generator,
) -> list[Ticket]:
    """The base tickets, topped up from the history to the spec's counts of tickets and visits."""
    visits = [t for t in base if t.mode == TicketMode.onsite][: spec.visits]
    remote = [t for t in base if t.mode != TicketMode.onsite][: spec.tickets - spec.visits]
    onsite_rows = history[history["mode"] == "onsite"].reset_index(drop=True)
    remote_rows = history[history["mode"] == "remote"].reset_index(drop=True)
    holidays = spec.variant == "new_year"
    k = 0

    def draw(rows: pd.DataFrame) -> Ticket:
        nonlocal k
        k += 1
        row = rows.iloc[int(rng.integers(len(rows)))]
        if holidays:
            created = now - timedelta(minutes=float(rng.uniform(30, 9 * 24 * 60)))
        else:
            created = now - timedelta(minutes=float(rng.uniform(0, 240)))
        created = created.replace(second=0, microsecond=0)
        return _ticket_of(row, f"b{k:04d}", created_at=created)

    while len(visits) < spec.visits:
        visits.append(draw(onsite_rows))
    while len(remote) + len(visits) < spec.tickets:
        remote.append(draw(remote_rows))
    return visits + remote
