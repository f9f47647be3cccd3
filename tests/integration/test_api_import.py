"""Bulk ticket import: canonical CSV and JSON, the Okdesk-style adapter, idempotency by
external id, and the export → import round trip."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from tests.integration.conftest import POLICY, make_settings, site_body, unique

API = "/api/v1"


def _import(client: TestClient, headers: dict[str, str], content: str, ctype: str, **params):  # type: ignore[no-untyped-def]
    return client.post(
        f"{API}/tickets/import",
        content=content.encode("utf-8"),
        headers={**headers, "Content-Type": ctype},
        params=params,
    )


def _canonical_csv(site: str, tag: str) -> str:
    return (
        "id;external_id;site_id;created_at;priority;mode;required_skills;duration_min;title\n"
        f"{tag}-1;{tag}-X1;{site};2026-11-27T16:30:00+04:00;normal;remote;"
        "sip_trunks|asterisk_dialplan;30;Нет исходящих\n"
        f"{tag}-2;{tag}-X2;{site};2026-11-27T10:00:00+04:00;urgent;onsite;gateways;90;Шлюз\n"
        f"{tag}-3;;;2026-11-27T10:00:00+04:00;low;remote;;20;Без объекта\n"
    )


def test_a_canonical_csv_is_imported_with_deadlines(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    tag = unique("csv")
    # The third ticket has no site: it gets a location instead.
    lines = _canonical_csv(site, tag).splitlines()
    lines[0] += ";location.lat;location.lon"
    lines[1] += ";;"
    lines[2] += ";;"
    lines[3] += ";51.5;46.0"
    r = _import(client, admin, "\n".join(lines) + "\n", "text/csv")
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["source"], report["received"], report["created"]) == ("canonical", 3, 3)
    t1 = client.get(f"{API}/tickets/{tag}-1", headers=admin).json()
    assert t1["required_skills"] == ["sip_trunks", "asterisk_dialplan"]
    assert t1["sla_deadline"] == "2026-11-30T10:30:00+04:00"
    t2 = client.get(f"{API}/tickets/{tag}-2", headers=admin).json()
    assert t2["sla_deadline"] == "2026-11-27T10:30:00+04:00"  # urgent: 30 business minutes
    t3 = client.get(f"{API}/tickets/{tag}-3", headers=admin).json()
    assert t3["location"]["lat"] == 51.5 and t3["site_id"] is None


def test_importing_the_same_file_twice_changes_nothing(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    tag = unique("again")
    rows = [
        {
            "id": f"{tag}-{i}",
            "external_id": f"{tag}-E{i}",
            "site_id": site,
            "created_at": "2026-11-26T12:00:00+04:00",
            "duration_min": 30,
        }
        for i in range(3)
    ]
    first = client.post(f"{API}/tickets/import", json=rows, headers=admin).json()
    again = client.post(f"{API}/tickets/import", json={"tickets": rows}, headers=admin).json()
    assert (first["created"], first["unchanged"]) == (3, 0)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    rows[1]["priority"] = "urgent"
    third = client.post(f"{API}/tickets/import", json=rows, headers=admin).json()
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 2)
    got = client.get(f"{API}/tickets", params={"external_id": f"{tag}-E1"}, headers=admin).json()
    assert got["count"] == 1 and got["data"][0]["priority"] == "urgent"


def test_an_unknown_csv_column_is_named(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    text = (
        f"id,site_id,created_at,duration_min,colour\nx1,{site},2026-11-26T12:00:00+04:00,30,red\n"
    )
    r = _import(client, admin, text, "text/csv")
    assert r.status_code == 422
    assert r.json()["field"] == "tickets[0].colour"


def test_the_same_ticket_twice_in_one_file_is_refused(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    row = {"id": unique("d"), "site_id": site, "created_at": "2026-11-26T12:00:00+04:00",
           "duration_min": 30}  # fmt: skip
    r = client.post(f"{API}/tickets/import", json=[row, row], headers=admin)
    assert r.status_code == 422
    assert r.json()["field"] == "tickets[1].id"


def _okdesk_issue(number: int, site: str, **changes: object) -> dict[str, object]:
    issue: dict[str, object] = {
        "id": number,
        "title": "Не звонит IP-телефон в приёмной",
        "created_at": "2026-11-27T15:30:00+03:00",  # Moscow time = 16:30 in Saratov
        "priority": {"code": "normal", "name": "Обычный"},
        "type": {"code": "service", "name": "Обслуживание"},
        "status": {"code": "opened", "name": "Открыта"},
        "service_object": {"id": site, "name": "Офис"},
        "coordinates": [51.5331, 46.0342],
        "assignee": {"id": 7, "name": "Диспетчер"},
        "category": {"code": "ip_phones", "name": "IP-телефоны"},
    }
    issue.update(changes)
    return issue


def test_an_okdesk_export_is_adapted(client: TestClient, admin: dict[str, str], site: str) -> None:
    number = int(unique("1")[2:], 16) % 10**9
    issues = [
        _okdesk_issue(number, site),
        _okdesk_issue(number + 1, site, priority={"code": "high", "name": "Высокий"},
                      type={"code": "paid", "name": "Платная"}, status={"code": "completed"}),
    ]  # fmt: skip
    r = client.post(f"{API}/tickets/import", json=issues, headers=admin)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["source"] == "okdesk" and report["created"] == 2
    assert "assignee" in report["ignored_fields"]
    t = client.get(f"{API}/tickets/okdesk-{number}", headers=admin).json()
    assert t["external_id"] == str(number)
    assert t["created_at"] == "2026-11-27T16:30:00+04:00"
    assert t["sla_deadline"] == "2026-11-30T10:30:00+04:00"
    assert t["location"] == {"lat": 51.5331, "lon": 46.0342, "id": None}
    assert t["required_skills"] == ["ip_phones"] and t["duration_min"] == 60
    urgent = client.get(f"{API}/tickets/okdesk-{number + 1}", headers=admin).json()
    assert (urgent["priority"], urgent["kind"], urgent["status"]) == (
        "urgent",
        "additional",
        "done",
    )
    again = client.post(f"{API}/tickets/import", json=issues, headers=admin).json()
    assert again["unchanged"] == 2


def test_an_okdesk_csv_with_nested_columns_is_adapted(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    number = int(unique("2")[2:], 16) % 10**9 + 10**9
    text = (
        "id,title,created_at,priority.code,priority.name,coordinates,service_object.id\n"
        f'{number},Шум в линии,2026-11-26T09:00:00+03:00,low,Низкий,"[51.53, 46.03]",{site}\n'
    )
    r = _import(client, admin, text, "text/csv", source="okdesk")
    assert r.status_code == 200, r.text
    t = client.get(f"{API}/tickets/okdesk-{number}", headers=admin).json()
    assert (t["priority"], t["location"]["lon"]) == ("low", 46.03)


def test_an_unknown_okdesk_priority_is_named(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    issue = _okdesk_issue(5, site, priority={"code": "apocalyptic", "name": "?"})
    r = client.post(f"{API}/tickets/import", json=[issue], headers=admin)
    assert r.status_code == 422
    assert r.json()["field"] == "tickets[0].priority.code"
    assert r.json()["value"] == "apocalyptic"


def test_an_okdesk_naive_datetime_is_refused(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    issue = _okdesk_issue(6, site, created_at="2026-11-27T15:30:00")
    r = client.post(f"{API}/tickets/import", json=[issue], headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "tickets[0].created_at"


def test_a_file_upload_is_accepted(client: TestClient, admin: dict[str, str], site: str) -> None:
    tag = unique("up")
    rows = [{"id": tag, "site_id": site, "created_at": "2026-11-26T12:00:00+04:00",
             "duration_min": 15}]  # fmt: skip
    files = {"file": ("export.json", json.dumps(rows).encode(), "application/json")}
    r = client.post(f"{API}/tickets/import", files=files, headers=admin)
    assert r.status_code == 200 and r.json()["ids"] == [tag]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_imported_into_a_fresh_database_gives_the_same_tickets(
    client: TestClient, admin: dict[str, str], site: str, tmp_path, fmt: str
) -> None:  # type: ignore[no-untyped-def]
    tag = unique("rt")
    window = {"start": "2026-11-30T10:00:00+04:00", "end": "2026-11-30T12:00:00+04:00"}
    rows = [
        {"id": f"{tag}-a", "external_id": f"{tag}-A", "site_id": site, "kind": "additional",
         "created_at": "2026-11-26T12:00:00+04:00", "duration_min": 30, "window": window,
         "required_skills": ["ip_phones", "sip_trunks"], "title": "Настроить приветствие"},
        {"id": f"{tag}-b", "location": {"lat": 51.5, "lon": 46.1},
         "created_at": "2026-11-26T13:00:00+04:00", "duration_min": 45, "priority": "urgent"},
    ]  # fmt: skip
    assert client.post(f"{API}/tickets/import", json=rows, headers=admin).status_code == 200
    client.patch(f"{API}/tickets/{tag}-b", json={"status": "in_progress"}, headers=admin)
    params = {"created_from": "2026-11-26T12:00:00+04:00"}
    exported = client.get(f"{API}/tickets/export", params={**params, "format": fmt}, headers=admin)
    assert exported.status_code == 200
    listed = client.get(f"{API}/tickets", params={"limit": 1000}, headers=admin).json()["data"]
    mine = [t for t in listed if t["id"].startswith(tag)]

    fresh = create_app(make_settings(f"sqlite:///{tmp_path / 'fresh.db'}", job_workers=0))
    with TestClient(fresh) as other:
        from service.auth import Role, create_key
        from service.db import transaction

        with transaction(fresh.state.engine) as session:
            key = {"X-API-Key": create_key(session, Role.admin).key}
        other.post(f"{API}/sla-policies", json=POLICY, headers=key)
        other.post(f"{API}/sites", json=site_body(site), headers=key)
        ctype = "text/csv" if fmt == "csv" else "application/json"
        r = other.post(
            f"{API}/tickets/import", content=exported.content,
            headers={**key, "Content-Type": ctype},
        )  # fmt: skip
        assert r.status_code == 200, r.text
        theirs = {t["id"]: t for t in other.get(f"{API}/tickets", headers=key).json()["data"]}
    for t in mine:
        assert theirs[t["id"]] == t
