"""The settings of the optimal policy's search, as one value object passed in.

The request's :class:`~optimizer.domain.dispatch.DispatchOptions` say what the user asks for
(policy, time limit, seed, determinism). :class:`SearchParams` say how the engine searches: the
thinning of large models, the staging of the lexicographic solve, the time-indexed relaxation,
the large-neighbourhood search and the fixes tried in explanations. The defaults are the tuned
values (their measurements are in ``docs/benchmarks.md``, section "Dispatch"); tests and
benchmarks pass other values instead of changing the modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from optimizer.errors import InvalidInput


@dataclass(frozen=True)
class SearchParams:
    """How the dispatch engine searches (see the module docstring)."""

    # -- the model ----------------------------------------------------------------------------
    arc_budget: int = 40_000
    """Above this many possible legs the routing part of the model is thinned."""
    visit_crews: int = 8
    """When thinning: each visit is offered to the engineers who start nearest to it."""
    nearest_predecessors: int = 10
    """When thinning: a visit can follow only its nearest other visits (and the start)."""

    # -- the staged solve ---------------------------------------------------------------------
    stage_range_limit: int = 2**40
    """Largest range of one stage's weighted objective (keeps CP-SAT's arithmetic comfortable)."""
    big_model_vars: int = 20_000
    """Models with more variables are solved without CP-SAT's presolve (repeated at every
    stage, it would take seconds each time; the search starts from the complete hint)."""

    # -- the time-indexed relaxation ----------------------------------------------------------
    relaxation: bool = True
    """Whether SLA stages ask the time-indexed relaxation for a lower bound."""
    lp_share: float = 0.6
    """At most this share of a stage's time goes to the relaxation's bound."""
    grids_min: tuple[int, ...] = (5, 10, 15, 20, 30)
    """Bucket lengths tried, in minutes, finest first: the first that keeps the columns within
    ``max_columns`` is used (on 5 minutes the rounded work is exact when every duration is a
    multiple of 5; coarser buckets round short jobs down and weaken the bound)."""
    max_columns: int = 70_000
    """Most work columns of the relaxation; above it even on the coarsest grid, no bound."""
    route_max_columns: int = 30_000
    """Whole routes are added to the relaxation while it stays within this many columns;
    beyond it each visit keeps one shortest drive in."""
    iterations_per_column: float = 5.0
    """Simplex iteration limit per column in deterministic mode (the work limit of the bound)."""
    interior_min_s: float = 1.0
    """Least time limit given to HiGHS's interior-point method: below it the dual simplex is
    used, which keeps to any limit."""

    # -- the large-neighbourhood search -------------------------------------------------------
    lns: bool = True
    """Whether the stages flagged for it are improved by the large-neighbourhood search."""
    lns_min_vars: int = 2_000
    """Smaller models are left to CP-SAT's own search."""
    lns_crews_freed: int = 4
    """Engineers whose tickets are re-dealt in one step."""
    lns_step_s: float = 0.3
    """Seconds of one step (in deterministic mode converted to work units)."""
    lns_first_share: float = 0.3
    """Share of a searched stage's time CP-SAT gets on the whole model before the search
    starts from its plan (it finds the first plan and the stage's own lower bound)."""

    # -- explanations -------------------------------------------------------------------------
    extension_steps_min: tuple[int, ...] = (15, 30, 60, 90, 120, 180, 240)
    """Shift extensions tried when explaining a late or unassigned ticket, in minutes."""

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> SearchParams:
        """Parameters from a mapping (a parsed TOML or JSON table); unknown names are refused."""
        known = {f.name for f in fields(cls)}
        for name in values:
            if name not in known:
                raise InvalidInput(name, values[name], "not a dispatch search parameter")
        given: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in values.items()
        }
        return cls(**given)


DEFAULT_PARAMS = SearchParams()
"""The tuned defaults."""
