"""The board's commitments carry what the page shows (customer, address, city, location, the
drive's start) and the KPI strip of the current commitments, so the page needs no other call."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.auth import Role, create_key
from service.db import transaction
from service.seed import load_sample, seed
from tests.integration.conftest import make_settings

API = "/api/v1"
MORNING = "2026-11-30T09:30:00+04:00"


@pytest.fixture
def accepted_morning(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The sample data with the greedy plan of 09:30 accepted."""
    if load_sample() is None:
        pytest.skip("the sample data set is not installed")
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'wfm.db'}", max_tickets=1000))
    with TestClient(app, raise_server_exceptions=False) as client:
        seed(app.state.engine)  # type: ignore[attr-defined]
        with transaction(app.state.engine) as session:  # type: ignore[attr-defined]
            h = {"X-API-Key": create_key(session, Role.dispatcher, "board").key}
        body = {"now": MORNING, "options": {"policy": "greedy", "explain": False}}
        r = client.post(f"{API}/dispatch/from-store", params={"wait": 60}, json=body, headers=h)
        assert r.status_code == 200, r.text
        job = r.headers["x-job-id"]
        assert client.post(f"{API}/jobs/{job}/accept", headers=h).status_code == 200
        yield client, h


def test_board_commitments_name_the_customer_address_city_and_place(
    accepted_morning: tuple[TestClient, dict[str, str]],
) -> None:
    client, h = accepted_morning
    board: dict[str, Any] = client.get(f"{API}/board", params={"as_of": MORNING}, headers=h).json()
    sites = {
        s["id"]: s
        for s in client.get(f"{API}/sites", params={"limit": 1000}, headers=h).json()["data"]
    }
    assert len(board["assignments"]) > 20
    for a in board["assignments"]:
        ticket = client.get(f"{API}/tickets/{a['ticket_id']}", headers=h).json()
        site = sites[ticket["site_id"]]
        assert (a["customer"], a["address"], a["city"]) == (
            site["customer"], site["address"], site["city"],
        )  # fmt: skip
        assert a["location"] == (ticket.get("location") or site["location"])
        assert a["title"] == ticket["title"]
        if a["mode"] == "onsite" and a["travel_min"] > 0:
            # the drive ends by the start, and starts no later than the start minus the leg
            assert a["drive_start"] is not None
            assert a["drive_start"] <= a["start"]
    for q in board["queue"]:
        assert q["location"] is not None and q["customer"]


def test_board_kpis_count_the_current_commitments(
    accepted_morning: tuple[TestClient, dict[str, str]],
) -> None:
    client, h = accepted_morning
    board: dict[str, Any] = client.get(f"{API}/board", params={"as_of": MORNING}, headers=h).json()
    current = [a for a in board["assignments"] if a["status"] != "done"]
    engineers = {e["id"]: e for e in board["engineers"]}
    k = board["kpis"]
    late = [a for a in current if a["late_min"] > 0]
    assert k["assigned"] == len(current) > 0
    assert (k["on_time"], k["breaches"]) == (len(current) - len(late), len(late))
    assert 0 < k["breaches"] < k["assigned"]  # the sample morning is a hard one, not hopeless
    assert k["travel_km"] == pytest.approx(sum(a["travel_km"] for a in current), abs=0.1)
    cost = sum(a["travel_km"] * engineers[a["engineer_id"]]["car_cost_per_km_rub"] for a in current)
    assert k["car_cost_rub"] == pytest.approx(cost, abs=0.01) and k["car_cost_rub"] > 0
    assert k["unassigned"] == len(board["queue"])
    assert k["urgent_wait_min_max"] >= 0
