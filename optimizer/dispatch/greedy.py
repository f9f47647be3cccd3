"""The greedy policy: earliest-deadline-first list scheduling, each ticket to the eligible
engineer who can start it soonest.

It is what a human dispatcher approximates, the baseline of the benchmarks, and the hint given to
CP-SAT. Work already under way stays; pinned tickets with a start go first at that start; breaks
are placed at the earliest free time of their window; then tickets in order of deadline (then
priority, release, input order) are inserted into the first gap of each candidate's timetable
where the work — and, for a visit, the drive there and the drive on to the next stop — fits.
Travel uses the same reserved leg times as the CP-SAT model, so a greedy schedule is always a
feasible hint.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from optimizer.dispatch.problem import END, PRIORITY_RANK, START, Crew, Job, Problem
from optimizer.dispatch.schedule import Schedule


class _Busy:
    """Disjoint busy intervals, sorted, with tags (so one can be ignored while re-routing)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.tags: list[object] = []

    def add(self, a: int, b: int, tag: object) -> None:
        if b <= a:
            return
        k = bisect.bisect_left(self.starts, a)
        self.starts.insert(k, a)
        self.ends.insert(k, b)
        self.tags.insert(k, tag)

    def remove(self, tag: object) -> None:
        if tag in self.tags:  # zero-length drives are never stored
            k = self.tags.index(tag)
            del self.starts[k], self.ends[k], self.tags[k]

    def first_clash(self, a: int, b: int, ignore: object) -> int | None:
        """The end of the first interval overlapping [a, b) (other than ``ignore``), else None."""
        k = bisect.bisect_right(self.ends, a)
        while k < len(self.starts) and self.starts[k] < b:
            if self.tags[k] != ignore and self.ends[k] > a:
                return self.ends[k]
            k += 1
        return None


@dataclass
class _Slot:
    """A way to fit a job into a crew's timetable."""

    start: int
    cost: int
    position: int
    depart_in: int | None = None
    depart_out: int | None = None


class CrewTimeline:
    """One engineer's timetable while the greedy fills it."""

    def __init__(
        self, problem: Problem, crew: Crew, sched: Schedule, *, existing: bool = False
    ) -> None:
        self.p = problem
        self.crew = crew
        self.sched = sched
        self.plan = sched.plan_of(crew.index)
        self.blocks = _Busy()
        for k, (a, b) in enumerate(crew.blocks):
            self.blocks.add(a, b, ("block", k))
        self.items = _Busy()
        for k, (a, b) in enumerate(crew.busy):
            self.items.add(a, b, ("busy", k))
        self.floating = not existing and bool(crew.breaks)
        if existing:
            self._load()
            return
        if crew.can_visit:
            # Without visits the drive back to base (when away from it) goes last in the day,
            # leaving the morning free for remote work and pinned starts.
            dep = self._latest_way_back()
            self.plan.return_depart = dep
            back = problem.leg_minutes(crew, START, END, dep)
            self.items.add(dep, dep + back, ("drive", END))

    def _latest_way_back(self) -> int:
        """The latest departure from where the engineer is that still reaches base by the end
        of the stretch of hours the way back is driven in (its start, when nothing later
        works)."""
        p, crew = self.p, self.crew
        lo, end = crew.home if crew.home is not None else (crew.t0, crew.day_end)
        lo = max(lo, crew.t0)
        dep = end - p.leg_minutes(crew, START, END, end)
        for _ in range(3):
            back = p.leg_minutes(crew, START, END, dep)
            if (
                dep >= lo
                and dep + back <= end
                and self.items.first_clash(dep, dep + back, None) is None
            ):
                return dep
            dep = end - back
        return lo

    def _load(self) -> None:
        """Fill the timetable from the schedule's existing plan of this crew."""
        p, crew, plan = self.p, self.crew, self.plan
        for j, c in self.sched.crew_of.items():
            if c == crew.index and not p.jobs[j].in_progress:
                s = self.sched.start[j]
                self.items.add(s, s + p.jobs[j].duration, ("job", j))
        for k, s in enumerate(plan.breaks):
            if s >= 0 and k < len(crew.breaks):
                self.items.add(s, s + crew.breaks[k].duration, ("break", k))
        if crew.can_visit:
            for a, b, dep in plan.legs():
                self.items.add(dep, dep + p.leg_minutes(crew, a, b, dep), ("drive", b))

    # -- primitives ------------------------------------------------------------------------

    def free(
        self, t: int, length: int, latest: int, *, blocks: bool = True, ignore: object = None
    ) -> int | None:
        """The earliest s ≥ t, s ≤ latest, with [s, s + length) free; None when there is none."""
        s = t
        if length == 0:
            return s if s <= latest else None
        while s <= latest:
            clash = self.items.first_clash(s, s + length, ignore)
            if clash is None and blocks:
                clash = self.blocks.first_clash(s, s + length, None)
            if clash is None:
                return s
            s = clash
        return None

    def free_drive(
        self, a: int, b: int, t: int, arrive_by: int, *, blocks: bool = True, ignore: object = None
    ) -> tuple[int, int] | None:
        """The earliest departure ≥ t of the leg a → b (and its minutes, which depend on the
        departure) with the drive free and arriving by ``arrive_by``."""
        s = t
        while True:
            length = self.p.leg_minutes(self.crew, a, b, s)
            if s + length > arrive_by:
                return None
            if length == 0:
                return s, 0
            clash = self.items.first_clash(s, s + length, ignore)
            if clash is None and blocks:
                clash = self.blocks.first_clash(s, s + length, None)
            if clash is None:
                return s, length
            s = clash

    def place_break(self, k: int) -> bool:
        """Put break ``k`` at the earliest free time of its window (blocks may overlap it)."""
        br = self.crew.breaks[k]
        s = self.free(br.lo, br.duration, br.hi - br.duration, blocks=False)
        if s is None:
            return False
        self.items.add(s, s + br.duration, ("break", k))
        while len(self.plan.breaks) <= k:
            self.plan.breaks.append(-1)
        self.plan.breaks[k] = s
        return True

    # -- fitting a job -----------------------------------------------------------------------

    def fit(self, job: Job, at: int | None = None) -> _Slot | None:
        """The earliest way to fit a job (remote work in a gap, a visit between two stops);
        with ``at`` (or a pinned start) only a start at exactly that minute.

        Breaks float until the end: a slot is taken only if every break can still be placed in
        its window afterwards; when the earliest slot would squeeze a break out, the breaks are
        held at their earliest places and the job fits around them.
        """
        slot = self._fit_raw(job, at)
        if not self.floating or slot is None or self._breaks_fit_after(job, slot):
            return slot
        held = self._hold_breaks()
        if held is None:
            return None
        try:
            return self._fit_raw(job, at)
        finally:
            for tag in held:
                self.items.remove(tag)

    def _breaks_fit_after(self, job: Job, slot: _Slot) -> bool:
        """Whether every break still fits if the job took ``slot``."""
        undo = self._apply(job, slot)
        try:
            held = self._hold_breaks()
            if held is None:
                return False
            for tag in held:
                self.items.remove(tag)
            return True
        finally:
            undo()

    def _hold_breaks(self) -> list[object] | None:
        """Place every break at its earliest free place as a temporary item (None: one fails)."""
        held: list[object] = []
        for k, br in enumerate(self.crew.breaks):
            s = self.free(br.lo, br.duration, br.hi - br.duration, blocks=False)
            if s is None:
                for tag in held:
                    self.items.remove(tag)
                return None
            tag = ("held", k)
            self.items.add(s, s + br.duration, tag)
            held.append(tag)
        return held

    def _apply(self, job: Job, slot: _Slot):  # type: ignore[no-untyped-def]
        """Add a slot's intervals tentatively; returns the function that takes them back."""
        p, crew = self.p, self.crew
        added = [("try", "job")]
        self.items.add(slot.start, slot.start + job.duration, ("try", "job"))
        removed: list[tuple[int, int, object]] = []
        if job.onsite:
            assert slot.depart_in is not None and slot.depart_out is not None
            pos = slot.position
            nxt = self.plan.route[pos] if pos < len(self.plan.route) else END
            old = ("drive", nxt)
            if old in self.items.tags:
                k = self.items.tags.index(old)
                removed.append((self.items.starts[k], self.items.ends[k], old))
                self.items.remove(old)
            t_in = p.leg_minutes(crew, self._prev(pos), job.index, slot.depart_in)
            t_out = p.leg_minutes(crew, job.index, nxt, slot.depart_out)
            self.items.add(slot.depart_in, slot.depart_in + t_in, ("try", "in"))
            self.items.add(slot.depart_out, slot.depart_out + t_out, ("try", "out"))
            added += [("try", "in"), ("try", "out")]

        def undo() -> None:
            for tag in added:
                self.items.remove(tag)
            for a, b, old_tag in removed:
                self.items.add(a, b, old_tag)

        return undo

    def finalize_breaks(self) -> None:
        """Place the floating breaks for good, each at its earliest free place."""
        for k in range(len(self.crew.breaks)):
            self.place_break(k)
        self.floating = False

    def _fit_raw(self, job: Job, at: int | None = None) -> _Slot | None:
        fixed = at if at is not None else job.pin_start
        if job.onsite:
            return self._fit_visit(job, fixed)
        earliest = max(job.release, self.crew.t0)
        latest = job.latest_start
        if fixed is not None:
            earliest, latest = max(earliest, fixed), min(latest, fixed)
        s = self.free(earliest, job.duration, latest)
        if s is None or (fixed is not None and s != fixed):
            return None
        return _Slot(start=s, cost=0, position=-1)

    def _fit_visit(self, job: Job, fixed: int | None) -> _Slot | None:
        best: _Slot | None = None
        route = self.plan.route
        for pos in range(len(route) + 1):
            slot = self._fit_between(job, pos, fixed)
            if slot is not None and (
                best is None or (slot.start, slot.cost) < (best.start, best.cost)
            ):
                best = slot
        return best

    def _fit_between(self, job: Job, pos: int, fixed: int | None) -> _Slot | None:
        """The earliest slot for a visit between route positions ``pos - 1`` and ``pos``. When
        the drive on from the visit does not fit the stretch of hours the visit lies in (the
        way back after the end of a shift), the visit is tried again in the next stretch."""
        p, crew, route = self.p, self.crew, self.plan.route
        prev = route[pos - 1] if pos > 0 else START
        ready = crew.t0 if prev == START else self.sched.start[prev] + p.jobs[prev].duration
        while True:
            slot, s = self._fit_between_from(job, pos, fixed, ready)
            later = [a for a, _ in crew.windows if s is not None and a > s]
            if slot is not None or s is None or not later:
                return slot
            ready = later[0]

    def _fit_between_from(
        self, job: Job, pos: int, fixed: int | None, ready: int
    ) -> tuple[_Slot | None, int | None]:
        """The slot for a visit with the drive in leaving no earlier than ``ready``, and the
        visit's start when only the drive on failed (None when nothing fitted before it)."""
        p, crew, route = self.p, self.crew, self.plan.route
        prev = route[pos - 1] if pos > 0 else START
        nxt = route[pos] if pos < len(route) else END
        old = ("drive", nxt)
        latest_start = job.latest_start if fixed is None else min(job.latest_start, fixed)
        drive_in = self.free_drive(prev, job.index, ready, latest_start, ignore=old)
        if drive_in is None:
            return None, None
        dep_in, t_in = drive_in
        earliest = max(dep_in + t_in, job.release)
        if fixed is not None:
            earliest = max(earliest, fixed)
        s = self.free(earliest, job.duration, latest_start, ignore=old)
        if s is None or (fixed is not None and s != fixed):
            return None, None
        if t_in == 0:
            # A zero-length drive (two tickets at one site) departs exactly at the visit's start:
            # CP-SAT forbids a zero-size interval strictly inside another one.
            dep_in = s
        if nxt == END:
            arrive_by, use_blocks = crew.window_end_at(s + job.duration), True
        else:
            arrive_by, use_blocks = self.sched.start[nxt], True
        drive_out = self.free_drive(
            job.index, nxt, s + job.duration, arrive_by, blocks=use_blocks, ignore=old
        )
        if drive_out is None:
            return None, (s if nxt == END and fixed is None else None)
        dep_out, t_out = drive_out
        if t_out == 0:
            dep_out = s + job.duration
        old_dep = self.plan.return_depart if nxt == END else self.plan.departs[pos]
        assert old_dep is not None
        cost = p.leg_cost(crew, prev, job.index, dep_in) + p.leg_cost(crew, job.index, nxt, dep_out)
        cost -= p.leg_cost(crew, prev, nxt, old_dep)
        slot = _Slot(start=s, cost=cost, position=pos, depart_in=dep_in, depart_out=dep_out)
        return slot, s

    def commit(self, job: Job, slot: _Slot) -> None:
        """Put the job where ``slot`` says, re-routing the drives around a visit."""
        self.sched.assign(job.index, self.crew.index, slot.start)
        self.items.add(slot.start, slot.start + job.duration, ("job", job.index))
        if not job.onsite:
            return
        p, crew, plan = self.p, self.crew, self.plan
        pos = slot.position
        nxt = plan.route[pos] if pos < len(plan.route) else END
        assert slot.depart_in is not None and slot.depart_out is not None
        self.items.remove(("drive", nxt))
        plan.route.insert(pos, job.index)
        plan.departs.insert(pos, slot.depart_in)
        t_in = p.leg_minutes(crew, self._prev(pos), job.index, slot.depart_in)
        self.items.add(slot.depart_in, slot.depart_in + t_in, ("drive", job.index))
        if nxt == END:
            plan.return_depart = slot.depart_out
        else:
            plan.departs[pos + 1] = slot.depart_out
        t_out = p.leg_minutes(crew, job.index, nxt, slot.depart_out)
        self.items.add(slot.depart_out, slot.depart_out + t_out, ("drive", nxt))

    def _prev(self, pos: int) -> int:
        return self.plan.route[pos - 1] if pos > 0 else START


def _edf_key(j: Job) -> tuple[int, ...]:
    """Earliest deadline first (then priority, release, input order)."""
    return (j.deadline, PRIORITY_RANK[j.priority], j.release, j.index)


def _sla_key(j: Job) -> tuple[int, ...]:
    """Urgent first; then tickets that can still be on time, by deadline; overdue ones last."""
    overdue = 1 if j.deadline < j.release else 0
    return (0 if j.urgent else 1, overdue, j.deadline, PRIORITY_RANK[j.priority], j.index)


ORDERS = {"edf": _edf_key, "sla": _sla_key}
"""Orders of the list: ``edf`` is the baseline; ``sla`` follows the objective's priorities and
is only used as an extra hint for CP-SAT."""


def greedy_order(problem: Problem, order: str = "edf") -> list[Job]:
    """Pinned starts first (by start), then the list order (earliest deadline first)."""
    todo = [j for j in problem.jobs if j.schedulable]
    pinned = sorted(
        (j for j in todo if j.pin_start is not None), key=lambda j: (j.pin_start, j.index)
    )
    rest = sorted((j for j in todo if j.pin_start is None), key=ORDERS[order])
    return pinned + rest


def solve_greedy(
    problem: Problem,
    seed_schedule: Schedule | None = None,
    order: str = "edf",
    rule: str = "soonest",
    defer_late: bool = False,
) -> Schedule:
    """Earliest-deadline-first list scheduling (optionally on top of a partial schedule whose
    jobs are kept at their crew and start when they still fit).

    ``rule``: ``soonest`` (the baseline) gives each ticket to whoever can start it soonest;
    ``cheapest`` to whoever adds the least travel (then soonest) — a routing-minded variant only
    used as an extra hint for CP-SAT.

    ``defer_late``: a ticket (not urgent) that could no longer start by its deadline is set
    aside and placed, shortest first, after every ticket that can still be on time (as Moore's
    rule does on one machine) — a breach-minded variant only used as an extra hint for CP-SAT.
    """
    sched = Schedule()
    for job in problem.jobs:
        if job.in_progress and job.pin_crew is not None and job.pin_start is not None:
            sched.assign(job.index, job.pin_crew, job.pin_start)
    lines = [CrewTimeline(problem, c, sched) for c in problem.crews]
    jobs = greedy_order(problem, order)
    done: set[int] = set()
    for job in (j for j in jobs if j.pin_start is not None):
        _place(lines, job, done, rule=rule)
    if seed_schedule is not None:
        for job in sorted(
            (problem.jobs[j] for j in seed_schedule.start if problem.jobs[j].schedulable),
            key=lambda j: seed_schedule.start[j.index],
        ):
            if job.index in done:
                continue
            crew = seed_schedule.crew_of[job.index]
            if crew in job.candidates:
                _place(lines, job, done, only=crew, at=seed_schedule.start[job.index])
    deferred: list[Job] = []
    for job in jobs:
        if job.index in done:
            continue
        if not defer_late or job.urgent:
            _place(lines, job, done, rule=rule)
        elif not _place(lines, job, done, rule=rule, by=job.deadline):
            deferred.append(job)
    deferred.sort(key=lambda j: (j.duration, PRIORITY_RANK[j.priority], j.index))
    for job in deferred:
        _place(lines, job, done, rule=rule)
    for line in lines:
        line.finalize_breaks()
    return sched


def _place(
    lines: list[CrewTimeline],
    job: Job,
    done: set[int],
    only: int | None = None,
    at: int | None = None,
    rule: str = "soonest",
    by: int | None = None,
) -> bool:
    """Give the job to the candidate who can start it soonest (least extra travel on a tie), or
    with ``rule="cheapest"`` to the one adding the least travel (soonest on a tie); with ``by``,
    only a start no later than ``by`` will do. Whether it was placed."""
    best: tuple[tuple[int, int, int], CrewTimeline, _Slot] | None = None
    for c in job.candidates if only is None else [only]:
        line = lines[c]
        slot = line.fit(job, at)
        if slot is None or (by is not None and slot.start > by):
            continue
        key = (slot.start, slot.cost, c) if rule == "soonest" else (slot.cost, slot.start, c)
        if best is None or key < best[0]:
            best = (key, line, slot)
    if best is None:
        return False
    best[1].commit(job, best[2])
    done.add(job.index)
    return True
