"""Bad roster input: a clear error naming the field and value, or an explained
infeasibility naming the rule."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from pydantic import ValidationError

from optimizer.domain.roster import LabourRules, PinnedShift, RequiredDayOff
from optimizer.errors import InfeasibleRequest, InvalidInput, UnknownReference
from optimizer.roster import solve
from tests.unit.test_roster_helpers import MONDAY, away, engineer, need, request


def test_absence_of_an_unknown_engineer_is_rejected_naming_it() -> None:
    with pytest.raises(UnknownReference) as err:
        request(absences=[away("ghost", MONDAY, 2)])
    assert err.value.field == "absences[0].engineer_id" and err.value.value == "ghost"


def test_template_ending_before_it_starts_is_rejected() -> None:
    with pytest.raises(ValidationError, match="not after start"):
        request(shift_templates=[{"id": "bad", "start": "18:00", "end": "09:00"}])


def test_requirement_for_an_unknown_skill_is_rejected() -> None:
    bad = {"weekday": 0, "start": "09:00", "end": "18:00", "group": "skill:cobol", "required": 1}
    with pytest.raises(InvalidInput, match="not in the skills catalogue"):
        request(requirements=[bad])


def test_period_longer_than_a_year_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="at most a year"):
        request(end=MONDAY + timedelta(days=400))


def test_period_ending_before_it_starts_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="before start"):
        request(end=MONDAY - timedelta(days=1))


def test_pin_for_an_unknown_template_is_rejected() -> None:
    pin = PinnedShift(engineer_id="a", date=MONDAY, template_id="night")
    with pytest.raises(UnknownReference, match="unknown shift template"):
        request(rules=LabourRules(pinned=[pin]))


def test_pinned_shift_on_a_required_day_off_is_an_explained_infeasibility() -> None:
    rules = LabourRules(
        pinned=[PinnedShift(engineer_id="a", date=MONDAY, template_id="day")],
        required_days_off=[RequiredDayOff(engineer_id="a", date=MONDAY)],
    )
    with pytest.raises(InfeasibleRequest, match="required day off"):
        solve(request(rules=rules))


def test_pinned_shift_during_a_vacation_is_an_explained_infeasibility() -> None:
    rules = LabourRules(pinned=[PinnedShift(engineer_id="a", date=MONDAY, template_id="day")])
    with pytest.raises(InfeasibleRequest, match="vacation"):
        solve(request(rules=rules, absences=[away("a", MONDAY, 3)]))


def test_pinned_weekend_duty_without_consent_names_article_113() -> None:
    sat = MONDAY + timedelta(days=5)
    rules = LabourRules(pinned=[PinnedShift(engineer_id="a", date=sat, template_id="duty")])
    with pytest.raises(InfeasibleRequest, match="art. 113"):
        solve(request(rules=rules, engineers=[engineer("a", holiday_work_consent=False)]))


def test_pins_breaking_the_consecutive_days_limit_name_that_rule() -> None:
    # Seven days pinned in a row (the weekend duty asked for) with at most six allowed.
    pins = [
        PinnedShift(
            engineer_id="a", date=MONDAY + timedelta(days=i), template_id="day" if i < 5 else "duty"
        )
        for i in range(7)
    ]
    rules = LabourRules(pinned=pins, weekly_rest_h=0)
    weekend = need(weekdays=[5, 6], start=time(10), end=time(16))
    with pytest.raises(InfeasibleRequest) as err:
        solve(request(rules=rules, requirements=need() + weekend))
    assert "at most 6 working days in a row" in err.value.explanation
    assert err.value.reasons == ["at most 6 working days in a row"]


def test_pins_leaving_no_weekly_rest_name_article_110() -> None:
    # Monday–Friday and Saturday duty pinned: the only day off left is Sunday (30 h).
    pins = [
        PinnedShift(
            engineer_id="a", date=MONDAY + timedelta(days=i), template_id="day" if i < 5 else "duty"
        )
        for i in range(6)
    ]
    with pytest.raises(InfeasibleRequest, match="art. 110"):
        solve(
            request(
                rules=LabourRules(pinned=pins),
                requirements=need(weekdays=[5], start=time(10), end=time(16)),
            )
        )
