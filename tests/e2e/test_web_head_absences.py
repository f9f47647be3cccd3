"""The department head enters vacations in Chromium: the art. 120 check shows at once, the
vacation is stored and appears in the year calendar; a vacation overlapping another one is
refused at its field and nothing is stored."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import BoardServer, browser, head_server, open_tab  # noqa: F401


def _stored(server: BoardServer, engineer: str) -> list[dict[str, Any]]:
    return list(server.get(f"/absences?engineer_id={engineer}&limit=1000")["data"])


def test_the_head_enters_a_vacation_and_sees_the_art_120_check(
    browser: Any,  # noqa: F811
    head_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    tab = open_tab(browser, head_server, request)
    page = tab.page
    page.goto(f"{head_server.url}/web/absences")
    page.wait_for_selector("#calendar tbody tr")
    before = len(_stored(head_server, "e05"))
    page.select_option("#engineer", "e05")
    page.fill("#first", "07.06.2027")
    page.fill("#last", "13.06.2027")
    page.press("#last", "Tab")
    page.wait_for_selector("#check:not([hidden])")
    check = page.inner_text("#check")
    assert "12.06 — День России" in check and "ст. 120" in check
    assert "7 календарных дней, засчитывается в отпуск 6" in check
    assert "ст. 115" in check  # 28 days already planned: now more than due
    tab.shot("check")
    page.click("#impact")
    page.wait_for_selector("#impact-list li", timeout=180_000)
    row = page.inner_text("#impact-list li")
    assert re.match(r"06\.2027: без этого отсутствия не хватает [\d\s,]+ чел\.-ч, с ним — ", row)
    tab.shot("impact")
    page.click("#save")
    page.wait_for_selector("#message.ok")
    assert len(_stored(head_server, "e05")) == before + 1
    assert "отпуск 07.06–13.06.2027" in page.inner_text("#calendar")
    tab.shot("stored")
    assert tab.problems == []


def test_a_vacation_overlapping_another_is_refused_at_the_field_and_not_stored(
    browser: Any,  # noqa: F811
    head_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    tab = open_tab(browser, head_server, request)
    page = tab.page
    page.goto(f"{head_server.url}/web/absences")
    page.wait_for_selector("#calendar tbody tr")
    before = len(_stored(head_server, "e02"))
    page.select_option("#engineer", "e02")
    page.fill("#first", "10.06.2027")
    page.fill("#last", "16.06.2027")
    page.click("#save")
    error = page.locator("#first-error")
    expect(error).to_contain_text("Пересекается")
    assert "Пересекается с уже внесённым: отпуск 14.06–27.06.2027" in error.inner_text()
    assert len(_stored(head_server, "e02")) == before
    tab.shot("overlap")
