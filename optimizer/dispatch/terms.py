"""The registry of objective terms: one entry per term, most important first.

The order is the strict lexicographic priority of the dispatch objective. Each entry carries
the term's builder (how it enters a CP-SAT model), its value on a schedule, its per-ticket cost
when it has one (then the time-indexed relaxation bounds it), and how the staged solve treats it:
``solo`` (a stage of its own), ``searched`` (improved by the large-neighbourhood search),
``interior`` (the relaxation's programme solved by the interior-point method) and ``share`` (of
the time budget). The model, the fleet model, the staged solve, the relaxation, the search and
the plan's solver block all read this one list.

Why the flags are what they are:

- The SLA terms are solved one per stage: fixing each before the next lets CP-SAT prove them (a
  breach count is a max-SAT question its core search closes fast; combined with minutes late
  under big weights it is not).
- Breaches get the largest share of the time: on busy days CP-SAT keeps finding fewer of them
  for as long as it is given, and the later terms pay for it as their priority allows. Urgent
  waiting, the first term that is usually open, gets three times the default share.
- Breaches and minutes late are the stages the large-neighbourhood search improves.
- The last term is a tie-breaker beyond the design's seven: among otherwise equal plans, start
  work as early as possible.
"""

from __future__ import annotations

from collections.abc import Callable

from optimizer.dispatch import objective as o
from optimizer.dispatch.cpmodel import DispatchModel, ModelTerm, ObjectiveTerm, TermExpr
from optimizer.dispatch.objective import JobCost
from optimizer.dispatch.problem import Problem
from optimizer.dispatch.schedule import Schedule

Builder = Callable[[DispatchModel], TermExpr]


def _per_ticket(
    name: str,
    build: Builder,
    cost: JobCost,
    share: float,
    searched: bool = False,
    interior: bool = False,
) -> ObjectiveTerm:
    """An SLA term, a sum over tickets of ``cost``: solved in a stage of its own, and bounded by
    the time-indexed relaxation (which charges each of its columns ``cost``)."""
    value = o.job_sum(cost)
    return ObjectiveTerm(name, build, value, cost, True, searched, interior, share)


PINS_DROPPED = _per_ticket("pins_dropped", o.pins_dropped, o.pins_dropped_cost, share=0.5)
URGENT_WAIT = _per_ticket("urgent_wait", o.urgent_wait, o.urgent_wait_cost, share=3.0)
BREACHES = _per_ticket("breaches", o.breaches, o.breaches_cost, share=10.0, searched=True)
LATE_MIN = _per_ticket(
    "late_min", o.late_min, o.late_min_cost, share=2.0, searched=True, interior=True
)
LEFT_OUT = _per_ticket("left_out", o.left_out, o.left_out_cost, share=0.5)
TRAVEL = ObjectiveTerm("travel", o.travel, o.travel_value, share=2.0)
CHANGES = ObjectiveTerm("changes", o.changes, o.changes_value)
BALANCE = ObjectiveTerm("balance", o.balance, o.balance_value)
EARLY_START = ObjectiveTerm("early_start", o.early_start, o.early_start_value, share=0.25)

TERMS: tuple[ObjectiveTerm, ...] = (
    PINS_DROPPED,
    URGENT_WAIT,
    BREACHES,
    LATE_MIN,
    LEFT_OUT,
    TRAVEL,
    CHANGES,
    BALANCE,
    EARLY_START,
)
"""The objective terms, most important first (strict lexicographic order)."""

TERM_NAMES: tuple[str, ...] = tuple(t.name for t in TERMS)
"""The terms' names in priority order (the keys of the plan's ``solver.terms``)."""

BY_NAME: dict[str, ObjectiveTerm] = {t.name: t for t in TERMS}
"""The registry entry of a term name."""


def build_terms(dm: DispatchModel) -> list[ModelTerm]:
    """Every term added to a model, in priority order (builders run in that order, so the
    model's variables are numbered the same way every time)."""
    out = []
    for spec in TERMS:
        built = spec.build(dm)
        out.append(ModelTerm(spec, built.expr, built.lo, built.hi))
    return out


def evaluate(problem: Problem, sched: Schedule) -> tuple[int, ...]:
    """The terms' values on a schedule, in priority order (smaller is better; tuples compare
    lexicographically, as the objective does)."""
    return tuple(t.value(problem, sched) for t in TERMS)


def term_values(problem: Problem, sched: Schedule) -> dict[str, int]:
    """The terms' values on a schedule, by name."""
    return dict(zip(TERM_NAMES, evaluate(problem, sched), strict=True))
