"""The skills catalogue in the service: listed with Russian and English names, managed by the
head, checked where engineers, tickets and coverage requirements are stored or planned."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.conftest import engineer_body, ticket_body, unique

API = "/api/v1"
MONDAY = "2026-11-30"
OPTIONS = {"time_limit_s": 2, "num_workers": 1, "explain": False}


def add_skill(client: TestClient, headers: dict[str, str], prefix: str) -> str:
    """A new skill of the catalogue; its id."""
    sid = unique(prefix)
    body = {"id": sid, "name_ru": f"Навык {sid}", "name_en": f"Skill {sid}"}
    r = client.post(f"{API}/skills", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return sid


def test_a_new_database_lists_the_eight_built_in_skills_with_both_names(
    client: TestClient, as_role
) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"{API}/skills", headers=as_role("viewer"))
    assert r.status_code == 200
    by_id = {s["id"]: s for s in r.json()["data"]}
    assert {"asterisk_dialplan", "sip_trunks", "call_center"} <= set(by_id)
    assert by_id["asterisk_dialplan"] == {
        "id": "asterisk_dialplan",
        "name_ru": "диалплан Asterisk",
        "name_en": "Asterisk dialplan",
    }


def test_the_head_adds_a_skill_and_a_dispatcher_may_not(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    body = {"id": "freepbx", "name_ru": "FreePBX", "name_en": "FreePBX"}
    assert client.post(f"{API}/skills", json=body, headers=as_role("dispatcher")).status_code == 403
    r = client.post(f"{API}/skills", json=body, headers=as_role("head"))
    assert r.status_code == 201 and r.headers["location"] == f"{API}/skills/freepbx"
    again = client.post(f"{API}/skills", json=body, headers=as_role("head"))
    assert again.status_code == 409


def test_a_skill_id_that_is_not_a_path_safe_word_is_refused(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = {"id": "Free PBX", "name_ru": "FreePBX", "name_en": "FreePBX"}
    r = client.post(f"{API}/skills", json=body, headers=admin)
    assert r.status_code == 422 and r.json()["field"] == "id"


def test_an_engineer_with_a_skill_outside_the_catalogue_is_refused_naming_the_catalogue(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = engineer_body(unique("eng"), skills=["sip_trunks", "mikrotik"])
    r = client.post(f"{API}/engineers", json=body, headers=admin)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["field"] == "skills[1]" and problem["value"] == "mikrotik"
    assert "skills catalogue" in problem["detail"] and "sip_trunks" in problem["detail"]


def test_a_ticket_requiring_a_skill_outside_the_catalogue_is_refused(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    body = ticket_body(unique("t"), site, required_skills=["mikrotik"])
    r = client.post(f"{API}/tickets", json=body, headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "required_skills[0]" and r.json()["value"] == "mikrotik"


def test_a_stored_roster_requirement_of_an_unknown_skill_is_refused(
    client: TestClient, admin: dict[str, str]
) -> None:
    eid = unique("eng")
    assert (
        client.post(f"{API}/engineers", json=engineer_body(eid), headers=admin).status_code == 201
    )
    shift = {"id": unique("day"), "start": "09:00:00", "end": "18:00:00"}
    assert client.post(f"{API}/shift-templates", json=shift, headers=admin).status_code == 201
    need = [{"date": "2026-12-01", "start": "10:00:00", "end": "16:00:00",
             "group": "skill:mikrotik", "required": 1}]  # fmt: skip
    body = {"start": "2026-12-01", "end": "2026-12-01", "engineer_ids": [eid],
            "requirements": need, "time_limit_s": 2}  # fmt: skip
    r = client.post(f"{API}/rosters/from-store", params={"wait": 60}, json=body, headers=admin)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "requirements[0].group"
    assert r.json()["value"] == "skill:mikrotik"


def test_an_added_skill_works_from_the_store_to_the_plan(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    skill = add_skill(client, admin, "pbx")
    plain, expert = unique("eng"), unique("eng")
    for eid, skills in ((plain, ["sip_trunks"]), (expert, ["sip_trunks", skill])):
        body = engineer_body(eid, skills=skills)
        assert client.post(f"{API}/engineers", json=body, headers=admin).status_code == 201
    tid = unique("t")
    body = ticket_body(tid, site, created_at=f"{MONDAY}T08:00:00+04:00", required_skills=[skill])
    assert client.post(f"{API}/tickets", json=body, headers=admin).status_code == 201
    request = {"now": f"{MONDAY}T09:00:00+04:00", "horizon_end": f"{MONDAY}T18:00:00+04:00",
               "engineer_ids": [plain, expert], "options": OPTIONS}  # fmt: skip
    r = client.post(f"{API}/dispatch/from-store", params={"wait": 60}, json=request, headers=admin)
    assert r.status_code == 200, r.text
    mine = [a for a in r.json()["assignments"] if a["ticket_id"] == tid]
    assert [a["engineer_id"] for a in mine] == [expert]


def test_a_skill_in_use_cannot_be_deleted_but_can_be_renamed(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    held, required = add_skill(client, admin, "held"), add_skill(client, admin, "req")
    eid = unique("eng")
    body = engineer_body(eid, skills=[held])
    assert client.post(f"{API}/engineers", json=body, headers=admin).status_code == 201
    tid = unique("t")
    body = ticket_body(tid, site, required_skills=[required])
    assert client.post(f"{API}/tickets", json=body, headers=admin).status_code == 201
    r = client.delete(f"{API}/skills/{held}", headers=admin)
    assert r.status_code == 409 and r.json()["engineers"] == 1
    r = client.delete(f"{API}/skills/{required}", headers=admin)
    assert r.status_code == 409 and r.json()["tickets"] == 1
    renamed = client.patch(f"{API}/skills/{held}", json={"name_ru": "MikroTik"}, headers=admin)
    assert renamed.status_code == 200 and renamed.json()["name_ru"] == "MikroTik"
    assert client.delete(f"{API}/engineers/{eid}", headers=admin).status_code == 204
    assert client.delete(f"{API}/skills/{held}", headers=admin).status_code == 204
    assert client.get(f"{API}/skills/{held}", headers=admin).status_code == 404


def test_a_skill_no_one_uses_is_deleted_by_the_head_only(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    sid = add_skill(client, as_role("admin"), "spare")
    assert client.delete(f"{API}/skills/{sid}", headers=as_role("dispatcher")).status_code == 403
    assert client.delete(f"{API}/skills/{sid}", headers=as_role("head")).status_code == 204


def test_the_catalogue_is_listed_in_its_own_order_not_by_id(
    client: TestClient, admin: dict[str, str]
) -> None:
    # Added "zabbix-…" first and "aaa-…" second: the list keeps the built-in eight first in
    # their order, then the added skills in the order they were added (by id, "aaa" would
    # come first and "asterisk_dialplan" after it).
    later_z = add_skill(client, admin, "zabbix")
    later_a = add_skill(client, admin, "aaa")
    renamed = {"id": later_z, "name_ru": "Zabbix", "name_en": "Zabbix"}
    assert client.put(f"{API}/skills/{later_z}", json=renamed, headers=admin).status_code == 200
    r = client.get(f"{API}/skills", params={"limit": 500}, headers=admin)
    assert r.status_code == 200
    ids = [s["id"] for s in r.json()["data"]]
    assert ids[:8] == [
        "asterisk_dialplan",
        "sip_trunks",
        "gateways",
        "ip_phones",
        "network_vpn",
        "linux_server",
        "crm_integration",
        "call_center",
    ]
    assert ids.index(later_z) < ids.index(later_a)  # a rename keeps the place
