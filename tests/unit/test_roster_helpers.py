"""Tiny, named roster fixtures shared by the roster tests, all derived from one base.

The base week is Monday 2027-03-01 .. Sunday 2027-03-07: an ordinary week of the production
calendar (March 8, a holiday, is the next Monday). Engineers are solved with one worker and a
deterministic limit, so every test is deterministic and fast.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from optimizer.calendar import TZ
from optimizer.domain.base import Absence, Engineer, ShiftTemplate
from optimizer.domain.common import AbsenceKind, Location
from optimizer.domain.roster import Roster, RosterRequest
from optimizer.domain.staffing import CoverageRequirement
from optimizer.roster import solve, validate_roster

MONDAY = date(2027, 3, 1)
SARATOV = Location(lat=51.5331, lon=46.0342)

DAY = ShiftTemplate(
    id="day", name="Day 09–18", start=time(9), end=time(18), break_min=60, weekdays=[0, 1, 2, 3, 4]
)
WEEKEND = ShiftTemplate(
    id="duty",
    name="Duty 10–16",
    start=time(10),
    end=time(16),
    break_min=0,
    kind="on_call",
    weekdays=[5, 6],
)


def engineer(eid: str, **kw: Any) -> Engineer:
    """An engineer in Saratov with a car, consent to weekend work unless told otherwise."""
    base: dict[str, Any] = {
        "id": eid,
        "name": f"Engineer {eid}",
        "skills": ["asterisk_dialplan"],
        "licence_b": True,
        "has_car": True,
        "base": SARATOV,
        "holiday_work_consent": True,
    }
    base.update(kw)
    return Engineer(**base)


def need(
    group: str = "all",
    required: int = 1,
    weekdays: range | list[int] = range(5),
    start: time = time(9),
    end: time = time(18),
) -> list[CoverageRequirement]:
    """The same requirement on each of ``weekdays``."""
    return [
        CoverageRequirement(weekday=w, start=start, end=end, group=group, required=required)
        for w in weekdays
    ]


def at(d: date, hour: int = 0) -> datetime:
    """Local Saratov time."""
    return datetime.combine(d, time(hour), TZ)


def away(eid: str, first: date, days: int, kind: str = "vacation") -> Absence:
    """An absence over whole days ``first`` .. ``first + days - 1``."""
    return Absence(
        engineer_id=eid,
        start=at(first),
        end=at(first + timedelta(days=days)),
        kind=AbsenceKind(kind),
    )


def request(**kw: Any) -> RosterRequest:
    """The base week: one engineer, the day template, one person needed on weekdays."""
    base: dict[str, Any] = {
        "start": MONDAY,
        "end": MONDAY + timedelta(days=6),
        "engineers": [engineer("a")],
        "shift_templates": [DAY, WEEKEND],
        "requirements": need(),
        "time_limit_s": 30,
        "num_workers": 1,
        "max_deterministic_time": 5.0,
    }
    base.update(kw)
    return RosterRequest(**base)


def solved(req: RosterRequest) -> Roster:
    """Solve and assert the roster passes the independent re-check of every hard rule."""
    roster = solve(req)
    violations = validate_roster(req, roster)
    assert violations == [], [str(v) for v in violations]
    return roster


def shifts_of(roster: Roster, eid: str) -> list[tuple[date, str]]:
    """(date, template) of an engineer's shifts, in order."""
    return sorted((a.date, a.template_id) for a in roster.assignments if a.engineer_id == eid)  # type: ignore[misc]


def test_base_week_is_an_ordinary_working_week() -> None:
    # Monday..Friday working, Saturday and Sunday off, no pre-holiday day.
    req = request()
    assert [d.weekday() for d in req.days] == [0, 1, 2, 3, 4, 5, 6]
    assert req.days[0] == MONDAY
