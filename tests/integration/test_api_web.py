"""The web pages are served in Russian by default and in English on request."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    ("path", "phrase"),
    [
        ("/web/dispatch", "Открытые заявки"),
        ("/web/roster", "График смен"),
        ("/web/whatif", "Смоделировать"),
        ("/web/dispatch?lang=en", "Open tickets"),
    ],
)
def test_pages_speak_russian_unless_asked_for_english(
    client: TestClient, path: str, phrase: str
) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert phrase in r.text
    assert "$" not in r.text.replace("$$", "")  # every placeholder was filled


def test_an_unknown_page_is_404(client: TestClient) -> None:
    assert client.get("/web/nowhere").status_code == 404


def test_the_root_leads_to_the_dispatcher_board(client: TestClient) -> None:
    r = client.get("/", follow_redirects=True)
    assert r.status_code == 200 and "Диспетчер" in r.text
