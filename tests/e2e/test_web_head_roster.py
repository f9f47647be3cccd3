"""The department head in Chromium: plans February 2027, reads the grid, pins a shift and
re-plans keeping it, accepts the month and downloads the command line's files.

Screenshots of each step are saved under ``var/screenshots/``."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.e2e.browser import BoardServer, browser, head_server, open_tab  # noqa: F401

LATIN_WORD = re.compile(r"\b[a-z_]{4,}\b")


def _visible_text(page: Any) -> str:
    return str(page.evaluate("document.querySelector('main').innerText"))


def test_the_head_plans_edits_accepts_and_exports_february_2027(
    browser: Any,  # noqa: F811
    head_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    tab = open_tab(browser, head_server, request)
    page = tab.page
    page.goto(f"{head_server.url}/web/roster")
    page.wait_for_selector("#engineer-list input")
    page.fill("#month", "2027-02")
    page.select_option("#time-limit", "10")
    page.click("#plan")
    page.wait_for_selector("#result:not([hidden])", timeout=120_000)
    tab.shot("february")
    header = page.inner_text("#grid thead")
    assert "вт" in header and "пн" in header
    assert page.locator("#grid thead th.holiday").count() == 2  # 22 and 23 February
    assert page.locator("#grid thead th.working_weekend").count() == 1  # 20 February
    grid = page.inner_text("#grid tbody")
    assert "Сергей Волков" in grid and "ОТ" in grid
    text = _visible_text(page)
    assert "Февраль 2027" in text and "₽" in text
    assert not LATIN_WORD.search(text), LATIN_WORD.findall(text)[:10]

    # pin a late shift for Дмитрий Кузнецов on Wednesday 3 February and re-plan
    page.click("#grid td[data-engineer='e03'][data-date='2027-02-03']")
    page.select_option("#editor-choice", "pin:late")
    page.click("#editor-apply")
    assert "Поздняя" in page.inner_text("#edits")
    first_job = page.evaluate("new URL(location.href).searchParams.get('job')")
    page.click("#resolve")
    page.wait_for_url(lambda url: str(first_job) not in url, timeout=120_000)
    page.wait_for_selector("#month-title")
    cell = page.locator("#grid td[data-engineer='e03'][data-date='2027-02-03']")
    assert cell.inner_text() == "П" and "edited" in (cell.get_attribute("class") or "")
    tab.shot("replanned")

    page.click("#accept")
    page.wait_for_selector("#accepted-mark:not([hidden])")
    assert "принят" in page.inner_text("#message")
    with page.expect_download() as got:
        page.click(".downloads button[data-format='xlsx']")
    path = got.value.path()
    assert got.value.suggested_filename == "roster.xlsx"
    wb = load_workbook(io.BytesIO(open(path, "rb").read()))  # noqa: SIM115
    assert wb.sheetnames == ["График", "Покрытие", "Нехватка", "Часы"]
    with page.expect_download() as got:
        page.click(".downloads button[data-format='csv']")
    assert open(got.value.path(), "rb").read().startswith(b"\xef\xbb\xbf")  # noqa: SIM115
    page.select_option("#ics-engineer", "e01")
    with page.expect_download() as got:
        page.click("#ics-one")
    assert got.value.suggested_filename == "e01.ics"
    tab.shot("accepted")
    assert tab.problems == []


def test_a_month_outside_the_calendar_is_refused_at_the_field(
    browser: Any,  # noqa: F811
    head_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    tab = open_tab(browser, head_server, request)
    page = tab.page
    before = head_server.get("/jobs?kind=roster")["count"]
    page.goto(f"{head_server.url}/web/roster")
    page.wait_for_selector("#engineer-list input")
    page.fill("#month", "2031-03")
    page.click("#plan")
    error = page.locator("#month-error")
    error.wait_for()
    assert "производственного календаря" in error.inner_text()
    assert page.get_attribute("#month", "aria-invalid") == "true"
    assert head_server.get("/jobs?kind=roster")["count"] == before
    tab.shot("bad-month")


def test_the_head_checks_the_recommendations_by_re_planning_the_month(
    browser: Any,  # noqa: F811
    head_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    """Two engineers for March 2027 (a small month to re-plan): the check is a job whose
    progress shows beside the button; each recommendation then shows its measured effect."""
    tab = open_tab(browser, head_server, request)
    page = tab.page
    page.goto(f"{head_server.url}/web/roster")
    page.wait_for_selector("#engineer-list input")
    for box in page.locator("#engineer-list input").all():
        if box.get_attribute("value") not in ("e01", "e02"):
            box.uncheck()
    page.fill("#month", "2027-03")
    page.select_option("#time-limit", "5")
    page.click("#plan")
    page.wait_for_selector("#result:not([hidden])", timeout=120_000)
    assert page.locator("#recommendations .estimate").count() >= 1
    before = head_server.get("/jobs?kind=roster_recommendations")["count"]
    page.click("#verify")
    page.wait_for_selector("#verify-progress:not([hidden])")
    tab.shot("verifying")
    page.wait_for_selector("#recommendations .verified", timeout=240_000)
    page.wait_for_selector("#verify-progress", state="hidden")
    assert head_server.get("/jobs?kind=roster_recommendations")["count"] == before + 1
    (job,) = head_server.get("/jobs?kind=roster_recommendations&limit=1")["data"]
    result = head_server.get(f"/jobs/{job['id']}/result")
    items = page.locator("#recommendations li")
    assert items.count() == len(result["recommendations"]) > 0
    for i, r in enumerate(result["recommendations"]):
        assert r["text"] in items.nth(i).inner_text()
    assert "проверено пересчётом" in page.inner_text("#recommendations")
    assert "Проверено пересчётом" in page.inner_text("#message")
    tab.shot("verified")
    assert tab.problems == []
