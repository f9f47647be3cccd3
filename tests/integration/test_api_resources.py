"""Create / read / update / delete, filtering and pagination of the master-data resources
and tickets, asserting status and body."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.conftest import engineer_body, site_body, ticket_body, unique

API = "/api/v1"


def test_engineer_created_is_read_back_with_location_header(
    client: TestClient, admin: dict[str, str]
) -> None:
    eid = unique("eng")
    r = client.post(f"{API}/engineers", json=engineer_body(eid), headers=admin)
    assert r.status_code == 201
    assert r.headers["location"] == f"{API}/engineers/{eid}"
    assert r.json()["skills"] == ["asterisk_dialplan", "sip_trunks"]
    got = client.get(r.headers["location"], headers=admin)
    assert got.status_code == 200
    assert got.json() == r.json()


def test_engineer_created_twice_is_a_conflict_naming_the_id(
    client: TestClient, admin: dict[str, str]
) -> None:
    eid = unique("eng")
    assert (
        client.post(f"{API}/engineers", json=engineer_body(eid), headers=admin).status_code == 201
    )
    r = client.post(f"{API}/engineers", json=engineer_body(eid), headers=admin)
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["value"] == eid and eid in r.json()["detail"]


def test_engineer_patch_changes_only_the_given_fields(
    client: TestClient, admin: dict[str, str]
) -> None:
    eid = unique("eng")
    client.post(f"{API}/engineers", json=engineer_body(eid), headers=admin)
    r = client.patch(f"{API}/engineers/{eid}", json={"has_car": False}, headers=admin)
    assert r.status_code == 200
    assert r.json()["has_car"] is False
    assert r.json()["name"] == "Иван Петров"


def test_engineer_patch_that_breaks_a_rule_names_the_field(
    client: TestClient, admin: dict[str, str]
) -> None:
    eid = unique("eng")
    client.post(f"{API}/engineers", json=engineer_body(eid), headers=admin)
    r = client.patch(f"{API}/engineers/{eid}", json={"weekly_hours": 60}, headers=admin)
    assert r.status_code == 422
    assert r.json()["field"] == "weekly_hours"
    assert r.json()["value"] == 60


def test_engineer_put_replaces_and_a_different_body_id_is_refused(
    client: TestClient, admin: dict[str, str]
) -> None:
    eid = unique("eng")
    client.post(f"{API}/engineers", json=engineer_body(eid), headers=admin)
    r = client.put(f"{API}/engineers/{eid}", json=engineer_body(eid, name="Пётр"), headers=admin)
    assert r.status_code == 200 and r.json()["name"] == "Пётр"
    r = client.put(f"{API}/engineers/{eid}", json=engineer_body("other"), headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "id"


def test_engineer_deleted_is_gone(client: TestClient, admin: dict[str, str]) -> None:
    eid = unique("eng")
    client.post(f"{API}/engineers", json=engineer_body(eid), headers=admin)
    assert client.delete(f"{API}/engineers/{eid}", headers=admin).status_code == 204
    r = client.get(f"{API}/engineers/{eid}", headers=admin)
    assert r.status_code == 404
    assert r.json()["title"] == "Not found" and eid in r.json()["detail"]


def test_engineer_list_filters_by_skill_and_visit_capability(
    client: TestClient, admin: dict[str, str]
) -> None:
    tag = unique("f")
    client.post(
        f"{API}/engineers",
        json=engineer_body(f"{tag}-a", name=f"{tag} A", skills=["gateways"]),
        headers=admin,
    )
    client.post(
        f"{API}/engineers",
        json=engineer_body(f"{tag}-b", name=f"{tag} B", skills=["ip_phones"], has_car=False),
        headers=admin,
    )
    r = client.get(f"{API}/engineers", params={"q": tag, "skill": "gateways"}, headers=admin)
    assert [e["id"] for e in r.json()["data"]] == [f"{tag}-a"]
    r = client.get(f"{API}/engineers", params={"q": tag, "can_visit": "false"}, headers=admin)
    assert [e["id"] for e in r.json()["data"]] == [f"{tag}-b"]


def test_list_pages_carry_the_total_count(client: TestClient, admin: dict[str, str]) -> None:
    tag = unique("p")
    for i in range(5):
        client.post(
            f"{API}/engineers", json=engineer_body(f"{tag}-{i}", name=f"{tag} {i}"), headers=admin
        )
    r = client.get(f"{API}/engineers", params={"q": tag, "offset": 2, "limit": 2}, headers=admin)
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 5
    assert [e["id"] for e in body["data"]] == [f"{tag}-2", f"{tag}-3"]


def test_limit_above_the_maximum_is_refused_naming_the_parameter(
    client: TestClient, admin: dict[str, str]
) -> None:
    r = client.get(f"{API}/engineers", params={"limit": 5000}, headers=admin)
    assert r.status_code == 422
    assert r.json()["field"] == "query.limit" and r.json()["value"] == "5000"


def test_site_with_an_unknown_policy_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    r = client.post(f"{API}/sites", json=site_body(unique("s"), policy="nope"), headers=admin)
    assert r.status_code == 422
    assert r.json()["field"] == "sla_policy" and r.json()["value"] == "nope"


def test_policy_used_by_a_site_cannot_be_deleted(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    r = client.delete(f"{API}/sla-policies/std", headers=admin)
    assert r.status_code == 409
    assert "sites" in r.json()["detail"]


def test_sites_filter_by_city(client: TestClient, admin: dict[str, str]) -> None:
    sid = unique("engels")
    client.post(f"{API}/sites", json=site_body(sid, city="Engels"), headers=admin)
    r = client.get(f"{API}/sites", params={"city": "Engels"}, headers=admin)
    assert sid in [s["id"] for s in r.json()["data"]]
    assert all(s["city"] == "Engels" for s in r.json()["data"])


def test_absence_gets_an_id_and_filters_by_engineer_and_overlap(
    client: TestClient, admin: dict[str, str]
) -> None:
    eid = unique("eng")
    client.post(f"{API}/engineers", json=engineer_body(eid), headers=admin)
    body = {
        "engineer_id": eid,
        "start": "2026-07-01T00:00:00+04:00",
        "end": "2026-07-15T00:00:00+04:00",
        "kind": "vacation",
    }
    r = client.post(f"{API}/absences", json=body, headers=admin)
    assert r.status_code == 201
    aid = r.json()["id"]
    assert r.headers["location"] == f"{API}/absences/{aid}"
    inside = {"engineer_id": eid, "overlaps_from": "2026-07-10T00:00:00+04:00"}
    assert client.get(f"{API}/absences", params=inside, headers=admin).json()["count"] == 1
    after = {"engineer_id": eid, "overlaps_from": "2026-08-01T00:00:00+04:00"}
    assert client.get(f"{API}/absences", params=after, headers=admin).json()["count"] == 0


def test_absence_of_an_unknown_engineer_is_refused(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = {
        "engineer_id": "ghost",
        "start": "2026-07-01T00:00:00+04:00",
        "end": "2026-07-02T00:00:00+04:00",
        "kind": "sick",
    }
    r = client.post(f"{API}/absences", json=body, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "engineer_id"


def test_shift_template_round_trips_its_local_times(
    client: TestClient, admin: dict[str, str]
) -> None:
    tid = unique("day")
    body = {"id": tid, "name": "День", "start": "09:00:00", "end": "18:00:00", "break_min": 60}
    r = client.post(f"{API}/shift-templates", json=body, headers=admin)
    assert r.status_code == 201
    got = client.get(f"{API}/shift-templates/{tid}", headers=admin).json()
    assert (got["start"], got["end"], got["weekdays"]) == ("09:00:00", "18:00:00", [0, 1, 2, 3, 4])


def test_ticket_created_friday_evening_is_due_monday_morning(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    # Friday 2026-11-27 16:30 + 120 business minutes: 30 min on Friday (closes 17:00),
    # 90 on Monday from 09:00 → Monday 10:30 (+04:00).
    r = client.post(f"{API}/tickets", json=ticket_body(unique("t"), site), headers=admin)
    assert r.status_code == 201
    assert r.json()["sla_deadline"] == "2026-11-30T10:30:00+04:00"
    assert r.json()["status"] == "open"


def test_ticket_given_with_a_moscow_offset_is_shown_in_saratov_time(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    body = ticket_body(unique("t"), site, created_at="2026-11-26T10:00:00+03:00")
    r = client.post(f"{API}/tickets", json=body, headers=admin)
    assert r.json()["created_at"] == "2026-11-26T11:00:00+04:00"
    assert r.json()["sla_deadline"] == "2026-11-26T13:00:00+04:00"


def test_ticket_status_patch_and_filter(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    tid = unique("t")
    client.post(f"{API}/tickets", json=ticket_body(tid, site), headers=admin)
    # open → waiting for the customer is a move the ticket lifecycle allows
    r = client.patch(f"{API}/tickets/{tid}", json={"status": "waiting_customer"}, headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "waiting_customer"
    r = client.get(
        f"{API}/tickets", params={"status": "waiting_customer", "site_id": site}, headers=admin
    )
    assert [t["id"] for t in r.json()["data"]] == [tid]


def test_ticket_priority_change_moves_its_deadline(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    tid = unique("t")
    client.post(f"{API}/tickets", json=ticket_body(tid, site), headers=admin)
    r = client.patch(f"{API}/tickets/{tid}", json={"priority": "urgent"}, headers=admin)
    assert r.json()["sla_deadline"] == "2026-11-27T17:00:00+04:00"


def test_ticket_with_a_given_deadline_keeps_it(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    body = ticket_body(unique("t"), site, deadline="2026-11-28T12:00:00+04:00")
    r = client.post(f"{API}/tickets", json=body, headers=admin)
    assert r.json()["sla_deadline"] == "2026-11-28T12:00:00+04:00"


def test_tickets_sort_by_deadline(client: TestClient, admin: dict[str, str], site: str) -> None:
    late, early = unique("late"), unique("early")
    client.post(f"{API}/tickets", json=ticket_body(late, site, priority="low"), headers=admin)
    client.post(f"{API}/tickets", json=ticket_body(early, site, priority="urgent"), headers=admin)
    r = client.get(
        f"{API}/tickets", params={"site_id": site, "order": "sla_deadline", "limit": 1000},
        headers=admin,
    )  # fmt: skip
    ids = [t["id"] for t in r.json()["data"]]
    assert ids.index(early) < ids.index(late)


def test_site_with_tickets_cannot_be_deleted(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    client.post(f"{API}/tickets", json=ticket_body(unique("t"), site), headers=admin)
    r = client.delete(f"{API}/sites/{site}", headers=admin)
    assert r.status_code == 409 and "tickets" in r.json()["detail"]


def test_ticket_deleted_is_gone(client: TestClient, admin: dict[str, str], site: str) -> None:
    tid = unique("t")
    client.post(f"{API}/tickets", json=ticket_body(tid, site), headers=admin)
    assert client.delete(f"{API}/tickets/{tid}", headers=admin).status_code == 204
    assert client.get(f"{API}/tickets/{tid}", headers=admin).status_code == 404


def test_a_search_finds_cyrillic_names_whatever_their_case(
    client: TestClient, admin: dict[str, str]
) -> None:
    tag = unique("cyr")
    body = engineer_body(f"{tag}-a", name=f"Ярослав Маяковский {tag}")
    assert client.post(f"{API}/engineers", json=body, headers=admin).status_code == 201
    for q in ("маяковский", "МАЯКОВСКИЙ", "ярослав"):
        r = client.get(f"{API}/engineers", params={"q": q}, headers=admin)
        ids = [e["id"] for e in r.json()["data"]]
        assert f"{tag}-a" in ids, (q, ids)
