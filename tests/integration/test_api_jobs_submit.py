"""What a what-if submit refuses before queuing: input the request model accepts but the job
would fail on at once (a backtest month outside the recorded history, a backtest of the
synthetic base, an unknown engineer) is a 422 naming ``scenarios[i]…``, with or without
``?wait``, and no job is stored. A good backtest month is still queued."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.auth import Role, create_key
from service.db import transaction
from tests.integration.conftest import make_settings

API = "/api/v1"
SYNTHETIC = {"synthetic": {"rate_per_hour": 4, "mean_duration_min": 30, "engineers": 3}}


@pytest.fixture(scope="module")
def client(database_url: str) -> Iterator[TestClient]:
    """The app with no workers: a submitted job stays queued and can be counted."""
    app = create_app(make_settings(database_url, job_workers=0))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def head(client: TestClient) -> dict[str, str]:
    """Headers of a head's key (the role that submits what-if jobs)."""
    with transaction(client.app.state.engine) as session:  # type: ignore[attr-defined]
        return {"X-API-Key": create_key(session, Role.head, "submit").key}


def _jobs(client: TestClient, head: dict[str, str]) -> int:
    return int(client.get(f"{API}/jobs", headers=head).json()["count"])


def _refused(
    client: TestClient, head: dict[str, str], body: dict[str, object], wait: float = 0
) -> dict[str, object]:
    """Submit ``body``; assert a 422 problem+json and that no job was stored; the problem."""
    before = _jobs(client, head)
    r = client.post(f"{API}/whatif", params={"wait": wait}, json=body, headers=head)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert _jobs(client, head) == before
    problem: dict[str, object] = r.json()
    return problem


def test_a_backtest_month_before_the_history_is_refused_at_submit_naming_the_scenario(
    client: TestClient, head: dict[str, str]
) -> None:
    # The sample history starts in December 2025: March 2020 was never recorded.
    body = {"scenarios": [{"name": "март 2020", "backtest": "2020-03", "replications": 1}]}
    problem = _refused(client, head, body)
    assert problem["field"] == "scenarios[0].backtest"
    assert problem["value"] == "2020-03"
    assert "not a recorded month" in str(problem["detail"])


def test_the_second_scenarios_bad_month_is_named_as_its_own_even_with_wait(
    client: TestClient, head: dict[str, str]
) -> None:
    body = {
        "scenarios": [
            {"name": "как есть", "horizon_days": 7, "replications": 1},
            {"name": "будущее", "backtest": "2031-01", "replications": 1},
        ]
    }
    assert _refused(client, head, body, wait=5)["field"] == "scenarios[1].backtest"


def test_a_backtest_given_in_the_defaults_is_named_at_the_first_scenario_it_reaches(
    client: TestClient, head: dict[str, str]
) -> None:
    body = {
        "defaults": {"backtest": "2019-12", "replications": 1},
        "scenarios": [{"name": "а"}, {"name": "б"}],
    }
    assert _refused(client, head, body)["field"] == "scenarios[0].backtest"


def test_a_backtest_of_the_synthetic_base_is_refused_at_submit(
    client: TestClient, head: dict[str, str]
) -> None:
    body = {"name": "M/M/c", "base": SYNTHETIC, "horizon_days": 5, "backtest": "2026-03"}
    assert _refused(client, head, body)["field"] == "scenarios[0].backtest"


def test_an_unknown_engineer_in_a_scenario_is_refused_at_submit(
    client: TestClient, head: dict[str, str]
) -> None:
    body = {
        "scenarios": [
            {"name": "база", "horizon_days": 7, "replications": 1},
            {
                "name": "без призрака",
                "horizon_days": 7,
                "replications": 1,
                "changes": {"remove_engineers": ["E-NOBODY"]},
            },
        ]
    }
    problem = _refused(client, head, body)
    assert str(problem["field"]).startswith("scenarios[1].changes.remove_engineers")


def test_a_recorded_backtest_month_is_queued(client: TestClient, head: dict[str, str]) -> None:
    before = _jobs(client, head)
    body = {"scenarios": [{"name": "март 2026", "backtest": "2026-03", "replications": 1}]}
    r = client.post(f"{API}/whatif", json=body, headers=head)
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued"
    assert _jobs(client, head) == before + 1
