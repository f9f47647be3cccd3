"""The CP-SAT model of a Shift Scheduling Benchmark instance, with the benchmark's exact rules.

One Boolean ``x[e, d, s]`` per employee, day and shift type (none where the employee may not
work that shift or has the day off); ``w[e, d]`` = works on day ``d``. Hard rules follow the
benchmark to the letter, including the boundaries: the day before and the day after the
horizon are days off, and for the *minimum* consecutive rules the time outside the horizon
counts as an unlimited run. The objective is the benchmark's penalty. One small function per
rule, hard rules first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from optimizer.ssb.instance import Plan, SsbInstance


@dataclass
class SsbModel:
    """The CP-SAT model of one instance with its decision variables."""

    model: cp_model.CpModel
    x: dict[tuple[str, int, str], cp_model.IntVar]
    works: dict[tuple[str, int], cp_model.IntVar]
    weekends: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    slack: dict[tuple[int, str], tuple[cp_model.IntVar, cp_model.IntVar]] = field(
        default_factory=dict
    )
    """(day, shift) → (people missing, people in excess)."""
    penalty: cp_model.LinearExprT = 0
    """The benchmark penalty, the expression minimised."""

    def add_hint(self, inst: SsbInstance, plan: Plan) -> None:
        """A complete hint from a plan: every variable gets the value the plan implies."""
        for (sid, d, s), v in self.x.items():
            self.model.add_hint(v, plan.get((sid, d)) == s)
        for (sid, d), v in self.works.items():
            self.model.add_hint(v, (sid, d) in plan)
        for (sid, w), v in self.weekends.items():
            self.model.add_hint(v, (sid, 7 * w + 5) in plan or (sid, 7 * w + 6) in plan)
        counts: dict[tuple[int, str], int] = {}
        for (_, d), s in plan.items():
            counts[(d, s)] = counts.get((d, s), 0) + 1
        req = {(c.day, c.shift_id): c.requirement for c in inst.cover}
        for key, (under, over) in self.slack.items():
            n = counts.get(key, 0)
            self.model.add_hint(under, max(0, req[key] - n))
            self.model.add_hint(over, max(0, n - req[key]))


def build_ssb_model(inst: SsbInstance) -> SsbModel:
    """Variables, every hard rule, then the benchmark objective."""
    m = cp_model.CpModel()
    x = _shift_variables(m, inst)
    built = SsbModel(m, x, _at_most_one_shift_a_day(m, inst, x))
    _shift_rotation(m, inst, x)
    _max_shifts_of_each_type(m, inst, x)
    _total_minutes_within_limits(m, inst, x)
    _max_consecutive_shifts(m, inst, built.works)
    _min_consecutive_shifts(m, inst, built.works)
    _min_consecutive_days_off(m, inst, built.works)
    built.weekends = _max_working_weekends(m, inst, built.works)
    built.slack, built.penalty = _objective(m, inst, x)
    return built


def _shift_variables(m: cp_model.CpModel, inst: SsbInstance) -> dict:
    """A variable only where the shift is allowed: not on a requested day off (hard), not a
    shift type whose maximum is zero."""
    x: dict[tuple[str, int, str], cp_model.IntVar] = {}
    for st in inst.staff:
        off = set(inst.days_off.get(st.id, ()))
        for d in range(inst.horizon):
            if d in off:
                continue
            for s in inst.shifts:
                if st.max_shifts.get(s.id, inst.horizon) > 0:
                    x[(st.id, d, s.id)] = m.new_bool_var(f"x_{st.id}_{d}_{s.id}")
    return x


def _at_most_one_shift_a_day(m: cp_model.CpModel, inst: SsbInstance, x: dict) -> dict:
    """An employee works at most one shift a day; ``works[e, d]`` says whether they work."""
    works: dict[tuple[str, int], cp_model.IntVar] = {}
    for st in inst.staff:
        for d in range(inst.horizon):
            day = [x[k] for s in inst.shifts if (k := (st.id, d, s.id)) in x]
            w = m.new_bool_var(f"w_{st.id}_{d}")
            if day:
                m.add(sum(day) == w)
            else:
                m.add(w == 0)
            works[(st.id, d)] = w
    return works


def _shift_rotation(m: cp_model.CpModel, inst: SsbInstance, x: dict) -> None:
    """A shift type that cannot follow another is never worked the next day."""
    for st in inst.staff:
        for d in range(inst.horizon - 1):
            for s in inst.shifts:
                a = x.get((st.id, d, s.id))
                if a is None:
                    continue
                for t in s.cannot_follow:
                    b = x.get((st.id, d + 1, t))
                    if b is not None:
                        m.add_bool_or([a.Not(), b.Not()])


def _max_shifts_of_each_type(m: cp_model.CpModel, inst: SsbInstance, x: dict) -> None:
    """An employee works each shift type at most its maximum number of times."""
    for st in inst.staff:
        for s in inst.shifts:
            mx = st.max_shifts.get(s.id, inst.horizon)
            vs = [x[k] for d in range(inst.horizon) if (k := (st.id, d, s.id)) in x]
            if vs and mx < len(vs):
                m.add(sum(vs) <= mx)


def _total_minutes_within_limits(m: cp_model.CpModel, inst: SsbInstance, x: dict) -> None:
    """An employee's total minutes lie between their minimum and maximum."""
    for st in inst.staff:
        terms = [
            s.minutes * x[k]
            for d in range(inst.horizon)
            for s in inst.shifts
            if (k := (st.id, d, s.id)) in x
        ]
        m.add_linear_constraint(sum(terms), st.min_total_minutes, st.max_total_minutes)


def _max_consecutive_shifts(m: cp_model.CpModel, inst: SsbInstance, works: dict) -> None:
    """No more than the maximum number of shifts on consecutive days (the day before the
    horizon is a day off, so only windows inside the horizon count)."""
    for st in inst.staff:
        k = st.max_consecutive_shifts
        for d in range(inst.horizon - k):
            m.add(sum(works[(st.id, d + i)] for i in range(k + 1)) <= k)


def _min_consecutive_shifts(m: cp_model.CpModel, inst: SsbInstance, works: dict) -> None:
    """A run of shifts between two days off inside the horizon is at least the minimum long;
    a run touching either end of the horizon may be shorter."""
    for st in inst.staff:
        _forbid_short_runs(m, inst.horizon, st.id, works, st.min_consecutive_shifts, True)


def _min_consecutive_days_off(m: cp_model.CpModel, inst: SsbInstance, works: dict) -> None:
    """A run of days off between two worked days inside the horizon is at least the minimum
    long; a run touching either end of the horizon may be shorter."""
    for st in inst.staff:
        _forbid_short_runs(m, inst.horizon, st.id, works, st.min_consecutive_days_off, False)


def _forbid_short_runs(
    m: cp_model.CpModel, h: int, sid: str, works: dict, minimum: int, working: bool
) -> None:
    """A run that starts inside the horizon (the day before has the other state) goes on for
    ``minimum`` days or to the end of the horizon: ``state[d + i] >= state[d] - state[d - 1]``.

    This linear form is the clause ``(other, run..., other)`` forbidden, with a tighter LP.
    """

    def state(d: int) -> cp_model.LinearExpr:
        v: cp_model.IntVar = works[(sid, d)]
        return (
            cp_model.LinearExpr.affine(v, 1, 0) if working else cp_model.LinearExpr.affine(v, -1, 1)
        )

    for first in range(1, h):
        for i in range(1, minimum):
            if first + i >= h:
                break
            m.add(state(first + i) >= state(first) - state(first - 1))


def _max_working_weekends(m: cp_model.CpModel, inst: SsbInstance, works: dict) -> dict:
    """At most the maximum number of weekends worked (Saturday or Sunday worked)."""
    n_weekends = (inst.horizon + 1) // 7
    out: dict[tuple[str, int], cp_model.IntVar] = {}
    for st in inst.staff:
        if st.max_weekends >= n_weekends:
            continue
        flags = []
        for w in range(n_weekends):
            days = [works[(st.id, d)] for d in (7 * w + 5, 7 * w + 6) if d < inst.horizon]
            f = m.new_bool_var(f"we_{st.id}_{w}")
            for v in days:
                m.add(v <= f)
            m.add_bool_or([f.Not(), *days])
            flags.append(f)
            out[(st.id, w)] = f
        m.add(sum(flags) <= st.max_weekends)
    return out


def _objective(
    m: cp_model.CpModel, inst: SsbInstance, x: dict
) -> tuple[dict, cp_model.LinearExprT]:
    """Minimise the benchmark penalty: requests not granted, people missing or in excess."""
    slack: dict[tuple[int, str], tuple[cp_model.IntVar, cp_model.IntVar]] = {}
    terms: list = []
    constant = 0
    for r in inst.on_requests:
        v = x.get((r.staff_id, r.day, r.shift_id))
        if v is None:
            constant += r.weight
        else:
            terms.append(r.weight * v.Not())
    for r in inst.off_requests:
        v = x.get((r.staff_id, r.day, r.shift_id))
        if v is not None:
            terms.append(r.weight * v)
    for c in inst.cover:
        on_duty = [x[k] for st in inst.staff if (k := (st.id, c.day, c.shift_id)) in x]
        under = m.new_int_var(0, c.requirement, f"under_{c.day}_{c.shift_id}")
        over = m.new_int_var(0, len(on_duty), f"over_{c.day}_{c.shift_id}")
        m.add(sum(on_duty) + under - over == c.requirement)
        terms += [c.weight_under * under, c.weight_over * over]
        slack[(c.day, c.shift_id)] = (under, over)
    penalty = sum(terms) + constant
    m.minimize(penalty)
    return slack, penalty
