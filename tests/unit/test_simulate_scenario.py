"""The scenario spec: validated like the contract, errors naming the field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from optimizer.domain.scenario import Scenario, ScenarioSet
from optimizer.errors import InvalidInput, UnknownReference, one_line
from optimizer.simulate import compile_scenario, parse_scenario_text
from optimizer.simulate.runner import compile_set
from tests.unit.test_simulate_engine import tiny_base

SYNTHETIC = {"synthetic": {"rate_per_hour": 4, "mean_duration_min": 30, "engineers": 3}}


def _error_line(data: object) -> str:
    with pytest.raises(ValidationError) as err:
        ScenarioSet.model_validate(data)
    return one_line(err.value)


@pytest.fixture(scope="module")
def base():
    return tiny_base()


def test_a_single_scenario_object_becomes_a_set_of_one():
    spec = ScenarioSet.model_validate({"name": "only", "base": SYNTHETIC})
    assert [s.name for s in spec.scenarios] == ["only"]
    assert spec.scenarios[0].base.is_synthetic


def test_base_defaults_to_the_sample_department():
    s = Scenario(name="x")
    assert s.base.sample and not s.base.is_synthetic


def test_negative_rate_names_the_field():
    line = _error_line(
        {"name": "x", "base": {"synthetic": {**SYNTHETIC["synthetic"], "rate_per_hour": -2}}}
    )
    assert line.startswith("scenarios[0].base.synthetic.rate_per_hour: -2")


def test_zero_replications_names_the_field():
    line = _error_line({"name": "x", "replications": 0})
    assert line.startswith("scenarios[0].replications: 0")


def test_horizon_over_three_years_names_the_field():
    line = _error_line({"name": "x", "horizon_days": 1200})
    assert line.startswith("scenarios[0].horizon_days: 1200")


def test_unknown_policy_names_the_field_and_the_choices():
    line = _error_line({"name": "x", "policy": "fastest"})
    assert line.startswith("scenarios[0].policy: 'fastest'")
    assert "greedy" in line and "optimal" in line


def test_unknown_field_is_rejected():
    line = _error_line({"name": "x", "changes": {"add_cars": 1}})
    assert "scenarios[0].changes.add_cars" in line


def test_unknown_base_word_is_rejected():
    line = _error_line({"name": "x", "base": "production"})
    assert "scenarios[0].base" in line


def test_duplicate_scenario_names_are_rejected():
    line = _error_line({"scenarios": [{"name": "a"}, {"name": "a"}]})
    assert "used twice" in line


def test_defaults_apply_to_scenarios_that_do_not_set_their_own():
    spec = ScenarioSet.model_validate(
        {
            "defaults": {"horizon_days": 14, "seed": 9},
            "scenarios": [{"name": "a"}, {"name": "b", "seed": 3}],
        }
    )
    assert [(s.horizon_days, s.seed) for s in spec.scenarios] == [(14, 9), (14, 3)]


def test_a_list_of_changes_is_merged_in_order():
    s = Scenario.model_validate(
        {
            "name": "x",
            "changes": [
                {"add_clients": [{"city": "Saratov", "count": 10}], "demand_multiplier": 1.5},
                {"add_clients": [{"city": "Engels", "count": 5}], "demand_multiplier": 2},
            ],
        }
    )
    assert [(a.city, a.count) for a in s.changes.add_clients] == [("Saratov", 10), ("Engels", 5)]
    assert s.changes.demand_multiplier == 2


def test_yaml_and_json_give_the_same_scenarios():
    json_text = '{"name": "x", "horizon_days": 10, "changes": {"operators": 2}}'
    yaml_text = "name: x\nhorizon_days: 10\nchanges:\n  operators: 2\n"
    assert parse_scenario_text(json_text, "json") == parse_scenario_text(yaml_text, "yaml")


def test_malformed_json_is_an_input_error_naming_the_source():
    with pytest.raises(InvalidInput) as err:
        parse_scenario_text("{", "json", source="x.json")
    assert err.value.field == "x.json"


def test_unknown_engineer_is_named_with_its_path(base):
    spec = ScenarioSet.model_validate(
        {"scenarios": [{"name": "a"}, {"name": "b", "changes": {"remove_engineers": ["zz"]}}]}
    )
    with pytest.raises(UnknownReference) as err:
        compile_set(spec, base)
    assert err.value.field == "scenarios[1].changes.remove_engineers[0]"
    assert err.value.value == "zz"


def test_unknown_city_is_named_with_its_path(base):
    s = Scenario.model_validate(
        {"name": "x", "changes": {"add_clients": [{"city": "Atlantis", "count": 3}]}}
    )
    with pytest.raises(UnknownReference) as err:
        compile_scenario(s, base, "scenarios[0]")
    assert err.value.field == "scenarios[0].changes.add_clients[0].city"
    assert "Saratov" in str(err.value)


def test_city_names_match_whatever_the_case(base):
    s = Scenario.model_validate(
        {"name": "x", "changes": {"add_clients": [{"city": "saratov", "count": 3}]}}
    )
    model = compile_scenario(s, base)
    assert len(model.sites.ids) == 3 + 3


def test_absence_of_an_unknown_engineer_is_rejected(base):
    s = Scenario.model_validate(
        {
            "name": "x",
            "changes": {
                "absences": [
                    {
                        "engineer_id": "nobody",
                        "start": "2027-02-01T00:00:00+04:00",
                        "end": "2027-02-02T00:00:00+04:00",
                        "kind": "sick",
                    }
                ]
            },
        }
    )
    with pytest.raises(UnknownReference) as err:
        compile_scenario(s, base, "scenarios[0]")
    assert err.value.field == "scenarios[0].changes.absences[0].engineer_id"


def test_hired_engineer_like_an_unknown_one_is_rejected(base):
    s = Scenario.model_validate({"name": "x", "changes": {"add_engineers": [{"like": "ghost"}]}})
    with pytest.raises(UnknownReference) as err:
        compile_scenario(s, base, "scenarios[0]")
    assert err.value.field == "scenarios[0].changes.add_engineers[0].like"


def test_hired_engineer_copies_skills_and_car_of_the_one_named_by_like(base):
    s = Scenario.model_validate({"name": "x", "changes": {"add_engineers": [{"like": "a"}]}})
    model = compile_scenario(s, base)
    new = model.engineers[-1]
    assert new.id == "new-1" and new.can_visit and new.skills == model.engineers[0].skills


def test_sample_base_without_the_sample_data_is_an_input_error():
    with pytest.raises(InvalidInput) as err:
        compile_scenario(Scenario(name="x"), None, "scenarios[0]")
    assert err.value.field == "scenarios[0].base"


def test_weekend_on_call_has_no_meaning_on_the_synthetic_base():
    s = Scenario.model_validate(
        {"name": "x", "base": SYNTHETIC, "changes": {"weekend_on_call": True}}
    )
    with pytest.raises(InvalidInput) as err:
        compile_scenario(s, None, "scenarios[0]")
    assert err.value.field == "scenarios[0].changes.weekend_on_call"


def test_synthetic_base_target_comes_from_sla_response_min():
    s = Scenario.model_validate(
        {"name": "x", "base": SYNTHETIC, "changes": {"sla_response_min": 10}}
    )
    model = compile_scenario(s, None)
    assert model.theory is not None and model.theory.target_min == 10
    assert model.sick_rate == 0.0


def test_car_shorthand_hires_an_engineer_who_can_visit(base):
    s = Scenario.model_validate(
        {"name": "x", "changes": {"add_engineers": [{"skills": ["sip_trunks"], "car": True}]}}
    )
    new = compile_scenario(s, base).engineers[-1]
    assert new.can_visit


def test_engineers_to_remove_may_be_given_as_objects():
    s = Scenario.model_validate({"name": "x", "changes": {"remove_engineers": [{"id": "a"}]}})
    assert s.changes.remove_engineers == ["a"]


def test_a_single_scenario_whose_name_is_not_text_is_refused_at_name():
    with pytest.raises(ValidationError) as err:
        ScenarioSet.model_validate({"name": 12345})
    assert ("name",) in [e["loc"] for e in err.value.errors()]
