"""The Okdesk import matches a category code to a skill of the department's catalogue (the
stored one in the service), so a ticket filed under its own skill "freepbx" requires it."""

from __future__ import annotations

import json

from optimizer.domain import SkillCatalogue, SkillEntry, default_catalogue
from service.importing import parse

FREEPBX = SkillEntry(id="freepbx", name_ru="АТС FreePBX", name_en="FreePBX PBX")
STORED = SkillCatalogue((*default_catalogue().entries, FREEPBX))
"""A department's stored catalogue: the built-in eight plus FreePBX."""


def okdesk_issue(number: int, category: str, **extra: object) -> dict[str, object]:
    """An Okdesk issue filed under ``category``, without required skills."""
    return {
        "id": number,
        "title": "Не регистрируется АТС",
        "created_at": "2026-11-27T16:30:00+03:00",
        "priority": {"code": "normal", "name": "Обычный"},
        "coordinates": [51.5331, 46.0342],
        "category": {"code": category, "name": category},
        **extra,
    }


def body(*issues: dict[str, object]) -> bytes:
    return json.dumps(list(issues)).encode("utf-8")


def test_an_okdesk_category_of_the_stored_catalogue_becomes_the_required_skill() -> None:
    parsed = parse(body(okdesk_issue(1, "freepbx")), "json", skills=STORED)
    (record,) = parsed.records
    assert parsed.source == "okdesk"
    assert record.ticket["required_skills"] == ["freepbx"]
    assert record.ticket["category"] == "freepbx"


def test_an_okdesk_category_outside_the_catalogue_stays_a_category_only() -> None:
    # Without the department's catalogue FreePBX is no skill; nor is "consultation" with it.
    (builtin,) = parse(body(okdesk_issue(1, "freepbx")), "json").records
    assert "required_skills" not in builtin.ticket
    (other,) = parse(body(okdesk_issue(2, "consultation")), "json", skills=STORED).records
    assert "required_skills" not in other.ticket and other.ticket["category"] == "consultation"


def test_given_required_skills_win_over_the_category() -> None:
    issue = okdesk_issue(1, "freepbx", required_skills="sip_trunks;gateways")
    (record,) = parse(body(issue), "json", skills=STORED).records
    assert record.ticket["required_skills"] == ["sip_trunks", "gateways"]
