"""Search parameters of the dispatch engine: a value object passed in, read from a mapping with
a clear error naming an unknown setting."""

from __future__ import annotations

import pytest

from optimizer.dispatch import SearchParams
from optimizer.dispatch.build import build_problem
from optimizer.dispatch.model import build_model
from optimizer.errors import InvalidInput
from tests.unit.test_dispatch_fixtures import engineer, request, ticket


def test_parameters_read_from_a_table_override_only_what_they_name():
    params = SearchParams.from_dict({"lns_min_vars": 0, "grids_min": [10, 30]})
    assert (params.lns_min_vars, params.grids_min) == (0, (10, 30))
    assert params.lp_share == SearchParams().lp_share


def test_an_unknown_parameter_is_refused_with_its_name_and_value():
    with pytest.raises(InvalidInput) as err:
        SearchParams.from_dict({"lns_min_var": 0})
    assert err.value.field == "lns_min_var"
    assert "0" in str(err.value)


def _visits(engineers: int, visits: int):
    crew = [engineer(f"e{k}") for k in range(engineers)]
    work = [ticket(f"v{k}", onsite=True, where="site_near") for k in range(visits)]
    return build_problem(request(crew, work))


def test_a_model_over_the_arc_budget_offers_each_visit_to_the_nearest_engineers_only():
    # Three engineers, four visits: 3 × 4² = 48 possible legs.
    problem = _visits(3, 4)
    whole = build_model(problem, params=SearchParams(arc_budget=48))
    thinned = build_model(problem, params=SearchParams(arc_budget=47, visit_crews=2))
    assert not whole.pruned and all(len(c) == 3 for c in whole.cands.values())
    assert thinned.pruned and all(len(c) == 2 for c in thinned.cands.values())
