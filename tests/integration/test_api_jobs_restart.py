"""A job cut off by a restart is marked interrupted on the next start and can be re-run;
a queued job can be cancelled. Each test starts the app twice over one database."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.app import create_app
from service.auth import Role, create_key
from service.db import transaction
from tests.integration.conftest import make_settings

API = "/api/v1"
STAFFING = {"intervals": [{"label": "вт 09-10", "rate_per_hour": 4, "aht_min": 30}]}


def _admin_key(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with transaction(app.state.engine) as session:
        return {"X-API-Key": create_key(session, Role.admin).key}


def test_a_job_queued_when_the_service_stops_is_interrupted_after_restart_and_reruns(
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

    second = create_app(make_settings(url, job_workers=1))
    with TestClient(second) as client:
        job = client.get(job_url, headers=key).json()
        assert job["status"] == "interrupted"
        assert job["error"]["type"] == "/problems/interrupted"
        result = client.get(f"{job_url}/result", headers=key)
        assert result.status_code == 409
        rerun = client.post(f"{job_url}/rerun", params={"wait": 60}, headers=key)
        assert rerun.status_code == 200
        assert rerun.json()["intervals"][0]["required"] >= 3
        new = client.get(rerun.headers["location"], headers=key).json()
        assert (new["status"], new["rerun_of"]) == ("done", job_url.rsplit("/", 1)[1])


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
        done = client.post(f"{API}/staffing", params={"wait": 60}, json=STAFFING, headers=key)
        assert done.status_code == 200
    again = create_app(make_settings(url, job_workers=0))
    with TestClient(again) as client:
        kept = client.get(f"{done.headers['location']}/result", headers=key)
        assert kept.status_code == 200 and kept.json() == done.json()
