"""The department head edits master data in Chromium: an engineer's contract hours change,
a shift template ending before it starts is refused at its field with nothing stored, sites
show their city and bank. Screenshots under ``var/screenshots/``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import BoardServer, browser, head_server, open_tab  # noqa: F401

LATIN_WORD = re.compile(r"\b[a-z_]{4,}\b")


def test_the_head_changes_an_engineers_contract_hours(
    browser: Any,  # noqa: F811
    head_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    tab = open_tab(browser, head_server, request)
    page = tab.page
    page.goto(f"{head_server.url}/web/master")
    page.wait_for_selector("#items tbody tr[data-id='e05']")
    page.click("#items tbody tr[data-id='e05']")
    assert page.input_value("#f-name") == "Мария Соколова"
    page.fill("#f-weekly_hours", "36")
    page.click("#save")
    page.wait_for_selector("#message.ok")
    assert head_server.get("/engineers/e05")["weekly_hours"] == 36
    assert head_server.get("/engineers/e05")["skills"]  # nothing else lost
    visible = str(page.evaluate("document.querySelector('main').innerText"))
    assert not LATIN_WORD.search(visible), LATIN_WORD.findall(visible)[:10]
    tab.shot("engineer")
    assert tab.problems == []


def test_a_template_ending_before_it_starts_is_refused_at_the_field(
    browser: Any,  # noqa: F811
    head_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    tab = open_tab(browser, head_server, request)
    page = tab.page
    page.goto(f"{head_server.url}/web/master?tab=templates")
    page.wait_for_selector("#items tbody tr[data-id='office']")
    page.click("#new")
    page.fill("#f-id", "night")
    page.fill("#f-name", "Ночная")
    page.fill("#f-start", "18:00")
    page.fill("#f-end", "09:00")
    page.fill("#f-break_min", "60")
    page.check("#f-weekdays input[value='0']")
    page.click("#save")
    expect(page.locator("#f-end-error")).to_contain_text("кончаться позже")
    assert page.get_attribute("#f-end", "aria-invalid") == "true"
    assert head_server.api.get("/api/v1/shift-templates/night").status_code == 404
    tab.shot("template")


def test_sites_show_their_city_and_bank(
    browser: Any,  # noqa: F811
    head_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    tab = open_tab(browser, head_server, request)
    page = tab.page
    page.goto(f"{head_server.url}/web/master?tab=sites")
    page.wait_for_selector("#items tbody tr")
    table = page.inner_text("#items")
    assert "Энгельс" in table and "левый (Энгельс)" in table and "правый (Саратов)" in table
    tab.shot("sites")


def test_the_head_finds_a_sample_address_on_the_map_and_saves_the_site(
    browser: Any,  # noqa: F811
    head_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    # s007 of the sample is at this address in Engels, on the left bank of the Volga.
    known = head_server.get("/sites/s007")
    tab = open_tab(browser, head_server, request)
    page = tab.page
    page.goto(f"{head_server.url}/web/master?tab=sites")
    page.wait_for_selector("#items tbody tr[data-id='s007']")
    page.click("#new")
    page.fill("#f-id", "s-geo")
    page.fill("#f-customer", "ООО «Новый клиент»")
    page.fill("#f-address", "г. Энгельс, ул. Полиграфическая, 93")
    page.click("#f-address-locate")
    expect(page.locator("#f-place")).to_have_text("Энгельс, левый (Энгельс)")
    assert float(page.input_value("#f-lat")) == known["location"]["lat"]
    assert float(page.input_value("#f-lon")) == known["location"]["lon"]
    assert page.input_value("#f-city") == "Engels"
    tab.shot("located")
    page.click("#save")
    page.wait_for_selector("#message.ok")
    stored = head_server.get("/sites/s-geo")
    assert (stored["city"], stored["bank"]) == ("Engels", "left")
    assert stored["location"]["lat"] == known["location"]["lat"]
    row = page.inner_text("#items tbody tr[data-id='s-geo']")
    assert "Энгельс" in row and "левый (Энгельс)" in row
    assert tab.problems == []


def test_an_address_nobody_knows_asks_for_coordinates_at_the_field(
    browser: Any,  # noqa: F811
    head_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    tab = open_tab(browser, head_server, request)
    page = tab.page
    page.goto(f"{head_server.url}/web/master?tab=sites")
    page.wait_for_selector("#items tbody tr")
    page.click("#new")
    page.fill("#f-id", "s-nowhere")
    page.fill("#f-customer", "ООО «Нигде»")
    page.fill("#f-address", "г. Саратов, ул. Несуществующая, 999")
    page.click("#f-address-locate")
    expect(page.locator("#f-address-error")).to_contain_text("введите широту и долготу")
    # Saved without coordinates, the service locates the address itself and refuses it too.
    page.click("#save")
    expect(page.locator("#f-address-error")).to_contain_text("введите широту и долготу")
    assert page.get_attribute("#f-address", "aria-invalid") == "true"
    assert head_server.api.get("/api/v1/sites/s-nowhere").status_code == 404
    tab.shot("unknown-address")
