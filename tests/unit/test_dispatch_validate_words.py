"""validate_plan says what is wrong the way a dispatcher reads it: a rule code, the plan's field
and its value, and a message in Russian by default (names, local times), English on request.

The world of ``test_dispatch_fixtures``: Monday 30.11.2026, shifts 09:00–18:00 (+04:00).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from optimizer.dispatch.text import VIOLATIONS
from optimizer.dispatch.validate import Violation, validate_plan
from optimizer.domain.dispatch import DispatchPlan, DispatchRequest
from tests.unit.test_dispatch_fixtures import at, engineer, request, solved, ticket

IVAN = {"name": "Иван Петров"}
ROMASHKA = {
    "id": "s1",
    "customer": "ООО «Ромашка»",
    "city": "Saratov",
    "location": {"id": "site_near"},
    "sla_policy": "default",
}


def _one(found: list[Violation], code: str) -> Violation:
    hits = [v for v in found if v.code == code]
    assert len(hits) == 1, [str(v) for v in found]
    return hits[0]


def _given_to_b(req: DispatchRequest) -> DispatchPlan:
    """The greedy plan with its one assignment moved to engineer ``b`` (no route involved:
    the work is remote)."""
    plan = solved(req, "greedy")
    plan.assignments[0].engineer_id = "b"
    return plan


def test_work_given_to_an_engineer_without_the_skill_is_named_by_engineer_and_skill() -> None:
    req = request(
        [engineer("a", skills=("sip_trunks",)), engineer("b", skills=("gateways",), **IVAN)],
        [ticket("t1", skills=("sip_trunks",))],
    )
    v = _one(validate_plan(req, _given_to_b(req)), "skill_missing")
    assert (v.rule, v.subject) == ("skills", "t1")
    assert (v.field, v.value) == ("assignments[0].engineer_id", "b")
    assert v.message == "Иван Петров не владеет навыком «SIP-транки»"


def test_english_on_request_keeps_the_checkers_technical_wording() -> None:
    req = request(
        [engineer("a", skills=("sip_trunks",)), engineer("b", skills=("gateways",), **IVAN)],
        [ticket("t1", skills=("sip_trunks",))],
    )
    plan = _given_to_b(req)
    (ru,) = validate_plan(req, plan)
    (en,) = validate_plan(req, plan, lang="en")
    assert en.message == "b lacks ['sip_trunks']"
    assert (en.code, en.field, en.value) == (ru.code, ru.field, ru.value)
    assert ru.text("en") == en.message and en.text("ru") == ru.message


def test_the_requests_language_is_the_default() -> None:
    req = request(
        [engineer("a", skills=("sip_trunks",)), engineer("b", skills=("gateways",))],
        [ticket("t1", skills=("sip_trunks",))],
        options={"lang": "en"},
    )
    (v,) = validate_plan(req, _given_to_b(req))
    assert v.message == "b lacks ['sip_trunks']"


def test_work_on_a_vacation_day_says_the_engineer_is_on_vacation_that_day() -> None:
    team = [engineer("a", **IVAN)]
    plan = solved(request(team, [ticket("t1")]), "greedy")
    vacation = {
        "engineer_id": "a",
        "start": "2026-11-30T00:00:00+04:00",
        "end": "2026-12-05T00:00:00+04:00",
        "kind": "vacation",
    }
    req = request(team, [ticket("t1")], absences=[vacation])
    v = _one(validate_plan(req, plan), "engineer_away")
    assert (v.rule, v.field, v.value) == ("absence", "assignments[0].engineer_id", "a")
    assert v.message == "Иван Петров на этот день в отпуске (30.11–04.12)"


def test_a_start_before_the_shift_names_the_start_and_the_shift() -> None:
    # Ivan's shift starts at 09:00; it is 08:00 and the work is put at 08:30.
    req = request([engineer("a", **IVAN)], [ticket("t1", created=(8, 0))], now=at(8, 0))
    plan = solved(req, "greedy")
    a = plan.assignments[0]
    a.start, a.end = a.start.replace(hour=8, minute=30), a.end.replace(hour=9, minute=0)
    v = _one(validate_plan(req, plan), "before_shift")
    assert (v.rule, v.field, v.value) == ("availability", "assignments[0].start", at(8, 30))
    assert v.message == "Иван Петров: начало 08:30 — до начала смены 09:00"
    assert v.text("en") == f"a is not available {a.start}–{a.end}"


def test_a_ticket_of_a_site_is_named_with_its_customer() -> None:
    req = request([engineer("a")], [ticket("t1", location=None, site_id="s1")], sites=[ROMASHKA])
    plan = solved(req, "greedy")
    plan.assignments[0].on_time = not plan.assignments[0].on_time
    v = _one(validate_plan(req, plan), "on_time_wrong")
    assert v.field == "assignments[0].on_time"
    assert v.message.startswith("Заявка t1 (ООО «Ромашка»): отметка «в срок» неверна")


def test_remote_work_during_a_drive_names_both_in_words() -> None:
    req = request([engineer("a", **IVAN)], [ticket("v1", onsite=True), ticket("r1", minutes=30)])
    plan = solved(req, "greedy")
    route = plan.route(plan.assignment("v1").engineer_id)
    depart = route.stops[0].depart
    r1 = plan.assignment("r1")
    r1.start, r1.end = depart, depart + timedelta(minutes=30)
    found = validate_plan(req, plan)
    overlap = [v for v in found if v.code == "overlap"]
    assert overlap, [str(v) for v in found]
    assert overlap[0].message.startswith("Иван Петров: ")
    assert "дорога → заявка v1" in overlap[0].message and "заявка r1" in overlap[0].message


def test_every_code_the_checker_raises_has_both_texts_and_every_text_is_used() -> None:
    source = Path(__file__).parents[2].joinpath("optimizer/dispatch/validate.py").read_text()
    raised = set(re.findall(r'bad\(\s*"([a-z_]+)"', source))
    named = set(re.findall(r'"([a-z_]+)"', source))
    assert raised and raised <= set(VIOLATIONS), raised - set(VIOLATIONS)
    assert set(VIOLATIONS) <= named, set(VIOLATIONS) - named
    for code, entry in VIOLATIONS.items():
        assert entry.rule and entry.en, code
        words = re.sub(r"\{[^}]*\}", "", entry.ru)
        assert not re.search(r"[A-Za-z]{2,}", words), (code, entry.ru)  # licence «B» aside
