"""Several writers at once over real HTTP: nothing is lost, nothing fails, reads go on."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.e2e.conftest import LiveServer

WRITERS = 8
TICKETS_EACH = 15


def _setup(client: httpx.Client) -> None:
    client.post("/api/v1/sla-policies", json={"id": "std"})
    site = {"id": "s-1", "customer": "ООО «Связь»", "city": "Saratov",
            "location": {"lat": 51.53, "lon": 46.03}, "sla_policy": "std"}  # fmt: skip
    assert client.post("/api/v1/sites", json=site).status_code == 201


def _write(server: LiveServer, writer: int) -> list[int]:
    statuses = []
    with httpx.Client(base_url=server.url, headers={"X-API-Key": server.admin_key}) as client:
        for i in range(TICKETS_EACH):
            ticket = {
                "id": f"w{writer}-{i}",
                "external_id": f"EXT-{writer}-{i}",
                "site_id": "s-1",
                "created_at": "2026-11-27T10:00:00+04:00",
                "duration_min": 30,
                "priority": "urgent" if i % 3 == 0 else "normal",
            }
            statuses.append(client.post("/api/v1/tickets", json=ticket).status_code)
            if i % 5 == 4:  # a status change and a read between writes
                r = client.patch(
                    f"/api/v1/tickets/w{writer}-{i}", json={"status": "waiting_customer"}
                )
                statuses.append(r.status_code)
                statuses.append(client.get("/api/v1/tickets", params={"limit": 5}).status_code)
    return statuses


def test_concurrent_writers_lose_nothing(live_server: LiveServer) -> None:
    headers = {"X-API-Key": live_server.admin_key}
    with httpx.Client(base_url=live_server.url, headers=headers) as client:
        _setup(client)
        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            results = list(pool.map(lambda w: _write(live_server, w), range(WRITERS)))
        statuses = [s for r in results for s in r]
        assert set(statuses) <= {200, 201}, sorted(set(statuses))
        listed = client.get("/api/v1/tickets", params={"site_id": "s-1"}).json()
        assert listed["count"] == WRITERS * TICKETS_EACH
        busy = client.get(
            "/api/v1/tickets", params={"site_id": "s-1", "status": "waiting_customer"}
        ).json()
        assert busy["count"] == WRITERS * (TICKETS_EACH // 5)


def test_concurrent_imports_of_one_file_create_each_ticket_once(live_server: LiveServer) -> None:
    headers = {"X-API-Key": live_server.admin_key}
    rows = [{"id": f"imp-{i}", "external_id": f"IMP-{i}", "site_id": "s-1",
             "created_at": "2026-11-27T11:00:00+04:00", "duration_min": 20}
            for i in range(20)]  # fmt: skip
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=60) as client:
        if client.get("/api/v1/sites/s-1").status_code == 404:
            _setup(client)
        with ThreadPoolExecutor(max_workers=4) as pool:
            reports = list(
                pool.map(
                    lambda _: client.post("/api/v1/tickets/import", json=rows).json(), range(4)
                )
            )
        assert sum(r["created"] for r in reports) == 20
        assert sum(r["unchanged"] for r in reports) == 60
        assert (
            client.get("/api/v1/tickets", params={"q": "", "external_id": "IMP-7"}).json()["count"]
            == 1
        )
