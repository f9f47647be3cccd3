"""Arrival forecast from the ticket history: weekday × interval means, holiday effects, trend.

Model
-----
Every ticket is counted in the interval (``interval_min`` long, local time Europe/Saratov)
of its ``created_at``, in one or more *streams*:

``all``            every ticket;
``urgent``         priority urgent;
``visit``          mode onsite;
``visit:right``    onsite in Saratov (right bank of the Volga);
``visit:left``     onsite in Engels (left bank);
``skill:<skill>``  tickets requiring ``<skill>``.

The expected count of a stream in an interval of a date is

    profile[office weekday of the date][interval] × day factor × trend(date)

* ``profile`` — mean count per interval over the *regular* working days of that weekday in
  the history (days with no ticket count as zeros). A working Saturday uses the profile of
  the weekday it replaces. Non-working days (weekends, holidays) share one profile: the mean
  over the non-working days of the history.
* day factor — ``post_holiday_factor`` on the first working day after a break of at least
  two non-working days that includes a public holiday or a transferred day off (a plain
  Saturday–Sunday weekend does not count: the Monday profile already has it), e.g. the first
  working day after the New Year holidays; ``pre_holiday_factor`` on a shortened pre-holiday
  day; 1 otherwise. Each is the ratio of the observed to the expected tickets on such days of
  the history (1 when the history has none).
* ``trend`` — a straight line fitted by least squares to the weekly tickets per regular
  working day (weeks with at least two in the history); relative to the level at the
  history's centre of mass, so the profile stays the history's mean. Never below 0.

Regular working days are those that are neither post-holiday nor pre-holiday.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd

from optimizer.calendar import BusinessCalendar, default_calendar
from optimizer.domain.base import Ticket
from optimizer.domain.skills import SkillCatalogue, UnknownSkill, default_catalogue
from optimizer.domain.staffing import skill_group
from optimizer.errors import InvalidInput

ALLOWED_INTERVALS = (15, 20, 30, 60, 120)
"""Interval lengths in minutes (each divides a day)."""

BANK_OF_CITY: Mapping[str, str] = {"Saratov": "right", "Engels": "left"}
"""Which bank of the Volga a visited city is on."""

REQUIRED_COLUMNS = ("created_at", "priority", "mode", "required_skills", "duration_min")

MIN_WEEKS_FOR_TREND = 4
"""Fewer full weeks than this: no trend (slope 0)."""

_OFFSET = re.compile(r"(Z|[+-]\d{2}(:?\d{2})?)$")


# -- reading the history ---------------------------------------------------------------------


def history_frame(history: pd.DataFrame | Iterable[Ticket], tz: Any) -> pd.DataFrame:
    """Normalise a history (DataFrame or tickets) to: local ``created_at``, ``priority``,
    ``mode``, ``skills`` (tuple), ``duration_min`` (float) and ``site_city`` (str or "")."""
    df = _as_frame(history)
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise InvalidInput("history", missing[0], "missing column")
    if df.empty:
        raise InvalidInput("history", "0 rows", "the history has no tickets")
    out = pd.DataFrame(index=df.index)
    out["created_at"] = _local_times(df["created_at"], tz)
    out["priority"] = df["priority"].astype(str).str.strip().str.lower()
    out["mode"] = df["mode"].astype(str).str.strip().str.lower()
    out["skills"] = [_skills_of(v) for v in df["required_skills"]]
    dur = pd.to_numeric(df["duration_min"], errors="coerce")
    bad = dur.isna() | (dur <= 0) | ~np.isfinite(dur)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InvalidInput(
            f"history[{i}].duration_min", df["duration_min"].iloc[i], "not a positive number"
        )
    out["duration_min"] = dur.astype(float)
    if "site_city" in df.columns:
        out["site_city"] = df["site_city"].fillna("").astype(str).str.strip()
    else:
        out["site_city"] = ""
    return out.reset_index(drop=True)


def _as_frame(history: pd.DataFrame | Iterable[Ticket]) -> pd.DataFrame:
    """A copy of a DataFrame history, or tickets as rows."""
    if isinstance(history, pd.DataFrame):
        return history.copy()
    return _tickets_frame(list(history))


def _tickets_frame(tickets: list[Ticket]) -> pd.DataFrame:
    """Tickets as history rows (no city: sites are not at hand here)."""
    return pd.DataFrame(
        {
            "created_at": [t.created_at for t in tickets],
            "priority": [t.priority.value for t in tickets],
            "mode": [t.mode.value for t in tickets],
            "required_skills": [list(t.required_skills) for t in tickets],
            "duration_min": [t.duration_min for t in tickets],
        },
        columns=list(REQUIRED_COLUMNS),
    )


def _local_times(values: pd.Series, tz: Any) -> pd.Series:
    """Aware timestamps converted to the local zone; a naive one is invalid input."""
    for i, v in enumerate(values):
        if isinstance(v, datetime | pd.Timestamp):
            naive = v.tzinfo is None
        else:
            naive = not _OFFSET.search(str(v).strip())
        if naive:
            raise InvalidInput(f"history[{i}].created_at", str(v), "datetime needs an offset")
    try:
        parsed = pd.to_datetime(values, utc=True, format="ISO8601")
    except (ValueError, TypeError) as err:
        raise InvalidInput(
            "history.created_at", str(values.iloc[0]), f"not ISO 8601: {err}"
        ) from None
    return parsed.dt.tz_convert(tz)


def _skills_of(value: Any) -> tuple[str, ...]:
    """Skills of a row: a ``;``-separated string or a list."""
    if value is None or (
        not isinstance(value, str | list | tuple | np.ndarray) and bool(pd.isna(value))
    ):
        return ()
    parts = value.split(";") if isinstance(value, str) else [str(v) for v in value]
    return tuple(p.strip() for p in parts if p.strip())


def stream_masks(df: pd.DataFrame, skills: SkillCatalogue | None = None) -> dict[str, np.ndarray]:
    """Which history rows belong to which stream (see the module docstring); every required
    skill is in ``skills`` (the department's catalogue; the built-in one by default)."""
    catalogue = skills or default_catalogue()
    onsite = (df["mode"] == "onsite").to_numpy()
    masks: dict[str, np.ndarray] = {
        "all": np.ones(len(df), dtype=bool),
        "urgent": (df["priority"] == "urgent").to_numpy(),
        "visit": onsite,
    }
    for city, bank in BANK_OF_CITY.items():
        masks[f"visit:{bank}"] = onsite & (df["site_city"] == city).to_numpy()
    required = sorted({s for row in df["skills"] for s in row})
    for s in required:
        if s not in catalogue:
            raise UnknownSkill("history.required_skills", s, catalogue.unknown_message())
        masks[skill_group(s)] = np.array([s in row for row in df["skills"]], dtype=bool)
    return masks


# -- the forecast ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ArrivalForecast:
    """Expected tickets per interval of a date, per stream (see the module docstring).

    ``profiles[stream]`` has shape (7, intervals per day): mean count per interval on regular
    working days by office weekday; ``off_profiles[stream]`` (intervals per day,) on
    non-working days. ``aht_min`` / ``scv`` are the mean and squared coefficient of variation
    of the durations of each stream.
    """

    interval_min: int
    profiles: Mapping[str, np.ndarray]
    off_profiles: Mapping[str, np.ndarray]
    aht_min: Mapping[str, float]
    scv: Mapping[str, float]
    post_holiday_factor: float
    pre_holiday_factor: float
    trend_per_week: float
    """Relative change of the level per week (0.02 = +2 % a week)."""
    trend_origin: date
    history_start: date
    history_end: date
    working_days: int
    daily_rate: Mapping[str, float] = field(default_factory=dict)
    """Mean tickets per working day of each stream."""
    calendar: BusinessCalendar = field(default_factory=default_calendar)

    @property
    def intervals_per_day(self) -> int:
        """How many intervals make a day."""
        return 24 * 60 // self.interval_min

    @property
    def streams(self) -> list[str]:
        """The streams the history has."""
        return list(self.profiles)

    def interval_index(self, start: time) -> int:
        """Index of the interval starting at ``start`` (must lie on the grid)."""
        minute = start.hour * 60 + start.minute
        if minute % self.interval_min or start.second or start.microsecond:
            raise InvalidInput(
                "interval_start", start.isoformat(), f"not on the {self.interval_min}-min grid"
            )
        return minute // self.interval_min

    def trend(self, d: date) -> float:
        """Trend multiplier of a date relative to the history's level (never below 0)."""
        weeks = (d - self.trend_origin).days / 7.0
        return max(0.0, 1.0 + self.trend_per_week * weeks)

    def day_factor(self, d: date) -> float:
        """Holiday effect of a date: post-holiday or pre-holiday factor, else 1."""
        if self.calendar.is_non_working(d):
            return 1.0
        if is_post_holiday(self.calendar, d):
            return self.post_holiday_factor
        if self.calendar.is_pre_holiday(d):
            return self.pre_holiday_factor
        return 1.0

    def day_counts(self, d: date, stream: str = "all", *, typical: bool = False) -> np.ndarray:
        """Expected tickets of every interval of a date. ``typical`` ignores the production
        calendar: Monday–Friday are regular working days, Saturday and Sunday days off."""
        self._check_stream(stream)
        if typical:
            if d.weekday() >= 5:
                return self.off_profiles[stream] * self.trend(d)
            return self.profiles[stream][d.weekday()] * self.trend(d)
        if self.calendar.is_non_working(d):
            return self.off_profiles[stream] * self.trend(d)
        weekday = self.calendar.office_weekday(d)
        return self.profiles[stream][weekday] * self.day_factor(d) * self.trend(d)

    def expected(self, d: date, interval_start: time, stream: str = "all") -> float:
        """Expected tickets of a stream in the interval starting at ``interval_start`` of ``d``."""
        return float(self.day_counts(d, stream)[self.interval_index(interval_start)])

    def rate(self, d: date, interval_start: time, stream: str = "all") -> float:
        """Expected arrival rate per hour in that interval."""
        return self.expected(d, interval_start, stream) * 60.0 / self.interval_min

    def _check_stream(self, stream: str) -> None:
        if stream not in self.profiles:
            raise InvalidInput(
                "stream", stream, f"not in the history; known: {', '.join(self.streams)}"
            )


def is_post_holiday(cal: BusinessCalendar, d: date) -> bool:
    """The first working day after ≥ 2 non-working days that include a holiday or a
    transferred day off (an ordinary weekend alone does not count)."""
    if cal.is_non_working(d):
        return False
    run = 0
    special = False
    day = d - timedelta(days=1)
    while cal.is_non_working(day) and run < 40:
        run += 1
        if day.weekday() < 5 or cal.is_public_holiday(day):
            special = True
        day -= timedelta(days=1)
    return run >= 2 and special


def _day_kind(cal: BusinessCalendar, d: date) -> str:
    """off, post, pre or regular."""
    if cal.is_non_working(d):
        return "off"
    if is_post_holiday(cal, d):
        return "post"
    if cal.is_pre_holiday(d):
        return "pre"
    return "regular"


def forecast_arrivals(
    history: pd.DataFrame | Iterable[Ticket],
    calendar: BusinessCalendar | None = None,
    interval_min: int = 60,
    skills: SkillCatalogue | None = None,
) -> ArrivalForecast:
    """Fit the arrival forecast (weekday × interval means, holiday factors, weekly trend);
    the tickets' required skills are in ``skills`` (the department's catalogue; the built-in
    one by default), each a ``skill:<skill>`` stream."""
    cal = calendar or default_calendar()
    if interval_min not in ALLOWED_INTERVALS:
        raise InvalidInput("interval_min", interval_min, f"must be one of {ALLOWED_INTERVALS}")
    df = history_frame(history, cal.tz)
    k = 24 * 60 // interval_min
    local = df["created_at"]
    day_of = np.array([ts.date() for ts in local])
    slot = ((local.dt.hour * 60 + local.dt.minute) // interval_min).to_numpy()
    start, end = min(day_of), max(day_of)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    index = {d: i for i, d in enumerate(days)}
    kinds = [_day_kind(cal, d) for d in days]
    office_wd = [cal.office_weekday(d) for d in days]
    row_day = np.array([index[d] for d in day_of])
    masks = stream_masks(df, skills)

    counts = {s: _count_grid(row_day[m], slot[m], len(days), k) for s, m in masks.items()}
    profiles = {s: _weekday_profile(c, kinds, office_wd) for s, c in counts.items()}
    off_days = [i for i, kd in enumerate(kinds) if kd == "off"]
    off_profiles = {
        s: (c[off_days].mean(axis=0) if off_days else np.zeros(k)) for s, c in counts.items()
    }
    working = [i for i, kd in enumerate(kinds) if kd != "off"]
    slope, origin = _weekly_trend(counts["all"], days, kinds)

    def trend(d: date) -> float:
        return max(0.0, 1.0 + slope * (d - origin).days / 7.0)

    factors = {
        kind: _day_kind_factor(counts["all"], profiles["all"], days, kinds, office_wd, kind, trend)
        for kind in ("post", "pre")
    }
    durations = df["duration_min"].to_numpy()
    aht = {s: float(durations[m].mean()) if m.any() else 0.0 for s, m in masks.items()}
    scv = {s: _scv(durations[m]) for s, m in masks.items()}
    daily = {
        s: float(c[working].sum() / len(working)) if working else 0.0 for s, c in counts.items()
    }
    return ArrivalForecast(
        interval_min=interval_min,
        profiles=profiles,
        off_profiles=off_profiles,
        aht_min=aht,
        scv=scv,
        post_holiday_factor=factors["post"],
        pre_holiday_factor=factors["pre"],
        trend_per_week=slope,
        trend_origin=origin,
        history_start=start,
        history_end=end,
        working_days=len(working),
        daily_rate=daily,
        calendar=cal,
    )


def _count_grid(rows: np.ndarray, slots: np.ndarray, n_days: int, k: int) -> np.ndarray:
    """Tickets per (day, interval)."""
    grid = np.zeros((n_days, k))
    np.add.at(grid, (rows, slots), 1.0)
    return grid


def _weekday_profile(counts: np.ndarray, kinds: list[str], office_wd: list[int]) -> np.ndarray:
    """Mean count per interval of the regular working days of each office weekday; a weekday
    with no regular day falls back to all its working days, then to all regular days."""
    k = counts.shape[1]
    prof = np.zeros((7, k))
    regular = [i for i, kd in enumerate(kinds) if kd == "regular"]
    fallback = counts[regular].mean(axis=0) if regular else np.zeros(k)
    for wd in range(7):
        reg = [i for i in regular if office_wd[i] == wd]
        any_working = [i for i, kd in enumerate(kinds) if kd != "off" and office_wd[i] == wd]
        if reg:
            prof[wd] = counts[reg].mean(axis=0)
        elif any_working:
            prof[wd] = counts[any_working].mean(axis=0)
        elif wd < 5:
            prof[wd] = fallback
    return prof


def _weekly_trend(counts: np.ndarray, days: list[date], kinds: list[str]) -> tuple[float, date]:
    """Least-squares slope of weekly tickets per regular working day, relative to the level at
    the history's centre (weighted by days); (0, centre) with too few weeks. Post- and
    pre-holiday days are left out so that their own effect does not tilt the line."""
    per_day = counts.sum(axis=1)
    weeks: dict[date, list[int]] = {}
    for i, d in enumerate(days):
        if kinds[i] == "regular":
            weeks.setdefault(d - timedelta(days=d.weekday()), []).append(i)
    monday0 = days[0] - timedelta(days=days[0].weekday())
    xs, ys, ws = [], [], []
    for monday, idx in sorted(weeks.items()):
        if len(idx) >= 2:
            xs.append((monday - monday0).days / 7.0 + 0.5)
            ys.append(float(per_day[idx].sum()) / len(idx))
            ws.append(float(len(idx)))
    working_days = [d for d, kd in zip(days, kinds, strict=True) if kd != "off"]
    if working_days:
        centre_x = float(np.mean([(d - monday0).days / 7.0 for d in working_days]))
    else:
        centre_x = (days[-1] - monday0).days / 14.0
    origin = monday0 + timedelta(days=round(centre_x * 7))
    if len(xs) < MIN_WEEKS_FOR_TREND:
        return 0.0, origin
    x, y, w = np.array(xs), np.array(ys), np.array(ws)
    xm = float(np.average(x, weights=w))
    ym = float(np.average(y, weights=w))
    sxx = float(np.sum(w * (x - xm) ** 2))
    if sxx <= 0 or ym <= 0:
        return 0.0, origin
    beta = float(np.sum(w * (x - xm) * (y - ym))) / sxx
    level = ym + beta * (((origin - monday0).days / 7.0) - xm)
    if level <= 0:
        return 0.0, origin
    return beta / level, origin


def _day_kind_factor(
    counts: np.ndarray,
    profile: np.ndarray,
    days: list[date],
    kinds: list[str],
    office_wd: list[int],
    kind: str,
    trend: Any,
) -> float:
    """Observed over expected tickets on the days of ``kind`` (1 when there are none)."""
    idx = [i for i, kd in enumerate(kinds) if kd == kind]
    if not idx:
        return 1.0
    observed = float(counts[idx].sum())
    expected = float(sum(profile[office_wd[i]].sum() * trend(days[i]) for i in idx))
    if expected <= 0:
        return 1.0
    return observed / expected


def _scv(values: np.ndarray) -> float:
    """Squared coefficient of variation (1 for an exponential; 1 when undefined)."""
    if values.size < 2:
        return 1.0
    mean = float(values.mean())
    return float(values.var(ddof=1)) / mean**2 if mean > 0 else 1.0
