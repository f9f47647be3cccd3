"""A re-plan starts from the roster before it (``RosterRequest.start_from``): with the head's
edits put in, that roster is the solve's first one when it keeps every rule, so the answer is
never worse than it, even when the search is cut short."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

import pytest

from optimizer.domain.roster import (
    LabourRules,
    PinnedShift,
    RequiredDayOff,
    Roster,
    RosterRequest,
)
from optimizer.errors import InvalidInput, UnknownReference
from optimizer.roster.sample import sample_roster_request
from optimizer.roster.solve import solve
from optimizer.roster.validate import validate_roster

CUT_SHORT = 0.02
"""A deterministic budget far too small to find a good month from scratch."""


@cache
def february() -> tuple[RosterRequest, Roster]:
    """The sample department's February 2027, one worker, solved to the end."""
    req = sample_roster_request("2027-02", num_workers=1)
    return req, solve(req.model_copy(update={"max_deterministic_time": 5.0}))


def shifts_of(roster: Roster) -> list[PinnedShift]:
    return [
        PinnedShift(engineer_id=a.engineer_id, date=a.date, template_id=a.template_id)
        for a in roster.assignments
        if a.date is not None
    ]


def test_a_replan_cut_short_is_no_worse_than_the_roster_it_starts_from() -> None:
    req, earlier = february()
    short = {"max_deterministic_time": CUT_SHORT}
    fresh = solve(req.model_copy(update=short))
    again = solve(req.model_copy(update={**short, "start_from": shifts_of(earlier)}))
    assert fresh.solver.objective > earlier.solver.objective  # cut short, from scratch: worse
    assert again.solver.objective <= earlier.solver.objective
    assert not validate_roster(req, again)


def test_the_edits_replace_the_earlier_shifts_of_their_days() -> None:
    req, earlier = february()
    worked = earlier.assignments[0]
    other = next(
        t.id
        for t in req.shift_templates
        if t.id != worked.template_id
        and t.kind.value == "day"
        and worked.date.weekday() in t.weekdays
    )
    free = next(a for a in earlier.assignments if a.engineer_id != worked.engineer_id)
    rules = LabourRules(
        pinned=[PinnedShift(engineer_id=worked.engineer_id, date=worked.date, template_id=other)],
        required_days_off=[RequiredDayOff(engineer_id=free.engineer_id, date=free.date)],
    )
    edited = req.model_copy(
        update={"rules": rules, "start_from": shifts_of(earlier), "max_deterministic_time": 0.5}
    )
    roster = solve(edited)
    assert not validate_roster(edited, roster)
    on = {(a.engineer_id, a.date): a.template_id for a in roster.assignments}
    assert on[(worked.engineer_id, worked.date)] == other
    assert (free.engineer_id, free.date) not in on


def test_a_shift_of_an_unknown_engineer_is_refused_naming_it() -> None:
    req, _ = february()
    ghost = PinnedShift(engineer_id="ghost", date=req.start, template_id="day")
    with pytest.raises(UnknownReference) as err:
        RosterRequest.model_validate({**req.model_dump(), "start_from": [ghost.model_dump()]})
    assert err.value.field == "start_from[0].engineer_id" and err.value.value == "ghost"


def test_two_shifts_of_one_engineer_on_a_day_or_a_day_outside_the_period_are_refused() -> None:
    req, earlier = february()
    first = shifts_of(earlier)[0]
    for shifts, field in (
        ([first, first], "start_from[1].date"),
        ([first.model_copy(update={"date": req.end + timedelta(days=1)})], "start_from[0].date"),
    ):
        with pytest.raises(InvalidInput) as err:
            RosterRequest.model_validate(
                {**req.model_dump(), "start_from": [s.model_dump() for s in shifts]}
            )
        assert err.value.field == field
