"""The owner in Chromium: runs the sample "vacation in July" and reads a significant
difference against the plan; zero replications are refused at the field; the form and the
sweep answer. Screenshots under ``var/screenshots/``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import BoardServer, browser, open_tab  # noqa: F401
from tests.e2e.test_web_head_roster import head_server  # noqa: F401

LATIN_WORD = re.compile(r"\b[a-z_]{4,}\b")


def test_the_owner_runs_vacation_in_july_and_reads_a_significant_difference(
    browser: Any,  # noqa: F811
    head_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    tab = open_tab(browser, head_server, request)
    page = tab.page
    page.goto(f"{head_server.url}/web/whatif")
    page.wait_for_selector("#s-like option", state="attached")
    page.select_option("#sample", "vacation_july")
    page.fill("#replications", "6")
    page.click("#run")
    page.wait_for_selector("#results:not([hidden])", timeout=240_000)
    tab.shot("july")
    rows = page.locator("#comparison tbody tr")
    assert rows.count() > 5
    significant = page.locator("#comparison tbody td.sig")
    assert significant.count() >= 1
    text = page.inner_text("#results")
    assert "Июль по графику отпусков" in text and "п. п." in text
    for share in re.findall(r"(\d+(?:,\d)?) %", page.inner_text("#scenarios")):
        assert 0 <= float(share.replace(",", ".")) <= 100
    assert page.locator("#chart-sla svg rect").count() == 2
    assert page.locator("#chart-short svg rect").count() == 7 * 24
    assert "₽" in page.inner_text("#scenarios")
    assert page.locator("#warnings li").count() == 0 or "прогон" not in page.inner_text("#warnings")
    visible = str(page.evaluate("document.querySelector('main').innerText"))
    assert not LATIN_WORD.search(visible), LATIN_WORD.findall(visible)[:10]
    assert tab.problems == []


def test_zero_replications_are_refused_at_the_field(
    browser: Any,  # noqa: F811
    head_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    tab = open_tab(browser, head_server, request)
    page = tab.page
    before = head_server.get("/jobs?kind=whatif")["count"]
    page.goto(f"{head_server.url}/web/whatif")
    page.wait_for_selector("#s-like option", state="attached")
    page.fill("#replications", "0")
    page.click("#run")
    expect(page.locator("#replications-error")).to_contain_text("хотя бы один прогон")
    assert head_server.get("/jobs?kind=whatif")["count"] == before
    tab.shot("zero")


def test_few_replications_are_said_on_the_page(
    browser: Any,  # noqa: F811
    head_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    tab = open_tab(browser, head_server, request)
    page = tab.page
    page.goto(f"{head_server.url}/web/whatif")
    page.wait_for_selector("#s-like option", state="attached")
    page.check("input[name='mode'][value='form']")
    page.fill("#f-days", "7")
    page.select_option("#f-car", "e01")
    page.fill("#f-car-first", "01.07.2027")
    page.fill("#f-car-last", "07.07.2027")
    page.fill("#replications", "2")
    page.click("#run")
    page.wait_for_selector("#results:not([hidden])", timeout=240_000)
    assert "Мало прогонов" in page.inner_text("#warnings")
    assert "Что если" in page.inner_text("#scenarios")
    tab.shot("form")
