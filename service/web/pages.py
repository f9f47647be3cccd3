"""Routes of the web pages: ``/web/<page>`` (HTML) and ``/web/static/<path>`` (files).

Pages are Jinja2 templates extending ``layout.html``; the layout loads the page's ES module
``static/js/<page>.js`` and hands it the page's settings in ``data-*`` attributes and the
language's texts in a JSON data block (not a script: nothing inline runs, so a CSP with
``script-src 'self'`` holds).
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from service.problems import NotFound
from service.settings import Settings
from service.web.texts import texts

HERE = Path(__file__).parent
STATIC = HERE / "static"
STATIC_TYPES: dict[str, str] = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".geojson": "application/geo+json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}
"""What ``/web/static`` serves, by file suffix; anything else is 404."""

Lang = Annotated[Literal["ru", "en"], Query(description="Language of the page")]
PageContext = Callable[[Request], dict[str, Any]]


@dataclass(frozen=True)
class Page:
    """A web page: ``/web/<name>``, template ``<name>.html``, module ``static/js/<name>.js``.

    Its title is the text ``title.<name>``; shown in the header's navigation (as
    ``nav.<name>``) when ``nav``; ``context`` adds values the template needs (read from the
    store when the page opens).
    """

    name: str
    nav: bool = True
    context: PageContext | None = None


def _board_context(request: Request) -> dict[str, Any]:
    """The dispatcher board's map knows the tile server (none: the bundled outline)."""
    settings: Settings = request.app.state.settings
    return {"tile_url": settings.map_tile_url or ""}


PAGES: dict[str, Page] = {
    p.name: p
    for p in (
        Page("dispatch", context=_board_context),
        Page("engineer", nav=False),
        Page("roster"),
        Page("absences"),
        Page("master"),
        Page("whatif"),
    )
}

router = APIRouter(prefix="/web", include_in_schema=False)

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def json_block(value: Any) -> Markup:
    """JSON safe inside a ``<script type="application/json">`` data block."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return Markup(text)


def render(page: Page, lang: str, query: dict[str, str], extra: dict[str, Any]) -> str:
    """The page in ``lang``: its template inside the layout, texts filled in."""
    catalogue = texts(lang)

    def _(key: str) -> str:
        return catalogue[key]  # a missing text is a KeyError: caught by the page tests

    other = "en" if lang == "ru" else "ru"
    switch = {**query, "lang": other}
    return _env.get_template(f"{page.name}.html").render(
        _=_,
        lang=lang,
        page=page.name,
        nav=[p for p in PAGES.values() if p.nav],
        other_lang=other,
        other_lang_query=urlencode(switch),
        texts_json=json_block(catalogue),
        **extra,
    )


@router.get("/")
def index(lang: Lang = "ru") -> RedirectResponse:
    """The dispatcher board is the home page."""
    return RedirectResponse(f"/web/dispatch?lang={lang}")


@router.get("/static/{path:path}")
def static(path: str) -> FileResponse:
    """A file of the pages (scripts, styles, vendored libraries, the map outline)."""
    target = (STATIC / path).resolve()
    suffix = target.suffix.lower()
    if (
        not target.is_relative_to(STATIC.resolve())
        or not target.is_file()
        or (suffix not in STATIC_TYPES and target.name != "LICENSE")
    ):
        raise NotFound(f"no file {path!r} under /web/static")
    media = STATIC_TYPES.get(suffix) or mimetypes.types_map.get(suffix, "text/plain")
    return FileResponse(target, media_type=media, headers={"Cache-Control": "no-cache"})


@router.get("/{name}", response_class=HTMLResponse)
def page(name: str, request: Request, lang: Lang = "ru") -> HTMLResponse:
    """A page in Russian, or in English with ``?lang=en``."""
    found = PAGES.get(name)
    if found is None:
        raise NotFound(f"no page {name!r}; pages: {', '.join(PAGES)}")
    extra = found.context(request) if found.context else {}
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    return HTMLResponse(render(found, lang, query, extra))
