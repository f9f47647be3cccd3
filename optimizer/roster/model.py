"""The department's roster as a CP-SAT model over ``work[engineer, day, template]``.

Hard rules first (one function each), then the objective terms in priority order. Every
hard rule of an engineer can be put behind a *guard* literal: the explanation of an
infeasible request solves the rules of one engineer with the guards as assumptions and
names the rules in the conflict.

The objective is in points × 60 (weights are per hour, variables count minutes), so every
coefficient is an integer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from ortools.sat.python import cp_model
from ortools.sat.python.cp_model_helper import Literal

from optimizer.domain.base import ShiftKind
from optimizer.roster.problem import DAY_MIN, RosterProblem

Lit = Literal
Cell = int | tuple[int, int] | None
"""A day of a calendar week for one engineer: a day index of the period, ``None`` for a free
date outside it, or the (start, end) minutes of a shift worked before the period."""

RULE_LABELS = {
    "one_shift_a_day": "one shift a day",
    "rest_between_shifts": "rest between shifts ≥ {rest:g} h",
    "max_consecutive_days": "at most {maxc:g} working days in a row",
    "weekly_rest": "weekly uninterrupted rest ≥ {weekly:g} h (art. 110)",
    "weekly_hours": "normal time ≤ {cap:g} h a week, no overtime allowed (art. 91)",
    "overtime_two_days": "overtime ≤ {ot2:g} h in two consecutive days (art. 99)",
    "overtime_year": "overtime ≤ {oty:g} h a year (art. 99)",
    "day_off_work": "work on a day off only as many as the requirement asks (art. 113)",
}


@dataclass
class RosterModel:
    """The CP-SAT model with the variables the extraction and the explanation need."""

    model: cp_model.CpModel
    x: dict[tuple[str, int, str], Lit]
    works: dict[tuple[str, int], Lit]
    minutes: dict[tuple[str, int], cp_model.LinearExprT]
    overtime: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    """(engineer, week index) → overtime minutes of the week."""
    under: dict[int, cp_model.IntVar] = field(default_factory=dict)
    over: dict[int, cp_model.IntVar] = field(default_factory=dict)
    deficit: dict[str, cp_model.IntVar] = field(default_factory=dict)
    guards: dict[str, Lit] = field(default_factory=dict)
    """Rule key (``rule|engineer`` or ``pin|i``) → guard literal, in explanation mode."""
    terms: dict[str, list[tuple[int, cp_model.LinearExprT]]] = field(default_factory=dict)
    """Objective term name → (coefficient, expression) pairs, for the breakdown."""


class _Builder:
    def __init__(
        self, p: RosterProblem, engineers: Iterable[str] | None = None, explain: bool = False
    ) -> None:
        self.p = p
        self.req = p.request
        self.rules = p.request.rules
        self.m = cp_model.CpModel()
        self.explain = explain
        wanted = set(engineers) if engineers is not None else None
        self.engineers = [e for e in p.engineers if wanted is None or e.id in wanted]
        self.x: dict[tuple[str, int, str], Lit] = {}
        self.works: dict[tuple[str, int], Lit] = {}
        self.minutes: dict[tuple[str, int], cp_model.LinearExprT] = {}
        self.guards: dict[str, Lit] = {}
        self.out = RosterModel(self.m, self.x, self.works, self.minutes, guards=self.guards)

    # -- helpers -------------------------------------------------------------------

    def guard(self, rule: str, engineer_id: str) -> Lit | None:
        """The guard literal of a rule of an engineer (explanation mode only)."""
        if not self.explain:
            return None
        key = f"{rule}|{engineer_id}"
        if key not in self.guards:
            self.guards[key] = self.m.new_bool_var(f"guard_{key}")
        return self.guards[key]

    def add(self, ct: cp_model.Constraint, g: Lit | None) -> None:
        if g is not None:
            ct.only_enforce_if(g)

    def clause(self, lits: list, g: Lit | None) -> None:
        """At least one literal holds (unless the guard is off)."""
        self.add(self.m.add_bool_or(lits), g)

    def shift_at(self, eid: str, day: int) -> list[tuple[str, Lit]]:
        """(template, literal) of every shift the engineer may work that day."""
        return [(t, self.x[(eid, day, t)]) for t in self.p.allowed.get((eid, day), [])]

    # -- variables -----------------------------------------------------------------

    def variables(self) -> None:
        """One Boolean per engineer, day and template the engineer may work that day."""
        for e in self.engineers:
            for day in self.p.days:
                for t in self.p.allowed[(e.id, day.index)]:
                    self.x[(e.id, day.index, t)] = self.m.new_bool_var(f"x_{e.id}_{day.index}_{t}")

    # -- hard rules ----------------------------------------------------------------

    def one_shift_a_day(self) -> None:
        """An engineer works at most one shift a day."""
        for e in self.engineers:
            g = self.guard("one_shift_a_day", e.id)
            for day in self.p.days:
                shifts = self.shift_at(e.id, day.index)
                w = self.m.new_bool_var(f"w_{e.id}_{day.index}")
                self.works[(e.id, day.index)] = w
                lits = [v for _, v in shifts]
                if g is None:
                    self.m.add(sum(lits) == w)
                else:
                    # w <-> some shift, always; "at most one" only while the rule is on
                    for v in lits:
                        self.m.add_implication(v, w)
                    self.m.add_bool_or([*lits, w.Not()])
                    self.m.add(sum(lits) <= 1).only_enforce_if(g)
                self.minutes[(e.id, day.index)] = sum(
                    self.p.option(day.index, t).paid_minutes * v for t, v in shifts
                )

    def day_off_work_only_as_asked(self) -> None:
        """On a weekend or holiday nobody works beyond what the requirements ask: every
        shift worked that day is needed by some requirement, i.e. without it that
        requirement would be short (art. 113: work on a day off only when needed)."""
        needed_by: dict[tuple[str, int, str], list[Lit]] = {}
        for i, seg in enumerate(self.p.segments):
            if seg.required <= 0 or not self.p.days[seg.day].non_working:
                continue
            on = [(e, t) for e, t in seg.members if (e, seg.day, t) in self.x]
            if not on:
                continue
            tight = self.m.new_bool_var(f"tight_{i}")
            self.m.add(sum(self.x[(e, seg.day, t)] for e, t in on) <= seg.required).only_enforce_if(
                tight
            )
            for e, t in on:
                needed_by.setdefault((e, seg.day, t), []).append(tight)
        for (eid, d, t), v in self.x.items():
            if not self.p.days[d].non_working:
                continue
            g = self.guard("day_off_work", eid)
            self.clause([v.Not(), *needed_by.get((eid, d, t), [])], g)

    def pinned_shifts(self) -> None:
        """A pinned shift is worked."""
        for i, pin in enumerate(self.rules.pinned):
            if pin.engineer_id not in {e.id for e in self.engineers}:
                continue
            day = (pin.date - self.p.days[0].date).days
            v = self.x.get((pin.engineer_id, day, pin.template_id))
            g = None
            if self.explain:
                g = self.guards.setdefault(f"pin|{i}", self.m.new_bool_var(f"pin_{i}"))
            if v is None:
                # blocked by an absence, the weekday, consent or a required day off
                self.add(self.m.add_bool_or([]), g)
            else:
                self.add(self.m.add(v == 1), g)

    def rest_between_shifts(self) -> None:
        """Between the end of one shift and the start of the next at least the minimum rest."""
        rest = round(self.rules.min_rest_between_shifts_h * 60)
        for e in self.engineers:
            g = self.guard("rest_between_shifts", e.id)
            for h in self.p.past(e.id):
                # a shift before the period: nothing may start sooner than the rest after it
                for (eid, d, t), v in self.x.items():
                    o = self.p.option(d, t)
                    if eid == e.id and o.start >= h.start and o.start - h.end < rest:
                        self.clause([v.Not()], g)
            for d in range(self.p.n_days - 1):
                for t, a in self.shift_at(e.id, d):
                    end = self.p.option(d, t).end
                    for u, b in self.shift_at(e.id, d + 1):
                        if self.p.option(d + 1, u).start - end < rest:
                            self.clause([a.Not(), b.Not()], g)

    def max_consecutive_days(self) -> None:
        """No more working days in a row than the limit, counting the days worked right
        before the period (days before it without a shift in ``history`` are off)."""
        first = self.p.days[0].date
        for e in self.engineers:
            own = self.rules.for_engineer(e.id)
            k = (own.max_consecutive_days if own else None) or self.rules.max_consecutive_days
            g = self.guard("max_consecutive_days", e.id)
            worked_before = {h.date for h in self.p.past(e.id)}
            run = 0
            while first - timedelta(days=run + 1) in worked_before:
                run += 1
            for j in range(1, min(run, k) + 1):
                # the j days before the start are worked: at most k - j more in a row
                window = [self.works[(e.id, d)] for d in range(min(k - j + 1, self.p.n_days))]
                self.add(self.m.add(sum(window) <= k - j), g)
            for d in range(self.p.n_days - k):
                window = [self.works[(e.id, d + i)] for i in range(k + 1)]
                self.add(self.m.add(sum(window) <= k), g)

    def weekly_rest(self) -> None:
        """Each calendar week holds an uninterrupted rest of the minimum length (art. 110),
        counted inside the week; dates outside the period are days off, except the days
        before it with a shift in ``history``."""
        need = round(self.rules.weekly_rest_h * 60)
        if need <= 0:
            return
        for e in self.engineers:
            g = self.guard("weekly_rest", e.id)
            for w, week in enumerate(self.p.weeks):
                cells = self._week_cells(e.id, w, week)
                certificates = self._rest_certificates(e.id, w, cells, need)
                self.clause([c for _, c in certificates], g)
                self._days_off_a_week(e.id, cells, need, certificates, g)

    def _week_cells(self, eid: str, w: int, week: list[int | None]) -> list[Cell]:
        """The week's days for one engineer: a day index of the period, ``None`` for a free
        date outside it, or (start, end) minutes of its own date for a date before the
        period on which the engineer worked (``history``)."""
        cells: list[Cell] = []
        for d, day in zip(week, self.p.week_dates(w), strict=True):
            past = self.p.past_on(eid, day) if d is None else []
            if past:
                base = (day - self.p.days[0].date).days * DAY_MIN
                cells.append((min(h.start for h in past) - base, max(h.end for h in past) - base))
            else:
                cells.append(d)
        return cells

    def _days_off_a_week(
        self,
        eid: str,
        cells: list[Cell],
        need: int,
        certificates: list[tuple[int, Lit]],
        g: Lit | None,
    ) -> None:
        """Implied: when only runs of whole days off can give the rest, a week inside the
        period has that many days off (a cut that tightens the LP)."""
        kmin = math.ceil(need / DAY_MIN)
        if any(not isinstance(c, int) for c in cells) or not certificates:
            return
        if any(k < kmin for k, _ in certificates):
            return
        days = [c for c in cells if isinstance(c, int)]
        self.add(self.m.add(sum(self.works[(eid, d)] for d in days) <= 7 - kmin), g)

    def _rest_certificates(
        self, eid: str, w: int, cells: list[Cell], need: int
    ) -> list[tuple[int, Lit]]:
        """(k, literal) pairs, each literal meaning "the days i..i+k-1 of the week are off
        and, with the shifts around them, leave a rest of at least ``need`` minutes inside
        the week"."""
        kmin = math.ceil(need / DAY_MIN)
        out: list[tuple[int, Lit]] = []
        for k in range(1, min(kmin, 7) + 1):
            for i in range(0, 8 - k):
                run = cells[i : i + k]
                if any(isinstance(c, tuple) for c in run):
                    continue  # a day worked before the period cannot be part of the rest
                prev: Cell | str = cells[i - 1] if i > 0 else "edge"
                nxt: Cell | str = cells[i + k] if i + k < 7 else "edge"
                if k < kmin and not self._short_run_can_rest(eid, prev, nxt, k, need):
                    continue  # only with a neighbour off, i.e. a longer run: not needed
                c = self.m.new_bool_var(f"rest_{eid}_{w}_{i}_{k}")
                for d in run:
                    if isinstance(d, int):
                        self.m.add_implication(c, self.works[(eid, d)].Not())
                if k < kmin:
                    self._rest_around(c, eid, prev, nxt, k, need)
                out.append((k, c))
        return out

    def _short_run_can_rest(
        self, eid: str, prev: Cell | str, nxt: Cell | str, k: int, need: int
    ) -> bool:
        """Whether ``k`` days off can give the rest with both neighbours worked (or the
        week's edge); a run that needs a neighbour off is a longer run, checked on its own."""
        before = [g for g, _, off in self._neighbour(eid, prev, True) if not off]
        after = [g for g, _, off in self._neighbour(eid, nxt, False) if not off]
        return any(k * DAY_MIN + a + b >= need for a in before for b in after)

    def _rest_around(
        self, c: Lit, eid: str, prev: Cell | str, nxt: Cell | str, k: int, need: int
    ) -> None:
        """Forbid the neighbouring shifts that would make the rest too short."""
        before = self._neighbour(eid, prev, before=True)
        after = self._neighbour(eid, nxt, before=False)
        for gap_a, lit_a, _ in before:
            for gap_b, lit_b, _ in after:
                if k * DAY_MIN + gap_a + gap_b < need:
                    lits = [x.Not() for x in (lit_a, lit_b) if x is not None]
                    self.m.add_bool_or([c.Not(), *lits])

    def _neighbour(
        self, eid: str, d: Cell | str, before: bool
    ) -> list[tuple[int, Lit | None, bool]]:
        """(rest minutes contributed, literal, is a day off) for each state of the day next
        to an off run: the week's edge gives 0, a day off at least a whole day, a shift the
        time between it and the run (a day worked before the period: its fixed shift)."""
        if d == "edge":
            return [(0, None, False)]
        if d is None:
            return [(DAY_MIN, None, True)]
        if isinstance(d, tuple):
            start, end = d
            return [(DAY_MIN - end if before else start, None, False)]
        assert isinstance(d, int)
        states: list[tuple[int, Lit | None, bool]] = [(DAY_MIN, self.works[(eid, d)].Not(), True)]
        for t, v in self.shift_at(eid, d):
            o = self.p.option(d, t)
            states.append((DAY_MIN - o.end_of_day if before else o.start_of_day, v, False))
        return states

    def hours_and_overtime(self) -> None:
        """Hours of working days beyond the weekly normal time (art. 91) are overtime;
        overtime ≤ 4 h in two consecutive days and ≤ 120 h a year (art. 99); without overtime
        the week stays within the normal time. Work on a weekend or holiday is counted apart
        (art. 153) and enters neither; hours worked before the period (``history``) count in
        their week.

        Overtime is what the week's running total puts past the cap, so it falls on the
        last days worked in the week; the model keeps a whole week's overtime within the
        two-day limit, which implies the limit for every pair of days (stricter only when
        a week's overtime would fall on two days that are not adjacent).
        """
        ot_2 = round(self.rules.overtime_max_2days_h * 60)
        for e in self.engineers:
            own = self.rules.for_engineer(e.id)
            allow = own.allow_overtime if own and own.allow_overtime is not None else None
            allow = self.rules.allow_overtime if allow is None else allow
            cap = self.p.weekly_cap[e.id]
            longest = max(
                (
                    self.p.option(d, t).paid_minutes
                    for (eid, d, t) in self.x
                    if eid == e.id and not self.p.days[d].non_working
                ),
                default=0,
            )
            rule = "overtime_two_days" if allow else "weekly_hours"
            g = self.guard(rule, e.id)
            weekly: list = []
            for w, week in enumerate(self.p.weeks):
                days = [d for d in week if d is not None and not self.p.days[d].non_working]
                before, before_ot_last = self._past_week_minutes(e.id, w, cap)
                total = sum(self.minutes[(e.id, d)] for d in days)
                most = before + sum(
                    max((self.p.option(d, t).paid_minutes for t in self.p.allowed[(e.id, d)]),
                        default=0)
                    for d in days
                )  # fmt: skip
                if most <= cap:
                    weekly.append(0)
                    continue
                if not allow:
                    self.add(self.m.add(total <= max(0, cap - before)), g)
                    weekly.append(0)
                    continue
                ot = self.m.new_int_var(0, min(ot_2, most - cap), f"ot_{e.id}_{w}")
                # overtime already worked before the period is not the period's
                self.add(self.m.add(total + before - max(before, cap) <= ot), g)
                if before_ot_last:
                    self.add(self.m.add(ot + before_ot_last <= ot_2), g)
                self.out.overtime[(e.id, w)] = ot
                weekly.append(ot)
            if allow and longest > cap:
                # a single shift longer than the cap puts overtime on a Monday too
                for a, b in zip(weekly, weekly[1:], strict=False):
                    if not isinstance(a, int) or not isinstance(b, int):
                        self.add(self.m.add(a + b <= ot_2), g)
            if allow:
                self._overtime_per_year(e.id, weekly)

    def _past_week_minutes(self, eid: str, w: int, cap: int) -> tuple[int, int]:
        """Minutes worked on working days of week ``w`` before the period, and the overtime
        of the last of them when it is the day right before the period."""
        dates = set(self.p.week_dates(w))
        past = [h for h in self.p.past(eid) if h.date in dates and not h.non_working]
        total, last_ot = 0, 0
        eve = self.p.days[0].date - timedelta(days=1)
        for h in sorted(past, key=lambda h: h.start):
            over_before = max(0, total - cap)
            total += h.paid_minutes
            if h.date == eve:
                last_ot += max(0, total - cap) - over_before
        return total, last_ot

    def _overtime_per_year(self, eid: str, weekly: list) -> None:
        """At most 120 h of overtime a calendar year, counting what was worked before."""
        own = self.rules.for_engineer(eid)
        g = self.guard("overtime_year", eid)
        used = round((own.overtime_used_h if own else 0) * 60)
        limit = round(self.rules.overtime_max_year_h * 60)
        first_year = self.p.days[0].date.year
        by_year: dict[int, list] = {}
        for w, week in enumerate(self.p.weeks):
            days = [d for d in week if d is not None]
            # a week across New Year counts toward the year of its last day in the period
            year = self.p.days[days[-1]].date.year
            by_year.setdefault(year, []).append(weekly[w])
        for year, parts in by_year.items():
            spent = sum(parts) + (used if year == first_year else 0)
            if isinstance(spent, int):
                if spent > limit:
                    self.clause([], g)
            else:
                self.add(self.m.add(spent <= limit), g)

    # -- objective -----------------------------------------------------------------

    def objective(self) -> None:
        """Minimise, in this order of weight: people missing per interval and group,
        overtime, hours below the norm, preferences not granted, unfair spreads, work on days
        off, extra people on duty (group ``all``)."""
        wt = self.req.weights
        terms = self.out.terms
        terms["shortfall"] = self._coverage_slacks()
        terms["overtime"] = [(wt.overtime_per_hour, v) for v in self.out.overtime.values()]
        terms["below_norm"] = [(wt.below_norm_per_hour, v) for v in self._norm_deficits()]
        terms["preferences"] = self._preference_terms(wt.preference_unit * 60)
        terms["duty_spread"] = self._duty_spread(wt.weekend_duty_spread * 60)
        terms["hours_spread"] = self._hours_spread(wt.hours_spread_per_hour)
        terms["day_off_work"] = self._day_off_work(wt.day_off_work_per_hour)
        terms["over_coverage"] = [
            (wt.over_coverage_per_person_hour * self.p.segments[i].minutes, v)
            for i, v in self.out.over.items()
            if self.p.segments[i].group == "all"
        ]
        self.m.minimize(sum(c * v for parts in terms.values() for c, v in parts if c))

    def _coverage_slacks(self) -> list[tuple[int, cp_model.LinearExprT]]:
        """On duty + missing − extra = required, for every segment and group."""
        w = self.req.weights.shortfall_per_person_hour
        out: list[tuple[int, cp_model.LinearExprT]] = []
        for i, seg in enumerate(self.p.segments):
            on = [self.x[(e, seg.day, t)] for e, t in seg.members if (e, seg.day, t) in self.x]
            under = self.m.new_int_var(0, seg.required, f"under_{i}")
            over = self.m.new_int_var(0, max(len(on) - seg.required, 0), f"over_{i}")
            self.m.add(sum(on) + under - over == seg.required)
            self.out.under[i], self.out.over[i] = under, over
            out.append((w * seg.minutes, under))
        return out

    def _day_off_work(self, weight: int) -> list[tuple[int, cp_model.LinearExprT]]:
        """Minutes worked on weekends and holidays cost extra (double pay, art. 153)."""
        return [
            (weight * self.p.option(d, t).paid_minutes, v)
            for (_, d, t), v in self.x.items()
            if self.p.days[d].non_working
        ]

    def _norm_deficits(self) -> list[cp_model.IntVar]:
        """Minutes each engineer works below the norm of the period: only the normal time
        of working days fills it, never overtime or work on days off (art. 99, 153)."""
        out = []
        for e in self.engineers:
            norm = self.p.norm_minutes[e.id]
            worked = [self.minutes[(e.id, d.index)] for d in self.p.days if not d.non_working]
            overtime = [v for (eid, _), v in self.out.overtime.items() if eid == e.id]
            deficit = self.m.new_int_var(0, norm, f"deficit_{e.id}")
            # deficit ≥ norm − (working-day minutes − overtime)
            self.m.add(cp_model.LinearExpr.sum([deficit, *worked]) >= norm + sum(overtime))
            self.out.deficit[e.id] = deficit
            out.append(deficit)
        return out

    def _preference_terms(self, unit: int) -> list[tuple[int, cp_model.LinearExprT]]:
        """A shift-on request not granted, or a shift-off request not granted, costs its weight."""
        out: list[tuple[int, cp_model.LinearExprT]] = []
        for eid, d, tid, kind, weight in self.p.preferences:
            if (eid, d) not in self.works:
                continue
            lit: cp_model.LinearExprT = (
                self.works[(eid, d)] if tid is None else self.x.get((eid, d, tid), 0)
            )
            out.append((unit * weight, (1 - lit) if kind == "on" else lit))
        return out

    def _duty_spread(self, weight: int) -> list[tuple[int, cp_model.LinearExprT]]:
        """Weekend, holiday and on-call duties shared evenly among those who may take them."""
        counts = []
        for e in self.engineers:
            duty = [
                v
                for (eid, d, t), v in self.x.items()
                if eid == e.id
                and (self.p.days[d].non_working or self.p.option(d, t).kind == ShiftKind.on_call)
            ]
            if duty:
                counts.append(sum(duty))
        if len(counts) < 2 or not weight:
            return []
        hi = self.m.new_int_var(0, self.p.n_days, "duty_max")
        lo = self.m.new_int_var(0, self.p.n_days, "duty_min")
        for c in counts:
            self.m.add(hi >= c)
            self.m.add(lo <= c)
        return [(weight, hi - lo)]

    def _hours_spread(self, weight: int) -> list[tuple[int, cp_model.LinearExprT]]:
        """Shortfalls against the norm kept close to each other (minutes)."""
        deficits = list(self.out.deficit.values())
        if len(deficits) < 2 or not weight:
            return []
        top = max(self.p.norm_minutes.values())
        hi = self.m.new_int_var(0, top, "deficit_max")
        lo = self.m.new_int_var(0, top, "deficit_min")
        for v in deficits:
            self.m.add(hi >= v)
            self.m.add(lo <= v)
        return [(weight, hi - lo)]


def build_roster_model(p: RosterProblem) -> RosterModel:
    """The full model: variables, hard rules, objective."""
    b = _Builder(p)
    _hard_rules(b)
    b.objective()
    return b.out


def build_rules_model(p: RosterProblem, engineer_id: str) -> RosterModel:
    """The hard rules of one engineer behind guard literals, no objective (for explanations)."""
    b = _Builder(p, engineers=[engineer_id], explain=True)
    _hard_rules(b)
    return b.out


def _hard_rules(b: _Builder) -> None:
    b.variables()
    b.one_shift_a_day()
    b.day_off_work_only_as_asked()
    b.pinned_shifts()
    b.rest_between_shifts()
    b.max_consecutive_days()
    b.weekly_rest()
    b.hours_and_overtime()
