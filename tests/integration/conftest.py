"""Fixtures of the service's API tests: a migrated database per test module (SQLite file,
and PostgreSQL too when ``WFM_TEST_POSTGRES_URL`` names a reachable server), the app
in a TestClient, and one API key per role."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from service.app import create_app
from service.auth import Role, create_key
from service.db import transaction
from service.settings import Settings


def postgres_base_url() -> str | None:
    """The PostgreSQL server the tests may use (``WFM_TEST_POSTGRES_URL``, else a
    PostgreSQL ``DATABASE_URL``), or None."""
    url = os.environ.get("WFM_TEST_POSTGRES_URL")
    if not url:
        candidate = os.environ.get("DATABASE_URL", "")
        url = candidate if candidate.startswith("postgres") else None
    return Settings(database_url=url).database_url if url else None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The base URL of a reachable PostgreSQL server; skips the test when there is none."""
    url = postgres_base_url()
    if url is None:
        pytest.skip("no PostgreSQL: set WFM_TEST_POSTGRES_URL (see .ci/postgres.sh)")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as err:  # unreachable server: skip, the SQLite run still covers the code
        pytest.skip(f"PostgreSQL at WFM_TEST_POSTGRES_URL is unreachable: {type(err).__name__}")
    finally:
        engine.dispose()
    yield url


def fresh_postgres_database(base_url: str) -> tuple[str, str]:
    """Create an empty database on the server; (its URL, its name)."""
    name = f"wfm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    return url, name


def drop_postgres_database(base_url: str, name: str) -> None:
    """Drop a test database (connections are closed first)."""
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database for one test module: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        folder: Path = tmp_path_factory.mktemp("db")
        yield f"sqlite:///{folder / 'wfm.db'}"
        return
    base = request.getfixturevalue("postgres_server")
    url, name = fresh_postgres_database(base)
    try:
        yield url
    finally:
        drop_postgres_database(base, name)


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Settings of a test app: small limits, one worker, quiet logs."""
    values: dict[str, object] = {
        "database_url": database_url,
        "job_workers": 1,
        "max_body_bytes": 256 * 1024,
        "max_tickets": 50,
        "max_wait_s": 60,
        "log_level": "WARNING",
        "prestart_workers": False,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def client(database_url: str) -> Iterator[TestClient]:
    """The app over the module's database, started (migrated) and stopped around the module."""
    app = create_app(make_settings(database_url))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def keys(client: TestClient) -> dict[str, str]:
    """One API key per role, by role name."""
    out: dict[str, str] = {}
    with transaction(client.app.state.engine) as session:  # type: ignore[attr-defined]
        for role in Role:
            out[role.name] = create_key(session, role, f"test {role.name}").key
    return out


@pytest.fixture(scope="module")
def as_role(keys: dict[str, str]):  # type: ignore[no-untyped-def]
    """Headers carrying the key of a role: ``as_role("head")``."""

    def headers(role: str) -> dict[str, str]:
        return {"X-API-Key": keys[role]}

    return headers


@pytest.fixture(scope="module")
def admin(as_role) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Headers of the admin key."""
    return as_role("admin")


def unique(prefix: str) -> str:
    """A fresh id, so tests sharing a module's database never collide."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


POLICY = {"id": "std", "name": "Standard", "clock": "business"}
SARATOV = {"lat": 51.5331, "lon": 46.0342}


def site_body(site_id: str, city: str = "Saratov", policy: str = "std") -> dict[str, object]:
    """A site in ``city`` under ``policy``."""
    return {
        "id": site_id,
        "customer": "ООО «Волга-Телеком»",
        "address": "ул. Московская, 1",
        "city": city,
        "location": SARATOV,
        "sla_policy": policy,
    }


def engineer_body(engineer_id: str, **changes: object) -> dict[str, object]:
    """A visit-capable engineer with two skills."""
    body: dict[str, object] = {
        "id": engineer_id,
        "name": "Иван Петров",
        "skills": ["asterisk_dialplan", "sip_trunks"],
        "licence_b": True,
        "has_car": True,
        "base": SARATOV,
        "cost_per_hour_rub": 600,
    }
    body.update(changes)
    return body


def ticket_body(ticket_id: str, site_id: str, **changes: object) -> dict[str, object]:
    """A normal remote ticket created Friday 2026-11-27 16:30 Saratov time."""
    body: dict[str, object] = {
        "id": ticket_id,
        "site_id": site_id,
        "created_at": "2026-11-27T16:30:00+04:00",
        "priority": "normal",
        "duration_min": 45,
        "required_skills": ["sip_trunks"],
        "title": "Не работает входящая линия",
    }
    body.update(changes)
    return body


@pytest.fixture(scope="module")
def site(client: TestClient, admin: dict[str, str]) -> str:
    """A stored site in Saratov under the stored standard policy; its id."""
    if client.get(f"/api/v1/sla-policies/{POLICY['id']}", headers=admin).status_code == 404:
        assert client.post("/api/v1/sla-policies", json=POLICY, headers=admin).status_code == 201
    site_id = unique("site")
    assert client.post("/api/v1/sites", json=site_body(site_id), headers=admin).status_code == 201
    return site_id
