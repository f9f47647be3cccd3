"""The web pages' infrastructure, without a browser: every page renders in both languages
from the catalogue, works under a strict CSP (nothing inline), loads nothing from outside
the package, and the static route serves only the package's files."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from optimizer.domain import AbsenceKind, Priority, TicketMode, default_catalogue
from optimizer.domain.dispatch import ReasonCode
from service.app import create_app
from service.tickets import TicketStatus
from service.web import PAGES
from service.web.pages import STATIC
from service.web.texts import CatalogueError, load_catalogue
from tests.integration.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app without its start-up (the pages themselves read no database)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'wfm.db'}"
    yield TestClient(create_app(make_settings(url)), raise_server_exceptions=True)


@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_page_renders_in_both_languages(web: TestClient, name: str, lang: str) -> None:
    r = web.get(f"/web/{name}?lang={lang}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert f'<html lang="{lang}">' in r.text
    assert f'src="/web/static/js/{name}.js"' in r.text


def test_the_russian_board_is_in_russian_and_the_english_one_in_english(web: TestClient) -> None:
    ru = web.get("/web/dispatch").text
    en = web.get("/web/dispatch?lang=en").text
    assert "Спланировать" in ru and "Принять план" in ru
    assert "Accept the plan" in en and "Спланировать" not in en


def test_the_language_switch_keeps_the_other_query_parameters(web: TestClient) -> None:
    html = web.get("/web/engineer?engineer=e03&day=2026-11-30").text
    link = re.search(r'<a href="\?([^"]*)" id="lang-switch"', html)
    assert link is not None
    assert link.group(1).replace("&amp;", "&") == "engineer=e03&day=2026-11-30&lang=en"


def test_an_unknown_page_or_language_is_a_4xx_problem(web: TestClient) -> None:
    assert web.get("/web/nosuchpage").status_code == 404
    r = web.get("/web/dispatch?lang=de")
    assert r.status_code == 422
    assert r.json()["field"].endswith("lang")


@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_run_no_inline_script_handler_or_style(web: TestClient, name: str) -> None:
    html = web.get(f"/web/{name}").text
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert not re.search(r"\sstyle\s*=", html), "style attribute"
    assert "<style" not in html


@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_load_scripts_and_styles_only_from_the_package(web: TestClient, name: str) -> None:
    html = web.get(f"/web/{name}").text
    for ref in re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"', html):
        assert ref.startswith("/web/static/"), ref
        assert web.get(ref).status_code == 200, ref


def test_es_modules_import_only_files_of_the_package() -> None:
    for path in (STATIC / "js").rglob("*.js"):
        for spec in re.findall(r'^\s*import\b[^"]*"([^"]+)"', path.read_text(), re.M):
            assert spec.startswith("./") or spec.startswith("../"), f"{path.name}: {spec}"
            assert (path.parent / spec).resolve().is_file(), f"{path.name}: {spec}"


def test_the_texts_block_cannot_close_its_script_element(web: TestClient) -> None:
    html = web.get("/web/dispatch").text
    block = re.search(r'<script id="texts" type="application/json">(.*?)</script>', html, re.S)
    assert block is not None
    texts = json.loads(block.group(1))
    assert texts["board.plan"] == "Спланировать"
    assert "<" not in block.group(1)


def test_static_files_are_served_with_their_types(web: TestClient) -> None:
    js = web.get("/web/static/js/dispatch.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    css = web.get("/web/static/vendor/leaflet-1.9.4/leaflet.css")
    assert css.headers["content-type"].startswith("text/css")
    geo = web.get("/web/static/geo/saratov-engels.geojson")
    assert geo.json()["type"] == "FeatureCollection"


@pytest.mark.parametrize(
    "path",
    ["../pages.py", "..%2Fpages.py", "js/../../texts.py", "catalogue/common.json", "nothing.js"],
)
def test_the_static_route_serves_nothing_outside_its_folder(web: TestClient, path: str) -> None:
    r = web.get(f"/web/static/{path}")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


def test_every_vendored_library_carries_its_licence() -> None:
    folders = [p for p in (STATIC / "vendor").iterdir() if p.is_dir()]
    assert folders
    for folder in folders:
        assert (folder / "LICENSE").is_file(), folder.name


def test_a_text_missing_in_one_language_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(
        json.dumps({"ru": {"x.one": "один", "x.two": "два"}, "en": {"x.one": "one"}}),
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match="x.two"):
        load_catalogue(tmp_path)


def test_a_text_defined_in_two_files_is_refused(tmp_path: Path) -> None:
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(
            json.dumps({"ru": {"x.one": "один"}, "en": {"x.one": "one"}}), encoding="utf-8"
        )
    with pytest.raises(CatalogueError, match="x.one"):
        load_catalogue(tmp_path)


def test_the_installed_catalogue_has_every_enum_word_in_both_languages() -> None:
    texts = load_catalogue()
    for lang in ("ru", "en"):
        for skill in default_catalogue().entries:  # the pages name skills as the catalogue does
            assert texts[lang][f"skill.{skill.id}"] == skill.name(lang), (lang, skill.id)
        for prefix, enum in (
            ("priority", Priority),
            ("mode", TicketMode),
            ("absence", AbsenceKind),
            ("reason", ReasonCode),
            ("status", TicketStatus),
        ):
            for member in enum:
                assert f"{prefix}.{member.value}" in texts[lang], (lang, prefix, member)


def _inside(point: tuple[float, float], ring: list[list[float]]) -> bool:
    x, y = point
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            hit = not hit
    return hit


def test_the_map_outline_puts_every_sample_site_in_its_city_and_none_in_the_volga() -> None:
    outline = json.loads((STATIC / "geo" / "saratov-engels.geojson").read_text(encoding="utf-8"))
    rings = {
        f["properties"]["name_en"]: f["geometry"]["coordinates"][0]
        for f in outline["features"]
        if f["geometry"]["type"] == "Polygon"
    }
    with (ROOT / "data" / "sites.csv").open(encoding="utf-8") as f:
        sites = [r for r in csv.DictReader(f) if r["city"] in ("Saratov", "Engels")]
    assert len(sites) > 100
    for s in sites:
        point = (float(s["lon"]), float(s["lat"]))
        assert _inside(point, rings[s["city"]]), s["id"]
        assert not _inside(point, rings["Volga"]), s["id"]
