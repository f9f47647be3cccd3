"""Calibration: durations by category and the arrival profile fitted from a helpdesk export.

The export has the columns of the sample history (``data/ticket_history.csv``, read by
:func:`optimizer.io.sample.read_ticket_history_csv`). The fits are the ones the simulation
uses for the sample base:

- **durations**: a log-normal per category (the mean and standard deviation of the
  log-minutes, as :func:`optimizer.simulate.demand.fit_ticket_mix`), with the
  Kolmogorov–Smirnov distance to the recorded durations as its goodness of fit. Exports round
  durations (the sample to 5 minutes), which alone would make any continuous fit look poor,
  so the recorded curve is compared with the fitted one at the edges of the rounding grid;
- **arrivals**: tickets per hour by weekday × hour over the working days of the production
  calendar, one 24-hour profile for days off, and a chi-square test of the Poisson
  assumption (the variance of each cell's hourly counts against its mean).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from functools import reduce

import numpy as np
import pandas as pd
from scipy import stats

from optimizer.calendar import BusinessCalendar, default_calendar
from optimizer.domain.scenario import ArrivalFit, Calibration, DurationFit
from optimizer.errors import InvalidInput
from optimizer.simulate.demand import MIN_SIGMA

KS_COEFFICIENT = 1.36
"""The 5 % critical value of the Kolmogorov–Smirnov distance is about 1.36 / √n."""


def calibrate_history(
    history: pd.DataFrame, source: str = "export", calendar: BusinessCalendar | None = None
) -> Calibration:
    """Fit durations by category and the arrival profile (see the module docstring).

    An export without tickets, or without a positive duration, names ``source``.
    """
    if history.empty:
        raise InvalidInput(source, "0 rows", "the export holds no tickets")
    cal = calendar or default_calendar()
    created = history["created_at"]
    first, last = created.min().date(), created.max().date()
    return Calibration(
        source=source,
        tickets=len(history),
        first_day=first,
        last_day=last,
        durations=duration_fits(history, source),
        arrivals=arrival_fit(created, first, last, cal),
    )


def duration_fits(history: pd.DataFrame, source: str) -> list[DurationFit]:
    """One log-normal per category, most tickets first."""
    minutes = pd.to_numeric(history["duration_min"], errors="coerce")
    ok = minutes.notna() & (minutes > 0)
    if not ok.any():
        raise InvalidInput(
            f"{source} column duration_min", "no positive duration", "nothing to fit"
        )
    category = history["category"].fillna("other").astype(str)
    out = []
    for name in category[ok].value_counts().index:
        values = minutes[ok & (category == name)].to_numpy(dtype=float)
        out.append(fit_lognormal(str(name), values))
    return out


def fit_lognormal(category: str, minutes: np.ndarray) -> DurationFit:
    """The log-normal of one category and its Kolmogorov–Smirnov distance."""
    logs = np.log(minutes)
    mu = float(logs.mean())
    sigma = max(MIN_SIGMA, float(logs.std())) if minutes.size > 1 else MIN_SIGMA
    distance = ks_distance_on_grid(minutes, mu, sigma)
    critical = KS_COEFFICIENT / math.sqrt(minutes.size)
    return DurationFit(
        category=category,
        tickets=int(minutes.size),
        mu=mu,
        sigma=sigma,
        median_min=math.exp(mu),
        mean_min=math.exp(mu + sigma**2 / 2),
        recorded_mean_min=float(minutes.mean()),
        ks_distance=distance,
        ks_critical=critical,
        fits=distance <= critical,
    )


def rounding_step(minutes: np.ndarray) -> float:
    """The grid the export rounds durations to (the greatest common divisor of whole
    minutes; 0 when durations are not whole minutes)."""
    if not np.allclose(minutes, np.round(minutes)):
        return 0.0
    return float(reduce(math.gcd, (int(m) for m in np.round(minutes)), 0))


def ks_distance_on_grid(minutes: np.ndarray, mu: float, sigma: float) -> float:
    """Kolmogorov–Smirnov distance between recorded durations and a log-normal, each recorded
    value standing for the grid cell around it (see the module docstring)."""
    step = rounding_step(minutes) if minutes.size > 1 else 0.0
    values, counts = np.unique(minutes, return_counts=True)
    ecdf_after = np.cumsum(counts) / minutes.size
    ecdf_before = ecdf_after - counts / minutes.size
    dist = stats.lognorm(s=sigma, scale=math.exp(mu))
    half = step / 2.0
    upper = dist.cdf(values + half)
    lower = dist.cdf(np.maximum(values - half, 0.0))
    return float(max(np.max(np.abs(ecdf_after - upper)), np.max(np.abs(ecdf_before - lower))))


def arrival_fit(created: pd.Series, first: date, last: date, cal: BusinessCalendar) -> ArrivalFit:
    """Tickets per hour by weekday × hour (working days) and for days off, with the
    dispersion test of the Poisson assumption."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    index = {d: i for i, d in enumerate(days)}
    counts = np.zeros((len(days), 24))
    local = created.dt.tz_convert(cal.tz) if created.dt.tz is not None else created
    for d, h in zip(local.dt.date, local.dt.hour, strict=True):
        counts[index[d], int(h)] += 1
    working = np.array([cal.is_working_day(d) for d in days])
    weekday = np.array([d.weekday() for d in days])
    profile = np.zeros((7, 24))
    n_by_weekday = []
    statistic, dof = 0.0, 0
    for wd in range(7):
        rows = counts[working & (weekday == wd)]
        n_by_weekday.append(int(rows.shape[0]))
        if rows.shape[0]:
            profile[wd] = rows.mean(axis=0)
            s, k = _dispersion(rows)
            statistic, dof = statistic + s, dof + k
    off = counts[~working]
    off_profile = off.mean(axis=0) if off.shape[0] else np.zeros(24)
    if off.shape[0]:
        s, k = _dispersion(off)
        statistic, dof = statistic + s, dof + k
    return ArrivalFit(
        working_day_per_hour=[[round(float(x), 4) for x in row] for row in profile],
        working_days_by_weekday=n_by_weekday,
        day_off_per_hour=[round(float(x), 4) for x in off_profile],
        days_off=int(off.shape[0]),
        tickets_per_working_day=float(counts[working].sum(axis=1).mean()) if working.any() else 0.0,
        tickets_per_day_off=float(off.sum(axis=1).mean()) if off.shape[0] else 0.0,
        dispersion=statistic / dof if dof else math.nan,
        dispersion_p_value=float(stats.chi2.sf(statistic, dof)) if dof else math.nan,
    )


def _dispersion(rows: np.ndarray) -> tuple[float, int]:
    """The Poisson dispersion statistic of each hour's counts over days, summed over the
    hours with any ticket: Σ (x − x̄)² / x̄, chi-square with (days − 1) degrees each."""
    mean = rows.mean(axis=0)
    used = mean > 0
    if rows.shape[0] < 2 or not used.any():
        return 0.0, 0
    s = float((((rows[:, used] - mean[used]) ** 2) / mean[used]).sum())
    return s, int(used.sum()) * (rows.shape[0] - 1)
