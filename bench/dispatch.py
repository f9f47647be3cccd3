"""Dispatch benchmark: optimal vs greedy on snapshots of the sample data, in the same run.

Snapshots (``optimizer.dispatch.snapshots``): S = 8 engineers / 40 open tickets / 6 visits,
M = 20 / 150 / 25, L = 60 / 500 / 80, and stressed variants — ``new_year`` (Monday 2027-01-11,
the first working day after the New Year holidays, half as many tickets again) and ``sick``
(two visiting engineers off sick). For each: wall time, solver status, gap (of the first
lexicographic stage not proven optimal, against the better of CP-SAT's bound and the
time-indexed relaxation's, ``optimizer.dispatch.bound``), SLA misses (late + left out),
minutes late (assigned), urgent waiting, km, and whether the independent checker accepts the
plan.

Targets (issue 3): S proven optimal with a median under 2 s; M gap ≤ 1 % within 10 s; L a
feasible plan within 30 s, never worse than greedy; stressed variants at least 30 % fewer
breaches (or minutes late when breaches tie) than greedy. The target lines are printed with
what was measured; a target that is not met says so.

Run: ``python -m bench.dispatch [S M L S-new_year ...]``.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass

from optimizer.dispatch import DispatchOptions, DispatchPlan, solve
from optimizer.dispatch.snapshots import snapshot
from optimizer.dispatch.terms import TERM_NAMES
from optimizer.dispatch.validate import validate_plan

CASES: tuple[tuple[str, str, float, int], ...] = (
    # size, variant, time limit (s), repetitions of the optimal run
    ("S", "base", 10.0, 3),
    ("M", "base", 10.0, 1),
    ("L", "base", 30.0, 1),
    ("S", "new_year", 10.0, 1),
    ("S", "sick", 10.0, 1),
    ("M", "new_year", 10.0, 1),
    ("M", "sick", 10.0, 1),
)


@dataclass
class Row:
    case: str
    policy: str
    wall: float
    status: str
    gap: float | None
    misses: int
    breaches: int
    left_out: int
    late_min: int
    urgent_wait: int
    km: float
    valid: bool
    terms: tuple[int, ...]


def _row(case: str, policy: str, wall: float, plan: DispatchPlan, valid: bool) -> Row:
    k = plan.kpis
    return Row(
        case=case,
        policy=policy,
        wall=wall,
        status=plan.solver.status,
        gap=plan.solver.gap,
        misses=k.breaches + k.unassigned,
        breaches=k.breaches,
        left_out=k.unassigned,
        late_min=k.late_min_total,
        urgent_wait=k.urgent_wait_min_total,
        km=k.travel_km,
        valid=valid,
        terms=tuple(plan.solver.terms[t] for t in TERM_NAMES),
    )


def run_case(size: str, variant: str, limit: float, reps: int) -> tuple[Row, list[Row]]:
    """The greedy row and the optimal rows (``reps`` runs) of one snapshot."""
    case = size if variant == "base" else f"{size}-{variant}"
    base = DispatchOptions(time_limit_s=limit, explain=False)
    req = snapshot(size, variant, options=base.model_copy(update={"policy": "greedy"}))  # type: ignore[arg-type]
    t0 = time.perf_counter()
    plan = solve(req)
    greedy = _row(case, "greedy", time.perf_counter() - t0, plan, validate_plan(req, plan) == [])
    rows = []
    opt_req = req.model_copy(update={"options": base})
    for _ in range(reps):
        t0 = time.perf_counter()
        plan = solve(opt_req)
        wall = time.perf_counter() - t0
        rows.append(_row(case, "optimal", wall, plan, validate_plan(opt_req, plan) == []))
    return greedy, rows


def _print(row: Row) -> None:
    gap = "—" if row.gap is None else f"{row.gap:.1%}"
    print(
        f"{row.case:<12} {row.policy:<8} {row.wall:>6.1f} {row.status:<9} {gap:>7} "
        f"{row.misses:>6} {row.breaches:>8} {row.left_out:>5} {row.late_min:>8} "
        f"{row.urgent_wait:>7} {row.km:>7.1f} {'yes' if row.valid else 'NO':>5}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    chosen = list(argv or [])
    cases = [
        c for c in CASES if not chosen or (c[0] if c[1] == "base" else f"{c[0]}-{c[1]}") in chosen
    ]
    print("Dispatch snapshots: optimal (CP-SAT, lexicographic) vs greedy (EDF), same run")
    print(
        f"{'case':<12} {'policy':<8} {'wall s':>6} {'status':<9} {'gap':>7} {'misses':>6} "
        f"{'breaches':>8} {'left':>5} {'late min':>8} {'urg.wait':>7} {'km':>7} {'valid':>5}"
    )
    print("-" * 98)
    verdicts: list[str] = []
    for size, variant, limit, reps in cases:
        greedy, rows = run_case(size, variant, limit, reps)
        _print(greedy)
        for r in rows:
            _print(r)
        best = rows[-1]
        verdicts.append(_verdict(size, variant, limit, greedy, rows, best))
    print()
    for v in verdicts:
        print(v)


def _verdict(size: str, variant: str, limit: float, greedy: Row, rows: list[Row], best: Row) -> str:
    walls = [r.wall for r in rows]
    case = best.case
    not_worse = all(r.terms <= greedy.terms for r in rows)
    if variant != "base":
        if best.misses != greedy.misses:
            cut = 1 - best.misses / greedy.misses if greedy.misses else 0.0
            what = f"SLA misses (late + left out) {greedy.misses} → {best.misses} ({cut:.0%} fewer)"
        else:
            cut = 1 - best.late_min / greedy.late_min if greedy.late_min else 0.0
            what = f"misses tie, minutes late {greedy.late_min} → {best.late_min} ({cut:.0%} fewer)"
        late_cut = 1 - best.breaches / greedy.breaches if greedy.breaches else 0.0
        what += (
            f"; late assignments {greedy.breaches} → {best.breaches} ({late_cut:.0%} fewer), "
            f"minutes late {greedy.late_min} → {best.late_min}"
        )
        ok = cut >= 0.30
        return f"[{'met' if ok else 'NOT met'}] {case}: ≥30% fewer than greedy — {what}"
    if size == "S":
        proven = all(r.status == "OPTIMAL" for r in rows)
        med = statistics.median(walls)
        ok = proven and med < 2.0
        return (
            f"[{'met' if ok else 'NOT met'}] S: proven optimal, median < 2 s — statuses "
            f"{[r.status for r in rows]}, median {med:.1f} s, gap {best.gap}"
        )
    if size == "M":
        ok = best.gap is not None and best.gap <= 0.01 and best.wall <= limit + 1
        return (
            f"[{'met' if ok else 'NOT met'}] M: gap ≤ 1% within {limit:.0f} s — gap "
            f"{'—' if best.gap is None else f'{best.gap:.1%}'} in {best.wall:.1f} s "
            f"(first unproven stage); not worse than greedy: {not_worse}"
        )
    ok = best.valid and best.wall <= limit + 2 and not_worse
    return (
        f"[{'met' if ok else 'NOT met'}] L: feasible within {limit:.0f} s, never worse than "
        f"greedy — valid {best.valid}, {best.wall:.1f} s, not worse (lexicographic): {not_worse}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
