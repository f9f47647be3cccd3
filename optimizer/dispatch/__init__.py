"""Dispatch engine: who does which ticket, when, in which order.

- ``solve(request) -> DispatchPlan`` with two policies: ``optimal`` (one CP-SAT model solved
  lexicographically, :mod:`optimizer.dispatch.optimal`) and ``greedy`` (earliest-deadline-first
  list scheduling, the baseline and the hint, :mod:`optimizer.dispatch.greedy`); how the optimal
  policy searches is a :class:`SearchParams` passed as ``solve(request, params=...)``;
- ``validate_plan(request, plan)``: every hard rule re-checked independently of the model;
- ``sample_request(at)``: the request of the sample data; ``snapshot(size, variant)``: the
  benchmark snapshots;
- ``format_timetable(plan, request, lang)``: the plan as text for a dispatcher.
"""

from optimizer.dispatch.params import SearchParams
from optimizer.dispatch.snapshots import sample_request, snapshot
from optimizer.dispatch.solve import solve
from optimizer.dispatch.timetable import format_timetable
from optimizer.dispatch.validate import Violation, validate_plan
from optimizer.domain.dispatch import (
    Assignment,
    BreakRule,
    DispatchEngineer,
    DispatchOptions,
    DispatchPlan,
    DispatchRequest,
    Explanation,
    Fix,
    FixKind,
    Kpis,
    Lang,
    ObjectiveWeights,
    Policy,
    ReasonCode,
    Route,
    RouteStop,
    SolverInfo,
    SolverStage,
    StaffingHint,
    StopKind,
    Unassigned,
)

__all__ = [
    "Assignment",
    "BreakRule",
    "DispatchEngineer",
    "DispatchOptions",
    "DispatchPlan",
    "DispatchRequest",
    "Explanation",
    "Fix",
    "FixKind",
    "Kpis",
    "Lang",
    "ObjectiveWeights",
    "Policy",
    "ReasonCode",
    "SearchParams",
    "Route",
    "RouteStop",
    "SolverInfo",
    "SolverStage",
    "StaffingHint",
    "StopKind",
    "Unassigned",
    "Violation",
    "format_timetable",
    "sample_request",
    "snapshot",
    "solve",
    "validate_plan",
]
