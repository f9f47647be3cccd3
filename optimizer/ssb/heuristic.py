"""A quick constructive roster for the Shift Scheduling Benchmark, the solver's first hint.

The hard rules of the benchmark concern one employee at a time; coverage only couples them
through the (soft) objective. So each employee gets, in turn:

1. a work/off pattern, built day by day (:func:`work_pattern`): the runs of work and of
   days off keep their limits (a run is started only if it can reach its minimum), fixed
   days off are off, weekends stay within the maximum, and the number of working days
   follows a target pace;
2. a shift type for each working day (:func:`shift_types`): allowed by the rotation and
   the per-type maximum, steering the total minutes into the employee's window, and
   preferring the types still short on that day.

A pattern or typing that fails the independent check falls back to a small CP-SAT model of
that employee alone. Large instances (a year, 150 people, 32 shift types) are hard for
CP-SAT to even make feasible without such a start.
"""

from __future__ import annotations

import math
from dataclasses import replace

from ortools.sat.python import cp_model

from optimizer.ssb.instance import SsbInstance, SsbShift, SsbStaff
from optimizer.ssb.model import build_ssb_model
from optimizer.ssb.params import SsbParams
from optimizer.ssb.score import staff_violations

Row = list[str | None]


def greedy_ssb_plan(
    inst: SsbInstance, params: SsbParams | None = None
) -> dict[tuple[str, int], str]:
    """A plan (staff, day) → shift in which every employee's hard rules hold (best effort:
    an employee for whom nothing legal is found in time is left out). The one-employee CP-SAT
    fallback gets ``params.heuristic_fallback_s`` seconds."""
    fallback_s = (params or SsbParams()).heuristic_fallback_s
    counts: dict[tuple[int, str], int] = {}
    need = {(c.day, c.shift_id): c.requirement for c in inst.cover}
    plan: dict[tuple[str, int], str] = {}
    for st in inst.staff:
        row = _employee_row(inst, st, counts, need, fallback_s)
        if row is None:
            continue
        for d, s in enumerate(row):
            if s is not None:
                plan[(st.id, d)] = s
                counts[(d, s)] = counts.get((d, s), 0) + 1
    return plan


def _employee_row(
    inst: SsbInstance,
    st: SsbStaff,
    counts: dict[tuple[int, str], int],
    need: dict[tuple[int, str], int],
    fallback_s: float,
) -> Row | None:
    allowed = [s for s in inst.shifts if st.max_shifts.get(s.id, inst.horizon) > 0]
    if not allowed:
        return [None] * inst.horizon if st.min_total_minutes <= 0 else None
    lo, hi, target = _day_targets(st, allowed)
    for aim in (
        target,
        target + 1,
        target + 2,
        target + 4,
        target - 1,
        target + 7,
        target + 10,
        target + 14,
        target + 20,
    ):
        pattern = work_pattern(inst, st, aim)
        if pattern is None or not lo <= sum(pattern) <= hi:
            continue
        for prefer in (need, {}):
            row = shift_types(inst, st, allowed, pattern, counts, prefer)
            if row is not None and not staff_violations(inst, st.id, row):
                return row
    pattern = max_work_pattern(inst, st)
    if pattern is not None and sum(pattern) >= lo:
        pattern = trim_pattern(pattern, st, hi)
        for prefer in (need, {}):
            row = shift_types(inst, st, allowed, pattern, counts, prefer)
            if row is not None and not staff_violations(inst, st.id, row):
                return row
    return _cp_sat_row(inst, st, fallback_s)


def _day_targets(st: SsbStaff, allowed: list[SsbShift]) -> tuple[int, int, int]:
    """Fewest and most working days the minutes allow, and the target: the middle of the
    minutes window in the most common shift length."""
    lengths = [s.minutes for s in allowed]
    lo = math.ceil(st.min_total_minutes / max(lengths))
    hi = st.max_total_minutes // min(lengths)
    common = max(set(lengths), key=lengths.count)
    mid = (st.min_total_minutes + st.max_total_minutes) / 2
    return lo, hi, min(hi, max(lo, round(mid / common)))


def work_pattern(inst: SsbInstance, st: SsbStaff, target: int) -> list[bool] | None:
    """Working days, built forward so that every rule on runs holds by construction."""
    h = inst.horizon
    off_fixed = set(inst.days_off.get(st.id, ()))
    weekend_of = {d: d // 7 for d in range(h) if d % 7 >= 5}
    weekends_used: set[int] = set()
    kmax, kmin, moff = (
        st.max_consecutive_shifts,
        st.min_consecutive_shifts,
        st.min_consecutive_days_off,
    )
    work: list[bool] = []
    run_work, run_len = False, 10**6  # before the horizon: an unlimited run of days off

    def can_work(d: int) -> bool:
        if d >= h:
            return False
        if d in off_fixed:
            return False
        wk = weekend_of.get(d)
        return wk is None or wk in weekends_used or len(weekends_used) < st.max_weekends

    for d in range(h):
        worked = sum(work)
        behind = worked < target * (d + 1) / h
        if run_work:
            must_continue = run_len < kmin
            if must_continue:
                choice = True
            elif run_len >= kmax or not can_work(d):
                choice = False
            else:
                choice = behind
        else:
            may_start = run_len >= moff  # the run before the horizon is unlimited
            room = all(can_work(d + i) for i in range(kmin)) or all(
                can_work(x) for x in range(d, h)
            )
            choice = may_start and room and behind and can_work(d)
        if choice and not can_work(d):
            return None
        if choice:
            wk = weekend_of.get(d)
            if wk is not None:
                weekends_used.add(wk)
        work.append(choice)
        if choice == run_work:
            run_len += 1
        else:
            run_work, run_len = choice, 1
    return work


def max_work_pattern(inst: SsbInstance, st: SsbStaff) -> list[bool] | None:
    """The pattern with the most working days under the run, day-off and weekend rules
    (dynamic programming over (run kind, run length, weekends used))."""
    h = inst.horizon
    kmax, kmin, moff = (
        st.max_consecutive_shifts,
        st.min_consecutive_shifts,
        st.min_consecutive_days_off,
    )
    off_fixed = set(inst.days_off.get(st.id, ()))
    State = tuple[str, int, int]
    start: State = ("O", max(moff, 1), 0)
    layer: dict[State, tuple[int, State | None, bool]] = {start: (0, None, False)}
    history: list[dict[State, tuple[int, State | None, bool]]] = []
    for d in range(h):
        nxt: dict[State, tuple[int, State | None, bool]] = {}

        def offer(
            state: State,
            score: int,
            prev: State,
            worked: bool,
            nxt: dict[State, tuple[int, State | None, bool]] = nxt,
        ) -> None:
            if state not in nxt or nxt[state][0] < score:
                nxt[state] = (score, prev, worked)

        for state, (score, _, _) in layer.items():
            kind, length, used = state
            if kind == "O":
                offer(("O", min(length + 1, max(moff, 1)), used), score, state, False)
            elif length >= kmin or kind == "Wt":
                offer(("O", 1, used), score, state, False)
            if d in off_fixed:
                continue
            weekend = d % 7 == 5 or (d % 7 == 6 and kind == "O")
            if weekend and used + 1 > st.max_weekends:
                continue
            grow = used + (1 if weekend else 0)
            if kind == "O":
                if length >= moff:
                    offer(("Wt" if d == 0 else "W", 1, grow), score + 1, state, True)
            elif length + 1 <= kmax:
                offer((kind, length + 1, grow), score + 1, state, True)
        history.append(nxt)
        layer = nxt
    if not layer:
        return None
    state = max(layer, key=lambda k: layer[k][0])
    work: list[bool] = []
    for d in range(h - 1, -1, -1):
        _, prev, worked = history[d][state]
        work.append(worked)
        assert prev is not None
        state = prev
    return work[::-1]


def trim_pattern(pattern: list[bool], st: SsbStaff, most: int) -> list[bool]:
    """Fewer working days, down to ``most``: shorten runs longer than the minimum at their end
    (the day joins the following days off, which only lengthens them)."""
    work = list(pattern)
    h = len(work)
    d = h - 1
    while sum(work) > most and d >= 0:
        if work[d] and (d + 1 == h or not work[d + 1]):
            first = d
            while first > 0 and work[first - 1]:
                first -= 1
            if d - first + 1 > st.min_consecutive_shifts:
                work[d] = False
                continue
        d -= 1
    return work


def shift_types(
    inst: SsbInstance,
    st: SsbStaff,
    allowed: list[SsbShift],
    pattern: list[bool],
    counts: dict[tuple[int, str], int],
    need: dict[tuple[int, str], int],
) -> Row | None:
    """A type for each working day: rotation and per-type maximum kept, the minutes steered
    into the window, the types still short that day preferred."""
    h = inst.horizon
    left = {s.id: st.max_shifts.get(s.id, h) for s in allowed}
    by_id = {s.id: s for s in allowed}
    days = [d for d in range(h) if pattern[d]]
    total = 0
    row: Row = [None] * h
    lengths = sorted({s.minutes for s in allowed})
    for i, d in enumerate(days):
        remaining = len(days) - i - 1
        prev = row[d - 1] if d > 0 else None
        nxt_work = d + 1 < h and pattern[d + 1]
        options = []
        for s in allowed:
            if left[s.id] <= 0:
                continue
            if prev is not None and s.id in by_id[prev].cannot_follow:
                continue
            if nxt_work and all(t.id in s.cannot_follow or left[t.id] <= 0 for t in allowed):
                continue
            low = total + s.minutes + remaining * lengths[0]
            high = total + s.minutes + remaining * lengths[-1]
            if low > st.max_total_minutes or high < st.min_total_minutes:
                continue
            short = need.get((d, s.id), 0) - counts.get((d, s.id), 0)
            # prefer a type still short, then the one that keeps the pace to the window
            pace = abs(
                (total + s.minutes) / (i + 1)
                - (st.min_total_minutes + st.max_total_minutes) / 2 / len(days)
            )
            options.append((-(short > 0), pace, s.id))
        if not options:
            return None
        _, _, chosen = min(options)
        row[d] = chosen
        left[chosen] -= 1
        total += by_id[chosen].minutes
    return row


def _cp_sat_row(inst: SsbInstance, st: SsbStaff, limit_s: float) -> Row | None:
    """One employee's rules alone in CP-SAT (no objective): any legal row."""
    sub = replace(inst, staff=(st,), cover=(), on_requests=(), off_requests=())
    built = build_ssb_model(sub)
    built.model.clear_objective()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = limit_s
    if solver.solve(built.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    row: Row = [None] * inst.horizon
    for (_, d, s), v in built.x.items():
        if solver.boolean_value(v):
            row[d] = s
    return row
