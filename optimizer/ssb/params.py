"""Every setting of the Shift Scheduling Benchmark solver, in one value object.

:class:`SsbParams` is passed from the top (:func:`optimizer.ssb.solve`) down to each stage, so
a test or a benchmark changes a setting by passing parameters, never by patching a module.
The defaults are the tuned ones; ``docs/benchmarks.md`` records the measurements behind them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from optimizer.errors import InvalidInput

_SHARES = ("handover_share", "portfolio_share", "pricing_share")
_POSITIVE = (
    "time_limit_s",
    "lns_step_s",
    "heuristic_fallback_s",
    "max_deterministic_time",
    "min_stage_s",
)
_AT_LEAST_ONE = (
    "num_workers",
    "small_vars",
    "single_worker_max_vars",
    "cp_sat_max_vars",
    "lns_max_vars",
    "lns_stall_steps",
    "lns_min_free",
    "row_max_cells",
    "pricing_max_rounds",
)


@dataclass(frozen=True)
class SsbParams:
    """Limits, seed and tuning of one solve; every field has a default."""

    # -- limits of the solve
    time_limit_s: float = 60.0
    """Wall-clock budget of the whole solve. The race ends earlier only when its best roster
    is proven optimal."""
    seed: int = 0
    num_workers: int = 2
    """Threads. Two or more race several searches on the wall clock; one runs the exact
    CP-SAT model alone."""
    max_deterministic_time: float | None = None
    """A deterministic work limit (CP-SAT's units) instead of the clock: the exact model alone,
    reproducible (the tests)."""
    log: bool = False
    """CP-SAT's search log on stdout."""
    hint: bool = True
    """Use the constructive roster: as the first solution on larger instances, as the answer
    when CP-SAT finds none in time."""

    # -- strategy by size (number of shift variables, :func:`optimizer.ssb.instance.ssb_size`)
    small_vars: int = 1_500
    """Up to this size the race runs column generation beside the exact solver, which proves
    such instances from below; on larger ones pricing converges too slowly."""
    single_worker_max_vars: int = 20_000
    """Up to this size one LP-heavy CP-SAT worker is the exact solver; above it CP-SAT's
    portfolio (with its local search) is used."""
    cp_sat_max_vars: int = 300_000
    """Above this size the whole model is not solved by CP-SAT (building and presolving alone
    outlast a minute): neighbourhood search improves the constructive roster."""
    lns_max_vars: int = 500_000
    """Above this size even one neighbourhood step costs seconds: the constructive roster is
    returned as it is."""

    # -- the race
    pricing_share: float = 0.9
    """Share of the time column generation may take to converge on a small instance, where
    nothing else on its thread comes near its bound; after it, the thread proves from the
    best prices so far if they are within one unit of converging, else it turns to
    neighbourhood search."""
    pricing_max_rounds: int | None = None
    """A cap on the rounds of column generation (reproducible tests); None: the time share
    alone decides."""
    price_smoothing: float = 0.5
    """Weight of the best prices so far against the master's duals in each round of column
    generation (Wentges smoothing: fewer rounds than pricing the jumping duals alone)."""
    handover_share: float = 0.1
    """The exact solver keeps its thread for at least this share of the time; after it, once
    pricing's bound is stronger, the thread minimises within the rosters pricing leaves open."""
    minimise_ahead: int = 1
    """After the handover the exact solver's thread minimises within the rosters open at this
    many units above the bound, while the pricing thread refutes the bound itself: when the
    optimum lies one above the bound, the first finds and proves it without waiting for the
    second."""
    min_stage_s: float = 0.5
    """A new stage of the race (a target, a round of minimising, a neighbourhood search)
    starts only with this many seconds left: building its model takes a good part of them,
    and starting it late would overrun the time limit."""
    portfolio_share: float = 0.5
    """On the largest instances CP-SAT solves, its portfolio gets this share of the time before
    the neighbourhood searches take over."""
    hint_portfolio_after_days: int = 28
    """The portfolio is hinted with the constructive roster only on horizons longer than
    this (on shorter ones the hint pulls it astray)."""

    # -- large-neighbourhood search
    lns_step_s: float = 0.5
    """Seconds (or deterministic units, with a work budget) of one neighbourhood re-plan."""
    lns_stall_steps: int = 25
    """After this many steps without improvement the step time doubles."""
    lns_stall_doublings: int = 3
    """How many times the step time may double; an improvement resets it."""
    lns_min_free: int = 40
    """Smallest neighbourhood, in (employee, day) cells."""

    # -- rows and the constructive roster
    row_max_cells: int = 400_000
    """Largest layer of an employee's row graph (states × resources) before dimensions are
    dropped, which keeps one pass over a month within milliseconds."""
    heuristic_fallback_s: float = 0.5
    """Seconds of the one-employee CP-SAT model that types a row the constructive rules could
    not."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _SHARES and not 0 < value <= 1:
                raise InvalidInput(f.name, value, "a share must lie in (0, 1]")
            if f.name in _POSITIVE and value is not None and value <= 0:
                raise InvalidInput(f.name, value, "must be a positive number")
            if f.name in _AT_LEAST_ONE and value is not None and value < 1:
                raise InvalidInput(f.name, value, "must be at least 1")
        if not 0 <= self.price_smoothing < 1:
            raise InvalidInput("price_smoothing", self.price_smoothing, "must lie in [0, 1)")
        if self.minimise_ahead < 0:
            raise InvalidInput("minimise_ahead", self.minimise_ahead, "must be >= 0")
        if self.lns_stall_doublings < 0:
            raise InvalidInput("lns_stall_doublings", self.lns_stall_doublings, "must be >= 0")
