"""``solve(request) -> Roster``: build, check pins, solve with CP-SAT, read the roster back."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from ortools.sat.python import cp_model

from optimizer.calendar import BusinessCalendar
from optimizer.domain.base import Engineer, ShiftKind
from optimizer.domain.roster import (
    AbsenceDay,
    CoverageRow,
    EngineerFairness,
    Fairness,
    LabourCost,
    Roster,
    RosterAssignment,
    RosterRequest,
    ShortfallRow,
    SolverInfo,
    WeeklyHours,
)
from optimizer.errors import InfeasibleRequest
from optimizer.roster.model import RULE_LABELS, RosterModel, build_roster_model, build_rules_model
from optimizer.roster.problem import DAY_MIN, RosterProblem, absence_span, build_problem
from optimizer.roster.validate import history_assignments, overtime_by_day, validate_roster

OBJECTIVE_SCALE = 60
"""The model counts minutes against weights per hour: objective points = model value / 60."""


def solve(request: RosterRequest, calendar: BusinessCalendar | None = None) -> Roster:
    """Plan the shifts of ``request``; raise :class:`InfeasibleRequest` naming the rules when
    pinned shifts contradict a hard rule."""
    p = build_problem(request, calendar)
    check_pins(p)
    rm = build_roster_model(p)
    start = _hint(p, rm)
    solver = cp_model.CpSolver()
    configure(solver, request, len(rm.x))
    t0 = time.perf_counter()
    status = solver.solve(rm.model)
    wall = time.perf_counter() - t0
    name = solver.status_name(status)
    if status == cp_model.INFEASIBLE:
        raise InfeasibleRequest("the hard rules cannot all hold (no explanation found)")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise InfeasibleRequest(
            f"no roster found within {request.time_limit_s} s (solver status {name}); "
            "give more time"
        )
    chosen = {k for k, v in rm.x.items() if solver.boolean_value(v)}
    info = _solver_info(solver, name, wall, request)
    if start is not None and info.objective is not None and start.value < info.objective - 1e-6:
        # the search ended above the earlier roster it started from: that one is the answer
        return read_roster(p, start.shifts, _kept_start_info(info, start.value))
    return read_roster(p, chosen, info)


def _kept_start_info(info: SolverInfo, value: float) -> SolverInfo:
    """The solver figures when the earlier roster is kept: its objective, the same bound."""
    bound = info.best_bound if info.best_bound is not None else value
    return info.model_copy(
        update={"status": "FEASIBLE", "objective": round(value, 4), "gap": _gap(value, bound)}
    )


def _gap(objective: float, bound: float) -> float:
    """The relative gap between an objective and the bound proven (0 when they meet)."""
    gap = (objective - bound) / abs(objective) if objective else 0.0
    return round(max(gap, 0.0), 6)


DETERMINISTIC_MAX_VARS = 5000
"""Up to this many shift variables several workers are interleaved deterministically by
default (see ``RosterRequest.deterministic``)."""


def configure(solver: cp_model.CpSolver, request: RosterRequest, n_vars: int = 0) -> None:
    """Time and work limits, seed and workers from the request."""
    prm = solver.parameters
    prm.max_time_in_seconds = request.time_limit_s
    if request.max_deterministic_time is not None:
        prm.max_deterministic_time = request.max_deterministic_time
    prm.random_seed = request.seed
    prm.num_workers = request.num_workers
    prm.linearization_level = 2
    if request.num_workers > 1:
        # CP-SAT's default 2-worker portfolio is one weak-LP full solver plus LNS; the full
        # solver here is the LP-heavy one, whose relaxation proves the coverage bound
        prm.subsolvers.append("max_lp")
        deterministic = request.deterministic
        if deterministic is None:
            deterministic = n_vars <= DETERMINISTIC_MAX_VARS
        prm.interleave_search = deterministic


@dataclass(frozen=True)
class StartRoster:
    """The earlier roster a re-plan starts from (``RosterRequest.start_from`` with the edits
    applied), and its objective in the engine's points."""

    shifts: set[tuple[str, int, str]]
    value: float


def _hint(p: RosterProblem, rm: RosterModel) -> StartRoster | None:
    """A complete first solution, the first of these that passes the independent check:
    the earlier roster of ``start_from`` with the edits applied, the office week of
    :func:`office_week_shifts`, or only the pinned shifts (always legal once the pins are
    checked); every auxiliary variable is completed by a small fixed solve. Without it the
    LP-heavy worker can spend a long time finding any roster on large requests. Returns the
    earlier roster when it is the hint, so that the answer is never worse than it."""
    pinned = _pinned_keys(p)
    earlier = _start_from_keys(p)
    if earlier is not None:
        chosen = earlier | pinned
        if not validate_roster(p.request, read_roster(p, chosen, SolverInfo(status="FEASIBLE"))):
            value = _complete_hint(rm, chosen, cheapest=True)
            if value is not None:
                return StartRoster(chosen, value)
    chosen = office_week_shifts(p) | pinned
    trial = read_roster(p, chosen, SolverInfo(status="FEASIBLE"))
    if validate_roster(p.request, trial):
        chosen = pinned
    if _complete_hint(rm, chosen) is None:
        _complete_hint(rm, pinned)
    return None


def _start_from_keys(p: RosterProblem) -> set[tuple[str, int, str]] | None:
    """The shifts of ``start_from`` as model keys, without those the edits replace: a pinned
    day takes the pin's shift, a day given off loses its shift; None without ``start_from``."""
    req = p.request
    if req.start_from is None:
        return None
    edited = {(pin.engineer_id, pin.date) for pin in req.rules.pinned}
    edited |= {(d.engineer_id, d.date) for d in req.rules.required_days_off}
    return {
        (s.engineer_id, (s.date - p.days[0].date).days, s.template_id)
        for s in req.start_from
        if (s.engineer_id, s.date) not in edited
    }


def _pinned_keys(p: RosterProblem) -> set[tuple[str, int, str]]:
    return {
        (pin.engineer_id, (pin.date - p.days[0].date).days, pin.template_id)
        for pin in p.request.rules.pinned
    }


def office_week_shifts(p: RosterProblem) -> set[tuple[str, int, str]]:
    """Everyone on every working day they may work, on the longest template of the day,
    at most five days a calendar week (so the weekend stays free: weekly rest, no
    overtime); no work on days off."""
    chosen: set[tuple[str, int, str]] = set()
    for e in p.engineers:
        for week in p.weeks:
            days = [d for d in week if d is not None and not p.days[d].non_working]
            picked = 0
            for d in days:
                options = [t for t in p.allowed[(e.id, d)] if p.option(d, t).kind.value == "day"]
                if not options or picked >= 5:
                    continue
                best = max(options, key=lambda t: p.option(d, t).paid_minutes)
                chosen.add((e.id, d, best))
                picked += 1
    return chosen


def _complete_hint(
    rm: RosterModel, chosen: set[tuple[str, int, str]], cheapest: bool = False
) -> float | None:
    """Hint every variable: the shifts as chosen, the rest from a solve with them fixed (with
    ``cheapest``, the cheapest such completion, whose objective is the roster's; else any,
    which is faster). Returns that objective in the engine's points (0.0 without
    ``cheapest``), or None when the shifts break a rule of the model or, with ``cheapest``,
    are not all shifts the model may choose."""
    if cheapest and not chosen <= rm.x.keys():
        return None  # an earlier shift the model cannot choose: not a roster of this request
    fixed = rm.model.clone()
    for k, v in rm.x.items():
        fixed.add(fixed.get_bool_var_from_proto_index(v.index) == int(k in chosen))
    if not cheapest:
        fixed.clear_objective()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    if solver.solve(fixed) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    rm.model.clear_hints()
    values = solver.response_proto.solution
    for i in range(len(rm.model.proto.variables)):
        rm.model.add_hint(rm.model.get_int_var_from_proto_index(i), values[i])
    return solver.objective_value / OBJECTIVE_SCALE if cheapest else 0.0


def _solver_info(
    solver: cp_model.CpSolver, status: str, wall: float, req: RosterRequest
) -> SolverInfo:
    obj = solver.objective_value / OBJECTIVE_SCALE
    bound = solver.best_objective_bound / OBJECTIVE_SCALE
    return SolverInfo(
        status=status,
        objective=round(obj, 4),
        best_bound=round(bound, 4),
        gap=_gap(obj, bound),
        wall_s=round(wall, 3),
        deterministic_time=round(solver.deterministic_time, 3),
        num_workers=req.num_workers,
        seed=req.seed,
    )


# ----------------------------------------------------------------------------- pins


def check_pins(p: RosterProblem) -> None:
    """Pinned shifts that break a rule on their own, or together with the rules of their
    engineer, raise :class:`InfeasibleRequest` naming the pins and the rule."""
    seen: dict[tuple[str, int], str] = {}
    for pin in p.request.rules.pinned:
        day = (pin.date - p.days[0].date).days
        why = p.blocked.get((pin.engineer_id, day, pin.template_id))
        label = _pin_label(p, pin.engineer_id, pin.date.isoformat(), pin.template_id)
        if why is not None:
            raise InfeasibleRequest(f"{label} is impossible: {why}", [why])
        other = seen.get((pin.engineer_id, day))
        if other is not None and other != pin.template_id:
            raise InfeasibleRequest(
                f"{label} and the pinned shift {other} the same day break the rule "
                "'one shift a day'",
                ["one shift a day"],
            )
        seen[(pin.engineer_id, day)] = pin.template_id
    for eid in sorted({pin.engineer_id for pin in p.request.rules.pinned}):
        _explain_engineer(p, eid)


def _explain_engineer(p: RosterProblem, eid: str) -> None:
    """Solve one engineer's hard rules with every rule and pin as an assumption; on a
    conflict, shrink the core and name it."""
    rm = build_rules_model(p, eid)
    keys = sorted(rm.guards)
    core = _core(rm, keys)
    if core is None:
        return
    for key in list(core):
        trial = [k for k in core if k != key]
        if _core(rm, trial) is not None:
            core = trial
    pins = [k for k in core if k.startswith("pin|")]
    rules = [k.split("|", 1)[0] for k in core if not k.startswith("pin|")]
    labels = [_rule_label(p, r, eid) for r in rules]
    pinned = p.request.rules.pinned
    pin_text = ", ".join(
        f"{pinned[int(k.split('|')[1])].template_id} on {pinned[int(k.split('|')[1])].date}"
        for k in pins
    )
    name = next((e.name for e in p.engineers if e.id == eid), eid)
    raise InfeasibleRequest(
        f"engineer {eid} ({name}): the pinned shifts {pin_text} break the rule "
        + "; ".join(f"'{lab}'" for lab in labels),
        labels,
    )


def _core(rm: RosterModel, keys: list[str]) -> list[str] | None:
    """The assumptions (rule keys) of an infeasible subset, or None when feasible."""
    model = rm.model.clone()
    model.clear_assumptions()
    model.add_assumptions([rm.guards[k] for k in keys])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    status = solver.solve(model)
    if status != cp_model.INFEASIBLE:
        return None
    index = {rm.guards[k].index: k for k in keys}
    return [index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in index]


def _rule_label(p: RosterProblem, rule: str, eid: str) -> str:
    """The rule in words, with the engineer's own limits."""
    r = p.request.rules
    own = r.for_engineer(eid)
    text = RULE_LABELS.get(rule, rule)
    return text.format(
        rest=r.min_rest_between_shifts_h,
        maxc=(own.max_consecutive_days if own else None) or r.max_consecutive_days,
        weekly=r.weekly_rest_h,
        cap=p.weekly_cap[eid] / 60,
        ot2=r.overtime_max_2days_h,
        oty=r.overtime_max_year_h,
    )


def _pin_label(p: RosterProblem, eid: str, day: str, tid: str) -> str:
    return f"the pinned shift {tid} of engineer {eid} on {day}"


# ----------------------------------------------------------------------------- read back


def read_roster(p: RosterProblem, chosen: set[tuple[str, int, str]], solver: SolverInfo) -> Roster:
    """The roster of a set of chosen (engineer, day, template), with every figure computed
    from the shifts themselves."""
    assignments = _assignments(p, chosen)
    coverage, shortfall = _coverage(p, chosen)
    weekly, ot_days = _weekly_hours(p, assignments)
    fairness, prefs_denied, cost = _fairness(p, assignments, ot_days)
    penalties = _penalties(p, coverage, fairness, prefs_denied)
    return Roster(
        start=p.request.start,
        end=p.request.end,
        status=solver.status,
        objective=solver.objective,
        best_bound=solver.best_bound,
        assignments=assignments,
        coverage=coverage,
        shortfall=shortfall,
        weekly_hours=weekly,
        fairness=fairness,
        penalties=penalties,
        cost=cost,
        engineers={e.id: e.name for e in p.engineers},
        templates={t.id: t.name or t.id for t in p.request.shift_templates},
        absence_days=_absence_days(p),
        days_off=[d.date for d in p.days if d.non_working],
        solver=solver,
    )


def _assignments(p: RosterProblem, chosen: set[tuple[str, int, str]]) -> list[RosterAssignment]:
    order = {e.id: i for i, e in enumerate(p.engineers)}
    out = []
    for eid, d, tid in sorted(chosen, key=lambda k: (k[1], order[k[0]])):
        o = p.option(d, tid)
        out.append(
            RosterAssignment(
                engineer_id=eid,
                date=p.days[d].date,
                day=d,
                template_id=tid,
                start=p.local(o.start),
                end=p.local(o.end),
                paid_minutes=o.paid_minutes,
                kind=o.kind.value,
                non_working_day=p.days[d].non_working,
            )
        )
    return out


def _coverage(
    p: RosterProblem, chosen: set[tuple[str, int, str]]
) -> tuple[list[CoverageRow], list[ShortfallRow]]:
    coverage, shortfall = [], []
    for seg in p.segments:
        n = sum(1 for e, t in seg.members if (e, seg.day, t) in chosen)
        short, over = max(0, seg.required - n), max(0, n - seg.required)
        common = {
            "date": p.days[seg.day].date,
            "day": seg.day,
            "start": p.local(seg.start),
            "end": p.local(seg.end),
            "group": seg.group,
        }
        coverage.append(
            CoverageRow(**common, required=seg.required, scheduled=n, short_by=short, over_by=over)
        )
        if short:
            shortfall.append(ShortfallRow(**common, short_by=short))
    return coverage, shortfall


def _weekly_hours(
    p: RosterProblem, assignments: list[RosterAssignment]
) -> tuple[list[WeeklyHours], dict[str, dict[date, int]]]:
    """Hours per engineer and calendar week, with overtime (working days past the weekly
    normal time, the week's hours before the period included) and day-off work apart;
    also each engineer's overtime minutes per date of the period."""
    by_eng: dict[str, list[RosterAssignment]] = defaultdict(list)
    for a in assignments:
        by_eng[a.engineer_id].append(a)
    rows, ot_days = [], {}
    for e in p.engineers:
        cap = p.weekly_cap[e.id]
        past = history_assignments(p.request, e.id)
        ot = {
            d: m
            for d, m in overtime_by_day([*past, *by_eng[e.id]], cap).items()
            if d >= p.request.start
        }
        ot_days[e.id] = ot
        for week in p.weeks:
            days = [d for d in week if d is not None]
            monday = p.days[days[0]].date - timedelta(days=p.days[days[0]].date.weekday())
            dates = {p.days[d].date for d in days}
            mine = [a for a in by_eng[e.id] if a.date in dates]
            mins = sum(a.paid_minutes for a in mine)
            off = sum(a.paid_minutes for a in mine if a.non_working_day)
            over = sum(m for d, m in ot.items() if d in dates)
            rows.append(
                WeeklyHours(
                    engineer_id=e.id,
                    week_start=monday,
                    hours=round(mins / 60, 2),
                    normal_hours=round((mins - over - off) / 60, 2),
                    overtime_hours=round(over / 60, 2),
                    cap_hours=round(cap / 60, 2),
                    day_off_hours=round(off / 60, 2),
                )
            )
    return rows, ot_days


OVERTIME_FIRST_HOURS_MIN = 120
"""Art. 152: the first two hours of overtime are paid at least 1.5×, the rest at least 2×."""


def _pay(e: Engineer, mine: list[RosterAssignment], ot: dict[date, int]) -> tuple[float, ...]:
    """(normal, overtime, day-off) pay of an engineer's shifts in RUB (art. 152, 153)."""
    rate = float(e.cost_per_hour_rub) / 60
    off = sum(a.paid_minutes for a in mine if a.non_working_day)
    over = sum(ot.values())
    normal = sum(a.paid_minutes for a in mine) - off - over
    ot_pay = sum(
        min(m, OVERTIME_FIRST_HOURS_MIN) * 1.5 + max(0, m - OVERTIME_FIRST_HOURS_MIN) * 2
        for m in ot.values()
    )
    return round(normal * rate, 2), round(ot_pay * rate, 2), round(off * 2 * rate, 2)


def _fairness(
    p: RosterProblem, assignments: list[RosterAssignment], ot_days: dict[str, dict[date, int]]
) -> tuple[Fairness, float, LabourCost]:
    worked = {(a.engineer_id, a.day): a.template_id for a in assignments}
    granted: dict[str, int] = defaultdict(int)
    denied: dict[str, int] = defaultdict(int)
    denied_weight = 0.0
    for eid, d, tid, kind, weight in p.preferences:
        have = worked.get((eid, d))
        hit = have is not None and (tid is None or have == tid)
        ok = hit if kind == "on" else not hit
        if ok:
            granted[eid] += 1
        else:
            denied[eid] += 1
            denied_weight += weight
    rows = []
    duty_counts, deficits = [], []
    cost = [0.0, 0.0, 0.0]
    for e in p.engineers:
        mine = [a for a in assignments if a.engineer_id == e.id]
        duty = sum(1 for a in mine if a.non_working_day or a.kind == ShiftKind.on_call.value)
        minutes = sum(a.paid_minutes for a in mine)
        off = sum(a.paid_minutes for a in mine if a.non_working_day)
        over = sum(ot_days[e.id].values())
        norm = p.norm_minutes[e.id]
        if any(
            p.days[d].non_working or p.option(d, t).kind == ShiftKind.on_call
            for d in range(p.n_days)
            for t in p.allowed[(e.id, d)]
        ):
            duty_counts.append(duty)
        deficit = max(0, norm - (minutes - off - over))
        deficits.append(deficit)
        pay = _pay(e, mine, ot_days[e.id])
        cost = [c + x for c, x in zip(cost, pay, strict=True)]
        rows.append(
            EngineerFairness(
                engineer_id=e.id,
                name=e.name,
                shifts=len(mine),
                hours=round(minutes / 60, 2),
                norm_hours=round(norm / 60, 2),
                overtime_hours=round(over / 60, 2),
                weekend_holiday_shifts=sum(1 for a in mine if a.non_working_day),
                on_call_shifts=sum(1 for a in mine if a.kind == ShiftKind.on_call.value),
                requests_granted=granted[e.id],
                requests_denied=denied[e.id],
                day_off_hours=round(off / 60, 2),
                norm_deficit_hours=round(deficit / 60, 2),
                pay_rub=round(sum(pay), 2),
            )
        )
    fairness = Fairness(
        per_engineer=rows,
        duty_spread=(max(duty_counts) - min(duty_counts)) if len(duty_counts) > 1 else 0,
        norm_deficit_spread_h=round((max(deficits) - min(deficits)) / 60, 2) if deficits else 0,
    )
    labour = LabourCost(
        normal_rub=round(cost[0], 2),
        overtime_rub=round(cost[1], 2),
        day_off_rub=round(cost[2], 2),
        total_rub=round(sum(cost), 2),
    )
    return fairness, denied_weight, labour


def _penalties(
    p: RosterProblem,
    coverage: list[CoverageRow],
    fairness: Fairness,
    prefs_denied: float,
) -> dict[str, float]:
    """The objective's parts in natural units."""
    short = sum(
        r.short_by * (r.end - r.start).total_seconds() / 3600 for r in coverage if r.end and r.start
    )
    over = sum(
        r.over_by * (r.end - r.start).total_seconds() / 3600 for r in coverage if r.end and r.start
    )
    rows = fairness.per_engineer
    return {
        "shortfall_person_hours": round(short, 2),
        "overtime_hours": round(sum(f.overtime_hours for f in rows), 2),
        "below_norm_hours": round(sum(f.norm_deficit_hours for f in rows), 2),
        "preferences_denied_weight": prefs_denied,
        "duty_spread": float(fairness.duty_spread),
        "norm_deficit_spread_hours": fairness.norm_deficit_spread_h,
        "day_off_hours": round(sum(f.day_off_hours for f in rows), 2),
        "over_coverage_person_hours": round(over, 2),
    }


def _absence_days(p: RosterProblem) -> list[AbsenceDay]:
    out = []
    first = p.days[0].date
    for a in p.request.absences:
        s, e = absence_span(a, first)
        for day in p.days:
            lo, hi = day.index * DAY_MIN, (day.index + 1) * DAY_MIN
            if s < hi and lo < e:
                out.append(AbsenceDay(engineer_id=a.engineer_id, date=day.date, kind=a.kind.value))
    return out
