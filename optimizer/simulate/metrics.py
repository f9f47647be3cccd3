"""The figures of one replication, computed from the simulated department's records.

Counted tickets are those created after the warm-up and before the end of the horizon. A
counted ticket is *judged* when its deadline falls before the simulation stopped or it
started on time; it *attains* the SLA when work started by the deadline. The wait is the time
to start on the ticket's SLA clock (office minutes for a business clock), the elapsed wait the
plain minutes; the urgent response is the elapsed wait of urgent tickets.

Costs: salaries are the scheduled paid hours × the hourly cost; overtime (work running past
the end of the shift) is paid ×1.5 for the first two hours of a day and ×2 after (Labour Code
art. 152); work on on-call days off is paid ×2 (art. 153); the car is compensated per km.
Additional (paid) work earns its minutes × 600 RUB per norm-hour.

Over time: the SLA figures by week (7-day blocks from the first simulated midnight, a ticket
in the week it was created), and the engineers' time by hour of the day (working windows,
busy time inside them, and busy time outside them: overtime, or work running through lunch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from optimizer.simulate.clock import SimClock
from optimizer.simulate.engine import Department, windows_minutes
from optimizer.simulate.model import (
    ADDITIONAL,
    ALWAYS,
    BUSINESS,
    MODES,
    NORM_HOUR_RATE_RUB,
    ONSITE,
    PRIORITIES,
    URGENT,
    ScenarioInfo,
    SkillBits,
)
from optimizer.simulate.phone import PhoneOutcome

OVERTIME_FIRST_HOURS = 2.0
OVERTIME_FIRST_RATE = 1.5
OVERTIME_LATER_RATE = 2.0
DAY_OFF_RATE = 2.0

WEEK_MIN = 7 * 24 * 60.0

ALL_BREACHES = "*"
"""Shortfall key of every breached ticket counted once (the heatmap of the report)."""


@dataclass
class ReplicationResult:
    """One replication's figures: scalars by name, pooled samples, per-engineer and
    per-hour-of-week arrays, and which scenario and replication they belong to.

    Picklable, and JSON-ready through :meth:`to_dict` / :meth:`from_dict`, so a replication
    can run on another machine and be combined with the others later
    (:func:`optimizer.simulate.combine`)."""

    scalars: dict[str, float]
    waits: np.ndarray
    waits_elapsed: np.ndarray
    urgent_waits: np.ndarray
    callback_waits: np.ndarray
    engineer_ids: list[str]
    per_engineer: dict[str, np.ndarray]
    overdue_minutes: dict[str, np.ndarray] = field(default_factory=dict)
    """Group → (7, 24) minutes of tickets waiting beyond their SLA, by hour of the week."""
    overdue_counts: dict[str, np.ndarray] = field(default_factory=dict)
    """Group → (7, 24) breached tickets by the hour of the week of their deadline."""
    hour_slots: np.ndarray = field(default_factory=lambda: np.zeros((7, 24)))
    """How many times each hour of the week occurs in the horizon."""
    weekly: dict[str, np.ndarray] = field(default_factory=dict)
    """``on_time`` and ``judged`` counted tickets by week of creation (see the docstring)."""
    hourly: dict[str, np.ndarray] = field(default_factory=dict)
    """``available``, ``busy`` (inside working windows) and ``outside`` (busy outside them)
    engineer-minutes by hour of the day (24 values, summed over the days of the horizon)."""
    info: ScenarioInfo | None = None
    """The scenario this replication belongs to."""
    replication: int = 0
    """The replication's index within its scenario (it decides the seed)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: floats (NaN as ``None``), lists, the scenario's description."""
        return {
            "scenario": None if self.info is None else self.info.to_dict(),
            "replication": self.replication,
            "scalars": {k: _json(v) for k, v in self.scalars.items()},
            "waits": self.waits.tolist(),
            "waits_elapsed": self.waits_elapsed.tolist(),
            "urgent_waits": self.urgent_waits.tolist(),
            "callback_waits": self.callback_waits.tolist(),
            "engineer_ids": list(self.engineer_ids),
            "per_engineer": {k: v.tolist() for k, v in self.per_engineer.items()},
            "overdue_minutes": {k: v.tolist() for k, v in self.overdue_minutes.items()},
            "overdue_counts": {k: v.tolist() for k, v in self.overdue_counts.items()},
            "hour_slots": self.hour_slots.tolist(),
            "weekly": {k: v.tolist() for k, v in self.weekly.items()},
            "hourly": {k: v.tolist() for k, v in self.hourly.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReplicationResult:
        """The inverse of :meth:`to_dict`."""

        def f32(key: str) -> np.ndarray:
            return np.asarray(data[key], dtype=np.float32)

        def grids(key: str) -> dict[str, np.ndarray]:
            return {k: np.asarray(v, dtype=float) for k, v in (data.get(key) or {}).items()}

        info = data.get("scenario")
        return cls(
            scalars={k: math.nan if v is None else float(v) for k, v in data["scalars"].items()},
            waits=f32("waits"),
            waits_elapsed=f32("waits_elapsed"),
            urgent_waits=f32("urgent_waits"),
            callback_waits=f32("callback_waits"),
            engineer_ids=[str(x) for x in data["engineer_ids"]],
            per_engineer=grids("per_engineer"),
            overdue_minutes=grids("overdue_minutes"),
            overdue_counts=grids("overdue_counts"),
            hour_slots=np.asarray(data["hour_slots"], dtype=float),
            weekly=grids("weekly"),
            hourly=grids("hourly"),
            info=None if info is None else ScenarioInfo.from_dict(info),
            replication=int(data.get("replication", 0)),
        )


def _json(x: float) -> float | None:
    """A float for JSON (NaN and infinities as ``None``)."""
    return float(x) if math.isfinite(x) else None


def _share(hit: np.ndarray, of: np.ndarray) -> float:
    """Share of ``of`` that is also ``hit`` (NaN when ``of`` is empty)."""
    n = int(of.sum())
    return float((hit & of).sum()) / n if n else float("nan")


def ticket_figures(dept: Department) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """SLA attainment, breaches, waits of the counted tickets of a replication."""
    m, t = dept.model, dept.t
    return figures_of_tickets(
        m.clock,
        t.created,
        dept.start,
        t.deadline,
        t.priority,
        t.mode,
        t.kind,
        t.clock,
        t.duration,
        (m.warmup_min, m.horizon_min, m.end_min),
    )


def figures_of_tickets(
    clock: SimClock,
    created: np.ndarray,
    start: np.ndarray,
    deadline: np.ndarray,
    priority: np.ndarray,
    mode: np.ndarray,
    kind: np.ndarray,
    sla_clock: np.ndarray,
    duration: np.ndarray,
    window: tuple[float, float, float],
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """The ticket figures of the module docstring from plain arrays (minutes on ``clock``;
    ``start`` NaN when never started), counting tickets created in ``[warmup, horizon)`` and
    judging them up to ``end``. The simulation and the recorded history (a backtest) are
    measured by this one function, so their figures mean the same."""
    warmup, horizon, end = window
    counted = (created >= warmup) & (created < horizon)
    started = ~np.isnan(start)
    on_time = started & (np.nan_to_num(start, nan=np.inf) <= deadline + 1e-6)
    judged = counted & (on_time | (deadline <= end))
    breach = judged & ~on_time
    s: dict[str, float] = {
        "tickets": float(counted.sum()),
        "started": float((counted & started).sum()),
        "unstarted_at_end": float((counted & ~started).sum()),
        "sla_attainment": _share(on_time, judged),
        "sla_attainment:n": float(judged.sum()),
        "breaches": float(breach.sum()),
    }
    for code, p in enumerate(PRIORITIES):
        sel = priority == code
        s[f"sla_attainment:{p.value}"] = _share(on_time, judged & sel)
        s[f"sla_attainment:{p.value}:n"] = float((judged & sel).sum())
        s[f"breaches:{p.value}"] = float((breach & sel).sum())
    for code, name in enumerate(MODES):
        sel = mode == code
        s[f"sla_attainment:{name}"] = _share(on_time, judged & sel)
        s[f"sla_attainment:{name}:n"] = float((judged & sel).sum())
        s[f"breaches:{name}"] = float((breach & sel).sum())
    done = counted & started
    elapsed = start[done] - created[done]
    on_clock = np.where(
        sla_clock[done] == ALWAYS,
        elapsed,
        clock.business_time(start[done]) - clock.business_time(created[done]),
    )
    urgent = elapsed[priority[done] == URGENT]
    s["wait_mean"] = float(on_clock.mean()) if on_clock.size else float("nan")
    s["wait_elapsed_mean"] = float(elapsed.mean()) if elapsed.size else float("nan")
    s["urgent_response_mean"] = float(urgent.mean()) if urgent.size else float("nan")
    s["p_wait"] = float((elapsed > 1e-9).mean()) if elapsed.size else float("nan")
    s["p_wait:n"] = float(elapsed.size)
    extra = counted & started & (kind == ADDITIONAL)
    extra_min = float(duration[extra].sum())
    s["extra_work_hours"] = extra_min / 60.0
    s["extra_work_revenue_rub"] = extra_min / 60.0 * NORM_HOUR_RATE_RUB
    in_horizon = (created >= 0) & (created < horizon)
    s["work_minutes"] = float(duration[in_horizon].sum())
    weeks = max(1, math.ceil(horizon / WEEK_MIN - 1e-9))
    week = np.clip(np.floor(created / WEEK_MIN), 0, weeks - 1).astype(int)
    samples = {
        "waits": on_clock,
        "waits_elapsed": elapsed,
        "urgent_waits": urgent,
        "week_on_time": np.bincount(week[judged & on_time], minlength=weeks).astype(float),
        "week_judged": np.bincount(week[judged], minlength=weeks).astype(float),
    }
    return s, samples


def engineer_figures(dept: Department) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Utilisation, overtime, km and costs per engineer and in total."""
    h = dept.model.horizon_min
    n = len(dept.engineers)
    per = {
        k: np.zeros(n)
        for k in ("available_hours", "busy_hours", "overtime_hours", "tickets", "visits", "km")
    }
    salaries = overtime_rub = weekend_rub = car_rub = 0.0
    for k, e in enumerate(dept.engineers):
        rate = e.plan.cost_per_hour
        avail = windows_minutes(e.windows, h)
        per["available_hours"][k] = avail / 60.0
        per["busy_hours"][k] = e.busy / 60.0
        per["overtime_hours"][k] = sum(e.overtime.values()) / 60.0
        per["tickets"][k] = e.tickets
        per["visits"][k] = e.visits
        per["km"][k] = e.km
        salaries += e.plan.paid_minutes / 60.0 * rate
        for minutes in e.overtime.values():
            hours = minutes / 60.0
            first = min(hours, OVERTIME_FIRST_HOURS)
            overtime_rub += (
                first * OVERTIME_FIRST_RATE + (hours - first) * OVERTIME_LATER_RATE
            ) * rate
        weekend_rub += e.weekend_minutes / 60.0 * DAY_OFF_RATE * rate
        car_rub += e.km * e.plan.car_cost_per_km
    available = float(per["available_hours"].sum())
    busy = float(per["busy_hours"].sum())
    s = {
        "utilisation": busy / available if available > 0 else float("nan"),
        "available_hours": available,
        "overtime_hours": float(per["overtime_hours"].sum()),
        "km": float(per["km"].sum()),
        "visits": float(per["visits"].sum()),
        "salaries_rub": salaries,
        "overtime_rub": overtime_rub,
        "weekend_work_rub": weekend_rub,
        "car_rub": car_rub,
        "total_rub": salaries + overtime_rub + weekend_rub + car_rub,
    }
    return s, per


def hourly_figures(dept: Department) -> dict[str, np.ndarray]:
    """Engineer-minutes by hour of the day over the horizon: in working windows
    (``available``), busy inside them (``busy``), busy outside them (``outside``). Busy is
    the drive and the work of each ticket from the moment it is handed over, as in
    :func:`engineer_figures`, so the hours add up to the engineers' busy time."""
    h = dept.model.horizon_min
    hours = int(np.ceil(h / 60))
    avail: list[tuple[float, float]] = []
    busy: list[tuple[float, float]] = []
    total: list[tuple[float, float]] = []
    started = ~np.isnan(dept.start)
    for e in dept.engineers:
        windows = sorted(
            (max(0.0, w.start), min(w.end, h)) for w in e.windows if w.end > 0 and w.start < h
        )
        mine = np.flatnonzero(started & (dept.assigned == e.index))
        handed = dept.start[mine] - dept.travel_min[mine]
        finish = dept.start[mine] + dept.t.duration[mine]
        work = sorted(
            (float(a), float(min(b, h))) for a, b in zip(handed, finish, strict=True) if a < h
        )
        avail += [w for w in windows if w[1] > w[0]]
        total += [w for w in work if w[1] > w[0]]
        busy += _intersect(work, windows)
    out = {}
    for key, pieces in (("available", avail), ("busy", busy), ("total", total)):
        a = np.array([p[0] for p in pieces], dtype=float)
        b = np.array([p[1] for p in pieces], dtype=float)
        per_hour = _overlap_per_hour(a, b, hours) if a.size else np.zeros(hours)
        out[key] = np.bincount(np.arange(hours) % 24, weights=per_hour, minlength=24)[:24]
    out["outside"] = np.maximum(out.pop("total") - out["busy"], 0.0)
    return out


def _intersect(
    a: list[tuple[float, float]], b: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    """The overlap of two sorted lists of disjoint intervals."""
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if hi > lo:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def phone_figures(p: PhoneOutcome) -> dict[str, float]:
    """The phone line's shares."""
    return {
        "phone_calls": float(p.calls),
        "phone_answered_at_once": p.answered_at_once / p.calls if p.calls else float("nan"),
        "phone_callbacks": float(p.callbacks),
        "phone_callbacks_within_target": (
            p.callbacks_within_target / p.callbacks if p.callbacks else float("nan")
        ),
        "phone_within_target": (
            (p.answered_at_once + p.callbacks_within_target) / p.calls if p.calls else float("nan")
        ),
        "phone_answered_at_once:n": float(p.calls),
        "phone_callbacks_within_target:n": float(p.callbacks),
        "phone_within_target:n": float(p.calls),
    }


def _overlap_per_hour(a: np.ndarray, b: np.ndarray, hours: int) -> np.ndarray:
    """Minutes of the intervals ``[a, b)`` falling in each hour slot (summed over intervals)."""
    out = np.zeros(hours + 1)
    diff = np.zeros(hours + 2)
    ha = np.floor(a / 60).astype(int)
    hb = np.floor(b / 60).astype(int)
    same = ha == hb
    np.add.at(out, ha[same], b[same] - a[same])
    d = ~same
    np.add.at(out, ha[d], (ha[d] + 1) * 60.0 - a[d])
    np.add.at(out, hb[d], b[d] - hb[d] * 60.0)
    np.add.at(diff, ha[d] + 1, 60.0)
    np.add.at(diff, hb[d], -60.0)
    return (out + np.cumsum(diff)[: hours + 1])[:hours]


def _week_fold(per_hour: np.ndarray, first_weekday: int) -> np.ndarray:
    """Sum hour slots into a (weekday, hour) grid."""
    grid = np.zeros((7, 24))
    idx = np.arange(per_hour.size)
    wd = (first_weekday + idx // 24) % 7
    np.add.at(grid, (wd, idx % 24), per_hour)
    return grid


def ticket_groups(skills: int, mode: int, bits: SkillBits) -> list[str]:
    """Who a ticket needs: ``visit`` for a site visit, ``skill:<s>`` per required skill (the
    bits of ``skills``), and ``all`` when it needs nobody in particular."""
    groups = [f"skill:{s}" for s in bits.skills(skills)]
    if mode == ONSITE:
        groups.insert(0, "visit")
    return groups or ["all"]


def shortfall_figures(
    dept: Department,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
    """Overdue ticket-minutes and breach counts by group and hour of the week."""
    m, t = dept.model, dept.t
    hours = int(np.ceil(m.horizon_min / 60))
    first_wd = m.clock.start.weekday()
    slots = _week_fold(np.ones(hours), first_wd)
    created, start, deadline = t.created, dept.start, t.deadline
    counted = (created >= m.warmup_min) & (created < m.horizon_min)
    late_start = np.where(np.isnan(start), m.end_min, start)
    breach = counted & (late_start > deadline + 1e-6) & (deadline < m.horizon_min)
    idx = np.flatnonzero(breach)
    office = m.clock.office_minutes_per_hour(hours) / 60.0
    minutes: dict[str, np.ndarray] = {}
    counts: dict[str, np.ndarray] = {}
    members: dict[str, list[int]] = {}
    for i in idx:
        members.setdefault(ALL_BREACHES, []).append(int(i))
        for g in ticket_groups(int(t.skills[i]), int(t.mode[i]), m.skills):
            members.setdefault(g, []).append(int(i))
    for g, rows in members.items():
        r = np.array(rows)
        a = np.clip(deadline[r], 0, m.horizon_min - 1e-6)
        b = np.clip(late_start[r], a, m.horizon_min - 1e-6)
        per_hour = np.zeros(hours)
        for clock_code, weight in ((ALWAYS, None), (BUSINESS, office)):
            sel = t.clock[r] == clock_code
            if sel.any():
                ph = _overlap_per_hour(a[sel], b[sel], hours)
                per_hour += ph if weight is None else ph * weight
        minutes[g] = _week_fold(per_hour, first_wd)
        dl_hour = np.floor(np.clip(deadline[r], 0, m.horizon_min - 1e-6) / 60).astype(int)
        counts[g] = _week_fold(
            np.bincount(dl_hour, minlength=hours)[:hours].astype(float), first_wd
        )
    return minutes, counts, slots


def replication_result(dept: Department, phone: PhoneOutcome) -> ReplicationResult:
    """Everything the report needs from one replication."""
    s, samples = ticket_figures(dept)
    es, per = engineer_figures(dept)
    s.update(es)
    s.update(phone_figures(phone))
    available_min = s["available_hours"] * 60.0
    s["offered_utilisation"] = s["work_minutes"] / available_min if available_min > 0 else np.inf
    minutes, counts, slots = shortfall_figures(dept)
    return ReplicationResult(
        scalars=s,
        waits=samples["waits"].astype(np.float32),
        waits_elapsed=samples["waits_elapsed"].astype(np.float32),
        urgent_waits=samples["urgent_waits"].astype(np.float32),
        callback_waits=phone.callback_waits.astype(np.float32),
        engineer_ids=[e.plan.id for e in dept.engineers],
        per_engineer=per,
        overdue_minutes=minutes,
        overdue_counts=counts,
        hour_slots=slots,
        weekly={"on_time": samples["week_on_time"], "judged": samples["week_judged"]},
        hourly=hourly_figures(dept),
    )
