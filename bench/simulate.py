"""Benchmarks of the what-if simulation (``make bench`` runs :func:`main`).

1. A simulated year of the sample department (≈ 10,000 tickets) with the greedy policy —
   target under 10 s per replication; simulated tickets per second. Baseline in the same run:
   the synthetic M/M/c queue with the same number of tickets (no calendar, no travel, no
   skills), i.e. the bare event engine.
2. A simulated month of the sample department with the optimal dispatcher re-run on events —
   target under 5 minutes; baseline: the same month with the greedy policy.
3. The M/M/c validation at large scale: Erlang C against 10 replications of 200 days for
   several parameter sets (P(wait ≤ t), mean wait, inside the 95 % interval or not).

Run alone: ``python -m bench.simulate [--quick]``.
"""

from __future__ import annotations

import sys
import time
from datetime import date

import numpy as np
from rich.console import Console
from rich.table import Table

from optimizer.domain.scenario import Estimate, Policy, Scenario
from optimizer.simulate import compare_with_erlang, compile_scenario, sample_base
from optimizer.simulate.engine import simulate_department
from optimizer.simulate.metrics import ticket_figures
from optimizer.simulate.runner import dispatcher_for
from optimizer.simulate.validation import synthetic_scenario

YEAR_TARGET_S = 10.0
MONTH_OPTIMAL_TARGET_S = 300.0
ERLANG_CASES = (
    (4.0, 30.0, 3, 10.0),
    (9.0, 20.0, 4, 5.0),
    (20.0, 15.0, 6, 5.0),
    (2.0, 60.0, 3, 30.0),
)


def _timed_replication(scenario: Scenario, base: object, seed: int = 1) -> dict[str, float]:
    """Compile and simulate one replication; wall time of the simulation and its figures."""
    model = compile_scenario(scenario, base)  # type: ignore[arg-type]
    dispatcher = dispatcher_for(model)
    t0 = time.perf_counter()
    dept = simulate_department(model, np.random.SeedSequence(seed), dispatcher)
    wall = time.perf_counter() - t0
    figures, _ = ticket_figures(dept)
    simulated = float(len(dept.t))
    return {
        "wall_s": wall,
        "tickets": figures["tickets"],
        "simulated": simulated,
        "per_s": simulated / wall if wall > 0 else float("inf"),
        "sla": figures["sla_attainment"],
        "calls": float(getattr(dispatcher, "calls", 0)),
    }


def year_benchmark(console: Console) -> None:
    """A year of the sample department, greedy, against the bare M/M/c engine."""
    base = sample_base()
    year = Scenario(name="year", start=date(2027, 1, 1), horizon_days=365, replications=1)
    _timed_replication(year, base)  # warm imports and caches
    real = _timed_replication(year, base)
    rate = real["simulated"] / (365 * 24 + 14 * 24)
    bare = _timed_replication(
        synthetic_scenario(rate, 50.0, 8, 120.0, horizon_days=379, replications=1), None
    )
    table = Table(title="Simulated year, greedy policy (one replication)")
    for col in ("case", "tickets", "wall s", "tickets/s", "SLA attainment", "target"):
        table.add_column(col, justify="right")
    table.add_row(
        "sample department 2027",
        f"{real['simulated']:.0f}",
        f"{real['wall_s']:.2f}",
        f"{real['per_s']:,.0f}",
        f"{real['sla']:.1%}",
        f"< {YEAR_TARGET_S:.0f} s {'OK' if real['wall_s'] < YEAR_TARGET_S else 'MISSED'}",
    )
    table.add_row(
        "baseline: bare M/M/8, same tickets",
        f"{bare['simulated']:.0f}",
        f"{bare['wall_s']:.2f}",
        f"{bare['per_s']:,.0f}",
        f"{bare['sla']:.1%}",
        f"ratio {real['wall_s'] / bare['wall_s']:.1f}×",
    )
    console.print(table)


def month_benchmark(console: Console, days: float = 30.0) -> None:
    """A month with the optimal dispatcher on events, against greedy."""
    base = sample_base()
    table = Table(title=f"Simulated {days:g} days of the sample department (one replication)")
    for col in ("policy", "tickets", "solver calls", "wall s", "SLA attainment", "target"):
        table.add_column(col, justify="right")
    for policy in (Policy.greedy, Policy.optimal):
        scenario = Scenario(
            name=policy.value,
            start=date(2027, 3, 1),
            horizon_days=days,
            replications=1,
            policy=policy,
        )
        r = _timed_replication(scenario, base)
        target = (
            f"< {MONTH_OPTIMAL_TARGET_S:.0f} s "
            f"{'OK' if r['wall_s'] < MONTH_OPTIMAL_TARGET_S else 'MISSED'}"
            if policy == Policy.optimal
            else "baseline"
        )
        table.add_row(
            policy.value,
            f"{r['tickets']:.0f}",
            f"{r['calls']:.0f}",
            f"{r['wall_s']:.2f}",
            f"{r['sla']:.1%}",
            target,
        )
    console.print(table)


def erlang_benchmark(console: Console, horizon_days: float = 200, replications: int = 10) -> None:
    """Erlang C against the simulated M/M/c queue at large scale."""
    table = Table(
        title=f"M/M/c: Erlang C vs simulation ({replications} × {horizon_days:g} days, 95 % CI)"
    )
    for col in (
        "λ/h",
        "1/μ min",
        "c",
        "t min",
        "tickets/rep",
        "P(W≤t) Erlang",
        "P(W≤t) sim [CI]",
        "E[W] Erlang",
        "E[W] sim [CI]",
        "Erlang inside CI (P / E[W])",
        "agrees",
        "wall s",
    ):
        table.add_column(col, justify="right")
    for lam, mean, c, t in ERLANG_CASES:
        t0 = time.perf_counter()
        res = compare_with_erlang(
            lam,
            mean,
            c,
            t,
            horizon_days=horizon_days,
            replications=replications,
            workers=None,
        )
        wall = time.perf_counter() - t0
        ch = res.check
        sl, w = ch.sim_service_level, ch.sim_mean_wait_min
        table.add_row(
            f"{lam:g}",
            f"{mean:g}",
            str(c),
            f"{t:g}",
            f"{res.tickets_per_replication:,.0f}",
            f"{ch.service_level:.4f}",
            f"{sl.mean:.4f} [{sl.ci_low:.4f}; {sl.ci_high:.4f}]",
            f"{ch.asa_min:.3f}" if ch.asa_min is not None else "∞",
            f"{w.mean:.3f} [{w.ci_low:.3f}; {w.ci_high:.3f}]",
            f"{_inside(ch.service_level, sl)} / {_inside(ch.asa_min, w)}",
            "yes" if res.agrees else "NO",
            f"{wall:.1f}",
        )
    console.print(table)


def _inside(x: float | None, e: Estimate) -> str:
    """Whether a theoretical value lies strictly inside a simulated 95 % interval."""
    if x is None:
        return "—"
    return "yes" if e.ci_low <= x <= e.ci_high else "no"


def main(argv: list[str] | None = None) -> None:
    """Run the simulation benchmarks and print their tables."""
    args = sys.argv[1:] if argv is None else argv
    quick = "--quick" in args
    console = Console(width=170)
    year_benchmark(console)
    month_benchmark(console, days=7.0 if quick else 30.0)
    erlang_benchmark(console, horizon_days=60 if quick else 200, replications=10)


if __name__ == "__main__":
    main()
