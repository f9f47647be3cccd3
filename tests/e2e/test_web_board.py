"""The dispatcher's board and the engineer's view in a real browser (Debian's Chromium driven
by Playwright), over the service with the sample data of Monday 30.11.2026.

Each step saves a screenshot under ``var/screenshots/``. Solves are short (a 2 s limit) and
nothing asserts on time: the tests wait for what the page shows, not for a clock.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.e2e.browser import (  # noqa: F401  (fixtures)
    PHONE,
    BoardServer,
    Tab,
    board_server,
    browser,
    open_tab,
)

SAMPLE_MORNING = "2026-11-30T09:30"
DATA_WORDS = re.compile(
    r"\b(open|assigned|in_progress|en_route|urgent|normal|low|remote|onsite|short_by|"
    r"sip_trunks|asterisk_dialplan|Saratov|Engels)\b"
)
INTERNAL_IDS = re.compile(r"\b[est]\d{2,3}\b")


def board(tab: Tab, server: BoardServer, query: str = "") -> None:
    """Open the board and wait until the queue has been drawn."""
    tab.page.goto(f"{server.url}/web/dispatch{query}")
    tab.page.wait_for_selector("#queue tbody tr")


def plan_on_board(tab: Tab) -> None:
    """Press Plan with a short limit and wait until the plan can be accepted."""
    tab.page.fill("#time-limit", "2")
    tab.page.click("#plan")
    tab.page.wait_for_selector("#accept:not([disabled])")


def accept_on_board(tab: Tab) -> None:
    """Press Accept and wait for the page's answer, which must be the plan accepted."""
    tab.page.evaluate("document.getElementById('message').textContent = ''")
    tab.page.click("#accept")
    tab.page.wait_for_selector("#message:not(:empty)")
    message = tab.page.inner_text("#message")
    assert message.startswith("План принят"), message
    tab.page.wait_for_selector("#accept[disabled]")


def current_commitments(server: BoardServer) -> list[dict[str, Any]]:
    return server.get("/assignments", params={"status": "current", "limit": 1000})["data"]


def double_bookings(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """Pairs of one engineer's commitments that overlap in time."""
    by_engineer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_engineer[r["engineer_id"]].append(r)
    clashes = []
    for engineer, items in by_engineer.items():
        items.sort(key=lambda r: r["start"])
        for a, b in zip(items, items[1:], strict=False):
            if datetime.fromisoformat(b["start"]) < datetime.fromisoformat(a["end"]):
                clashes.append((engineer, a["ticket_id"], b["ticket_id"]))
    return clashes


def first_free_skill(server: BoardServer, rows: list[dict[str, Any]]) -> str:
    """A skill of the engineer who is free first after the sample morning's 09:30."""
    as_of = datetime.fromisoformat(SAMPLE_MORNING + ":00+04:00")
    free_at = {e["id"]: as_of for e in server.get("/engineers")["data"]}
    for r in rows:
        start, end = datetime.fromisoformat(r["start"]), datetime.fromisoformat(r["end"])
        if start <= as_of < end:
            free_at[r["engineer_id"]] = end
    first = min(free_at, key=lambda e: (free_at[e], e))
    return str(server.get(f"/engineers/{first}")["skills"][0])


def visible_text(tab: Tab) -> str:
    """What the user reads: the page's text, without the form controls' option lists."""
    return str(tab.page.evaluate("document.querySelector('main').innerText"))


def test_the_dispatchers_morning_plan_accept_urgent_ticket_replan_accept(
    browser: Any,  # noqa: F811
    board_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    board_server.require("POST", "/dispatch/from-store")
    tab = open_tab(browser, board_server, request)
    page = tab.page

    # The sample day opens on its own morning, not on today's date.
    board(tab, board_server)
    assert page.input_value("#as-of") == SAMPLE_MORNING
    queue = board_server.get("/board", params={"as_of": SAMPLE_MORNING + ":00+04:00"})["queue"]
    assert page.locator("#queue tbody tr").count() == len(queue) > 0
    tab.shot("opened")

    # Plan: a double click starts one solve, not two.
    jobs_before = board_server.get("/jobs", params={"kind": "dispatch"})["count"]
    page.fill("#time-limit", "2")
    page.dblclick("#plan")
    page.wait_for_selector("#accept:not([disabled])")
    assert board_server.get("/jobs", params={"kind": "dispatch"})["count"] == jobs_before + 1
    tab.shot("planned")

    # The timeline shows the plan per engineer; late work says by how much.
    items = page.locator("svg.gantt g.work")
    assert items.count() > 20
    late = page.locator("svg.gantt g.work.late")
    for i in range(late.count()):
        assert "опоздание" in (late.nth(i).locator("title").text_content() or "")
    assert page.locator("[data-kpi=on_time] .value").inner_text() != "—"

    # Clicking a work item shows its details.
    items.first.click()
    page.wait_for_selector("#detail dl.facts")
    tab.shot("item-details")

    accept_on_board(tab)
    tab.shot("accepted")
    assert double_bookings(current_commitments(board_server)) == []

    # A new urgent ticket from a Saratov customer, done remotely.
    known = {t["id"] for t in board_server.get("/tickets", params={"limit": 1000})["data"]}
    page.click("[data-event=urgent]")
    dialog = page.locator("#event-dialog")
    site = board_server.get("/sites", params={"city": "Saratov", "limit": 1})["data"][0]
    dialog.locator("select[name=site_id]").select_option(site["id"])
    dialog.locator("select[name=priority]").select_option("urgent")
    dialog.locator("select[name=mode]").select_option("remote")
    # The skill of the engineer whose work in hand ends first: someone can take it at once.
    skill = first_free_skill(board_server, current_commitments(board_server))
    for box in dialog.locator(".skills input").all():
        box.set_checked(box.get_attribute("value") == skill)
    tab.shot("urgent-form")
    dialog.locator("button[type=submit]").click()
    page.wait_for_selector("#accept:not([disabled])")
    tab.shot("urgent-proposal")
    tickets = board_server.get("/tickets", params={"limit": 1000})["data"]
    urgent = [t for t in tickets if t["id"] not in known]
    assert len(urgent) == 1 and urgent[0]["priority"] == "urgent"
    urgent_id, created = urgent[0]["id"], datetime.fromisoformat(urgent[0]["created_at"])

    accept_on_board(tab)
    tab.shot("urgent-accepted")

    rows = current_commitments(board_server)
    assert double_bookings(rows) == []
    assert len({r["ticket_id"] for r in rows}) == len(rows), "two current assignments of a ticket"
    mine = [r for r in rows if r["ticket_id"] == urgent_id]
    assert len(mine) == 1
    assert tab.problems == []
    # Someone with its skill is on shift, so the proposal frees what is in its way.
    start = datetime.fromisoformat(mine[0]["start"])
    assert start <= created + timedelta(minutes=30), (created, start)


def test_the_russian_board_shows_names_and_russian_words_only(
    browser: Any,  # noqa: F811
    board_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    tab = open_tab(browser, board_server, request)
    board(tab, board_server)
    text = visible_text(tab)
    assert DATA_WORDS.findall(text) == []
    assert INTERNAL_IDS.findall(text) == []
    assert "Саратов" in text and "Энгельс" in text
    tab.shot("ru")
    tab.page.click("#lang-switch")
    tab.page.wait_for_selector("#queue tbody tr")
    assert tab.page.input_value("#as-of") == SAMPLE_MORNING
    assert "Accept the plan" in visible_text(tab)
    tab.shot("en")
    assert tab.problems == []


def test_a_manual_assignment_that_breaks_a_rule_is_explained_at_the_ticket_and_not_stored(
    browser: Any,  # noqa: F811
    board_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    tab = open_tab(browser, board_server, request)
    board(tab, board_server)
    queue = board_server.get("/board", params={"as_of": SAMPLE_MORNING + ":00+04:00"})["queue"]
    engineers = board_server.get("/engineers")["data"]
    # A ticket and an engineer who lacks one of its skills.
    ticket, engineer = next(
        (q, e)
        for q in queue
        for e in engineers
        if q["required_skills"] and not set(q["required_skills"]) <= set(e["skills"])
    )
    row = tab.page.locator(f"#queue tbody tr[data-ticket='{ticket['ticket_id']}']")
    row.locator("select").select_option(engineer["id"])
    row.locator("input[type=time]").fill("10:00")
    row.locator("button.assign").click()
    error = row.locator(".error")
    error.filter(has_text="не владеет").wait_for()
    assert engineer["name"] in error.inner_text()
    tab.shot("refused")
    stored = board_server.get("/assignments", params={"ticket_id": ticket["ticket_id"]})
    assert all(r["engineer_id"] != engineer["id"] for r in stored["data"])


def test_the_engineer_marks_a_ticket_done_and_the_plan_survives_a_reload(
    browser: Any,  # noqa: F811
    board_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    board_server.require("POST", "/dispatch/from-store")
    body = {"now": SAMPLE_MORNING + ":00+04:00", "options": {"time_limit_s": 2}}
    r = board_server.post("/dispatch/from-store?wait=60", body)
    assert r.status_code == 200, r.text
    job_id = r.headers["x-job-id"]
    accepted = board_server.post(f"/jobs/{job_id}/accept")
    assert accepted.status_code == 200, accepted.text
    first = min(current_commitments(board_server), key=lambda a: a["start"])

    phone = open_tab(browser, board_server, request, viewport=PHONE, label="phone")
    page = phone.page
    page.goto(f"{board_server.url}/web/engineer?engineer={first['engineer_id']}")
    card = page.locator(f"li.card[data-ticket='{first['ticket_id']}']")
    card.wait_for()
    phone.shot("list")
    for status in ("en_route", "in_progress", "done"):
        button = card.locator(f"button[data-status={status}]")
        if button.count():
            button.click()
            page.wait_for_selector(f"li.card.st-{status}[data-ticket='{first['ticket_id']}']")
    assert card.locator(".status").inner_text() == "выполнена"
    phone.shot("done")
    page.reload()
    page.locator(f"li.card.st-done[data-ticket='{first['ticket_id']}']").wait_for()
    phone.shot("reloaded")

    # A plan made on the board (not accepted yet) is still there after a reload.
    tab = open_tab(browser, board_server, request, label="board")
    board(tab, board_server)
    plan_on_board(tab)
    drawn = tab.page.locator("svg.gantt g.work").count()
    tab.page.reload()
    tab.page.wait_for_selector("#accept:not([disabled])")
    assert tab.page.locator("svg.gantt g.work").count() == drawn
    assert "не принят" in tab.page.inner_text("#plan-state")
    tab.shot("plan-after-reload")
    assert phone.problems == [] and tab.problems == []


def test_dragging_work_to_an_engineer_without_the_skill_is_refused_with_the_reason(
    browser: Any,  # noqa: F811
    board_server: BoardServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> None:
    as_of = SAMPLE_MORNING + ":00+04:00"
    queue = board_server.get("/board", params={"as_of": as_of})["queue"]
    engineers = board_server.get("/engineers")["data"]
    # A remote ticket, an engineer free at 16:00 with its skills, and one without them.
    ticket, able, unable = next(
        (q, a, u)
        for q in queue
        if q["mode"] == "remote" and q["required_skills"]
        for a in engineers
        if set(q["required_skills"]) <= set(a["skills"])
        for u in engineers
        if not set(q["required_skills"]) <= set(u["skills"])
    )
    r = board_server.post(
        f"/tickets/{ticket['ticket_id']}/assignment",
        {"engineer_id": able["id"], "start": "2026-11-30T16:00:00+04:00", "as_of": as_of},
    )
    assert r.status_code == 200, r.text

    tab = open_tab(browser, board_server, request)
    board(tab, board_server)
    page = tab.page
    item = page.locator(f"svg.gantt g.work[data-ticket='{ticket['ticket_id']}'] rect")
    source = item.bounding_box()
    target = page.locator(
        f"svg.gantt g.row[data-engineer='{unable['id']}'] rect.row-bg"
    ).bounding_box()
    assert source is not None and target is not None
    page.mouse.move(source["x"] + 4, source["y"] + 4)
    page.mouse.down()
    page.mouse.move(source["x"] + 4, target["y"] + 8, steps=8)
    page.mouse.up()
    error = page.locator("#assign-error")
    error.filter(has_text="не владеет").wait_for()
    assert unable["name"] in error.inner_text()
    tab.shot("drag-refused")
    stored = board_server.get("/assignments", params={"ticket_id": ticket["ticket_id"]})["data"]
    assert {r["engineer_id"] for r in stored if r["status"] == "current"} == {able["id"]}
