"""What a built CP-SAT dispatch model holds, and the shape of an objective term.

- :class:`DispatchModel`: the CP-SAT model and the handles needed to hint it and read a
  solution back (built by :mod:`optimizer.dispatch.model` or :mod:`optimizer.dispatch.fleet`).
- :class:`ObjectiveTerm`: one entry of the registry of objective terms
  (:data:`optimizer.dispatch.terms.TERMS`): its name, how it is built into a model, its value on a
  schedule, and how the staged solve treats it.
- :class:`ModelTerm`: a term built into one model: its linear expression and the range it can
  take.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from optimizer.dispatch.problem import Job, Problem
from optimizer.dispatch.schedule import Schedule

LinearExpr = cp_model.LinearExprT


@dataclass(frozen=True)
class TermExpr:
    """An objective term as a builder makes it: a linear expression and the range it can take."""

    expr: LinearExpr
    lo: int
    hi: int


@dataclass(frozen=True)
class ObjectiveTerm:
    """One objective term: everything the engines need to know about it, in one place.

    The registry (:data:`optimizer.dispatch.terms.TERMS`) lists the terms most important first;
    a term's place there is its priority in the lexicographic objective.
    """

    name: str
    """The term's name in the plan's solver block (``solver.terms``, ``solver.stages``)."""
    build: Callable[[DispatchModel], TermExpr]
    """Adds the term to a model (general or fleet) and returns its expression and range."""
    value: Callable[[Problem, Schedule], int]
    """The term's value on a schedule (smaller is better)."""
    job_cost: Callable[[Problem, Job, int, bool], int] | None = None
    """For a term that is a sum over tickets: one ticket's part given its start and whether it
    is left out. Such a term is *bounded*: the time-indexed relaxation models it."""
    solo: bool = False
    """Solved in a stage of its own (never packed with its neighbours)."""
    searched: bool = False
    """Its stage is improved by the large-neighbourhood search after a first CP-SAT solve."""
    interior: bool = False
    """The relaxation's programme for it is solved by HiGHS's interior-point method when given
    the time (faster than the dual simplex on it)."""
    share: float = 1.0
    """Relative share of the time budget of a stage that starts with this term."""

    @property
    def bounded(self) -> bool:
        """Modelled by the time-indexed relaxation, which gives a lower bound on it."""
        return self.job_cost is not None


@dataclass(frozen=True)
class ModelTerm:
    """A term built into one model: its registry entry, expression and range."""

    spec: ObjectiveTerm
    expr: LinearExpr
    lo: int
    hi: int

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass
class DispatchModel:
    """A built CP-SAT model and the handles needed to hint it and read a solution back."""

    problem: Problem
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    left: dict[int, cp_model.IntVar] = field(default_factory=dict)
    start: dict[int, cp_model.IntVar] = field(default_factory=dict)
    x: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    work: dict[int, list[cp_model.IntervalVar]] = field(default_factory=dict)
    drives: dict[int, list[cp_model.IntervalVar]] = field(default_factory=dict)
    ret_drive: dict[int, cp_model.IntervalVar] = field(default_factory=dict)
    drive_start: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    drive_len: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    drive_end: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    drive_paid: dict[tuple[int, int], LinearExpr] = field(default_factory=dict)
    drive_level: dict[tuple[int, int], dict[int, cp_model.IntVar]] = field(default_factory=dict)
    drive_max: dict[tuple[int, int], int] = field(default_factory=dict)
    arcs: dict[int, list[tuple[int, int, Any]]] = field(default_factory=dict)
    brk: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    breach: dict[int, cp_model.IntVar] = field(default_factory=dict)
    late: dict[int, cp_model.IntVar] = field(default_factory=dict)
    moved: dict[int, cp_model.IntVar] = field(default_factory=dict)
    balance: cp_model.IntVar | None = None
    terms: list[ModelTerm] = field(default_factory=list)
    cands: dict[int, list[int]] = field(default_factory=dict)
    sources: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    pruned: bool = False
    empty: dict[int, Any] = field(default_factory=dict)
    fleet: list[int] | None = None

    @property
    def jobs(self) -> list[Job]:
        return [j for j in self.problem.jobs if j.schedulable]
