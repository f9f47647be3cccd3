"""The web pages are served in Russian by default and in English on request."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    ("path", "phrase", "other_language"),
    [
        ("/web/dispatch", "Очередь: ожидают и не назначены", "Queue: waiting and unassigned"),
        ("/web/dispatch", "Принять план", "Accept the plan"),
        ("/web/roster", "График смен", None),
        ("/web/whatif", "Смоделировать", None),
        ("/web/dispatch?lang=en", "Queue: waiting and unassigned", "Очередь: ожидают"),
        ("/web/dispatch?lang=en", "Accept the plan", "Принять план"),
    ],
)
def test_pages_speak_russian_unless_asked_for_english(
    client: TestClient, path: str, phrase: str, other_language: str | None
) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert phrase in r.text
    if other_language is not None:
        assert other_language not in r.text
    assert "$" not in r.text.replace("$$", "")  # every placeholder was filled


def test_an_unknown_page_is_404(client: TestClient) -> None:
    assert client.get("/web/nowhere").status_code == 404


def test_the_root_leads_to_the_dispatcher_board(client: TestClient) -> None:
    r = client.get("/", follow_redirects=True)
    assert r.status_code == 200 and "Диспетчер" in r.text
