"""Bad input gets a problem+json answer naming what is wrong, never a 500, and nothing is
half-written."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.conftest import engineer_body, site_body, ticket_body, unique

API = "/api/v1"
PROBLEM = "application/problem+json"


def _problem(r, status: int) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == status and body["title"] and body["type"]
    return body


def test_malformed_json_is_400_saying_so(client: TestClient, admin: dict[str, str]) -> None:
    r = client.post(
        f"{API}/engineers",
        content=b'{"id": "e1", "name": ',
        headers={**admin, "Content-Type": "application/json"},
    )
    body = _problem(r, 400)
    assert body["title"] == "Malformed JSON"
    assert "not valid JSON" in body["detail"]


def test_an_unknown_field_is_named(client: TestClient, admin: dict[str, str]) -> None:
    r = client.post(
        f"{API}/engineers", json=engineer_body(unique("e"), colour="red"), headers=admin
    )
    body = _problem(r, 422)
    assert body["field"] == "colour" and body["value"] == "red"
    assert "Extra inputs" in body["errors"][0]["message"]


def test_a_nested_error_names_the_field_path(client: TestClient, admin: dict[str, str]) -> None:
    r = client.post(
        f"{API}/engineers", json=engineer_body(unique("e"), base={"lat": 95, "lon": 46}),
        headers=admin,
    )  # fmt: skip
    body = _problem(r, 422)
    assert body["field"] == "base.lat" and body["value"] == 95


def test_a_naive_datetime_is_refused_naming_field_and_value(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    body = ticket_body(unique("t"), site, created_at="2026-11-27T16:30:00")
    problem = _problem(client.post(f"{API}/tickets", json=body, headers=admin), 422)
    assert problem["field"] == "created_at"
    assert problem["value"] == "2026-11-27T16:30:00"
    assert "timezone" in problem["detail"]


def test_a_ticket_for_an_unknown_site_is_refused(client: TestClient, admin: dict[str, str]) -> None:
    body = ticket_body(unique("t"), "no-such-site")
    problem = _problem(client.post(f"{API}/tickets", json=body, headers=admin), 422)
    assert problem["field"] == "site_id" and problem["value"] == "no-such-site"
    assert problem["type"] == "/problems/unknown-reference"


def test_an_onsite_ticket_outside_saratov_and_engels_is_refused(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    far = unique("volsk")
    client.post(f"{API}/sites", json=site_body(far, city="Volsk"), headers=admin)
    body = ticket_body(unique("t"), far, mode="onsite")
    problem = _problem(client.post(f"{API}/tickets", json=body, headers=admin), 422)
    assert problem["field"] == "mode" and "Volsk" in problem["detail"]


def test_a_duplicate_external_id_is_a_conflict(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    ext = unique("OK")
    first = ticket_body(unique("t"), site, external_id=ext)
    assert client.post(f"{API}/tickets", json=first, headers=admin).status_code == 201
    second = ticket_body(unique("t"), site, external_id=ext)
    problem = _problem(client.post(f"{API}/tickets", json=second, headers=admin), 409)
    assert problem["field"] == "external_id" and problem["value"] == ext


def test_an_oversize_body_is_413(client: TestClient, admin: dict[str, str]) -> None:
    big = b'{"id": "e", "name": "' + b"x" * (300 * 1024) + b'"}'
    r = client.post(
        f"{API}/engineers", content=big, headers={**admin, "Content-Type": "application/json"}
    )
    body = _problem(r, 413)
    assert "limit" in body["detail"]


def test_an_oversize_body_without_length_is_413_too(
    client: TestClient, admin: dict[str, str]
) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"x" * 10_000

    r = client.post(
        f"{API}/tickets/import", content=chunks(), headers={**admin, "Content-Type": "text/csv"}
    )
    _problem(r, 413)


def test_a_problem_with_too_many_tickets_is_422_saying_the_limit(
    client: TestClient, admin: dict[str, str]
) -> None:
    tickets = [{"id": f"t{i}", "created_at": "2026-11-27T10:00:00+04:00"} for i in range(51)]
    r = client.post(f"{API}/sla/deadlines", json={"tickets": tickets}, headers=admin)
    body = _problem(r, 422)
    assert body["type"] == "/problems/problem-too-large"
    assert body["field"] == "tickets" and "at most 50" in body["detail"]


def test_non_finite_numbers_nul_characters_and_odd_years_are_422_not_500(
    client: TestClient, admin: dict[str, str]
) -> None:
    inf = (
        b'{"id": "e-inf", "name": "A", "base": {"lat": 51, "lon": 46}, "cost_per_hour_rub": 1e999}'
    )
    r = client.post(
        f"{API}/engineers", content=inf, headers={**admin, "content-type": "application/json"}
    )
    assert _problem(r, 422)["field"] == "cost_per_hour_rub"
    r = client.post(f"{API}/engineers", json=engineer_body("e-nul", name="A\x00B"), headers=admin)
    assert _problem(r, 422)["field"] == "name"
    ok = client.post(f"{API}/engineers", json=engineer_body("e-odd"), headers=admin)
    assert ok.status_code == 201, ok.text
    body = {
        "engineer_id": "e-odd",
        "start": "0001-01-01T00:00:00+05:00",
        "end": "0001-01-02T00:00:00+05:00",
        "kind": "sick",
    }
    assert (
        _problem(client.post(f"{API}/absences", json=body, headers=admin), 422)["field"] == "start"
    )


def test_unknown_route_and_wrong_method_are_problems(
    client: TestClient, admin: dict[str, str]
) -> None:
    assert _problem(client.get(f"{API}/nothing-here", headers=admin), 404)["detail"]
    assert "PATCH" in _problem(client.patch(f"{API}/engineers", headers=admin), 405)["detail"]


def test_an_import_with_one_bad_row_writes_nothing(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    good_a, good_b = unique("ga"), unique("gb")
    rows = [
        ticket_body(good_a, site),
        ticket_body(good_b, site),
        ticket_body(unique("bad"), site, created_at="2026-11-27 10:00"),
    ]
    problem = _problem(client.post(f"{API}/tickets/import", json=rows, headers=admin), 422)
    assert problem["field"] == "tickets[2].created_at"
    for tid in (good_a, good_b):
        assert client.get(f"{API}/tickets/{tid}", headers=admin).status_code == 404


def test_an_import_that_conflicts_half_way_is_rolled_back(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    taken = unique("taken")
    client.post(
        f"{API}/tickets", json=ticket_body(taken, site, external_id=unique("X")), headers=admin
    )
    fresh = unique("fresh")
    rows = [
        ticket_body(fresh, site, external_id=unique("Y")),
        ticket_body(taken, site, external_id=unique("Z")),  # same id, another external id
    ]
    problem = _problem(client.post(f"{API}/tickets/import", json=rows, headers=admin), 409)
    assert problem["field"] == "tickets[1].external_id"
    assert client.get(f"{API}/tickets/{fresh}", headers=admin).status_code == 404


def test_the_openapi_document_is_served(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert "/api/v1/tickets/import" in doc["paths"]
    assert {"ApiKey", "Bearer"} <= set(doc["components"]["securitySchemes"])


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"]["schema"] == "current"
