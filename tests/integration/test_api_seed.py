"""Loading the sample data is idempotent: a second run adds nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from optimizer.domain import DataSet
from service.seed import load_sample, seed


def _tiny() -> DataSet:
    """One policy, one site, one engineer with a vacation, one template, one ticket."""
    return DataSet.model_validate(
        {
            "sla_policies": [{"id": "seed-std"}],
            "sites": [{"id": "seed-site", "customer": "ООО «Маяк»", "city": "Engels",
                       "location": {"lat": 51.49, "lon": 46.12}, "sla_policy": "seed-std"}],
            "engineers": [{"id": "seed-eng", "name": "Сидоров", "base": {"lat": 51.5, "lon": 46}}],
            "absences": [{"engineer_id": "seed-eng", "kind": "vacation",
                          "start": "2026-07-01T00:00:00+04:00",
                          "end": "2026-07-15T00:00:00+04:00"}],
            "shift_templates": [{"id": "seed-day", "start": "09:00", "end": "18:00"}],
            "tickets": [{"id": "seed-t1", "site_id": "seed-site", "duration_min": 30,
                         "created_at": "2026-11-27T16:30:00+04:00"}],
        }
    )  # fmt: skip


def test_seeding_twice_adds_nothing_the_second_time(
    client: TestClient, admin: dict[str, str]
) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    first = seed(engine, _tiny())
    assert first.added == {
        "skills": 0,  # the migration stored the built-in catalogue already
        "sla_policies": 1, "sites": 1, "engineers": 1, "shift_templates": 1, "absences": 1,
        "tickets": 1,
    }  # fmt: skip
    assert seed(engine, _tiny()).total == 0
    ticket = client.get("/api/v1/tickets/seed-t1", headers=admin).json()
    assert ticket["sla_deadline"] == "2026-11-30T10:30:00+04:00"


def test_the_sample_data_set_loads_whole(client: TestClient, admin: dict[str, str]) -> None:
    sample = load_sample()
    if sample is None:
        pytest.skip("the sample data set is not installed")
    report = seed(client.app.state.engine, sample)  # type: ignore[attr-defined]
    assert report.added["tickets"] == len(sample.tickets)
    listed = client.get("/api/v1/engineers", params={"limit": 1000}, headers=admin).json()
    assert {e.id for e in sample.engineers} <= {e["id"] for e in listed["data"]}
    assert seed(client.app.state.engine, sample).total == 0  # type: ignore[attr-defined]
