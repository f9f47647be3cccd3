"""One replication at a time and the report combined from the results: the public steps a job
queue uses to spread the replications over workers."""

from __future__ import annotations

import json
import pickle
import random

import pytest

from optimizer.domain.scenario import ScenarioSet
from optimizer.errors import InvalidInput
from optimizer.simulate import ReplicationResult, combine, run_replication, run_scenarios

MMC = {"synthetic": {"rate_per_hour": 6, "mean_duration_min": 20, "engineers": 3}}


@pytest.fixture(scope="module")
def spec() -> ScenarioSet:
    """Two M/M/c scenarios (three and four engineers), three replications each, one seed."""
    base = {"base": MMC, "horizon_days": 3, "replications": 3, "seed": 11}
    return ScenarioSet.model_validate(
        {
            "name": "set",
            "scenarios": [
                {"name": "three", **base},
                {"name": "four", **base, "changes": {"add_engineers": [{}]}},
            ],
        }
    )


@pytest.fixture(scope="module")
def results(spec: ScenarioSet) -> list[ReplicationResult]:
    """Every replication, run one by one."""
    return [
        run_replication(spec, s, r)
        for s, scenario in enumerate(spec.scenarios)
        for r in range(scenario.replications)
    ]


def test_combined_single_replications_give_the_report_of_run_scenarios(spec, results):
    whole = run_scenarios(spec, workers=1)
    assert combine(results, name="set").model_dump_json() == whole.model_dump_json()


def test_results_in_any_order_combine_to_the_same_report(results):
    shuffled = list(results)
    random.Random(4).shuffle(shuffled)
    assert combine(shuffled).model_dump_json() == combine(results).model_dump_json()


def test_a_replication_result_survives_json_and_pickle(results):
    text = json.dumps([r.to_dict() for r in results])
    back = [ReplicationResult.from_dict(d) for d in json.loads(text)]
    assert combine(back).model_dump_json() == combine(results).model_dump_json()
    unpickled = pickle.loads(pickle.dumps(results))
    assert combine(unpickled).model_dump_json() == combine(results).model_dump_json()


def test_a_result_knows_its_scenario_and_replication(results):
    r = results[4]
    assert r.info is not None and (r.info.index, r.info.name, r.replication) == (1, "four", 1)


def test_another_seed_gives_another_replication(spec):
    a = run_replication(spec, 0, 0)
    b = run_replication(spec, 0, 0, seed=12)
    assert a.scalars["wait_mean"] != b.scalars["wait_mean"]


def test_a_replication_index_out_of_range_names_the_field(spec):
    with pytest.raises(InvalidInput) as err:
        run_replication(spec, 0, 3)
    assert err.value.field == "replication_index" and err.value.value == 3
    with pytest.raises(InvalidInput) as err:
        run_replication(spec, 2, 0)
    assert err.value.field == "scenario_index"


def test_combining_a_replication_twice_or_missing_the_baseline_is_refused(results):
    with pytest.raises(InvalidInput, match="twice"):
        combine([results[0], results[0]])
    with pytest.raises(InvalidInput, match="scenario 0"):
        combine(results[3:])
    with pytest.raises(InvalidInput, match="no replication results"):
        combine([])
