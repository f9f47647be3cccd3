"""Solve a Shift Scheduling Benchmark instance: the entry point of the package.

:func:`solve` picks the path from the parameters and the instance's size: with two or more
workers on the wall clock, the race of :mod:`optimizer.ssb.race` (up to
``params.lns_max_vars`` shift variables); with one worker or a deterministic work limit, the
exact model alone (:mod:`optimizer.ssb.exact`); for the largest instances, the constructive
roster. Either way the solve ends before ``params.time_limit_s`` only when its roster is proven
optimal, and a roster without proof is reported ``FEASIBLE`` with the best bound proven.
"""

from __future__ import annotations

import time

from optimizer.domain.roster import Roster
from optimizer.ssb.exact import solve_exact
from optimizer.ssb.instance import SsbInstance, ssb_size
from optimizer.ssb.params import SsbParams
from optimizer.ssb.race import race


def solve(inst: SsbInstance, params: SsbParams | None = None) -> Roster:
    """Solve an instance; the roster's ``objective`` is the benchmark penalty, re-scored, and
    ``best_bound`` the lower bound proven (None when no solver ran)."""
    p = params or SsbParams()
    t0 = time.perf_counter()
    size = ssb_size(inst)
    racing = p.num_workers > 1 and p.max_deterministic_time is None
    if racing and size <= p.lns_max_vars:
        return race(inst, p, size, t0)
    return solve_exact(inst, p, size, t0)
