"""A job cut off by a restart runs at the next start without a manual re-run; a queued job
can be cancelled; results survive a restart. Each test starts the app twice over one
database."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from service.app import create_app
from service.auth import Role, create_key
from service.db import transaction
from tests.integration.conftest import make_settings

API = "/api/v1"
STAFFING = {"intervals": [{"label": "вт 09-10", "rate_per_hour": 4, "aht_min": 30}]}
FINISH_DEADLINE_S = 600
"""How long a job may take to finish on a loaded machine before the test gives up."""


def _admin_key(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with transaction(app.state.engine) as session:
        return {"X-API-Key": create_key(session, Role.admin).key}


def _finished(client: TestClient, job_url: str, key: dict[str, str]) -> dict[str, Any]:
    """The job once it has left queued and running. The service waits on the row (up to
    ``max_wait_s`` per request); a loaded machine may need several such waits, since a
    fresh worker first starts its solve process. Nothing is asserted on how long it took."""
    deadline = time.monotonic() + FINISH_DEADLINE_S
    while True:
        job: dict[str, Any] = client.get(job_url, params={"wait": 60}, headers=key).json()
        if job["status"] not in ("queued", "running"):
            return job
        assert time.monotonic() < deadline, f"the job did not finish: {job}"


def test_a_job_queued_when_the_service_stops_runs_at_the_next_start_without_a_rerun(
    database_url: str,
) -> None:
    url = database_url
    # First life: no workers, so the job is still queued when the process goes away
    # (as after a crash or a kill).
    first = create_app(make_settings(url, job_workers=0))
    with TestClient(first) as client:
        key = _admin_key(first)
        r = client.post(f"{API}/staffing", json=STAFFING, headers=key)
        assert r.status_code == 202 and r.json()["status"] == "queued"
        job_url = r.headers["location"]

    second = create_app(make_settings(url, job_workers=1, prestart_workers=True))
    with TestClient(second) as client:
        job = _finished(client, job_url, key)
        assert (job["status"], job["rerun_of"], job["error"]) == ("done", None, None)
        result = client.get(f"{job_url}/result", headers=key)
        assert result.status_code == 200
        assert result.json()["intervals"][0]["required"] >= 3


def test_a_queued_job_is_cancelled_and_cannot_be_cancelled_twice(database_url: str) -> None:
    app = create_app(make_settings(database_url, job_workers=0))
    with TestClient(app) as client:
        key = _admin_key(app)
        job_url = client.post(f"{API}/staffing", json=STAFFING, headers=key).headers["location"]
        r = client.delete(job_url, headers=key)
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
        again = client.delete(job_url, headers=key)
        assert again.status_code == 409 and "cancelled" in again.json()["detail"]
        assert client.get(f"{job_url}/result", headers=key).status_code == 409


def test_stored_results_survive_a_restart(database_url: str) -> None:
    url = database_url
    app = create_app(make_settings(url, job_workers=1))
    with TestClient(app) as client:
        key = _admin_key(app)
        job_url = client.post(f"{API}/staffing", json=STAFFING, headers=key).headers["location"]
        assert _finished(client, job_url, key)["status"] == "done"
        done = client.get(f"{job_url}/result", headers=key)
        assert done.status_code == 200 and done.json()["intervals"]
    again = create_app(make_settings(url, job_workers=0))
    with TestClient(again) as client:
        kept = client.get(f"{job_url}/result", headers=key)
        assert kept.status_code == 200 and kept.json() == done.json()
