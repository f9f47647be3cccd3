"""A department's own skill in the what-if simulator: the bit masks follow the data set's (and
the scenario's) skills catalogue, and the report names the skill by its catalogue name.

The tiny department of :mod:`tests.unit.test_simulate_engine` plus engineer ``c`` (no car), the
only one who knows FreePBX, a skill the department added to its catalogue as «АТС FreePBX»;
a third of the history's tickets are remote FreePBX work.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimizer.domain import (
    DataSet,
    Engineer,
    SkillCatalogue,
    SkillEntry,
    UnknownSkill,
    default_catalogue,
)
from optimizer.domain.scenario import Scenario, ScenarioSet
from optimizer.errors import InvalidInput
from optimizer.simulate import run_scenarios
from optimizer.simulate.compile import BaseData, compile_scenario
from optimizer.simulate.engine import Department, GreedyDispatcher, engineer_states, travel_function
from optimizer.simulate.model import MAX_SIMULATED_SKILLS, ScenarioInfo, SkillBits
from optimizer.simulate.optimal import OptimalDispatcher
from optimizer.simulate.text import shortfall_rows
from tests.unit.test_simulate_engine import (
    SARATOV,
    START,
    at,
    tickets_of,
    tiny_dataset,
    tiny_history,
)

FREEPBX = SkillEntry(id="freepbx", name_ru="АТС FreePBX", name_en="FreePBX PBX")


def freepbx_dataset() -> DataSet:
    """The tiny department with FreePBX in its catalogue and engineer ``c`` who knows it."""
    ds = tiny_dataset()
    c = Engineer(id="c", name="C", skills=["freepbx"], base=SARATOV, cost_per_hour_rub=500)
    return DataSet.model_validate(
        {
            **ds.model_dump(),
            "skills": [*default_catalogue().entries, FREEPBX],
            "engineers": [*ds.engineers, c],
        }
    )


def freepbx_history() -> pd.DataFrame:
    """The tiny history with every third ticket turned into remote FreePBX work."""
    h = tiny_history().copy()
    pbx = np.arange(len(h)) % 3 == 0
    h.loc[pbx, ["category", "required_skills", "mode"]] = ["freepbx", "freepbx", "remote"]
    return h


@pytest.fixture(scope="module")
def base() -> BaseData:
    return BaseData.fit(freepbx_dataset(), freepbx_history(), START)


def scenario(**fields: object) -> Scenario:
    """A week of the FreePBX department, no sickness, two replications."""
    spec = {"name": "база", "start": START, "horizon_days": 7, "sick_rate": 0.0}
    return Scenario.model_validate({**spec, "replications": 2, **fields})


def test_the_base_gives_a_bit_to_each_skill_in_use_in_catalogue_order(base):
    # In use: a's and b's built-in skills, c's FreePBX; gateways and the rest nobody uses.
    assert base.skills.ids == ("asterisk_dialplan", "sip_trunks", "crm_integration", "freepbx")
    assert base.skills.mask(["freepbx"]) == 1 << 3
    assert base.skills.skills(0b1001) == ["asterisk_dialplan", "freepbx"]


def test_freepbx_tickets_of_the_history_become_a_ticket_kind_of_the_mix(base):
    pbx = base.skills.mask(["freepbx"])
    assert pbx in base.mix.skill_sets
    c = base.mix.categories.index("freepbx")
    assert base.mix.skill_p[c][base.mix.skill_sets.index(pbx)] == 1.0


def test_a_freepbx_ticket_goes_to_the_only_engineer_who_knows_freepbx(base):
    # Monday 10:00, everyone idle at the office: only c knows FreePBX.
    model = compile_scenario(scenario(), base)
    tickets = tickets_of(model, {"created": at(0, 10), "skills": ["freepbx"]})
    dept = Department(
        model,
        tickets,
        engineer_states(model, np.random.SeedSequence(1)),
        travel_function(model),
        GreedyDispatcher(),
    )
    dept.run()
    assert dept.engineers[int(dept.assigned[0])].plan.id == "c"
    assert dept.start[0] == at(0, 10)


def test_the_optimal_policy_hands_the_dispatch_engine_the_department_s_catalogue(base):
    # The dispatch engine checks skills against the request's catalogue: without FreePBX in
    # it, the ticket would be refused as an unknown skill instead of going to c.
    model = compile_scenario(scenario(policy="optimal"), base)
    tickets = tickets_of(model, {"created": at(0, 10), "skills": ["freepbx"]})
    dispatcher = OptimalDispatcher(time_limit_s=0.2)
    dept = Department(
        model,
        tickets,
        engineer_states(model, np.random.SeedSequence(1)),
        travel_function(model),
        dispatcher,
    )
    dept.run()
    assert dispatcher.calls >= 1
    assert dept.engineers[int(dept.assigned[0])].plan.id == "c"


def test_a_scenario_without_the_freepbx_engineer_reports_the_shortfall_by_the_russian_name(
    base,
):
    spec = ScenarioSet.model_validate(
        {
            "scenarios": [
                scenario().model_dump(),
                scenario(name="без C", changes={"remove_engineers": ["c"]}).model_dump(),
            ]
        }
    )
    report = run_scenarios(spec, base, workers=1)
    with_c, without_c = report.scenarios
    assert {u.engineer_id: u.tickets for u in with_c.engineers}["c"] > 0
    assert "skill:freepbx" in {r.group for r in without_c.shortfall}
    assert not any(r.group == "skill:freepbx" for r in with_c.shortfall)
    shown = {row[2] for row in shortfall_rows(without_c, "ru", limit=100)}
    assert "АТС FreePBX" in shown and "freepbx" not in shown
    assert "FreePBX PBX" in {row[2] for row in shortfall_rows(without_c, "en", limit=100)}


def test_a_hire_may_hold_a_skill_of_the_data_set_s_catalogue(base):
    model = compile_scenario(
        scenario(changes={"add_engineers": [{"id": "n", "skills": ["freepbx"]}]}), base
    )
    hired = next(e for e in model.engineers if e.id == "n")
    assert hired.skills == model.skills.mask(["freepbx"])


def test_a_hire_with_a_skill_of_the_scenario_s_own_catalogue_gets_a_new_bit(base):
    mikrotik = {"id": "mikrotik", "name_ru": "MikroTik", "name_en": "MikroTik"}
    model = compile_scenario(
        scenario(
            skills=[mikrotik], changes={"add_engineers": [{"id": "n", "skills": ["mikrotik"]}]}
        ),
        base,
    )
    assert model.skills.ids[: len(base.skills.ids)] == base.skills.ids  # old masks unchanged
    assert "mikrotik" in model.skills.ids
    assert next(e for e in model.engineers if e.id == "n").skills == model.skills.mask(["mikrotik"])


def test_a_typical_hire_holds_every_skill_in_use(base):
    model = compile_scenario(scenario(changes={"add_engineers": [{"id": "n"}]}), base)
    hired = next(e for e in model.engineers if e.id == "n")
    assert model.skills.skills(hired.skills) == list(base.skills.ids)


def test_a_hire_with_a_skill_outside_every_catalogue_names_the_scenario_s_path(base):
    spec = ScenarioSet.model_validate(
        {
            "scenarios": [
                scenario().model_dump(),
                scenario(
                    name="найм", changes={"add_engineers": [{"skills": ["sip_trunks", "voip"]}]}
                ).model_dump(),
            ]
        }
    )
    with pytest.raises(UnknownSkill) as err:
        run_scenarios(spec, base, workers=1)
    assert err.value.field == "scenarios[1].changes.add_engineers[0].skills[1]"
    assert err.value.value == "voip"
    assert "freepbx" in str(err.value)  # the catalogue named is the data set's


def test_a_synthetic_scenario_s_unknown_hire_skill_is_refused_with_its_path_at_validation():
    body = {
        "name": "mmc",
        "base": {"synthetic": {"rate_per_hour": 2, "mean_duration_min": 30, "engineers": 2}},
        "changes": {"add_engineers": [{"skills": ["freepbx"]}]},
    }
    with pytest.raises(UnknownSkill) as err:
        ScenarioSet.model_validate({"scenarios": [{**body, "name": "a"}, body]})
    assert err.value.field == "scenarios[0].changes.add_engineers[0].skills[0]"
    with_own = {**body, "skills": [FREEPBX.model_dump()]}
    assert ScenarioSet.model_validate({"scenarios": [with_own]}).scenarios[0].skills


def test_a_scenario_catalogue_naming_a_skill_twice_names_the_scenario_s_path():
    twice = [FREEPBX.model_dump(), FREEPBX.model_dump()]
    with pytest.raises(InvalidInput) as err:
        ScenarioSet.model_validate({"scenarios": [{"name": "a"}, {"name": "b", "skills": twice}]})
    assert err.value.field == "scenarios[1].skills[1].id"


def test_the_report_s_skill_names_survive_a_replication_result_s_json(base):
    info = ScenarioInfo.of(compile_scenario(scenario(), base))
    again = ScenarioInfo.from_dict(info.to_dict())
    assert again.skills == info.skills and FREEPBX in again.skills


def test_more_skills_in_use_than_a_mask_holds_names_the_field():
    many = [
        SkillEntry(id=f"s{i}", name_ru=f"s{i}", name_en=f"s{i}")
        for i in range(MAX_SIMULATED_SKILLS + 1)
    ]
    with pytest.raises(InvalidInput) as err:
        SkillBits.of(SkillCatalogue(tuple(many)), [e.id for e in many], "skills")
    assert err.value.field == "skills"
    assert SkillBits.of(SkillCatalogue(tuple(many)), ["s0", "s63"], "skills").ids == ("s0", "s63")
