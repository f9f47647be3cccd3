"""Erlang B, Erlang C (M/M/c) and Erlang A (M/M/c+M, exponential patience).

Units: rates per minute internally; the public functions take the arrival rate per hour,
the average handling time (AHT) and the patience in minutes, and the target in minutes.

Numerical method
----------------
*Erlang B* by the recursion ``B(0) = 1``, ``B(n) = A·B(n-1) / (n + A·B(n-1))``: every step
is a convex combination, so there is no factorial, no overflow, and the relative error grows
only linearly in ``c`` (A = 2000, c = 2050 is exact to ~1e-13).

*Erlang C* from Erlang B: ``C = c·B / (c - A·(1 - B))`` for ``A < c``;
``P(W <= t) = 1 - C·exp(-(cμ - λ)·t)``, ``ASA = C / (cμ - λ)``, occupancy ``λ / (cμ)``.
When ``A >= c`` the queue is unstable: ``p_wait = 1``, ``service_level = 0``,
``asa = None`` (infinite), ``stable = False``; occupancy stays the offered ``λ / (cμ)``
(above 1 it tells by how much the agents are overloaded).

*Erlang A* (Palm; Mandelbaum & Zeltyn): the number in system is a birth–death process with
birth ``λ`` and death ``min(n, c)·μ + max(n - c, 0)·θ``. With ``a = cμ/θ``, ``y = λ/θ`` the
stationary probabilities of the queue states relative to ``π_c`` are
``t_m = π_{c+m}/π_c = Π_{j=1..m} y / (a + j)`` and ``Σ_{n<=c} π_n = π_c / B(c, A)``, so only the
queue states are built (in log space, cumulated factor by factor, truncated once the terms
fall below ``e^-45`` of the largest: an error far below 1e-12).

An arrival that finds ``c + m`` present (PASTA) is ``k = m + 1``-th in line. It moves up at
rate ``cμ + (j - 1)·θ`` while ``j``-th (a service ends or someone ahead hangs up), so its
*offered* wait is ``V = Σ_{i=0..m} Exp(θ·(a + i))``; it hangs up itself at rate ``θ``
(patience ``τ``), and is answered iff ``V < τ``. ``V`` is the time until ``m + 1`` of
``a + m`` i.i.d. Exp(θ) lifetimes have ended, hence ``P(V <= t) = I_p(m + 1, a)`` with
``p = 1 - e^{-θt}`` (regularised incomplete beta, valid for real ``a``). Integrating the
survival ``e^{-θs}`` of the patience against that density gives, exactly,

* ``P(answered | m) = a / (a + m + 1)``,
* ``P(answered within t | m) = a / (a + m + 1) · I_p(m + 1, a + 1)``,
* ``E[V; answered | m] = a / (a + m + 1) · Σ_{i=0..m} 1 / (θ·(a + i + 1))``.

``service_level`` is the share of *all* arrivals answered within the target (one who hangs
up never counts as served in time); ``asa_min`` is the mean wait of the *answered* calls
(zero for those answered at once); ``occupancy`` is the carried load per agent
``λ·(1 - P(abandon)) / (cμ)``. As ``θ → 0`` these tend to the Erlang C values (tested).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

import numpy as np
from scipy.special import betainc

from optimizer.domain.staffing import ErlangResult
from optimizer.errors import InvalidInput

QUEUE_TAIL_LOG = 45.0
"""Queue states whose term is below ``e^-45`` of the largest are dropped."""

MAX_QUEUE_STATES = 2_000_000
"""Largest truncated queue of Erlang A (an overloaded queue with near-infinite patience)."""

MAX_AGENTS = 1_000_000
"""Upper bound of the agent search."""


# -- input checks ------------------------------------------------------------------------


def _check_finite(field: str, value: float) -> float:
    """A number must be finite (not NaN, not infinite)."""
    if not isinstance(value, Real) or isinstance(value, bool) or not math.isfinite(value):
        raise InvalidInput(field, value, "must be a finite number")
    return float(value)


def _check_non_negative(field: str, value: float) -> float:
    """A rate or a target must be a finite number not below zero."""
    v = _check_finite(field, value)
    if v < 0:
        raise InvalidInput(field, value, "must not be negative")
    return v


def _check_positive(field: str, value: float) -> float:
    """A handling time or a patience must be a finite number above zero."""
    v = _check_finite(field, value)
    if v <= 0:
        raise InvalidInput(field, value, "must be positive")
    return v


def _check_agents(value: int) -> int:
    """The number of agents must be a whole number of at least one."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InvalidInput("agents", value, "must be a whole number of at least 1")
    if value > MAX_AGENTS:
        raise InvalidInput("agents", value, f"must be at most {MAX_AGENTS}")
    return int(value)


def _check_probability(field: str, value: float, *, allow_one: bool = True) -> float:
    """A share (service-level target, shrinkage) must lie in [0, 1] (or [0, 1))."""
    v = _check_finite(field, value)
    if v < 0 or v > 1 or (not allow_one and v >= 1):
        raise InvalidInput(field, value, "must be in [0, 1]" if allow_one else "must be in [0, 1)")
    return v


# -- Erlang B and C ------------------------------------------------------------------------


def erlang_b(load: float, agents: int) -> float:
    """Blocking probability of M/M/c/c with offered ``load`` Erlangs (stable recursion)."""
    a = _check_non_negative("offered_load", load)
    c = 0 if agents == 0 and not isinstance(agents, bool) else _check_agents(agents)
    b = 1.0
    for n in range(1, c + 1):
        b = a * b / (n + a * b)
        if b == 0.0:  # underflow: far more agents than load; stays 0
            break
    return b


def erlang_c(load: float, agents: int) -> float:
    """Probability that an arrival waits in an M/M/c queue (1 when ``load >= agents``)."""
    a = _check_non_negative("offered_load", load)
    c = _check_agents(agents)
    if a >= c:
        return 1.0
    return _erlang_c_from_b(a, c, erlang_b(a, c))


def _erlang_c_from_b(load: float, agents: int, b: float) -> float:
    """Erlang C from Erlang B of the same load and agents: ``c·B / (c - A·(1 - B))``."""
    return agents * b / (agents - load * (1.0 - b))


@dataclass(frozen=True)
class Queue:
    """An M/M/c(+M) queue in per-minute units, checked once."""

    rate_per_min: float
    aht_min: float
    patience_min: float | None

    @classmethod
    def of(cls, rate_per_hour: float, aht_min: float, patience_min: float | None = None) -> Queue:
        """Validate the inputs (field names as on the command line) and convert units."""
        lam = _check_non_negative("rate_per_hour", rate_per_hour) / 60.0
        aht = _check_positive("aht_min", aht_min)
        pat = None if patience_min is None else _check_positive("patience_min", patience_min)
        return cls(lam, aht, pat)

    @property
    def load(self) -> float:
        """Offered load in Erlangs: arrival rate × handling time."""
        return self.rate_per_min * self.aht_min


def erlang_c_result(
    rate_per_hour: float, aht_min: float, agents: int, target_min: float
) -> ErlangResult:
    """Erlang C waiting probability, service level P(wait <= target), ASA and occupancy."""
    q = Queue.of(rate_per_hour, aht_min)
    c = _check_agents(agents)
    t = _check_non_negative("target_min", target_min)
    return _erlang_c_eval(q, c, t, erlang_b(q.load, c))


def _erlang_c_eval(q: Queue, c: int, t: float, b: float) -> ErlangResult:
    """Erlang C figures given Erlang B of the queue's load with ``c`` agents."""
    a = q.load
    occupancy = a / c
    if a >= c:
        return ErlangResult(
            p_wait=1.0,
            service_level=0.0,
            asa_min=None,
            occupancy=occupancy,
            agents=c,
            offered_load=a,
            stable=False,
            target_min=t,
        )
    pw = min(1.0, _erlang_c_from_b(a, c, b))
    drain = c / q.aht_min - q.rate_per_min  # cμ - λ, per minute
    sl = 1.0 - pw * math.exp(-drain * t)
    return ErlangResult(
        p_wait=pw,
        service_level=min(1.0, max(0.0, sl)),
        asa_min=pw / drain,
        occupancy=occupancy,
        agents=c,
        offered_load=a,
        stable=True,
        target_min=t,
    )


# -- Erlang A ------------------------------------------------------------------------------


def _queue_terms(y: float, a: float) -> tuple[np.ndarray, float] | None:
    """Relative stationary weights ``t_m = Π_{j<=m} y/(a+j)`` of the queue states divided by
    their largest, and the log of that largest (log space, factor by factor, truncated far out
    in the tail); ``None`` when the queue would need more than ``MAX_QUEUE_STATES`` states."""
    logs: list[np.ndarray] = []
    last = 0.0  # log t_0
    peak = 0.0
    start = 1
    chunk = 4096
    while True:
        j = np.arange(start, start + chunk, dtype=float)
        step = np.log(y / (a + j))
        cum = last + np.cumsum(step)
        logs.append(cum)
        last = float(cum[-1])
        peak = max(peak, float(cum.max()))
        start += chunk
        # Past the mode the terms only decrease; stop once the tail is negligible.
        if step[-1] < 0 and last < peak - QUEUE_TAIL_LOG:
            break
        if start > MAX_QUEUE_STATES:
            return None
        chunk = min(chunk * 2, 1 << 20)
    log_t = np.concatenate([np.zeros(1), *logs])
    keep = log_t >= peak - QUEUE_TAIL_LOG
    last_kept = int(np.nonzero(keep)[0][-1])
    log_t = log_t[: last_kept + 1]
    return np.exp(log_t - peak), peak


def erlang_a_result(
    rate_per_hour: float,
    aht_min: float,
    agents: int,
    target_min: float,
    patience_min: float,
) -> ErlangResult:
    """Erlang A (exponential patience with mean ``patience_min``): P(wait), P(abandon),
    service level P(answered within target), ASA of answered calls, occupancy."""
    q = Queue.of(rate_per_hour, aht_min, patience_min)
    c = _check_agents(agents)
    t = _check_non_negative("target_min", target_min)
    return _erlang_a_eval(q, c, t, erlang_b(q.load, c))


def _erlang_a_eval(q: Queue, c: int, t: float, b: float) -> ErlangResult:
    """Erlang A figures given Erlang B of the queue's load with ``c`` agents."""
    assert q.patience_min is not None
    lam = q.rate_per_min
    if lam == 0.0:
        return ErlangResult(
            p_wait=0.0,
            service_level=1.0,
            asa_min=0.0,
            occupancy=0.0,
            agents=c,
            offered_load=0.0,
            stable=True,
            p_abandon=0.0,
            target_min=t,
        )
    theta = 1.0 / q.patience_min
    mu = 1.0 / q.aht_min
    a = c * mu / theta
    y = lam / theta
    built = _queue_terms(y, a)
    if built is None:
        raise InvalidInput(
            "patience_min",
            q.patience_min,
            "patience too long for this overloaded queue; use Erlang C (no patience)",
        )
    terms, log_peak = built
    m = np.arange(terms.size, dtype=float)
    # Scale: Σ_{n<=c} π_n = π_c / B and Σ_{m>=0} π_{c+m} = π_c · Σ t_m, all relative to the
    # largest queue term (factor e^{log_peak}) so nothing overflows.
    queue_mass = float(terms.sum())
    below_mass = math.exp(math.log1p(-b) - math.log(b) - log_peak) if b > 0 else math.inf
    total = below_mass + queue_mass
    q_m = terms / total  # P(arrival finds c + m present)
    p_wait = float(q_m.sum())
    answered_m = a / (a + m + 1.0)
    p_answered_queue = float((q_m * answered_m).sum())
    p_abandon = p_wait - p_answered_queue
    p = -math.expm1(-theta * t)
    within_m = answered_m * betainc(m + 1.0, a + 1.0, p) if p > 0 else np.zeros_like(m)
    service_level = (1.0 - p_wait) + float((q_m * within_m).sum())
    mean_v_answered_m = answered_m * np.cumsum(1.0 / (theta * (a + m + 1.0)))
    p_answered = 1.0 - p_abandon
    asa = float((q_m * mean_v_answered_m).sum()) / p_answered if p_answered > 0 else math.inf
    return ErlangResult(
        p_wait=min(1.0, max(0.0, p_wait)),
        service_level=min(1.0, max(0.0, service_level)),
        asa_min=asa if math.isfinite(asa) else None,
        occupancy=lam * p_answered / (c * mu),
        agents=c,
        offered_load=q.load,
        stable=True,
        p_abandon=min(1.0, max(0.0, p_abandon)),
        target_min=t,
    )


# -- one entry point -----------------------------------------------------------------------


def erlang(
    rate_per_hour: float,
    aht_min: float,
    agents: int,
    target_min: float,
    patience_min: float | None = None,
) -> ErlangResult:
    """Erlang C, or Erlang A when a mean patience is given."""
    if patience_min is None:
        return erlang_c_result(rate_per_hour, aht_min, agents, target_min)
    return erlang_a_result(rate_per_hour, aht_min, agents, target_min, patience_min)


def agents_required(
    rate_per_hour: float,
    aht_min: float,
    target_sl: float,
    target_min: float,
    patience_min: float | None = None,
    max_occupancy: float | None = None,
) -> ErlangResult:
    """The smallest number of agents whose service level reaches ``target_sl`` (and whose
    occupancy is at most ``max_occupancy`` when given); the result of that staffing.

    With no arrivals one agent is returned (the queue exists, it is just idle).
    """
    q = Queue.of(rate_per_hour, aht_min, patience_min)
    goal = _check_probability("target_sl", target_sl)
    t = _check_non_negative("target_min", target_min)
    occ = None if max_occupancy is None else _check_probability("max_occupancy", max_occupancy)
    if occ == 0.0 and q.load > 0:
        raise InvalidInput("max_occupancy", max_occupancy, "must be positive")
    if q.patience_min is None:
        return _agents_required_c(q, goal, t, occ)
    return _agents_required_a(q, goal, t, occ)


def _meets(r: ErlangResult, goal: float, occ: float | None) -> bool:
    """A staffing meets the goal: stable, service level reached, occupancy not above the cap."""
    ok = r.stable and r.service_level >= goal - 1e-12
    return ok and (occ is None or r.occupancy <= occ + 1e-12)


def _agents_required_c(q: Queue, goal: float, t: float, occ: float | None) -> ErlangResult:
    """Erlang C search: walk c upwards from the first stable count, Erlang B carried along."""
    a = q.load
    c = max(1, math.floor(a) + 1)
    if occ is not None:
        c = max(c, math.ceil(a / occ - 1e-12))
    b = erlang_b(a, c)
    while True:
        r = _erlang_c_eval(q, c, t, b)
        if _meets(r, goal, occ):
            return r
        c += 1
        if c > MAX_AGENTS:
            raise InvalidInput("rate_per_hour", q.rate_per_min * 60, "needs too many agents")
        b = a * b / (c + a * b)


def _agents_required_a(q: Queue, goal: float, t: float, occ: float | None) -> ErlangResult:
    """Erlang A search: the service level grows with c, so double then bisect."""

    def at(c: int) -> ErlangResult:
        return _erlang_a_eval(q, c, t, erlang_b(q.load, c))

    lo, hi = 0, 1
    r_hi = at(hi)
    while not _meets(r_hi, goal, occ):
        lo, hi = hi, hi * 2
        if hi > MAX_AGENTS:
            raise InvalidInput("rate_per_hour", q.rate_per_min * 60, "needs too many agents")
        r_hi = at(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        r_mid = at(mid)
        if _meets(r_mid, goal, occ):
            hi, r_hi = mid, r_mid
        else:
            lo = mid
    return r_hi


def with_shrinkage(required: int, shrinkage: float) -> int:
    """Engineers to roster so that ``required`` are working after ``shrinkage`` (breaks,
    absences, non-queue work): ``ceil(required / (1 - shrinkage))``."""
    s = _check_probability("shrinkage", shrinkage, allow_one=False)
    if required < 0:
        raise InvalidInput("required", required, "must not be negative")
    return math.ceil(required / (1.0 - s) - 1e-9)
