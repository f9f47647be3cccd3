"""The command line of the service: ``wfm keys create`` and ``wfm serve --init`` (what
``make run`` does) in real processes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import free_port

WFM = [sys.executable, "-m", "service.cli.main"]
KEY = re.compile(r"^wfm_[0-9a-f]{12}_[A-Za-z0-9_\-]{40,}$")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WFM_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'var' / 'wfm.db'}"
    return env


def test_keys_create_prints_only_the_key_on_one_line(tmp_path: Path) -> None:
    out = subprocess.run(
        [*WFM, "keys", "create", "--role", "head"],
        env=_env(tmp_path), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 1 and KEY.match(lines[0])


def test_keys_create_with_an_unknown_role_exits_2_naming_it(tmp_path: Path) -> None:
    out = subprocess.run(
        [*WFM, "keys", "create", "--role", "boss"],
        env=_env(tmp_path), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert out.returncode == 2
    assert out.stdout == ""
    assert "'boss'" in out.stderr and "viewer" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def _start(tmp_path: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*WFM, "serve", "--port", str(port)],
        env=_env(tmp_path), cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip


def _lines_until(proc: subprocess.Popen[str], pattern: str, limit: int = 20) -> list[str]:
    lines: list[str] = []
    assert proc.stdout is not None
    for _ in range(limit):
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if re.search(pattern, line):
            break
    return lines


def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # start-up only; nothing asserted on timing
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the service did not come up")


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.mark.slow
def test_serve_creates_the_database_loads_the_sample_and_prints_url_and_key(
    tmp_path: Path,
) -> None:
    port = free_port()
    proc = _start(tmp_path, port)
    try:
        lines = _lines_until(proc, r"API key")
        url = f"http://127.0.0.1:{port}"
        assert any(url in line for line in lines), lines
        key = next(line.rsplit(" ", 1)[1] for line in lines if "API key" in line)
        assert KEY.match(key)
        _wait_healthy(url)
        r = httpx.get(f"{url}/api/v1/engineers", headers={"X-API-Key": key}, timeout=10)
        assert r.status_code == 200
        sample_loaded = any("sample data loaded" in line for line in lines)
        assert (r.json()["count"] > 0) == sample_loaded
        assert (tmp_path / "var" / "wfm.db").exists()
    finally:
        _stop(proc)
    # A second start keeps the data and does not make another demo key.
    proc = _start(tmp_path, port)
    try:
        lines = _lines_until(proc, r"keys exist")
        assert any("keys exist already" in line for line in lines), lines
        _wait_healthy(f"http://127.0.0.1:{port}")
        again = httpx.get(f"http://127.0.0.1:{port}/api/v1/engineers", headers={"X-API-Key": key})
        assert again.json()["count"] == r.json()["count"]
    finally:
        _stop(proc)
