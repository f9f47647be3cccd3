"""The benchmark's penalty of a roster and its hard-rule breaches, re-scored independently.

:func:`score_ssb` does not use the CP-SAT model: it reads a roster as the benchmark defines it,
so it checks the model (tests) and gives the objective every solve reports.
:func:`staff_violations` checks one employee's row, which is all a hard rule ever concerns
(the constructive roster and column generation use it on single rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from optimizer.ssb.instance import Plan, SsbInstance


@dataclass
class SsbScore:
    """The benchmark penalty of a roster and every hard rule it breaks."""

    objective: int
    violations: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        """No hard rule is broken."""
        return not self.violations


def score_ssb(inst: SsbInstance, plan: Plan) -> SsbScore:
    """Re-score a roster exactly as the benchmark defines it and list hard-rule breaches."""
    shifts = {s.id: s for s in inst.shifts}
    violations: list[str] = []
    for (sid, d), sh in plan.items():
        if sh not in shifts:
            violations.append(f"{sid} day {d}: unknown shift {sh}")
        if not 0 <= d < inst.horizon:
            violations.append(f"{sid} day {d}: outside the horizon")
    for st in inst.staff:
        row = [plan.get((st.id, d)) for d in range(inst.horizon)]
        violations += staff_violations(inst, st.id, row)
    objective = 0
    for r in inst.on_requests:
        if plan.get((r.staff_id, r.day)) != r.shift_id:
            objective += r.weight
    for r in inst.off_requests:
        if plan.get((r.staff_id, r.day)) == r.shift_id:
            objective += r.weight
    counts: dict[tuple[int, str], int] = {}
    for (_, d), sh in plan.items():
        counts[(d, sh)] = counts.get((d, sh), 0) + 1
    for c in inst.cover:
        n = counts.get((c.day, c.shift_id), 0)
        objective += c.weight_under * max(0, c.requirement - n)
        objective += c.weight_over * max(0, n - c.requirement)
    return SsbScore(objective, violations)


def staff_violations(inst: SsbInstance, sid: str, row: list[str | None]) -> list[str]:
    """Every hard rule of one employee, checked on the row of shifts (None = day off)."""
    st = next(s for s in inst.staff if s.id == sid)
    shifts = {s.id: s for s in inst.shifts}
    out: list[str] = []
    h = inst.horizon
    for d in range(h - 1):
        a, b = row[d], row[d + 1]
        if a is not None and b is not None and a in shifts and b in shifts[a].cannot_follow:
            out.append(f"{sid} day {d + 1}: shift {b} may not follow {a}")
    for s in shifts:
        n = sum(1 for x in row if x == s)
        if n > st.max_shifts.get(s, h):
            out.append(f"{sid}: {n} shifts {s} > max {st.max_shifts.get(s)}")
    minutes = sum(shifts[x].minutes for x in row if x is not None and x in shifts)
    if not st.min_total_minutes <= minutes <= st.max_total_minutes:
        out.append(f"{sid}: {minutes} min outside [{st.min_total_minutes}, {st.max_total_minutes}]")
    for start, length, working in _runs(row):
        touches_edge = start == 0 or start + length == h
        if working and length > st.max_consecutive_shifts:
            out.append(f"{sid} day {start}: {length} consecutive shifts > max")
        if working and length < st.min_consecutive_shifts and not touches_edge:
            out.append(f"{sid} day {start}: {length} consecutive shifts < min")
        if not working and length < st.min_consecutive_days_off and not touches_edge:
            out.append(f"{sid} day {start}: {length} consecutive days off < min")
    weekends = sum(
        1
        for w in range((h + 1) // 7)
        if any(d < h and row[d] is not None for d in (7 * w + 5, 7 * w + 6))
    )
    if weekends > st.max_weekends:
        out.append(f"{sid}: {weekends} weekends worked > max {st.max_weekends}")
    for d in inst.days_off.get(sid, ()):
        if row[d] is not None:
            out.append(f"{sid} day {d}: works on a requested day off")
    return out


def _runs(row: list[str | None]) -> list[tuple[int, int, bool]]:
    """Maximal runs of working / off days: (first day, length, working)."""
    runs: list[tuple[int, int, bool]] = []
    start = 0
    for d in range(1, len(row) + 1):
        if d == len(row) or (row[d] is None) != (row[start] is None):
            runs.append((start, d - start, row[start] is not None))
            start = d
    return runs
