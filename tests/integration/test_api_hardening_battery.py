"""Issue 22, probed as an attacker would: every route of the OpenAPI document gets families
of bad requests (NaN, ±Infinity, lone surrogates, NUL, deep nesting, wrong JSON types,
over-long strings, unsafe ids, weak roles). No answer may be a 5xx; every refusal is a
problem+json naming the field. Routes are found in the document, so routes that change
shape (the job routes) are probed through their public URLs as they are today."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.auth import Role, create_key
from service.db import transaction
from tests.integration.conftest import make_settings

PROBLEM = "application/problem+json"
WRITE = ("post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def battery(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict]]:  # type: ignore[type-arg]
    """The app with no job workers (nothing is solved) and one key per role."""
    folder = tmp_path_factory.mktemp("battery")
    settings = make_settings(
        f"sqlite:///{folder / 'wfm.db'}", job_workers=0, auth_failure_limit=100_000
    )
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as c:
        with transaction(app.state.engine) as session:
            keys = {r.name: {"X-API-Key": create_key(session, r, r.name).key} for r in Role}
        yield c, keys


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    doc = client.app.openapi()  # type: ignore[attr-defined]
    ops = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in ("get", *WRITE):
                ops.append((method, path, op))
    return ops


def _concrete(path: str, ident: str = "1") -> str:
    """A path with every ``{param}`` filled in."""
    out, rest = "", path
    while "{" in rest:
        head, _, tail = rest.partition("{")
        _, _, rest = tail.partition("}")
        out += head + ident
    return out + rest


def _json_body_schema(client: TestClient, op: dict[str, Any]) -> dict[str, Any] | None:
    content = (op.get("requestBody") or {}).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema")
    if schema is None:
        return None
    return _resolve(client, schema)


def _resolve(client: TestClient, schema: dict[str, Any]) -> dict[str, Any]:
    doc = client.app.openapi()  # type: ignore[attr-defined]
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = doc["components"]["schemas"][name]
    return schema


def _no_5xx(r, what: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code < 500, (what, r.status_code, r.text[:300])


def _named_problem(r, what: str, field: str | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    _no_5xx(r, what)
    assert 400 <= r.status_code < 500, (what, r.status_code, r.text[:300])
    assert r.headers["content-type"] == PROBLEM, (what, r.headers["content-type"])
    body = json.loads(r.content.decode("utf-8"))  # the answer always serialises
    assert body["status"] == r.status_code and body.get("title"), what
    if field is not None:
        fields = [body.get("field")] + [e["field"] for e in body.get("errors") or []]
        assert field in fields, (what, field, fields)
    return body


RAW_FAMILIES: list[tuple[str, bytes, str]] = [
    ("NaN", b'{"probe": NaN}', "probe"),
    ("Infinity", b'{"probe": Infinity}', "probe"),
    ("-Infinity", b'{"probe": [1, -Infinity]}', "probe[1]"),
    ("overflow", b'{"probe": 1e400}', "probe"),
    ("huge integer", b'{"probe": 99999999999999999999999999}', "probe"),
    ("lone surrogate", b'{"probe": "\\ud800x"}', "probe"),
    ("lone low surrogate in a key", b'{"\\udc00": 1}', "\\udc00"),
    ("NUL", b'{"probe": "a\\u0000b"}', "probe"),
    ("NUL in a key", b'{"a\\u0000": 1}', "a\\u0000"),
    ("deep", b"[" * 5000 + b"]" * 5000, "(body)"),
    ("very deep", b'{"probe": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "(body)"),
]


def test_strict_json_families_on_every_json_route_are_named_4xx(battery) -> None:  # type: ignore[no-untyped-def]
    client, keys = battery
    checked = 0
    for method, path, op in _operations(client):
        if method not in ("post", "put", "patch") or "requestBody" not in op:
            continue
        url = _concrete(path)
        for name, body, field in RAW_FAMILIES:
            what = f"{method.upper()} {url} {name}"
            r = client.request(
                method, url, content=body,
                headers={**keys["admin"], "Content-Type": "application/json"},
            )  # fmt: skip
            problem = _named_problem(r, what)
            if r.status_code == 422:
                assert problem["field"].startswith(field.split("[")[0]) or (
                    field == "(body)" and "tickets" in problem["field"]
                ), (what, problem["field"])
            checked += 1
    assert checked > 100


WRONG_TYPES: dict[str, list[Any]] = {
    "integer": [True, "45", 4.5, None, [], {}],
    "number": [True, "4.5", None, [], {}],
    "boolean": [1, "true", None, []],
    "string": [12345, True, ["x"], {"a": 1}],
    "array": ["x", 1, {"a": 1}],
    "object": ["x", 1, [1]],
}


def _properties(client: TestClient, schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for name, prop in (schema.get("properties") or {}).items():
        prop = _resolve(client, prop)
        kinds = [prop.get("type")] + [
            _resolve(client, p).get("type") for p in prop.get("anyOf") or []
        ]
        out[name] = {"kinds": [k for k in kinds if k], **prop}
    return out


KNOWN_GAPS: frozenset[tuple[str, str, str]] = frozenset()
"""(method, path, field) still coerced by a model outside this issue's files (the fix: the
Int, Number, Flag and Moment types of optimizer.domain.common); each is reported to its
owner. A new gap fails the test; so does a fixed one left in this list."""


def test_a_value_of_the_wrong_json_type_in_any_body_field_is_refused_by_name(battery) -> None:  # type: ignore[no-untyped-def]
    client, keys = battery
    checked = 0
    gaps: set[tuple[str, str, str]] = set()
    for method, path, op in _operations(client):
        if method not in ("post", "put", "patch"):
            continue
        schema = _json_body_schema(client, op)
        if not schema or schema.get("type") not in (None, "object"):
            continue
        url = _concrete(path)
        for name, prop in _properties(client, schema).items():
            kinds = [k for k in prop["kinds"] if k != "null"]
            if len(kinds) != 1 or kinds[0] not in WRONG_TYPES:
                continue
            for bad in WRONG_TYPES[kinds[0]]:
                if bad is None and "null" in prop["kinds"]:
                    continue
                what = f"{method.upper()} {url} {name}={bad!r}"
                r = client.request(method, url, json={name: bad}, headers=keys["admin"])
                if r.status_code == 404:  # an unknown id in the path answers first
                    _named_problem_404(r, what)
                    continue
                body = _named_problem(r, what)
                fields = [body.get("field")] + [e["field"] for e in body.get("errors") or []]
                if name not in fields:
                    gaps.add((method.upper(), path, name))
                checked += 1
    assert checked > 50
    assert gaps == KNOWN_GAPS, "\n".join(map(str, sorted(gaps ^ KNOWN_GAPS)))


def _named_problem_404(r, what: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM, (what, r.text)


def test_a_string_past_its_length_limit_in_any_body_field_is_refused_by_name(battery) -> None:  # type: ignore[no-untyped-def]
    client, keys = battery
    checked = 0
    for method, path, op in _operations(client):
        if method != "post":
            continue
        schema = _json_body_schema(client, op)
        if not schema:
            continue
        url = _concrete(path)
        for name, prop in _properties(client, schema).items():
            limits = [prop.get("maxLength")] + [
                _resolve(client, p).get("maxLength") for p in prop.get("anyOf") or []
            ]
            limit = max((n for n in limits if n), default=None)
            if limit is None:
                continue
            what = f"POST {url} {name} of {limit + 1} characters"
            r = client.post(url, json={name: "a" * (limit + 1)}, headers=keys["admin"])
            _named_problem(r, what, field=name)
            checked += 1
    assert checked > 10


def test_every_string_field_of_the_master_data_has_a_length_limit(battery) -> None:  # type: ignore[no-untyped-def]
    client, _ = battery
    doc = client.app.openapi()  # type: ignore[attr-defined]
    for model in ("Engineer", "Site", "SlaPolicy", "Absence", "ShiftTemplate", "Ticket"):
        schema = doc["components"]["schemas"].get(model) or doc["components"]["schemas"].get(
            f"{model}-Input"
        )
        assert schema is not None, model
        for name, prop in _properties(client, schema).items():
            if prop["kinds"] and set(prop["kinds"]) <= {"string", "null"} and "enum" not in prop:
                variants = [prop] + [_resolve(client, p) for p in prop.get("anyOf") or []]
                formats = {v.get("format") for v in variants}
                if formats & {"date-time", "time", "date"}:
                    continue
                assert any(v.get("maxLength") for v in variants), f"{model}.{name} has no limit"


BAD_IDS = [".", "..", "%2e%2e", "a%00b", "a%01b", "x" * 5000, "%ED%A0%80", "%FF", "-1", "0"]


def test_unsafe_or_absurd_ids_in_any_path_are_named_4xx(battery) -> None:  # type: ignore[no-untyped-def]
    client, keys = battery
    checked = 0
    for method, path, _op in _operations(client):
        if "{" not in path:
            continue
        for ident in BAD_IDS:
            url = _concrete(path, ident)
            what = f"{method.upper()} {url[:80]}"
            kwargs: dict[str, Any] = {"json": {}} if method in ("post", "put", "patch") else {}
            r = client.request(method, url, headers=keys["admin"], **kwargs)
            _no_5xx(r, what)
            if r.status_code >= 400:
                assert r.headers["content-type"] == PROBLEM, what
            checked += 1
    assert checked > 50


def test_nul_or_absurd_values_in_any_query_parameter_are_never_a_5xx(battery) -> None:  # type: ignore[no-untyped-def]
    client, keys = battery
    for method, path, op in _operations(client):
        if method != "get":
            continue
        url = _concrete(path)
        for param in op.get("parameters") or []:
            if param.get("in") != "query":
                continue
            name = param["name"]
            for bad in ("a\x00b", "\ufffd", "9" * 400, "-1", "1e999", ""):
                r = client.get(url, params={name: bad}, headers=keys["admin"])
                _no_5xx(r, f"GET {url}?{name}={bad[:20]!r}")
                if "\x00" in bad:
                    _named_problem(r, f"GET {url}?{name}=NUL", field=f"query.{name}")


def test_a_weaker_role_on_every_write_route_is_a_403_problem_never_a_5xx(battery) -> None:  # type: ignore[no-untyped-def]
    client, keys = battery
    refused = 0
    for method, path, _op in _operations(client):
        if method not in WRITE or not path.startswith("/api/"):
            continue
        url = _concrete(path)
        kwargs: dict[str, Any] = {"json": {}} if method != "delete" else {}
        r = client.request(method, url, headers=keys["viewer"], **kwargs)
        _no_5xx(r, f"viewer {method.upper()} {url}")
        assert r.status_code in (403, 404, 405), (method, url, r.status_code, r.text[:200])
        assert r.headers["content-type"] == PROBLEM
        refused += r.status_code == 403
        r = client.request(method, url, headers={"X-API-Key": "wfm_bogus_key"}, **kwargs)
        assert r.status_code in (401, 429), (method, url, r.status_code)
    assert refused > 15
