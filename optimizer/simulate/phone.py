"""The dispatcher phone line: calls, operators, callbacks within 10 minutes.

Calls arrive as a Poisson process at ``calls_per_ticket`` times the ticket arrival rate (the
same hourly profile). In office hours (always, for the synthetic base) ``operators`` take
calls first come, first served: a caller who finds an operator free is answered at once;
otherwise the call is logged and the caller is called back as soon as an operator is free.
Calls outside office hours go to the on-call number and are not counted here.

The line does not interact with the engineers, so it is simulated apart, with the exact
first-come-first-served recursion of a many-server queue (the operator free soonest takes the
next call), each morning starting with every operator free.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from optimizer.simulate.model import SimModel
from optimizer.simulate.tickets import named_rng


@dataclass(frozen=True)
class PhoneOutcome:
    """Counted calls (created after the warm-up, inside the horizon) of one replication."""

    calls: int
    answered_at_once: int
    callbacks: int
    callbacks_within_target: int
    callback_waits: np.ndarray


def _call_times(model: SimModel, rng: np.random.Generator) -> np.ndarray:
    """Call instants: Poisson per hour slot at calls-per-ticket × the total ticket rate."""
    rate = np.zeros(model.hours)
    for s in model.streams:
        rate += s.rate_per_hour[: model.hours] * s.thin
    rate *= model.phone.calls_per_ticket
    counts = rng.poisson(rate)
    t = np.repeat(np.arange(model.hours, dtype=float) * 60.0, counts)
    t += rng.random(t.size) * 60.0
    return np.sort(t)


def _open_mask(model: SimModel, times: np.ndarray) -> np.ndarray:
    """Which calls fall in office hours (all of them on a 24x7 line)."""
    if model.phone.always_open:
        return np.ones(times.size, dtype=bool)
    c = model.clock
    j = np.searchsorted(c.open_start, times, side="right") - 1
    jj = np.clip(j, 0, None)
    return (j >= 0) & (times < c.open_end[jj]) if c.open_start.size else np.zeros(times.size, bool)


def simulate_phone(model: SimModel, seed: np.random.SeedSequence) -> PhoneOutcome:
    """Simulate the line over the horizon (see the module docstring)."""
    rng = named_rng(seed, "phone")
    times = _call_times(model, rng)
    handle = rng.exponential(model.phone.handle_min, size=times.size)
    inside = _open_mask(model, times)
    ops = model.phone.operators
    counted = (times >= model.warmup_min) & (times < model.horizon_min) & inside
    n = int(counted.sum())
    if ops == 0:
        return PhoneOutcome(n, 0, n, 0, np.full(n, np.inf))
    free: list[float] = [0.0] * ops
    day = -1
    waits = np.zeros(times.size)
    for k in np.flatnonzero(inside):
        t = float(times[k])
        d = int(t // 1440)
        if d != day and not model.phone.always_open:
            # A new office day: nobody is still on yesterday's calls.
            free = [0.0] * ops
            day = d
        first = free[0]
        begin = max(t, first)
        waits[k] = begin - t
        heapq.heapreplace(free, begin + float(handle[k]))
    w = waits[counted]
    cb = w > 1e-9
    target = model.phone.target_min
    return PhoneOutcome(
        calls=n,
        answered_at_once=int((~cb).sum()),
        callbacks=int(cb.sum()),
        callbacks_within_target=int((w[cb] <= target).sum()),
        callback_waits=w[cb],
    )
