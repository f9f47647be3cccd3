"""Simple web pages for the department (Russian by default, ``?lang=en`` for English):
the dispatcher board, the roster, and what-if. They are static pages talking to the API
with the user's key (kept in the browser's local storage); no key reaches the server in
a URL or a log."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from service.problems import NotFound
from service.web.texts import TEXTS

router = APIRouter(prefix="/web", include_in_schema=False)
HERE = Path(__file__).parent
PAGES = ("dispatch", "roster", "whatif")
Lang = Annotated[Literal["ru", "en"], Query()]


@cache
def _template(name: str) -> Template:
    return Template((HERE / "templates" / f"{name}.html").read_text(encoding="utf-8"))


def render(page: str, lang: str) -> str:
    """A page in ``lang``: its body inside the common layout, texts filled in."""
    texts = TEXTS[lang]
    body = _template(page).safe_substitute(texts)
    return _template("layout").safe_substitute(
        texts, body=body, page=page, lang=lang, title=texts[f"title_{page}"]
    )


@router.get("/")
def index(lang: Lang = "ru") -> RedirectResponse:
    return RedirectResponse(f"/web/dispatch?lang={lang}")


@router.get("/static/{name}")
def static(name: Literal["app.js", "style.css"]) -> FileResponse:
    media = "text/javascript" if name.endswith(".js") else "text/css"
    return FileResponse(HERE / "static" / name, media_type=media)


@router.get("/{page}", response_class=HTMLResponse)
def page(page: str, lang: Lang = "ru") -> HTMLResponse:
    if page not in PAGES:
        raise NotFound(f"no page {page!r}; pages: {', '.join(PAGES)}")
    return HTMLResponse(render(page, lang))
