"""Roster benchmarks: the sample department's month, 40 engineers × 3 months, and the public
Shift Scheduling Benchmark (Instance1–24) against the published best results.

Each row is measured against a baseline in the same run: for the department, the same
model with CP-SAT's default parameters; for the benchmark, a straightforward CP-SAT model
(the rules written the obvious way, default parameters) at the same time budget.

Environment:
  ``WFM_BENCH_ROSTER_S``          seconds per solve (default 60);
  ``WFM_BENCH_ROSTER_INSTANCES``  which instances, e.g. ``1-7`` or ``1,4,24`` (default all);
  ``WFM_BENCH_ROSTER_BASELINE``   ``0`` to skip the baselines;
  ``WFM_BENCH_ROSTER_WORKERS``    CP-SAT workers (default 2);
  ``WFM_BENCHDATA``               the benchdata folder (default ``<repo>/../shared/benchdata``).
"""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path

from ortools.sat.python import cp_model

from optimizer.roster import sample_roster_request, solve
from optimizer.roster.model import build_roster_model
from optimizer.roster.problem import build_problem
from optimizer.roster.sample import synthetic_roster_request
from optimizer.roster.validate import validate_roster
from optimizer.ssb import SsbInstance, SsbParams, read_ssb, score_ssb
from optimizer.ssb import solve as solve_ssb


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def benchdata() -> Path:
    """``<repo>/../shared/benchdata`` unless ``WFM_BENCHDATA`` says otherwise."""
    env = os.environ.get("WFM_BENCHDATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "benchdata"


def instances() -> list[int]:
    """Instance numbers from ``WFM_BENCH_ROSTER_INSTANCES`` (default 1–24)."""
    spec = os.environ.get("WFM_BENCH_ROSTER_INSTANCES", "1-24")
    out: list[int] = []
    for part in spec.split(","):
        if "-" in part:
            a, b = part.split("-")
            out += list(range(int(a), int(b) + 1))
        elif part.strip():
            out.append(int(part))
    return out


def best_known() -> dict[str, tuple[int, int, str]]:
    """Instance → (best lower bound, best objective, optimal yes/no)."""
    path = benchdata() / "shift-scheduling" / "best_known.csv"
    with path.open(encoding="utf-8") as f:
        return {
            r["instance"]: (
                int(r["best_known_lower_bound"]),
                int(r["best_known_objective"]),
                r["optimal"],
            )
            for r in csv.DictReader(f)
        }


# ----------------------------------------------------------------------------- baselines


def straightforward_ssb(inst: SsbInstance, time_limit_s: float, workers: int) -> tuple:
    """The benchmark written the obvious way: a variable for every (employee, day, shift),
    days off and zero maxima as constraints, short runs forbidden pattern by pattern,
    weekends by ``add_max_equality``; CP-SAT default parameters. Returns (status, objective
    re-scored, bound, seconds)."""
    t0 = time.perf_counter()
    m = cp_model.CpModel()
    h, shifts = inst.horizon, inst.shifts
    x = {(e.id, d, s.id): m.new_bool_var("") for e in inst.staff for d in range(h) for s in shifts}
    w = {}
    for e in inst.staff:
        for d in range(h):
            w[(e.id, d)] = m.new_bool_var("")
            m.add(sum(x[(e.id, d, s.id)] for s in shifts) == w[(e.id, d)])
        for d in inst.days_off.get(e.id, ()):
            m.add(w[(e.id, d)] == 0)
        for s in shifts:
            m.add(sum(x[(e.id, d, s.id)] for d in range(h)) <= e.max_shifts.get(s.id, h))
            for d in range(h - 1):
                for t in s.cannot_follow:
                    m.add_bool_or([x[(e.id, d, s.id)].Not(), x[(e.id, d + 1, t)].Not()])
        minutes = sum(s.minutes * x[(e.id, d, s.id)] for d in range(h) for s in shifts)
        m.add(minutes >= e.min_total_minutes)
        m.add(minutes <= e.max_total_minutes)
        k = e.max_consecutive_shifts
        for d in range(h - k):
            m.add(sum(w[(e.id, d + i)] for i in range(k + 1)) <= k)
        for minimum, on in ((e.min_consecutive_shifts, True), (e.min_consecutive_days_off, False)):
            for length in range(1, minimum):
                for first in range(1, h - length):
                    lits = [w[(e.id, first - 1)] if on else w[(e.id, first - 1)].Not()]
                    lits.append(
                        w[(e.id, first + length)] if on else w[(e.id, first + length)].Not()
                    )
                    lits += [
                        w[(e.id, d)].Not() if on else w[(e.id, d)]
                        for d in range(first, first + length)
                    ]
                    m.add_bool_or(lits)
        flags = []
        for wk in range((h + 1) // 7):
            f = m.new_bool_var("")
            m.add_max_equality(f, [w[(e.id, d)] for d in (7 * wk + 5, 7 * wk + 6) if d < h])
            flags.append(f)
        m.add(sum(flags) <= e.max_weekends)
    terms = []
    for r in inst.on_requests:
        terms.append(r.weight * (1 - x[(r.staff_id, r.day, r.shift_id)]))
    for r in inst.off_requests:
        terms.append(r.weight * x[(r.staff_id, r.day, r.shift_id)])
    for c in inst.cover:
        n = sum(x[(e.id, c.day, c.shift_id)] for e in inst.staff)
        under, over = m.new_int_var(0, c.requirement, ""), m.new_int_var(0, len(inst.staff), "")
        m.add(n + under - over == c.requirement)
        terms += [c.weight_under * under, c.weight_over * over]
    m.minimize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit_s - (time.perf_counter() - t0))
    solver.parameters.num_workers = workers
    status = solver.solve(m)
    wall = time.perf_counter() - t0
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solver.status_name(status), None, None, wall
    plan = {(e, d): s for (e, d, s), v in x.items() if solver.boolean_value(v)}
    score = score_ssb(inst, plan)
    objective = score.objective if score.feasible else None
    return solver.status_name(status), objective, solver.best_objective_bound, wall


def default_params_department(req, time_limit_s: float, workers: int) -> tuple:  # type: ignore[no-untyped-def]
    """The department model solved with CP-SAT's default parameters (no tuning, no hint)."""
    t0 = time.perf_counter()
    rm = build_roster_model(build_problem(req))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    status = solver.solve(rm.model)
    wall = time.perf_counter() - t0
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solver.status_name(status), None, None, wall
    return (
        solver.status_name(status),
        solver.objective_value / 60,
        solver.best_objective_bound / 60,
        wall,
    )


# ----------------------------------------------------------------------------- tables


def _fmt(v: object) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1e6 else f"{v:.0f}"
    return str(v)


def _print_table(title: str, header: list[str], rows: list[list[object]]) -> None:
    cells = [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(h.ljust(wd) for h, wd in zip(header, widths, strict=True)))
    for r in cells:
        print("  ".join(c.ljust(wd) for c, wd in zip(r, widths, strict=True)))


def department_rows(limit: float, workers: int, baseline: bool) -> list[list[object]]:
    rows: list[list[object]] = []
    cases = [
        (
            "sample month 2027-02 (8 eng.)",
            sample_roster_request("2027-02", time_limit_s=limit, num_workers=workers),
        ),
        (
            "40 engineers × 3 months",
            synthetic_roster_request(time_limit_s=limit, num_workers=workers),
        ),
    ]
    for name, req in cases:
        t0 = time.perf_counter()
        roster = solve(req)
        wall = time.perf_counter() - t0
        ok = "yes" if not validate_roster(req, roster) else "NO"
        s = roster.solver
        row: list[object] = [
            name,
            s.status,
            round(wall, 1),
            s.objective,
            s.best_bound,
            s.gap,
            roster.penalties["shortfall_person_hours"],
            ok,
        ]
        if baseline:
            b_status, b_obj, b_bound, b_wall = default_params_department(req, limit, workers)
            row += [b_status, b_obj, b_bound, round(b_wall, 1)]
        rows.append(row)
    return rows


def benchmark_rows(limit: float, workers: int, baseline: bool) -> list[list[object]]:
    known = best_known()
    rows: list[list[object]] = []
    folder = benchdata() / "shift-scheduling"
    for n in instances():
        name = f"Instance{n}"
        inst = read_ssb(folder / f"{name}.txt")
        t0 = time.perf_counter()
        roster = solve_ssb(inst, SsbParams(time_limit_s=limit, num_workers=workers))
        wall = time.perf_counter() - t0
        plan = {(a.engineer_id, a.day): a.template_id for a in roster.assignments}
        score = score_ssb(inst, plan)
        lb, best, optimal = known[name]
        obj = roster.objective
        gap = (obj - best) / best if obj is not None else None
        row: list[object] = [
            name,
            roster.status,
            obj,
            roster.best_bound,
            best,
            optimal,
            None if gap is None else f"{100 * gap:.1f}%",
            round(wall, 1),
            "yes" if score.feasible and plan else "NO",
        ]
        if baseline:
            b_status, b_obj, _, _ = straightforward_ssb(inst, limit, workers)
            b_gap = (b_obj - best) / best if b_obj is not None else None
            row += [b_status, b_obj, None if b_gap is None else f"{100 * b_gap:.1f}%"]
        rows.append(row)
        print(" ".join(_fmt(c) for c in row), flush=True)
    return rows


def main() -> None:
    limit = _env_float("WFM_BENCH_ROSTER_S", 60.0)
    workers = int(_env_float("WFM_BENCH_ROSTER_WORKERS", 2))
    baseline = os.environ.get("WFM_BENCH_ROSTER_BASELINE", "1") != "0"
    print(f"roster benchmarks: {limit:g} s per solve, {workers} CP-SAT workers")
    header = ["case", "status", "wall s", "objective", "bound", "gap", "short p-h", "legal"]
    if baseline:
        header += ["default: status", "objective", "bound", "wall s"]
    _print_table("Department rosters", header, department_rows(limit, workers, baseline))
    if not (benchdata() / "shift-scheduling").exists():
        print(f"\nShift Scheduling Benchmark: data not found at {benchdata()}, skipped")
        return
    header = [
        "instance",
        "status",
        "objective",
        "bound",
        "best known",
        "optimal",
        "gap to best",
        "wall s",
        "legal",
    ]
    if baseline:
        header += ["straightforward: status", "objective", "gap"]
    _print_table("Shift Scheduling Benchmark", header, benchmark_rows(limit, workers, baseline))


if __name__ == "__main__":
    main()
