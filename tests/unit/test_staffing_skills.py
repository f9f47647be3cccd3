"""Staffing requirements for a department's own skill: a ``skill:<skill>`` group is accepted
when the skill is in the catalogue passed in, whether or not the history has its tickets."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from optimizer.domain import SkillCatalogue, SkillEntry, UnknownSkill, default_catalogue
from optimizer.staffing import forecast_arrivals, requirements
from optimizer.staffing.forecast import ArrivalForecast
from tests.unit.test_staffing_forecast import fixed_history

FREEPBX = SkillEntry(id="freepbx", name_ru="АТС FreePBX", name_en="FreePBX PBX")
WITH_FREEPBX = SkillCatalogue((*default_catalogue().entries, FREEPBX))
"""The built-in catalogue plus the department's FreePBX."""


@pytest.fixture(scope="module")
def dialplan_forecast() -> ArrivalForecast:
    """Four weeks of dialplan tickets only (two at 10:00, one at 14:00 each working day)."""
    return forecast_arrivals(fixed_history(date(2026, 3, 2), 28, {10: 2, 14: 1}))


def test_a_skill_group_of_the_catalogue_passed_in_is_accepted_without_history(
    dialplan_forecast: ArrivalForecast,
) -> None:
    rows = requirements(dialplan_forecast, groups=["all", "skill:freepbx"], skills=WITH_FREEPBX)
    assert {r.group for r in rows} == {"all"}  # no FreePBX tickets yet: nobody required


def test_a_skill_group_outside_the_catalogue_names_the_group_and_the_catalogue(
    dialplan_forecast: ArrivalForecast,
) -> None:
    with pytest.raises(UnknownSkill) as err:
        requirements(dialplan_forecast, groups=["skill:freepbx"])  # the built-in catalogue
    assert err.value.field == "groups" and err.value.value == "skill:freepbx"
    assert "skills catalogue (asterisk_dialplan" in str(err.value)
    with pytest.raises(UnknownSkill, match="freepbx, …|freepbx\\)"):
        requirements(dialplan_forecast, groups=["skill:mikrotik"], skills=WITH_FREEPBX)


def test_a_custom_skill_with_tickets_in_the_history_gets_its_rows() -> None:
    # Twelve FreePBX tickets a working day: above the half a ticket an hour a skill row needs.
    history = fixed_history(date(2026, 3, 2), 28, {10: 4, 11: 4, 14: 4})
    history["required_skills"] = "freepbx"
    f = forecast_arrivals(pd.DataFrame(history), skills=WITH_FREEPBX)
    rows = requirements(f, groups=["skill:freepbx"], skills=WITH_FREEPBX)
    assert rows and {r.group for r in rows} == {"skill:freepbx"}
    assert max(r.required for r in rows) >= 1


def test_a_history_skill_outside_the_catalogue_names_the_field_and_the_catalogue() -> None:
    history = fixed_history(date(2026, 3, 2), 7, {10: 1})
    history["required_skills"] = "freepbx"
    with pytest.raises(UnknownSkill) as err:
        forecast_arrivals(history)  # the built-in catalogue
    assert err.value.field == "history.required_skills" and err.value.value == "freepbx"
    assert "skills catalogue (asterisk_dialplan" in str(err.value)
    assert "skill:freepbx" in forecast_arrivals(history, skills=WITH_FREEPBX).streams
