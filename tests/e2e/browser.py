"""Browser fixtures of the web tests: the service on a free port over a temporary SQLite
database with the sample data, and Debian's Chromium driven by Playwright.

No browser is downloaded: Playwright launches the system's ``chromium`` (``WFM_CHROMIUM``,
set by ``.ci/chromium.sh``, else found on the PATH). Without one the tests are skipped with
that reason; when ``WFM_CHROMIUM`` names a missing file they fail, so CI cannot silently
skip them. Each step can save a screenshot under ``var/screenshots/`` (git-ignored).

Import the fixtures into a test module: ``from tests.e2e.browser import board_server, browser``
(or ``head_server``, the department head's, shared by the module).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from service.app import create_app
from service.auth import Role, create_key
from service.db import transaction
from service.seed import seed
from tests.e2e.conftest import free_port
from tests.integration.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1500, "height": 950}
PHONE = {"width": 390, "height": 844}


def chromium_executable() -> str:
    """The Chromium to drive; skips the test when the machine has none."""
    named = os.environ.get("WFM_CHROMIUM")
    if named:
        if not (Path(named).is_file() and os.access(named, os.X_OK)):
            pytest.fail(f"WFM_CHROMIUM={named} is not an executable file")
        return named
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no chromium on this machine: run .ci/chromium.sh (apt-get install chromium)")


@dataclass(frozen=True)
class BoardServer:
    """The service with the sample data: its URL, a dispatcher's key, an API client."""

    url: str
    key: str
    api: httpx.Client

    def get(self, path: str, **kw: Any) -> Any:
        r = self.api.get(f"/api/v1{path}", **kw)
        assert r.status_code == 200, (path, r.status_code, r.text[:500])
        return r.json()

    def post(self, path: str, body: Any = None, **kw: Any) -> httpx.Response:
        return self.api.post(f"/api/v1{path}", json=body, **kw)

    def require(self, method: str, path: str) -> None:
        """Skip, naming the route, when the service does not offer it (yet)."""
        paths = self.api.get("/openapi.json").json()["paths"]
        if method.lower() not in paths.get(f"/api/v1{path}", {}):
            pytest.skip(f"the service has no {method} /api/v1{path} (see docs/api-dispatcher.md)")


@contextmanager
def sample_service(folder: Path, role: Role, label: str) -> Iterator[BoardServer]:
    """uvicorn in a thread over a fresh SQLite file in ``folder`` seeded with the sample
    data, and a key of ``role``."""
    url = f"sqlite:///{folder / 'wfm.db'}"
    app = create_app(make_settings(url, job_workers=1, prestart_workers=True))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:  # start-up only; no assertion depends on timing
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    seed(app.state.engine)
    with transaction(app.state.engine) as session:
        key = create_key(session, role, label).key
    base = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=120)
    try:
        yield BoardServer(url=base, key=key, api=client)
    finally:
        client.close()
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def board_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[BoardServer]:
    """The service with the sample data and a dispatcher's key (another role by indirect
    parametrisation: ``@pytest.mark.parametrize("board_server", ["head"], indirect=True)``):
    each test starts from the sample morning, whatever the others accepted."""
    role = Role[getattr(request, "param", "dispatcher")]
    with sample_service(tmp_path, role, f"browser tests ({role.name})") as server:
        yield server


@pytest.fixture(scope="module")
def head_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoardServer]:
    """The service over the sample data with a department head's key, shared by a module's
    tests (the head's pages change little that another test reads)."""
    with sample_service(tmp_path_factory.mktemp("head"), Role.head, "head in the browser") as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, for the module."""
    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Tab:
    """A page of a fresh browser context, with the key stored and the console watched."""

    page: Any
    test: str
    label: str = ""
    problems: list[str] = field(default_factory=list)
    step: int = 0

    def shot(self, name: str) -> Path:
        """Save a full-page screenshot ``var/screenshots/<test>[-<label>]-<NN>-<name>.png``."""
        self.step += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab = f"-{self.label}" if self.label else ""
        path = SCREENSHOTS / f"{self.test}{tab}-{self.step:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def open_tab(
    browser: Any,
    server: BoardServer,
    request: pytest.FixtureRequest,
    viewport: dict[str, int] = DESKTOP,
    lang: str = "ru-RU",
    label: str = "",
) -> Tab:
    """A new context (its own storage) in Russian, in a time zone other than Saratov's, so
    the pages must show Saratov time themselves."""
    context = browser.new_context(viewport=viewport, locale=lang, timezone_id="Europe/Moscow")
    context.add_init_script(f"localStorage.setItem('wfm-key', {server.key!r})")
    page = context.new_page()
    page.set_default_timeout(60_000)
    name = re.sub(r"[^A-Za-z0-9_]+", "_", request.node.name)[:80]
    tab = Tab(page=page, test=name, label=label)
    page.on(
        "console",
        lambda m: tab.problems.append(f"{m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: tab.problems.append(f"page error: {e}"))
    request.addfinalizer(context.close)
    return tab
