"""Issue 22, bad input: strict JSON (no NaN, Infinity, lone surrogates, NUL, deep nesting),
strict types (no bool, text or number coercion, no offset dropped), lengths that fit the
columns, path-safe ids, import rows named ``tickets[i].field``; and the security headers
and vendored API docs. Every refusal is a problem+json naming the field, and nothing is
written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import service.web
from service.app import DOCS_ASSETS, create_app
from service.auth import Role, create_key
from service.db import transaction
from tests.integration.conftest import (
    engineer_body,
    make_settings,
    site_body,
    ticket_body,
    unique,
)

API = "/api/v1"
PROBLEM = "application/problem+json"
JSON = {"Content-Type": "application/json"}


def problem(r, status: int | None = None) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """The problem+json body of a 4xx answer (its JSON must parse: it always serialises)."""
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    if status is not None:
        assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = json.loads(r.content.decode("utf-8"))
    assert body["status"] == r.status_code and body["title"] and body["field"]
    return body


def raw_post(client: TestClient, path: str, body: bytes, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(f"{API}{path}", content=body, headers={**headers, **JSON})


# -- strict JSON ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "field", "value"),
    [
        (b'"base": {"lat": NaN, "lon": 46}', "base.lat", "NaN"),
        (b'"base": {"lat": 51, "lon": 46}, "cost_per_hour_rub": Infinity', "cost_per_hour_rub",
         "Infinity"),
        (b'"base": {"lat": 51, "lon": -Infinity}', "base.lon", "-Infinity"),
        (b'"base": {"lat": 51, "lon": 46}, "weekly_hours": 1e999', "weekly_hours", "1e999"),
        (b'"base": {"lat": 51, "lon": 46}, "weekly_hours": 123456789012345678901234',
         "weekly_hours", "123456789012345678901234"),
    ],
)  # fmt: skip
def test_nan_infinity_and_overflowing_numbers_are_422_naming_the_field(
    client: TestClient, admin: dict[str, str], fragment: bytes, field: str, value: str
) -> None:
    ident = unique("e")
    body = b'{"id": "' + ident.encode() + b'", "name": "A", ' + fragment + b"}"
    p = problem(raw_post(client, "/engineers", body, admin), 422)
    assert p["field"] == field and p["value"] == value
    assert client.get(f"{API}/engineers/{ident}", headers=admin).status_code == 404


def test_a_lone_surrogate_in_a_value_or_a_key_is_422_with_an_answer_that_serialises(
    client: TestClient, admin: dict[str, str]
) -> None:
    value = b'{"id": "e-s1", "name": "\\ud800", "base": {"lat": 51, "lon": 46}}'
    p = problem(raw_post(client, "/engineers", value, admin), 422)
    assert p["field"] == "name" and p["value"] == "\\ud800"
    key = b'{"id": "e-s2", "name": "A", "base": {"lat": 51, "lon": 46, "\\udfff": 1}}'
    p = problem(raw_post(client, "/engineers", key, admin), 422)
    assert p["field"] == "base.\\udfff" and "surrogate" in p["detail"]
    paired = b'{"id": "e-s3", "name": "\\ud83d\\ude00", "base": {"lat": 51, "lon": 46}}'
    assert raw_post(client, "/engineers", paired, admin).status_code == 201


def test_a_field_named_twice_in_one_object_is_422_naming_it_and_nothing_is_written(
    client: TestClient, admin: dict[str, str]
) -> None:
    ident = unique("e")
    body = (
        b'{"id": "' + ident.encode() + b'", "name": "A", '
        b'"base": {"lat": 51.5, "lon": 46, "lat": 51.6}}'
    )
    p = problem(raw_post(client, "/engineers", body, admin), 422)
    assert p["field"] == "base.lat" and p["value"] == "lat" and "twice" in p["detail"]
    assert client.get(f"{API}/engineers/{ident}", headers=admin).status_code == 404
    lat_once = b'{"id": "' + ident.encode() + b'", "name": "A", "base": {"lat": 51.5, "lon": 46}}'
    assert raw_post(client, "/engineers", lat_once, admin).status_code == 201


def test_a_nul_character_is_refused_in_a_json_string_in_the_path_and_in_the_query(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    body = ticket_body(unique("t"), site, title="a\x00b")
    assert problem(client.post(f"{API}/tickets", json=body, headers=admin), 422)["field"] == "title"
    assert problem(client.get(f"{API}/tickets/a%00b", headers=admin), 422)["field"] == "path"
    r = client.get(f"{API}/sites", params={"city": "Sara\x00tov"}, headers=admin)
    assert problem(r, 422)["field"] == "query.city"


@pytest.mark.parametrize("path", ["/tickets/import", "/engineers", "/dispatch", "/sla/deadlines"])
def test_json_nested_100000_deep_is_a_4xx_naming_the_body_not_a_500(
    client: TestClient, admin: dict[str, str], path: str
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    p = problem(raw_post(client, path, deep, admin), 422)
    assert p["type"] == "/problems/too-deep"


def test_nesting_one_level_past_the_limit_is_refused_at_the_path_where_it_passes(
    client: TestClient, admin: dict[str, str]
) -> None:
    body: object = 1
    for _ in range(33):  # the test settings keep the default limit of 32 levels
        body = {"a": body}
    wrapped = {"id": "e-deep", "name": "A", "base": {"lat": 51, "lon": 46}, "preferences": body}
    p = problem(client.post(f"{API}/engineers", json=wrapped, headers=admin), 422)
    assert p["field"] == "preferences" + ".a" * 31
    assert "deeper than 32" in p["detail"]


def test_import_of_a_malformed_or_non_finite_json_file_is_a_4xx_naming_the_row(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    row = json.dumps(ticket_body(unique("t"), site)).encode()
    nan_row = row.replace(b'"duration_min": 45', b'"duration_min": NaN')
    p = problem(raw_post(client, "/tickets/import", b"[" + row + b"," + nan_row + b"]", admin))
    assert p["field"] == "tickets[1].duration_min" and p["value"] == "NaN"
    wrapped = b'{"tickets": [' + row.replace(b'"title": "', b'"title": "\\udc00') + b"]}"
    assert problem(raw_post(client, "/tickets/import", wrapped, admin))["field"] == (
        "tickets[0].title"
    )
    r = raw_post(client, "/tickets/import", b"[" + row, admin)
    assert r.status_code == 400 and r.headers["content-type"] == PROBLEM


# -- strict types --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration_min": True}, "duration_min"),
        ({"duration_min": "45"}, "duration_min"),
        ({"duration_min": 45.5}, "duration_min"),
        ({"created_at": 1_796_000_000}, "created_at"),
        ({"created_at": "2026-11-27T16:30:00"}, "created_at"),
        ({"location": {"lat": "51.5", "lon": 46.0}}, "location.lat"),
        ({"location": {"lat": True, "lon": 46.0}}, "location.lat"),
    ],
)
def test_a_ticket_field_of_the_wrong_json_type_is_refused_not_coerced(
    client: TestClient, admin: dict[str, str], site: str, changes: dict[str, object], field: str
) -> None:
    ident = unique("t")
    p = problem(client.post(f"{API}/tickets", json=ticket_body(ident, site, **changes),
                            headers=admin), 422)  # fmt: skip
    assert p["field"] == field
    assert client.get(f"{API}/tickets/{ident}", headers=admin).status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"licence_b": 1}, "licence_b"),
        ({"has_car": "yes"}, "has_car"),
        ({"weekly_hours": "40"}, "weekly_hours"),
        ({"cost_per_hour_rub": False}, "cost_per_hour_rub"),
        ({"holiday_work_consent": "true"}, "holiday_work_consent"),
    ],
)
def test_an_engineer_flag_or_number_of_the_wrong_json_type_is_refused(
    client: TestClient, admin: dict[str, str], changes: dict[str, object], field: str
) -> None:
    r = client.post(f"{API}/engineers", json=engineer_body(unique("e"), **changes), headers=admin)
    assert problem(r, 422)["field"] == field


def test_a_shift_time_with_an_offset_or_as_a_number_is_refused_not_dropped(
    client: TestClient, admin: dict[str, str]
) -> None:
    base = {"id": unique("tpl"), "name": "День", "start": "09:00", "end": "18:00"}
    for start in ("09:00+03:00", 32_400):
        r = client.post(f"{API}/shift-templates", json={**base, "start": start}, headers=admin)
        assert problem(r, 422)["field"] == "start"
    r = client.post(f"{API}/shift-templates", json={**base, "weekdays": [0, True]}, headers=admin)
    assert problem(r, 422)["field"] == "weekdays[1]"
    assert client.post(f"{API}/shift-templates", json=base, headers=admin).status_code == 201


# -- lengths and ids ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"external_id": "x" * 10_000}, "external_id"),
        ({"category": "c" * 201}, "category"),
        ({"title": "t" * 4001}, "title"),
    ],
)
def test_a_string_longer_than_its_column_is_refused_naming_the_field(
    client: TestClient, admin: dict[str, str], site: str, changes: dict[str, object], field: str
) -> None:
    r = client.post(f"{API}/tickets", json=ticket_body(unique("t"), site, **changes), headers=admin)
    p = problem(r, 422)
    assert p["field"] == field and len(p["value"]) <= 200


def test_site_and_engineer_texts_are_limited_to_their_columns(
    client: TestClient, admin: dict[str, str]
) -> None:
    r = client.post(f"{API}/sites", json={**site_body(unique("s")), "city": "C" * 201},
                    headers=admin)  # fmt: skip
    assert problem(r, 422)["field"] == "city"
    r = client.post(f"{API}/engineers", json=engineer_body(unique("e"), name="N" * 201),
                    headers=admin)  # fmt: skip
    assert problem(r, 422)["field"] == "name"


@pytest.mark.parametrize("bad", [".", "..", "...", "a/b", "a\\b", "a\tb", "a b", "é"])
def test_an_id_that_is_not_path_safe_is_refused(
    client: TestClient, admin: dict[str, str], site: str, bad: str
) -> None:
    r = client.post(f"{API}/tickets", json=ticket_body(bad, site), headers=admin)
    p = problem(r, 422)
    assert p["field"] == "id"
    r = client.post(f"{API}/engineers", json=engineer_body(bad), headers=admin)
    assert problem(r, 422)["field"] == "id"


def test_ids_with_inner_dots_stay_valid(client: TestClient, admin: dict[str, str]) -> None:
    ident = unique("ivan.petrov")
    r = client.post(f"{API}/engineers", json=engineer_body(ident), headers=admin)
    assert r.status_code == 201, r.text
    assert client.get(f"{API}/engineers/{ident}", headers=admin).json()["id"] == ident


# -- import ---------------------------------------------------------------------------------


def test_import_row_errors_are_named_tickets_i_field_and_nothing_is_written(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    good = unique("good")
    rows = [
        ticket_body(good, site),
        ticket_body(unique("t"), site, duration_min=True),
        ticket_body(unique("t"), site, external_id="x" * 300),
    ]
    p = problem(client.post(f"{API}/tickets/import", json=rows, headers=admin), 422)
    fields = [e["field"] for e in p["errors"]]
    assert fields == ["tickets[1].duration_min", "tickets[2].external_id"]
    assert client.get(f"{API}/tickets/{good}", headers=admin).status_code == 404


def test_a_csv_import_reads_numbers_from_text_and_names_a_bad_cell(
    client: TestClient, admin: dict[str, str], site: str
) -> None:
    a, b = unique("csv"), unique("csv")
    header = "id,site_id,created_at,duration_min,lat,lon,title\n"
    good = f"{a},{site},2026-11-27T16:30:00+04:00,45,51.53,46.03,Нет звука\n"
    csv_ok = (header + good).encode()
    r = client.post(f"{API}/tickets/import", content=csv_ok,
                    headers={**admin, "Content-Type": "text/csv"})  # fmt: skip
    assert r.status_code == 200, r.text
    stored = client.get(f"{API}/tickets/{a}", headers=admin).json()
    assert stored["duration_min"] == 45 and stored["location"]["lat"] == 51.53
    bad = f"{b},{site},2026-11-27T16:30:00+04:00,true,51.53,46.03,x\n"
    r = client.post(f"{API}/tickets/import", content=(header + bad).encode(),
                    headers={**admin, "Content-Type": "text/csv"})  # fmt: skip
    p = problem(r, 422)
    assert p["field"] == "tickets[0].duration_min" and p["value"] == "true"


# -- security headers and docs ----------------------------------------------------------------


def _csp(r) -> dict[str, str]:  # type: ignore[no-untyped-def]
    directives = [d.strip() for d in r.headers["content-security-policy"].split(";")]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in directives if d}


@pytest.mark.parametrize(
    "path", ["/health", "/docs", "/openapi.json", f"{API}/engineers", "/no-such-page"]
)
def test_every_answer_carries_a_strict_csp_no_framing_nosniff_and_a_referrer_policy(
    client: TestClient, path: str
) -> None:
    r = client.get(path)
    csp = _csp(r)
    assert csp["script-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert "unsafe-inline" not in csp["script-src"] and "unsafe-eval" not in csp["script-src"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"


def test_problem_answers_of_the_middleware_carry_the_headers_too(
    client: TestClient, admin: dict[str, str]
) -> None:
    r = raw_post(client, "/engineers", b'{"a": NaN}', admin)
    assert r.status_code == 422 and _csp(r)["script-src"] == "'self'"


def test_the_docs_load_only_scripts_shipped_in_the_package_without_inline_script(
    client: TestClient,
) -> None:
    for page in ("/docs",):
        html = client.get(page).text
        assert "http://" not in html and "https://" not in html
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None  # no inline script
        for src in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert src.startswith("/docs-assets/"), src
            r = client.get(src)
            assert r.status_code == 200 and len(r.content) > 100, src
    for licence in ("swagger-ui/LICENSE", "swagger-ui/NOTICE"):
        assert (DOCS_ASSETS / licence).is_file()
    for script in ("swagger-init.js",):
        assert "http" not in (DOCS_ASSETS / script).read_text(encoding="utf-8")


def test_the_map_tile_server_origin_joins_img_src_only_when_configured(tmp_path: Path) -> None:
    plain = create_app(make_settings(f"sqlite:///{tmp_path / 'a.db'}"))
    assert _csp(TestClient(plain).get("/health"))["img-src"] == "'self' data:"
    tiles = create_app(
        make_settings(
            f"sqlite:///{tmp_path / 'b.db'}",
            map_tile_url="https://tiles.example.org/{z}/{x}/{y}.png",
        )
    )
    csp = _csp(TestClient(tiles).get("/health"))
    assert csp["img-src"] == "'self' data: https://tiles.example.org"
    assert csp["script-src"] == "'self'"


def test_docs_behind_a_key_ask_a_key_for_the_api_description(tmp_path: Path) -> None:
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'k.db'}", docs_access="key"))
    with TestClient(app, raise_server_exceptions=False) as c:
        with transaction(app.state.engine) as session:
            key = create_key(session, Role.viewer, "docs").key
        assert c.get("/openapi.json").status_code == 401
        r = c.get("/openapi.json", headers={"X-API-Key": key})
        assert r.status_code == 200 and "/api/v1/tickets" in r.json()["paths"]
        assert c.get("/docs").status_code == 200


def test_docs_switched_off_serve_nothing(tmp_path: Path) -> None:
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'o.db'}", docs_access="off"))
    c = TestClient(app, raise_server_exceptions=False)
    for path in ("/docs", "/openapi.json", "/docs-assets/swagger-init.js"):
        assert c.get(path).status_code == 404, path


CDN_HOST = re.compile(
    r"https?://(?:[a-z0-9-]+\.)*(?:cdn[a-z0-9-]*\.[a-z]+|[a-z0-9-]*cdn[a-z0-9-]*\.[a-z]+"
    r"|jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com|fonts\.googleapis\.com|fonts\.gstatic\.com)",
    re.IGNORECASE,
)


def test_no_vendored_page_asset_names_a_cdn() -> None:
    # A bundled library that fetches a font, a logo or a script from a CDN at run time breaks
    # "nothing on a page is loaded from a CDN" even when the CSP blocks it (ReDoc's bundle did).
    roots = [DOCS_ASSETS, Path(service.web.__file__).parent / "static"]
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.suffix in {".js", ".css", ".html", ".json", ".geojson"}:
                text = path.read_text(encoding="utf-8", errors="replace")
                found += [f"{path.name}: {m.group(0)}" for m in CDN_HOST.finditer(text)]
    assert found == []
