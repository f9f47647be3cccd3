"""Fixtures of the service's end-to-end tests: a real uvicorn server on 127.0.0.1 with a
free port, over the module's database (SQLite, and PostgreSQL when reachable)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn

from service.app import create_app
from service.auth import Role, create_key
from service.db import transaction
from tests.integration.conftest import (  # noqa: F401  (fixtures shared with the API tests)
    database_url,
    make_settings,
    postgres_server,
)


@dataclass(frozen=True)
class LiveServer:
    """A running service: its base URL and an admin key."""

    url: str
    admin_key: str


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(database_url: str) -> Iterator[LiveServer]:  # noqa: F811
    """uvicorn serving the app in a thread, stopped after the module."""
    app = create_app(make_settings(database_url, job_workers=1))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:  # start-up only; no test assertion depends on timing
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    with transaction(app.state.engine) as session:
        key = create_key(session, Role.admin, "e2e").key
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", admin_key=key)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
