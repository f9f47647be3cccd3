"""Demand of the simulation: the arrival rate by hour and what a ticket looks like.

- The arrival *rate* is the staffing engine's forecast
  (:func:`optimizer.staffing.forecast_arrivals`: weekday × hour means of the history, one
  profile for days off, post-holiday and pre-holiday factors, optionally the weekly trend),
  evaluated hour by hour over the simulated days. Arrivals are then a non-homogeneous Poisson
  process: a Poisson count in each hour slot, at uniform instants inside it.
- The *ticket mix* (:func:`fit_ticket_mix`) is fitted per category: its share, the priority,
  kind, visit and required-skill distributions, and a log-normal duration.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import timedelta

import numpy as np
import pandas as pd

from optimizer.domain.common import VISIT_CITIES, Skill
from optimizer.domain.skills import SkillCatalogue
from optimizer.errors import InvalidInput
from optimizer.simulate.clock import SimClock
from optimizer.simulate.model import PRIORITIES, SkillBits, TicketMix
from optimizer.staffing.forecast import ArrivalForecast

MIN_CATEGORY_TICKETS = 5
"""A category with fewer tickets borrows the pooled duration distribution."""

MIN_SIGMA = 0.05


def hourly_rates(
    forecast: ArrivalForecast, clock: SimClock, hours: int, *, trend: bool = False
) -> np.ndarray:
    """Expected tickets in each hour slot of the simulated days (the whole department).

    Without ``trend`` the history's mean level is kept (the forecast's trend is divided out),
    which is what a what-if comparison wants: the same demand in every month.
    """
    if forecast.interval_min != 60:
        raise InvalidInput("forecast.interval_min", forecast.interval_min, "must be 60 here")
    days = math.ceil(hours / 24)
    out = np.zeros(days * 24)
    for i in range(days):
        d = clock.start + timedelta(days=i)
        counts = np.asarray(forecast.day_counts(d, "all"), dtype=float)
        if not trend:
            level = forecast.trend(d)
            counts = counts / level if level > 0 else counts * 0.0
        out[i * 24 : (i + 1) * 24] = counts
    return out[:hours]


def skills_of(value: object, known: Collection[str]) -> tuple[str, ...]:
    """Required skills of a history row (a ``;``-separated string or a list) that are in
    ``known``; a skill the department's catalogue does not hold any more is left out."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    parts = value.split(";") if isinstance(value, str) else [str(v) for v in value]  # type: ignore[attr-defined]
    return tuple(sorted(p.strip() for p in parts if p.strip() in known))


def history_skills(history: pd.DataFrame, catalogue: SkillCatalogue) -> set[str]:
    """Every skill of ``catalogue`` that a ticket of the history requires."""
    if "required_skills" not in history:
        return set()
    known = set(catalogue.ids)
    return {s for v in history["required_skills"] for s in skills_of(v, known)}


def _distribution(values: pd.Series, levels: list[str]) -> np.ndarray:
    """Share of each level among ``values`` (uniform when there is none)."""
    counts = np.array([(values == lv).sum() for lv in levels], dtype=float)
    total = counts.sum()
    return counts / total if total > 0 else np.full(len(levels), 1.0 / len(levels))


def fit_ticket_mix(history: pd.DataFrame, skills: SkillBits) -> TicketMix:
    """Fit the ticket mix per category from the ticket history (see the module docstring);
    required skills become masks of ``skills`` (skills without a bit are left out)."""
    if history.empty:
        raise InvalidInput("history", "0 rows", "the ticket history is empty")
    df = history
    category = (
        df["category"].fillna("other").astype(str)
        if "category" in df
        else pd.Series(["other"] * len(df), index=df.index)
    )
    priority = df["priority"].astype(str).str.strip().str.lower()
    kind = (
        df["kind"].astype(str).str.strip().str.lower()
        if "kind" in df
        else pd.Series(["maintenance"] * len(df), index=df.index)
    )
    mode = df["mode"].astype(str).str.strip().str.lower()
    city = (
        df["site_city"].fillna("").astype(str)
        if "site_city" in df
        else pd.Series([""] * len(df), index=df.index)
    )
    known = set(skills.ids)
    masks = np.array(
        [skills.mask(skills_of(v, known)) for v in df["required_skills"]], dtype=np.int64
    )
    duration = pd.to_numeric(df["duration_min"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(duration) & (duration > 0)
    logs = np.log(np.where(ok, duration, 1.0))
    pooled_mu = float(logs[ok].mean()) if ok.any() else math.log(60.0)
    pooled_sigma = max(MIN_SIGMA, float(logs[ok].std())) if ok.sum() > 1 else 0.5

    cats = sorted(category.unique())
    sets = tuple(sorted({int(m) for m in masks}))
    cat_arr = category.to_numpy()
    visit_city = city.isin(list(VISIT_CITIES)).to_numpy()
    onsite = (mode == "onsite").to_numpy()
    cat_p = np.zeros(len(cats))
    prio_p = np.zeros((len(cats), len(PRIORITIES)))
    kind_p = np.zeros((len(cats), 2))
    onsite_p = np.zeros(len(cats))
    skill_p = np.zeros((len(cats), len(sets)))
    mu = np.zeros(len(cats))
    sigma = np.zeros(len(cats))
    for c, name in enumerate(cats):
        rows = cat_arr == name
        cat_p[c] = rows.sum()
        prio_p[c] = _distribution(priority[rows], [p.value for p in PRIORITIES])
        kind_p[c] = _distribution(kind[rows], ["maintenance", "additional"])
        in_visit_city = rows & visit_city
        onsite_p[c] = float(onsite[in_visit_city].mean()) if in_visit_city.any() else 0.0
        skill_p[c] = [float((masks[rows] == s).sum()) for s in sets]
        skill_p[c] /= skill_p[c].sum()
        good = rows & ok
        if good.sum() >= MIN_CATEGORY_TICKETS:
            mu[c] = float(logs[good].mean())
            sigma[c] = max(MIN_SIGMA, float(logs[good].std()))
        else:
            mu[c], sigma[c] = pooled_mu, pooled_sigma
    return TicketMix(
        categories=tuple(cats),
        category_p=cat_p / cat_p.sum(),
        priority_p=prio_p,
        kind_p=kind_p,
        onsite_p=onsite_p,
        skill_sets=sets,
        skill_p=skill_p,
        dur_mu=mu,
        dur_sigma=sigma,
        max_duration=float(max(8 * 60.0, np.nanmax(np.where(ok, duration, 0.0)))),
    )


def synthetic_mix(mean_duration_min: float, skills: SkillBits, skill: Skill) -> TicketMix:
    """The M/M/c ticket: normal priority, maintenance, remote, one skill (a bit of
    ``skills``), exponential duration."""
    return TicketMix(
        categories=("synthetic",),
        category_p=np.array([1.0]),
        priority_p=np.array([[0.0, 1.0, 0.0]]),
        kind_p=np.array([[1.0, 0.0]]),
        onsite_p=np.array([0.0]),
        skill_sets=(skills.mask([skill]),),
        skill_p=np.array([[1.0]]),
        dur_mu=np.array([0.0]),
        dur_sigma=np.array([0.0]),
        exponential_mean=mean_duration_min,
        min_duration=0.0,
        max_duration=math.inf,
    )


def site_ticket_weights(history: pd.DataFrame, site_ids: list[str]) -> np.ndarray:
    """Relative ticket rate of each site: its tickets in the history plus one (so a site with
    no history still calls now and then)."""
    counts = history["site_id"].astype(str).value_counts() if "site_id" in history else pd.Series()
    w = np.array([float(counts.get(s, 0)) + 1.0 for s in site_ids])
    return w / w.sum()
