"""Issue 22, limits: failed authentications throttled per client address and per key prefix
(429 with Retry-After), and a client that trickles its request body cut off (408, the
connection closed) instead of holding a worker."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.app import create_app
from service.auth import FailedAuthThrottle, Role, create_key
from service.db import transaction
from tests.integration.conftest import make_settings

API = "/api/v1"


class FakeClock:
    """A clock the test moves by hand: no sleeping, no wall-clock assertions."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- the throttle itself -----------------------------------------------------------------------


def test_a_client_is_blocked_after_the_limit_until_its_oldest_failure_leaves_the_window() -> None:
    clock = FakeClock()
    throttle = FailedAuthThrottle(limit=3, window_s=60, clock=clock)
    for step in range(3):
        assert throttle.retry_after("10.0.0.1", None) is None
        throttle.failed("10.0.0.1", None)
        clock.now += 10 if step < 2 else 0
    # failures at 1000, 1010, 1020; the first leaves the window at 1060
    assert throttle.retry_after("10.0.0.1", None) == 40
    assert throttle.retry_after("10.0.0.2", None) is None
    clock.now = 1059.5
    assert throttle.retry_after("10.0.0.1", None) == 1
    clock.now = 1060.0
    assert throttle.retry_after("10.0.0.1", None) is None


def test_a_key_prefix_guessed_from_many_addresses_is_blocked_for_every_address() -> None:
    clock = FakeClock()
    throttle = FailedAuthThrottle(limit=3, window_s=60, clock=clock)
    for i in range(3):
        throttle.failed(f"10.0.0.{i}", "abc123")
    assert throttle.retry_after("10.9.9.9", "abc123") == 60
    assert throttle.retry_after("10.9.9.9", "other") is None


def test_the_throttle_forgets_the_oldest_subjects_beyond_its_size() -> None:
    throttle = FailedAuthThrottle(limit=1, window_s=60, max_subjects=3, clock=FakeClock())
    for i in range(5):
        throttle.failed(f"10.0.0.{i}", None)
    assert throttle.retry_after("10.0.0.0", None) is None  # forgotten
    assert throttle.retry_after("10.0.0.4", None) == 60


# -- through the API -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def throttled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """An app that blocks after 3 failed authentications in 60 s, and a valid viewer key."""
    folder = tmp_path_factory.mktemp("throttle")
    app = create_app(
        make_settings(f"sqlite:///{folder / 'wfm.db'}", auth_failure_limit=3, job_workers=0)
    )
    with TestClient(app, raise_server_exceptions=False) as c:
        with transaction(app.state.engine) as session:
            key = create_key(session, Role.viewer, "throttle").key
        yield c, key


def test_wrong_keys_from_one_client_get_429_with_retry_after_then_even_a_good_key_waits(
    throttled: tuple[TestClient, str],
) -> None:
    c, good = throttled
    assert c.get(f"{API}/engineers", headers={"X-API-Key": good}).status_code == 200
    for i in range(3):
        r = c.get(f"{API}/engineers", headers={"X-API-Key": f"wfm_guess{i}_nope"})
        assert r.status_code == 401
    r = c.get(f"{API}/engineers", headers={"Authorization": "Bearer wfm_guess9_nope"})
    assert r.status_code == 429
    assert r.headers["content-type"] == "application/problem+json"
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert r.json()["retry_after_s"] == int(r.headers["retry-after"])
    # a blocked client learns nothing, not even that a key is valid
    assert c.get(f"{API}/engineers", headers={"X-API-Key": good}).status_code == 429
    # requests without a key guess nothing and are not throttled
    assert c.get(f"{API}/engineers").status_code == 401
    assert c.get("/health").status_code == 200


# -- slow bodies ---------------------------------------------------------------------------------


def _scope(path: str, length: int, key: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(length).encode()),
            (b"x-api-key", key.encode()),
        ],
        "client": ("10.1.1.1", 5000),
        "server": ("testserver", 80),
        "state": {},
    }


async def _trickle(app: FastAPI, path: str, content_type: bytes, key: str) -> list[dict[str, Any]]:
    """Send the first bytes of a body, then nothing: what does the app answer?"""
    stalled = asyncio.Event()
    first = True

    async def receive() -> dict[str, Any]:
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b'{"id": "e1", ', "more_body": True}
        await stalled.wait()  # never set: the client has gone quiet
        return {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = _scope(path, 1000, key)
    scope["headers"][0] = (b"content-type", content_type)
    await asyncio.wait_for(app(scope, receive, send), timeout=30)
    return sent


@pytest.mark.parametrize(
    ("path", "content_type"),
    [(f"{API}/engineers", b"application/json"), (f"{API}/tickets/import", b"text/csv")],
)
def test_a_body_that_stops_arriving_is_answered_408_and_the_connection_closed(
    tmp_path: Path, path: str, content_type: bytes
) -> None:
    app = create_app(
        make_settings(f"sqlite:///{tmp_path / 'w.db'}", body_chunk_timeout_s=0.05, job_workers=0)
    )
    with TestClient(app):  # started: migrated, so the key check passes and the body is read
        with transaction(app.state.engine) as session:
            key = create_key(session, Role.admin, "slow").key
        sent = asyncio.run(_trickle(app, path, content_type, key))
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    assert start["status"] == 408
    assert headers["connection"] == "close"
    assert headers["content-type"] == "application/problem+json"


def test_a_real_server_cuts_off_a_client_that_trickles_its_body(tmp_path: Path) -> None:
    app = create_app(
        make_settings(f"sqlite:///{tmp_path / 'u.db'}", body_chunk_timeout_s=0.2, job_workers=0)
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # any free port: tests run in parallel
    sock.listen(16)  # connections wait in the backlog until the server accepts them
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
            conn.sendall(
                b"POST /api/v1/engineers HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nContent-Length: 500\r\n"
                b"X-API-Key: wfm_x_y\r\n\r\n"
                b'{"id": "e1", '
            )
            answer = b""
            while chunk := conn.recv(65536):  # ends when the server closes the connection
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
        assert b"application/problem+json" in answer
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
