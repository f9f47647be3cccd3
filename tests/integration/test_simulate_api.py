"""The what-if route refuses bad scenarios with a 422 problem naming the field."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

API = "/api/v1"
MMC = {"synthetic": {"rate_per_hour": 2, "mean_duration_min": 60, "engineers": 3}}


@pytest.mark.parametrize(
    ("change", "field", "value"),
    [
        ({"replications": 0}, "replications", 0),
        ({"backtest": "2026-13"}, "backtest", "2026-13"),
    ],
    ids=["zero-replications", "not-a-month"],
)
def test_a_bad_scenario_is_a_422_naming_the_field(
    client: TestClient,
    as_role,  # type: ignore[no-untyped-def]
    change: dict[str, object],
    field: str,
    value: object,
) -> None:
    scenario = {"name": "m", "horizon_days": 1, "base": MMC, **change}
    r = client.post(f"{API}/whatif", json={"scenarios": [scenario]}, headers=as_role("head"))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["field"].endswith(field) and "scenarios" in body["field"]
    assert body["value"] == value


@pytest.mark.slow
def test_a_backtest_month_outside_the_history_is_a_422_naming_the_field(
    client: TestClient,
    as_role,  # type: ignore[no-untyped-def]
) -> None:
    scenario = {"name": "m", "backtest": "2030-01", "replications": 1}
    r = client.post(
        f"{API}/whatif",
        params={"wait": 60},
        json={"scenarios": [scenario]},
        headers=as_role("head"),
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"] == "scenarios[0].backtest" and body["value"] == "2030-01"
    assert "2025-12 to 2026-11" in body["detail"]
