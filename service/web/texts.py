"""The catalogue of what the web pages say, in Russian (the default) and English.

The texts live in ``catalogue/*.json``, one file per page (``common.json`` for what every
page shares: navigation, statuses, priorities, skills, cities…), each shaped
``{"ru": {key: text}, "en": {key: text}}``. Files are merged into one catalogue per language;
a key defined twice, or present in one language and missing in the other, is an error when
the catalogue is loaded, so a page never shows a missing text. Templates call
``_("key")``; ES modules get the same catalogue as JSON and call ``t("key")``.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Literal

LANGS: tuple[str, ...] = ("ru", "en")
Lang = Literal["ru", "en"]
CATALOGUE_DIR = Path(__file__).parent / "catalogue"


class CatalogueError(Exception):
    """The catalogue files disagree: a key twice, or a key in one language only."""


def load_catalogue(folder: Path = CATALOGUE_DIR) -> dict[str, dict[str, str]]:
    """Every catalogue file of ``folder`` merged: ``{lang: {key: text}}``."""
    merged: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    origin: dict[str, str] = {}
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if set(data) != set(LANGS):
            raise CatalogueError(f"{path.name}: languages {sorted(data)}, expected {list(LANGS)}")
        keys = {lang: set(data[lang]) for lang in LANGS}
        if keys["ru"] != keys["en"]:
            odd = sorted(keys["ru"] ^ keys["en"])
            raise CatalogueError(f"{path.name}: keys in one language only: {odd[:10]}")
        for key in keys["ru"]:
            if key in origin:
                raise CatalogueError(f"{path.name}: key {key!r} is already in {origin[key]}")
            origin[key] = path.name
        for lang in LANGS:
            merged[lang].update(data[lang])
    return merged


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """The installed catalogue, read once."""
    return load_catalogue()


def texts(lang: str) -> dict[str, str]:
    """All texts of one language."""
    return catalogue()[lang]
