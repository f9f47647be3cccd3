"""API keys and roles: 401 without a valid key, 403 for a weaker role, the role matrix,
both header forms, revocation, and no key in the logs."""

from __future__ import annotations

import io
import logging

import pytest
from fastapi.testclient import TestClient

from service.logs import JsonFormatter

API = "/api/v1"
ROLES = ["viewer", "dispatcher", "head", "admin"]

# (method, path, weakest role admitted). Bodies are empty objects, ids unknown: an admitted
# role gets past the key check to a 2xx, 404 or 422; a weaker role must get 403.
MATRIX: list[tuple[str, str, str]] = [
    ("GET", "/engineers", "viewer"),
    ("GET", "/sites", "viewer"),
    ("GET", "/sla-policies", "viewer"),
    ("GET", "/absences", "viewer"),
    ("GET", "/shift-templates", "viewer"),
    ("GET", "/tickets", "viewer"),
    ("GET", "/tickets/export", "viewer"),
    ("GET", "/jobs", "viewer"),
    ("GET", "/jobs/nope", "viewer"),
    ("GET", "/assignments", "viewer"),
    ("POST", "/tickets", "dispatcher"),
    ("POST", "/tickets/import", "dispatcher"),
    ("PATCH", "/tickets/nope", "dispatcher"),
    ("DELETE", "/tickets/nope", "dispatcher"),
    ("POST", "/dispatch", "dispatcher"),
    ("POST", "/dispatch/from-store", "dispatcher"),
    ("POST", "/jobs/nope/rerun", "dispatcher"),
    ("POST", "/sla/deadlines", "dispatcher"),
    ("DELETE", "/jobs/nope", "dispatcher"),
    ("POST", "/jobs/nope/accept", "dispatcher"),
    ("POST", "/engineers", "head"),
    ("PATCH", "/engineers/nope", "head"),
    ("DELETE", "/engineers/nope", "head"),
    ("POST", "/sites", "head"),
    ("POST", "/sla-policies", "head"),
    ("POST", "/absences", "head"),
    ("POST", "/shift-templates", "head"),
    ("POST", "/rosters", "head"),
    ("POST", "/rosters/from-store", "head"),
    ("POST", "/staffing", "head"),
    ("POST", "/whatif", "head"),
    ("GET", "/keys", "admin"),
    ("POST", "/keys", "admin"),
    ("DELETE", "/keys/999999", "admin"),
]


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    body = {"json": {}} if method in ("POST", "PATCH", "PUT") else {}
    return client.request(method, API + path, headers=headers, **body)


@pytest.mark.parametrize(("method", "path", "weakest"), MATRIX)
def test_role_matrix_admits_the_weakest_role_and_stronger_ones_only(
    client: TestClient, as_role, method: str, path: str, weakest: str
) -> None:  # type: ignore[no-untyped-def]
    for role in ROLES:
        r = _call(client, method, path, as_role(role))
        if ROLES.index(role) < ROLES.index(weakest):
            assert r.status_code == 403, (role, r.status_code, r.text)
            assert r.json()["required_role"] == weakest
            assert r.headers["content-type"] == "application/problem+json"
        else:
            assert r.status_code not in (401, 403), (role, r.status_code, r.text)
            assert r.status_code < 500, (role, r.status_code, r.text)


@pytest.mark.parametrize(("method", "path", "weakest"), MATRIX[::4])
def test_a_request_without_a_key_is_401_problem(
    client: TestClient, method: str, path: str, weakest: str
) -> None:
    r = _call(client, method, path, {})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["title"] == "Unauthorized"
    assert "X-API-Key" in r.json()["detail"]


def test_a_wrong_key_is_401(client: TestClient, keys: dict[str, str]) -> None:
    forged = keys["admin"][:-4] + "AAAA"
    for headers in ({"X-API-Key": forged}, {"X-API-Key": "not-a-key"}):
        r = client.get(f"{API}/engineers", headers=headers)
        assert r.status_code == 401
        assert r.json()["detail"] == "the API key is invalid or revoked"


def test_a_key_is_accepted_as_a_bearer_token(client: TestClient, keys: dict[str, str]) -> None:
    r = client.get(f"{API}/engineers", headers={"Authorization": f"Bearer {keys['viewer']}"})
    assert r.status_code == 200
    assert set(r.json()) == {"data", "count"}


def test_an_admin_makes_a_key_that_works_and_revoking_it_stops_it(
    client: TestClient, as_role
) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        f"{API}/keys", json={"role": "viewer", "name": "board"}, headers=as_role("admin")
    )
    assert r.status_code == 201
    made = r.json()
    assert made["role"] == "viewer" and made["key"].startswith("wfm_")
    assert client.get(f"{API}/tickets", headers={"X-API-Key": made["key"]}).status_code == 200
    listed = client.get(f"{API}/keys", params={"limit": 1000}, headers=as_role("admin")).json()
    assert all("key" not in k and "key_hash" not in k for k in listed["data"])
    assert client.delete(f"{API}/keys/{made['id']}", headers=as_role("admin")).status_code == 204
    assert client.get(f"{API}/tickets", headers={"X-API-Key": made["key"]}).status_code == 401


def test_a_key_with_an_unknown_role_is_refused(client: TestClient, as_role) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"{API}/keys", json={"role": "boss"}, headers=as_role("admin"))
    assert r.status_code == 422
    assert r.json()["field"] == "role" and r.json()["value"] == "boss"


def test_keys_never_reach_the_logs(client: TestClient, keys: dict[str, str]) -> None:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("wfm")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        client.get(f"{API}/engineers", headers={"X-API-Key": keys["admin"]})
        client.get(f"{API}/engineers", headers={"Authorization": f"Bearer {keys['viewer']}"})
        client.get(f"{API}/engineers", headers={"X-API-Key": keys["head"] + "x"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    text = buffer.getvalue()
    assert '"event": "request"' in text  # the requests were logged…
    for key in keys.values():
        assert key not in text  # …without the keys
        assert key.split("_", 2)[2][:12] not in text


def test_cors_is_closed_by_default(client: TestClient) -> None:
    r = client.options(
        f"{API}/engineers",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in r.headers
