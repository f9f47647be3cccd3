"""The owner in Chromium: runs the sample "vacation in July" and reads a significant
difference against the plan; zero replications are refused at the field; the form and the
sweep answer. Screenshots under ``var/screenshots/``."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import BoardServer, browser, head_server, open_tab  # noqa: F401

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
    assert page.locator("#chart-short svg rect").count() == 7 * 24
    _charts_draw_the_report(page, head_server)
    assert "₽" in page.inner_text("#scenarios")
    assert page.locator("#warnings li").count() == 0 or "прогон" not in page.inner_text("#warnings")
    visible = str(page.evaluate("document.querySelector('main').innerText"))
    assert not LATIN_WORD.search(visible), LATIN_WORD.findall(visible)[:10]
    assert tab.problems == []


def _bars(page: Any, chart: str) -> list[float]:
    """The values of a chart's bars (legend keys left out), in drawing order."""
    values = page.eval_on_selector_all(
        f"#{chart} svg rect:not(.key)", "rs => rs.map(r => Number(r.dataset.value))"
    )
    return [float(v) for v in values]


def _charts_draw_the_report(page: Any, server: BoardServer) -> None:
    """The SLA by week, the wait histogram and the utilisation by hour drawn from the report
    of the job just run: one bar per week (bin, working hour) and scenario, its height the
    report's figure."""
    (job,) = server.get("/jobs?kind=whatif&limit=1")["data"]
    report = server.get(f"/jobs/{job['id']}/result")
    base, july = report["scenarios"]
    weeks = [
        w["sla_attainment"]["mean"] for pair in zip(base["sla_by_week"], july["sla_by_week"],
        strict=True) for w in pair
    ]  # fmt: skip
    assert len(weeks) == 2 * 5  # July 2027: four weeks and three days
    assert _bars(page, "chart-sla") == pytest.approx(weeks)
    shares = _bars(page, "chart-wait")
    assert len(shares) == 2 * len(base["wait_histogram"])
    assert sum(shares[0::2]) == pytest.approx(1) and sum(shares[1::2]) == pytest.approx(1)
    assert shares[1::2] == pytest.approx([b["share"] for b in july["wait_histogram"]])
    hours = [h for h in july["utilisation_by_hour"] if h["available_hours"] > 0]
    util = _bars(page, "chart-util")
    assert util[1::2] == pytest.approx([h["utilisation"]["mean"] for h in hours])
    assert all(0 <= v <= 1 for v in util)
    assert "с 08.07" in page.inner_text("#chart-sla")  # weeks named by their first day
    assert "≥ 480" in page.inner_text("#chart-wait")


def test_the_english_page_names_the_sample_scenarios_in_english_with_engineers_names(
    browser: Any,  # noqa: F811
    head_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    tab = open_tab(browser, head_server, request, lang="en-GB")
    page = tab.page
    page.goto(f"{head_server.url}/web/whatif?lang=en")
    page.wait_for_selector("#s-like option", state="attached")
    page.select_option("#sample", "vacation_july")
    chosen = page.eval_on_selector("#sample", "s => s.selectedOptions[0].textContent")
    text = f"{chosen}\n{page.inner_text('#sample-text')}"
    assert "July 2027: Андрей Морозов on vacation 12.07–25.07" in text
    assert "As is" in text and not re.search(r"\be\d\d\b", text)
    assert not re.search(r"[а-яё]", text.replace("Андрей Морозов", ""), re.IGNORECASE), text
    tab.shot("english")
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
