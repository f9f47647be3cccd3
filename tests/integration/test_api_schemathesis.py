"""Property-based API test: schemathesis generates requests from the OpenAPI document,
valid and invalid ones, for every operation; no answer may be a 5xx. Invalid ones are sent
to the SQLite app only (validation answers them, nearly all before the database)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from service.app import create_app
from service.auth import Role, create_key
from service.db import transaction
from tests.integration.conftest import make_settings

EXAMPLES = {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 3}


@pytest.fixture(scope="module")
def started_app(database_url: str) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    """The app (jobs are queued, never run: no solving while fuzzing) and an admin key."""
    # No worker runs here, so a ?wait=S would only sleep: answer at once.
    app = create_app(make_settings(database_url, job_workers=0, max_wait_s=0))
    with TestClient(app):  # runs the start-up: migrations
        with transaction(app.state.engine) as session:
            key = create_key(session, Role.admin, "schemathesis").key
        yield app, {"X-API-Key": key}


def _operations(app: FastAPI) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    ops = [result.ok() for result in schema.get_all_operations()]
    # Revoking keys would lock the fuzzer out; everything else is fair game.
    return [op for op in ops if not op.path.startswith("/api/v1/keys/")]


@pytest.mark.parametrize(
    ("database_url", "mode"),
    [
        ("sqlite", GenerationMode.POSITIVE),
        ("sqlite", GenerationMode.NEGATIVE),
        # Invalid requests are answered by validation, nearly all before any query: on
        # PostgreSQL they would repeat SQLite. Valid ones reach the store, where the two differ.
        pytest.param("postgres", GenerationMode.POSITIVE, marks=pytest.mark.postgres),
    ],
    indirect=["database_url"],
    scope="module",
)
def test_no_generated_request_gets_a_server_error(
    started_app: tuple[FastAPI, dict[str, str]], mode: GenerationMode
) -> None:
    app, headers = started_app
    operations = _operations(app)
    assert len(operations) > 40
    for op in operations:

        @given(case=op.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES[mode],
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case: Any) -> None:
            response = case.call(headers={**(case.headers or {}), **headers})
            case.validate_response(response, checks=[not_a_server_error])

        try:
            no_server_error()
        except Unsatisfiable:
            # Nothing to make invalid (an operation without parameters or body).
            assert mode == GenerationMode.NEGATIVE, op.label
