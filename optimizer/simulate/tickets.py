"""The tickets of one replication: Poisson arrivals per hour slot and their attributes.

Each :class:`~optimizer.simulate.model.ArrivalStream` draws from its own named random stream,
always the same number of uniforms per ticket in the same order, so two scenarios with the
same seed share every ticket of the streams they share (common random numbers): a scenario
that adds clients has the base's tickets plus the new clients' ones.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from optimizer.simulate.model import (
    ALWAYS,
    ONSITE,
    ArrivalStream,
    SimModel,
    TicketMix,
)

ATTRIBUTES = 7
"""Uniforms drawn per ticket: thinning, site, category, priority, kind, visit, skills."""


def named_rng(seed: np.random.SeedSequence, name: str) -> np.random.Generator:
    """An independent generator for ``name`` under a replication's seed (stable across runs)."""
    key = zlib.crc32(name.encode("utf-8"))
    child = np.random.SeedSequence(entropy=seed.entropy, spawn_key=(*seed.spawn_key, key))
    return np.random.default_rng(child)


@dataclass
class Tickets:
    """The tickets of a replication, sorted by creation (arrays of equal length)."""

    created: np.ndarray
    site: np.ndarray
    priority: np.ndarray
    kind: np.ndarray
    mode: np.ndarray
    skills: np.ndarray
    duration: np.ndarray
    clock: np.ndarray
    deadline: np.ndarray
    category: np.ndarray

    def __len__(self) -> int:
        return int(self.created.size)


def _pick(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF choice of an index from cumulative probabilities."""
    return np.minimum(np.searchsorted(cum, u, side="right"), cum.size - 1)


def _pick_rows(cum_rows: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF choice where each ticket has its own row of cumulative probabilities."""
    cum = cum_rows[rows]
    return np.minimum((u[:, None] >= cum).sum(axis=1), cum_rows.shape[1] - 1)


def _durations(mix: TicketMix, category: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Exponential (synthetic base) or log-normal per category, clipped to sane bounds."""
    if mix.exponential_mean is not None:
        return -mix.exponential_mean * np.log1p(-u)
    z = ndtri(np.clip(u, 1e-12, 1 - 1e-12))
    d = np.exp(mix.dur_mu[category] + mix.dur_sigma[category] * z)
    return np.clip(d, mix.min_duration, mix.max_duration)


def _stream_tickets(
    model: SimModel, stream: ArrivalStream, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """One stream's tickets: a Poisson count per hour slot, uniform instants inside it."""
    hours = model.hours
    rates = stream.rate_per_hour[:hours]
    counts = rng.poisson(np.maximum(rates, 0.0))
    n = int(counts.sum())
    created = np.repeat(np.arange(rates.size, dtype=float) * 60.0, counts) + rng.random(n) * 60.0
    u = rng.random((n, ATTRIBUTES))
    u_dur = rng.random(n)
    keep = u[:, 0] < stream.thin
    mix = model.mix
    site = stream.sites[_pick(np.cumsum(stream.site_p), u[:, 1])]
    category = _pick(np.cumsum(mix.category_p), u[:, 2])
    priority = _pick_rows(np.cumsum(mix.priority_p, axis=1), category, u[:, 3])
    kind = _pick_rows(np.cumsum(mix.kind_p, axis=1), category, u[:, 4])
    onsite = (u[:, 5] < mix.onsite_p[category]) & model.sites.visitable[site] & model.travel
    skills = np.asarray(mix.skill_sets, dtype=np.int64)[
        _pick_rows(np.cumsum(mix.skill_p, axis=1), category, u[:, 6])
    ]
    duration = _durations(mix, category, u_dur)
    out = {
        "created": created,
        "site": site,
        "priority": priority,
        "kind": kind,
        "mode": onsite.astype(np.int8) * ONSITE,
        "skills": skills,
        "duration": duration,
        "category": category,
    }
    return {k: v[keep] for k, v in out.items()}


def _recorded_tickets(model: SimModel, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The history's own tickets of a backtest (thinned when demand is scaled down)."""
    r = model.recorded
    assert r is not None
    out = {
        "created": r.created,
        "site": r.site,
        "priority": r.priority,
        "kind": r.kind,
        "mode": r.mode,
        "skills": r.skills,
        "duration": r.duration,
        "category": r.category,
    }
    if r.thin >= 1.0:
        return out
    keep = rng.random(r.created.size) < r.thin
    return {k: v[keep] for k, v in out.items()}


def generate_tickets(model: SimModel, seed: np.random.SeedSequence) -> Tickets:
    """All tickets of a replication, with their SLA deadlines, sorted by creation."""
    parts = [_stream_tickets(model, s, named_rng(seed, f"arrivals:{s.key}")) for s in model.streams]
    if model.recorded is not None:
        parts.insert(0, _recorded_tickets(model, named_rng(seed, "arrivals:recorded")))
    merged = {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in parts[0]}
    order = np.argsort(merged["created"], kind="stable")
    m = {k: v[order] for k, v in merged.items()}
    policy = model.sites.policy[m["site"]]
    clock = model.sla.clock[policy]
    response = model.sla.response_min[policy, m["priority"]]
    deadline = np.where(
        clock == ALWAYS,
        m["created"] + response,
        model.clock.business_deadline(m["created"], response),
    )
    return Tickets(
        created=m["created"],
        site=m["site"],
        priority=m["priority"].astype(np.int8),
        kind=m["kind"].astype(np.int8),
        mode=m["mode"].astype(np.int8),
        skills=m["skills"],
        duration=m["duration"],
        clock=clock.astype(np.int8),
        deadline=deadline,
        category=m["category"],
    )
