"""Benchmark: Erlang C / Erlang A evaluation time for offered loads 10..5000 Erlangs.

Baselines measured in the same run:

* *direct*: the textbook Erlang C sum ``Σ A^k/k!`` with factorial-free terms
  (``t_k = t_{k-1}·A/k``) in floating point — it overflows once ``A^k/k!`` exceeds 1e308
  (about A > 700), reported as ``overflow``;
* *log-sum-exp*: the same sum in log space (``gammaln`` + ``logsumexp``, vectorised numpy),
  which never overflows; the engine's result is compared with it (relative difference).

Agents are set by square-root staffing ``c = ceil(A + 2·sqrt(A))``; AHT 5 min, target 1 min;
Erlang A with mean patience 5 min. Times are medians of repeats, in microseconds.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable

import numpy as np
from scipy.special import gammaln, logsumexp

from optimizer.staffing import agents_required, erlang

LOADS = (10, 50, 100, 500, 1000, 2000, 5000)
AHT_MIN = 5.0
TARGET_MIN = 1.0
PATIENCE_MIN = 5.0


def direct_erlang_c(load: float, agents: int) -> float:
    """Erlang C by the direct sum with factorial-free terms (overflows for large loads)."""
    term, below = 1.0, 0.0
    for k in range(agents):
        below += term
        term = term * load / (k + 1)
    top = term * agents / (agents - load)
    value = top / (below + top)
    if not math.isfinite(value):
        raise OverflowError("A^k/k! overflowed")
    return value


def log_sum_exp_erlang_c(load: float, agents: int) -> float:
    """Erlang C by the direct sum in log space (vectorised)."""
    k = np.arange(agents)
    log_terms = k * math.log(load) - gammaln(k + 1)
    log_top = agents * math.log(load) - gammaln(agents + 1) + math.log(agents / (agents - load))
    return math.exp(log_top - logsumexp(np.append(log_terms, log_top)))


def median_us(fn: Callable[[], object], budget_s: float = 0.25, max_repeats: int = 200) -> float:
    """Median wall time of ``fn`` in microseconds over repeats within a small time budget."""
    times: list[float] = []
    spent = 0.0
    while len(times) < 5 or (spent < budget_s and len(times) < max_repeats):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        times.append(dt)
        spent += dt
    return statistics.median(times) * 1e6


def _row(load: int) -> list[str]:
    """One table row for an offered load."""
    agents = math.ceil(load + 2 * math.sqrt(load))
    rate = load * 60.0 / AHT_MIN
    engine_c = erlang(rate, AHT_MIN, agents, TARGET_MIN)
    reference = log_sum_exp_erlang_c(load, agents)
    t_engine = median_us(lambda: erlang(rate, AHT_MIN, agents, TARGET_MIN))
    t_lse = median_us(lambda: log_sum_exp_erlang_c(load, agents))
    try:
        direct_erlang_c(load, agents)
        t_direct = f"{median_us(lambda: direct_erlang_c(load, agents)):.0f}"
    except (OverflowError, ZeroDivisionError):
        t_direct = "overflow"
    t_a = median_us(lambda: erlang(rate, AHT_MIN, agents, TARGET_MIN, PATIENCE_MIN), budget_s=0.5)
    t_req = median_us(lambda: agents_required(rate, AHT_MIN, 0.8, TARGET_MIN), budget_s=0.5)
    rel = abs(engine_c.p_wait - reference) / reference
    return [
        f"{load}",
        f"{agents}",
        f"{engine_c.p_wait:.6f}",
        f"{rel:.1e}",
        f"{t_engine:.0f}",
        t_direct,
        f"{t_lse:.0f}",
        f"{t_lse / t_engine:.1f}x",
        f"{t_a:.0f}",
        f"{t_req:.0f}",
    ]


def main() -> None:
    """Print the timing table (medians, µs) with the in-run baselines."""
    header = [
        "A (Erl)",
        "agents",
        "P(wait)",
        "rel.err",
        "C engine",
        "C direct",
        "C log-sum-exp",
        "lse/engine",
        "A engine",
        "agents-req",
    ]
    rows = [header, *(_row(load) for load in LOADS)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for n, row in enumerate(rows):
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    print(
        "times: median µs per evaluation; rel.err: engine vs log-sum-exp Erlang C; "
        "agents-req: Erlang C search for 80 % within 1 min"
    )


if __name__ == "__main__":
    main()
