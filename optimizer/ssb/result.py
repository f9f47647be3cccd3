"""A benchmark roster as the project's :class:`~optimizer.domain.roster.Roster`.

The objective reported is always the benchmark's penalty re-scored by
:func:`optimizer.ssb.score.score_ssb`, never the solver's own figure; coverage rows let the
CLI print the grid and the shortfall as for a department roster.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from optimizer.domain.roster import (
    CoverageRow,
    Roster,
    RosterAssignment,
    ShortfallRow,
    SolverInfo,
)
from optimizer.ssb.instance import SsbInstance
from optimizer.ssb.params import SsbParams
from optimizer.ssb.score import score_ssb


def heuristic_roster(
    inst: SsbInstance, plan: dict[tuple[str, int], str], wall: float, p: SsbParams
) -> Roster:
    """The constructive roster as the result (no solver bound)."""
    score = score_ssb(inst, plan)
    status = "FEASIBLE" if plan and score.feasible else "UNKNOWN"
    return roster_of(inst, plan if plan else {}, None, status, wall, p)


def roster_of(
    inst: SsbInstance,
    plan: dict[tuple[str, int], str],
    solver: cp_model.CpSolver | None,
    status: str,
    wall: float,
    p: SsbParams,
    best_bound: float | None = None,
) -> Roster:
    """The result of a solve: the roster re-scored by the benchmark's rules, its coverage,
    and the solver block (``best_bound`` when given, else the solver's own)."""
    found = status in ("OPTIMAL", "FEASIBLE")
    objective = float(score_ssb(inst, plan).objective) if found else None
    bound = None if best_bound is None else float(best_bound)
    if bound is None and solver is not None and (found or status == "UNKNOWN"):
        bound = float(solver.best_objective_bound)
    gap = None
    if objective is not None and bound is not None:
        gap = (objective - bound) / max(abs(objective), 1e-9) if objective else 0.0
    lengths = {s.id: s.minutes for s in inst.shifts}
    assignments = [
        RosterAssignment(engineer_id=sid, day=d, template_id=s, paid_minutes=lengths[s], kind="day")
        for (sid, d), s in sorted(plan.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]
    coverage, shortfall = coverage_of(inst, plan)
    return Roster(
        instance=inst.name,
        status=status,
        objective=objective,
        best_bound=bound,
        assignments=assignments,
        coverage=coverage,
        shortfall=shortfall,
        engineers={st.id: st.id for st in inst.staff},
        templates={s.id: s.id for s in inst.shifts},
        solver=SolverInfo(
            status=status,
            objective=objective,
            best_bound=bound,
            gap=gap,
            wall_s=round(wall, 3),
            deterministic_time=round(solver.deterministic_time, 3) if solver else 0.0,
            num_workers=int(solver.parameters.num_workers) if solver else 0,
            seed=p.seed,
        ),
    )


def coverage_of(
    inst: SsbInstance, plan: dict[tuple[str, int], str]
) -> tuple[list[CoverageRow], list[ShortfallRow]]:
    """People on each (day, shift) against the requirement, and the rows short of it."""
    counts: dict[tuple[int, str], int] = {}
    for (_, d), s in plan.items():
        counts[(d, s)] = counts.get((d, s), 0) + 1
    coverage, shortfall = [], []
    for c in inst.cover:
        n = counts.get((c.day, c.shift_id), 0)
        group = f"shift:{c.shift_id}"
        short, over = max(0, c.requirement - n), max(0, n - c.requirement)
        coverage.append(
            CoverageRow(
                day=c.day, group=group, required=c.requirement, scheduled=n,
                short_by=short, over_by=over,
            )
        )  # fmt: skip
        if short:
            shortfall.append(ShortfallRow(day=c.day, group=group, short_by=short))
    return coverage, shortfall
