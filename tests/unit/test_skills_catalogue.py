"""The skills catalogue as data: the built-in eight, a department's own skill working through the
engines, and an unknown skill refused at every edge with the field, the value and the catalogue
named."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from optimizer.domain import DataSet, SkillCatalogue, SkillEntry, UnknownSkill, default_catalogue
from optimizer.domain.roster import RosterRequest
from optimizer.domain.scenario import Scenario
from optimizer.domain.skills import default_skill_ids, skill_name
from optimizer.errors import InvalidInput, one_line
from optimizer.simulate.text import group_name
from tests.unit.test_dispatch_fixtures import engineer, request, solved, ticket

EIGHT = (
    "asterisk_dialplan",
    "sip_trunks",
    "gateways",
    "ip_phones",
    "network_vpn",
    "linux_server",
    "crm_integration",
    "call_center",
)

FREEPBX = {"id": "freepbx", "name_ru": "FreePBX", "name_en": "FreePBX"}
"""The skill a department adds: not in the built-in catalogue."""


def with_freepbx() -> list[dict[str, str]]:
    """The built-in catalogue plus FreePBX, as a request's ``skills`` field."""
    return [e.model_dump() for e in default_catalogue().entries] + [FREEPBX]


ENGINEER: dict[str, Any] = {
    "id": "e1",
    "name": "Иван",
    "skills": ["sip_trunks"],
    "base": {"lat": 51.53, "lon": 46.03},
}
TEMPLATE: dict[str, Any] = {"id": "office", "start": "09:00", "end": "18:00"}


# -- the built-in catalogue ---------------------------------------------------------------------


def test_the_default_catalogue_holds_the_eight_skills_with_russian_and_english_names() -> None:
    catalogue = default_catalogue()
    assert catalogue.ids == EIGHT
    assert catalogue.name("asterisk_dialplan") == "диалплан Asterisk"
    assert catalogue.name("asterisk_dialplan", "en") == "Asterisk dialplan"
    assert all(e.name_ru != e.id and e.name_en for e in catalogue.entries)


def test_a_request_without_a_catalogue_is_checked_against_the_built_in_one() -> None:
    assert SkillCatalogue.of(None) is default_catalogue()
    assert default_skill_ids() == EIGHT


def test_a_skill_id_must_be_a_short_path_safe_word() -> None:
    for bad in ("FreePBX", "free pbx", "a/b", "skill:x", "", "x" * 51):
        with pytest.raises(ValidationError):
            SkillEntry.model_validate({"id": bad, "name_ru": "x", "name_en": "x"})
    assert SkillEntry.model_validate(FREEPBX).id == "freepbx"


def test_a_catalogue_that_names_a_skill_twice_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        DataSet.model_validate({"skills": [FREEPBX, FREEPBX]})
    assert err.value.field == "skills[1].id" and err.value.value == "freepbx"


# -- an unknown skill at each edge --------------------------------------------------------------


def test_a_data_set_refuses_an_engineer_skill_outside_the_catalogue_naming_the_catalogue() -> None:
    with pytest.raises(UnknownSkill) as err:
        DataSet.model_validate({"engineers": [ENGINEER, {**ENGINEER, "id": "e2", "skills": [
            "sip_trunks", "freepbx"]}]})  # fmt: skip
    assert err.value.field == "engineers[1].skills[1]"
    assert err.value.value == "freepbx"
    text = str(err.value)
    assert text.startswith("engineers[1].skills[1]: 'freepbx' — not in the skills catalogue (")
    assert "asterisk_dialplan, sip_trunks" in text and "add it to the catalogue first" in text


def test_a_data_set_with_its_own_catalogue_takes_the_added_skill() -> None:
    ds = DataSet.model_validate(
        {"skills": with_freepbx(), "engineers": [{**ENGINEER, "skills": ["freepbx"]}]}
    )
    assert ds.engineers[0].skills == ["freepbx"]


def test_a_data_set_whose_catalogue_lacks_a_built_in_skill_refuses_it() -> None:
    with pytest.raises(UnknownSkill) as err:
        DataSet.model_validate({"skills": [FREEPBX], "engineers": [ENGINEER]})
    assert err.value.field == "engineers[0].skills[0]" and "(freepbx)" in str(err.value)


def test_a_dispatch_request_refuses_a_ticket_skill_outside_the_catalogue() -> None:
    with pytest.raises(UnknownSkill) as err:
        request([engineer("a")], [ticket("t1"), ticket("t2", skills=("freepbx",))])
    assert err.value.field == "tickets[1].required_skills[0]" and err.value.value == "freepbx"


def test_a_dispatch_request_refuses_an_engineer_skill_outside_the_catalogue() -> None:
    with pytest.raises(UnknownSkill) as err:
        request([engineer("a", skills=("mikrotik",))], [ticket("t1")])
    assert err.value.field == "engineers[0].skills[0]" and err.value.value == "mikrotik"


def test_a_roster_request_refuses_a_requirement_group_of_an_unknown_skill() -> None:
    body = {
        "start": "2027-03-01",
        "end": "2027-03-07",
        "engineers": [ENGINEER],
        "shift_templates": [TEMPLATE],
        "requirements": [
            {"weekday": 0, "start": "10:00", "end": "16:00", "group": "skill:freepbx"}
            | {"required": 1}
        ],
    }
    with pytest.raises(UnknownSkill) as err:
        RosterRequest.model_validate(body)
    assert err.value.field == "requirements[0].group" and err.value.value == "skill:freepbx"
    assert "skills catalogue" in str(err.value)
    ok = RosterRequest.model_validate({**body, "skills": with_freepbx()})
    assert ok.requirements[0].group == "skill:freepbx"


def test_a_roster_request_refuses_an_engineer_skill_outside_the_catalogue() -> None:
    body = {
        "start": "2027-03-01",
        "end": "2027-03-07",
        "engineers": [{**ENGINEER, "skills": ["mikrotik"]}],
        "shift_templates": [TEMPLATE],
    }
    with pytest.raises(UnknownSkill) as err:
        RosterRequest.model_validate(body)
    assert err.value.field == "engineers[0].skills[0]" and err.value.value == "mikrotik"


def test_a_scenario_refuses_a_hire_with_a_skill_outside_its_base_s_catalogue() -> None:
    # The base's catalogue is known when the scenario is compiled (the data set's may hold
    # FreePBX), so the check takes it and the scenario's path.
    body = {"name": "hire", "changes": {"add_engineers": [{"skills": ["sip_trunks", "freepbx"]}]}}
    with pytest.raises(UnknownSkill) as err:
        Scenario.model_validate(body).catalogue(default_catalogue(), "scenarios[0]")
    assert err.value.field == "scenarios[0].changes.add_engineers[0].skills[1]"
    own = Scenario.model_validate({**body, "skills": [FREEPBX]})
    assert own.catalogue(default_catalogue()).ids == (*EIGHT, "freepbx")


def test_the_one_line_of_an_unknown_skill_names_field_value_and_catalogue() -> None:
    with pytest.raises(UnknownSkill) as err:
        request([engineer("a")], [ticket("t1", skills=("freepbx",))])
    line = one_line(err.value)
    assert line.startswith("tickets[0].required_skills[0]: 'freepbx'")
    assert "skills catalogue (asterisk_dialplan" in line


# -- an added skill works end to end ------------------------------------------------------------


def test_an_engineer_with_an_added_skill_gets_the_ticket_requiring_it() -> None:
    # Two engineers at the office, both free all day; only b knows FreePBX, so the FreePBX
    # ticket can only be b's, and a's dialplan ticket stays a's or b's.
    req = request(
        [engineer("a"), engineer("b", skills=("asterisk_dialplan", "freepbx"))],
        [ticket("fp", skills=("freepbx",)), ticket("dp")],
        skills=with_freepbx(),
    )
    for policy in ("greedy", "optimal"):
        plan = solved(req, policy)
        by_ticket = {a.ticket_id: a.engineer_id for a in plan.assignments}
        assert by_ticket["fp"] == "b", policy
        assert "dp" in by_ticket


def test_a_ticket_of_an_added_skill_nobody_holds_is_explained_by_the_skill_s_name() -> None:
    req = request(
        [engineer("a")],
        [ticket("fp", skills=("freepbx",))],
        skills=[*with_freepbx()[:-1], {**FREEPBX, "name_ru": "АТС FreePBX"}],
        options={"explain": True},
    )
    plan = solved(req, "greedy")
    assert [u.ticket_id for u in plan.unassigned] == ["fp"]
    assert "АТС FreePBX" in plan.unassigned[0].message


# -- names where people read them ---------------------------------------------------------------


def test_a_shortfall_group_of_a_skill_reads_as_the_skill_s_russian_name() -> None:
    assert group_name("skill:asterisk_dialplan", "ru") == "диалплан Asterisk"
    assert group_name("skill:sip_trunks", "en") == "SIP trunks"
    assert group_name("skill:freepbx", "ru") == "freepbx"  # outside the built-in catalogue


def test_a_skill_name_comes_from_the_given_catalogue() -> None:
    own = SkillCatalogue((SkillEntry.model_validate(FREEPBX),))
    assert skill_name("freepbx", "ru", own) == "FreePBX"
    assert skill_name("sip_trunks", "ru") == "SIP-транки"
