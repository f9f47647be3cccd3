"""The statistics of the report: intervals over replications and paired differences.

Every figure is first computed per replication; the replications are independent (each has
its own seed), so they are the sample the intervals are computed from. Tickets inside a
replication are not independent (one slow morning delays many of them), which is why an
interval over tickets (Wilson, normal) would be too narrow and is not used.

- **Shares** (SLA attainment, utilisation, phone shares, the probability of waiting) lie in
  [0, 1]. Their interval is a Student t-interval over the replications computed on the logit
  scale (delta method: the standard error of the mean share divided by p̄(1 − p̄)) and mapped
  back, so it can never leave (0, 1) and it always contains the mean. When every replication
  gives 0 or every one gives 1 there is no spread to measure; the interval is then the
  Jeffreys interval of the pooled tickets, the least uncertainty there can be.
- **Amounts** (waits, tickets, hours, km, roubles) are non-negative: a t-interval over the
  replications' values, its lower end cut at 0.
- **Differences** against the baseline: with the same seeds (common random numbers) the
  replication r of both scenarios shares its tickets, so the differences are taken per
  replication and tested by a paired t-test; otherwise by Welch's t-test. A difference is
  significant when p < 1 − confidence and it is not 0. A scenario compared with itself gives
  0, not significant.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats
from scipy.special import expit, logit

from optimizer.domain.scenario import Estimate

CONFIDENCE = 0.95


def finite(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """The finite values (NaN marks a figure a replication could not measure)."""
    arr = np.asarray(values, dtype=float)
    return arr[np.isfinite(arr)]


def _t(n: int, confidence: float) -> float:
    """Student t quantile for a two-sided interval from ``n`` values."""
    return float(stats.t.ppf(1 - (1 - confidence) / 2, n - 1))


def _nan() -> Estimate:
    return Estimate(mean=math.nan, ci_low=math.nan, ci_high=math.nan)


def estimate(
    values: Sequence[float], confidence: float = CONFIDENCE, lower: float | None = 0.0
) -> Estimate:
    """Mean and t-interval over replications of a non-negative amount (NaN values ignored;
    NaN when none; one replication collapses the interval to the mean). ``lower`` cuts the
    interval (``None``: no cut)."""
    v = finite(values)
    if v.size == 0:
        return _nan()
    mean = float(v.mean())
    if v.size < 2:
        return Estimate(mean=mean, ci_low=mean, ci_high=mean)
    half = _t(v.size, confidence) * float(v.std(ddof=1)) / math.sqrt(v.size)
    low = mean - half if lower is None else max(lower, mean - half)
    return Estimate(mean=mean, ci_low=low, ci_high=mean + half)


def share_estimate(
    values: Sequence[float],
    counts: Sequence[float] | None = None,
    confidence: float = CONFIDENCE,
) -> Estimate:
    """Mean and logit-t interval over replications of a share (see the module docstring).

    ``counts`` are the tickets (calls, …) each replication's share was measured on; they are
    used only when every replication gives 0 or every one gives 1.
    """
    arr = np.asarray(values, dtype=float)
    ok = np.isfinite(arr)
    v = np.clip(arr[ok], 0.0, 1.0)
    if v.size == 0:
        return _nan()
    mean = float(v.mean())
    if v.size < 2:
        return Estimate(mean=mean, ci_low=mean, ci_high=mean)
    sd = float(v.std(ddof=1))
    if 0.0 < mean < 1.0 and sd > 0.0:
        half = _t(v.size, confidence) * sd / math.sqrt(v.size) / (mean * (1.0 - mean))
        centre = float(logit(mean))
        low, high = float(expit(centre - half)), float(expit(centre + half))
        return Estimate(mean=mean, ci_low=min(low, mean), ci_high=max(high, mean))
    if mean in (0.0, 1.0) and counts is not None:
        c = np.asarray(counts, dtype=float)
        n = float(np.sum(c[ok][np.isfinite(c[ok])]))
        if n > 0:
            return _jeffreys_at_the_edge(mean, n, confidence)
    return Estimate(mean=mean, ci_low=mean, ci_high=mean)


def _jeffreys_at_the_edge(mean: float, n: float, confidence: float) -> Estimate:
    """Jeffreys interval of ``n`` pooled trials that all succeeded (mean 1) or all failed."""
    a = (1 - confidence) / 2
    if mean == 1.0:
        return Estimate(mean=1.0, ci_low=float(stats.beta.ppf(a, n + 0.5, 0.5)), ci_high=1.0)
    return Estimate(mean=0.0, ci_low=0.0, ci_high=float(stats.beta.ppf(1 - a, 0.5, n + 0.5)))


Difference = tuple[float | None, float | None, float | None, float | None, str]
"""Mean difference, interval low and high, p-value, the test used."""


def compare_values(
    base: Sequence[float],
    other: Sequence[float],
    paired: bool,
    confidence: float = CONFIDENCE,
    bound: float | None = None,
) -> Difference:
    """Difference other − base: mean, interval, p-value and the test used (see the module
    docstring). ``bound`` clips the interval to ``[-bound, bound]`` (1 for shares)."""
    diff = _compare(base, other, paired, confidence)
    mean, lo, hi, p, test = diff
    if bound is not None and lo is not None and hi is not None:
        lo, hi = max(-bound, lo), min(bound, hi)
    return mean, lo, hi, p, test


def _compare(
    base: Sequence[float], other: Sequence[float], paired: bool, confidence: float
) -> Difference:
    b, o = np.asarray(base, dtype=float), np.asarray(other, dtype=float)
    if paired and b.size == o.size:
        ok = np.isfinite(b) & np.isfinite(o)
        d = o[ok] - b[ok]
        if d.size == 0:
            return None, None, None, None, "none"
        mean = float(d.mean())
        if d.size < 2:
            return mean, None, None, None, "none"
        sd = float(d.std(ddof=1))
        if sd == 0:
            return mean, mean, mean, (1.0 if mean == 0 else 0.0), "paired-t"
        se = sd / math.sqrt(d.size)
        tq = _t(d.size, confidence)
        p = float(2 * stats.t.sf(abs(mean / se), d.size - 1))
        return mean, mean - tq * se, mean + tq * se, p, "paired-t"
    b, o = finite(b), finite(o)
    if b.size == 0 or o.size == 0:
        return None, None, None, None, "none"
    mean = float(o.mean() - b.mean())
    if b.size < 2 or o.size < 2:
        return mean, None, None, None, "none"
    vb, vo = b.var(ddof=1) / b.size, o.var(ddof=1) / o.size
    se = math.sqrt(vb + vo)
    if se == 0:
        return mean, mean, mean, (1.0 if mean == 0 else 0.0), "welch-t"
    dof = (vb + vo) ** 2 / (
        (vb**2 / (b.size - 1) if vb else 0.0) + (vo**2 / (o.size - 1) if vo else 0.0)
    )
    tq = float(stats.t.ppf(1 - (1 - confidence) / 2, dof))
    p = float(2 * stats.t.sf(abs(mean / se), dof))
    return mean, mean - tq * se, mean + tq * se, p, "welch-t"


INTERVAL_METHODS = {
    "share": "logit-t over replications (delta method); Jeffreys over pooled tickets when "
    "every replication gives 0 or 1",
    "amount": "Student t over replications, cut at 0",
    "difference": "paired t over replications with common random numbers (same seeds), "
    "else Welch t",
}
