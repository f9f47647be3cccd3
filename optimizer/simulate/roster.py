"""Engineers' working time from the shift-planning engine (``engineers_from: roster``).

The horizon is planned in blocks of four weeks by :func:`optimizer.roster.solve.solve` with the
weekly coverage requirement of the staffing engine (all engineers and visit-capable ones, 95 %
started within the SLA), the data set's shift templates and absences, and a short deterministic
work limit per block. Labour rules that span two blocks (weekly rest across the boundary) are
not linked: a simplification of the simulation input, not of the roster engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from optimizer.domain.base import Engineer, ShiftKind
from optimizer.domain.roster import RosterRequest
from optimizer.domain.skills import SkillCatalogue
from optimizer.errors import InvalidInput
from optimizer.roster.solve import solve
from optimizer.simulate.clock import MINUTES_PER_DAY, SimClock
from optimizer.simulate.fitted import BaseData
from optimizer.simulate.model import Shift
from optimizer.staffing import requirements

BLOCK_DAYS = 28
DETERMINISTIC_TIME = 1.0
"""CP-SAT work limit per block (deterministic, one worker): the same roster on every run, so
the same seed still gives the same report."""
TIME_LIMIT_S = 30.0
"""Wall-clock cap only."""


def roster_shifts(
    base: BaseData,
    engineers: Sequence[Engineer],
    clock: SimClock,
    end: float,
    catalogue: SkillCatalogue,
    path: str,
) -> dict[str, list[Shift]]:
    """Shifts per engineer over ``[0, end)`` from the roster engine, block by block (the
    engineers' skills are in ``catalogue``, the scenario's)."""
    ds = base.dataset
    ids = {e.id for e in engineers}
    absences = [a for a in ds.absences if a.engineer_id in ids]
    need = requirements(base.forecast, groups=["all", "visit"])
    out: dict[str, list[Shift]] = {e.id: [] for e in engineers}
    days = int(-(-end // MINUTES_PER_DAY))
    for first in range(0, days, BLOCK_DAYS):
        start = clock.start + timedelta(days=first)
        stop = clock.start + timedelta(days=min(days, first + BLOCK_DAYS) - 1)
        request = RosterRequest(
            start=start,
            end=stop,
            engineers=list(engineers),
            absences=absences,
            shift_templates=ds.shift_templates,
            requirements=need,
            time_limit_s=TIME_LIMIT_S,
            max_deterministic_time=DETERMINISTIC_TIME,
            num_workers=1,
            skills=list(catalogue.entries),
        )
        try:
            roster = solve(request)
        except InvalidInput as err:
            raise InvalidInput(f"{path}.engineers_from", "roster", err.message) from None
        for a in roster.assignments:
            if a.start is None or a.end is None:
                continue
            s, e = clock.minute_of(a.start), clock.minute_of(a.end)
            on_call = a.kind == ShiftKind.on_call.value
            out[a.engineer_id].append(Shift(s, e, e, clock.day_of(s), on_call=on_call))
    for shifts in out.values():
        shifts.sort(key=lambda s: s.start)
    return out
