"""Large-neighbourhood search for the Shift Scheduling Benchmark model.

On a month of sixty people with ten shift types or more, CP-SAT on the whole model spends its
time on a root LP it does not finish and returns a roster far from the best known. A
department head re-planning by hand does what this module does: keep most of the roster,
free a part — a few employees for the whole period, or everybody for one or two
weeks, or a few employees for a few weeks — and re-plan that part exactly. Each part is solved
by CP-SAT on the *same* model with every other shift variable fixed to its current value
(fixed variables vanish in presolve), hinted with the current roster, so a sub-solve never
returns anything worse than what it was given.

The neighbourhood grows while its sub-solves are proven optimal quickly and shrinks when they
run out of time, which keeps each step around ``params.lns_step_s`` seconds on any instance
size.

Half the neighbourhoods are drawn around a penalty of the current roster (a day under- or
over-covered, an employee whose request is refused), half at random. After a long run without
improvement the steps get longer, so larger parts are re-planned exactly.

Reproducible: neighbourhoods come from ``random.Random(seed)`` and, with a
``deterministic_budget``, every sub-solve is one CP-SAT worker stopped by a deterministic work
limit and the loop by the total work budget, so the same instance and seed give the same
roster. In the race (:mod:`optimizer.ssb.race`) the clock decides and runs differ.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from optimizer.ssb.incumbent import Incumbent
from optimizer.ssb.instance import SsbInstance
from optimizer.ssb.params import SsbParams


@dataclass
class LnsStats:
    """What the search did: steps tried, steps that improved, the objective before and after."""

    steps: int = 0
    improved: int = 0
    start_objective: int = 0
    objective: int = 0


@dataclass
class _Cells:
    """The shift variables of each (employee, day): proto index and shift id."""

    by_cell: dict[tuple[str, int], list[tuple[int, str]]]
    keys: list[tuple[str, int, str]]
    indices: list[int]

    def read(self, solver: cp_model.CpSolver) -> dict[tuple[str, int], str]:
        """The roster of a solution."""
        values = list(solver.response_proto.solution)
        return {
            (e, d): s for (e, d, s), i in zip(self.keys, self.indices, strict=True) if values[i]
        }


def lns_improve(
    inst: SsbInstance,
    model: cp_model.CpModel,
    x: dict[tuple[str, int, str], cp_model.IntVar],
    plan: dict[tuple[str, int], str],
    objective: int,
    params: SsbParams,
    *,
    time_limit_s: float,
    seed: int = 0,
    deterministic_budget: float | None = None,
    workers: int = 1,
    shared: Incumbent | None = None,
    linearization: int | None = None,
) -> tuple[dict[tuple[str, int], str], LnsStats]:
    """Improve a feasible ``plan`` (whose benchmark penalty is ``objective``) by re-planning
    neighbourhoods until ``time_limit_s`` (wall) or ``deterministic_budget`` (work units) runs
    out, or ``shared`` says stop. Step length, stall handling and the smallest neighbourhood
    come from ``params`` (``lns_*``). With ``shared``, a better roster found by another thread is
    taken up before each step and every improvement is offered back. ``linearization``:
    CP-SAT's linearization level of the sub-solves (2 proves the neighbourhoods of small
    instances faster). The model is restored to its original domains before returning."""
    rng = random.Random(seed)
    cells = _index_cells(x)
    stats = LnsStats(start_objective=objective, objective=objective)
    step_s, min_free = params.lns_step_s, params.lns_min_free
    size = max(min_free, len(cells.by_cell) // 10)
    t0 = time.perf_counter()
    work = 0.0
    best = dict(plan)
    stall = 0
    while True:
        left = time_limit_s - (time.perf_counter() - t0)
        if left < 0.2:
            break
        if deterministic_budget is not None and work >= deterministic_budget:
            break
        if shared is not None:
            if shared.stop.is_set():
                break
            other, value = shared.best()
            if value is not None and value < stats.objective:
                best, stats.objective = dict(other), value
        free = neighbourhood(inst, rng, size, best)
        # A long run without improvement: longer steps, to re-plan larger parts exactly.
        step = step_s * 2 ** min(params.lns_stall_doublings, stall // params.lns_stall_steps)
        solver, code = _sub_solve(
            model, x, cells, best, free, rng, left, deterministic_budget, workers, step,
            linearization,
        )  # fmt: skip
        stats.steps += 1
        work += solver.deterministic_time
        proven = code == cp_model.OPTIMAL
        if proven or code == cp_model.FEASIBLE:
            value = round(solver.objective_value)
            if value <= stats.objective:
                if value < stats.objective:
                    stats.improved += 1
                    stall = -1
                stats.objective = value
                best = cells.read(solver)
                if shared is not None:
                    shared.offer(best, value)
        stall += 1
        # Grow while neighbourhoods are proven fast; shrink when they time out.
        if proven and solver.wall_time < step / 2:
            size = min(len(cells.by_cell), int(size * 1.2) + 1)
        elif not proven:
            size = max(min_free, int(size * 0.8))
    return best, stats


def _index_cells(x: dict[tuple[str, int, str], cp_model.IntVar]) -> _Cells:
    by_cell: dict[tuple[str, int], list[tuple[int, str]]] = {}
    for (e, d, s), v in x.items():
        by_cell.setdefault((e, d), []).append((v.index, s))
    return _Cells(by_cell, list(x), [v.index for v in x.values()])


def neighbourhood(
    inst: SsbInstance, rng: random.Random, size: int, plan: dict[tuple[str, int], str]
) -> set[tuple[str, int]]:
    """About ``size`` (employee, day) cells to re-plan. Half the time around a penalty of the
    current roster — every employee for a few days around a day that is under- or
    over-covered, or an employee whose request is refused with a few others for the whole
    period; otherwise at random: some employees for the whole period, everybody for a window
    of days, or some employees for a window."""
    staff = [st.id for st in inst.staff]
    h = inst.horizon
    days, people = _penalised(inst, plan)
    kind = rng.choice(("staff", "window", "block", "cover", "request"))
    if kind == "cover" and not days:
        kind = "window"
    if kind == "request" and not people:
        kind = "staff"
    if kind in ("staff", "request"):
        k = min(len(staff), max(2, size // h))
        chosen = rng.sample(staff, k)
        if kind == "request":
            first_choice = rng.choice(people)
            chosen = [first_choice, *[e for e in chosen if e != first_choice][: k - 1]]
        return {(e, d) for e in chosen for d in range(h)}
    if kind in ("window", "cover"):
        length = min(h, max(2, size // len(staff)))
        if kind == "cover":
            first = min(max(0, rng.choice(days) - length // 2), h - length)
        else:
            first = rng.randrange(0, h - length + 1)
        return {(e, d) for e in staff for d in range(first, first + length)}
    length = min(h, max(7, h // 2))
    k = min(len(staff), max(2, size // length))
    first = rng.randrange(0, h - length + 1)
    chosen = rng.sample(staff, k)
    return {(e, d) for e in chosen for d in range(first, first + length)}


def _penalised(inst: SsbInstance, plan: dict[tuple[str, int], str]) -> tuple[list[int], list[str]]:
    """Days with a cover penalty (a day appears once per person missing or in excess) and
    employees with a refused request (once per request)."""
    counts: dict[tuple[int, str], int] = {}
    for (_, d), sh in plan.items():
        counts[(d, sh)] = counts.get((d, sh), 0) + 1
    days: list[int] = []
    for c in inst.cover:
        n = counts.get((c.day, c.shift_id), 0)
        if n != c.requirement:
            days += [c.day] * abs(n - c.requirement)
    people = [r.staff_id for r in inst.on_requests if plan.get((r.staff_id, r.day)) != r.shift_id]
    people += [r.staff_id for r in inst.off_requests if plan.get((r.staff_id, r.day)) == r.shift_id]
    return days, people


def _sub_solve(
    model: cp_model.CpModel,
    x: dict[tuple[str, int, str], cp_model.IntVar],
    cells: _Cells,
    plan: dict[tuple[str, int], str],
    free: set[tuple[str, int]],
    rng: random.Random,
    wall_left: float,
    deterministic_budget: float | None,
    workers: int,
    step_s: float,
    linearization: int | None,
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    """Solve with every shift variable outside ``free`` fixed to ``plan``; the model's domains
    and hints are restored afterwards."""
    proto = model.proto
    fixed: list[int] = []
    for cell, shifts in cells.by_cell.items():
        if cell in free:
            continue
        on = plan.get(cell)
        for index, s in shifts:
            domain = proto.variables[index].domain  # a Boolean: [0, 1]
            value = 1 if s == on else 0
            domain[0] = domain[1] = value
            fixed.append(index)
    model.clear_hints()
    proto.solution_hint.vars.extend(cells.indices)
    proto.solution_hint.values.extend([int(plan.get((e, d)) == s) for e, d, s in cells.keys])
    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.num_workers = workers
    prm.random_seed = rng.randrange(1 << 30)
    if linearization is not None:
        prm.linearization_level = linearization
    if deterministic_budget is not None:
        prm.max_deterministic_time = step_s
        prm.max_time_in_seconds = max(0.1, wall_left)
    else:
        prm.max_time_in_seconds = max(0.1, min(step_s, wall_left))
    try:
        code = solver.solve(model)
    finally:
        for index in fixed:
            domain = proto.variables[index].domain
            domain[0], domain[1] = 0, 1
        model.clear_hints()
    return solver, code
