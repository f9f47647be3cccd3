"""The skills catalogue: which skills exist, with their Russian and English names.

Skills are data, not code: a department that starts maintaining FreePBX or MikroTik adds an
entry to its catalogue (in the service, ``/api/v1/skills``, or in the ``skills`` field of a
request) instead of changing the program. The built-in catalogue, shipped as package data
(``skills.json``), holds the eight skills of a PBX support department and is what a request
without its own catalogue is checked against.

An engineer's skill or a ticket's required skill that is not in the catalogue is an input
error (:class:`UnknownSkill`) naming the field, the value and the catalogue: a typo such as
``sip_trunk`` would otherwise make a ticket that nobody can ever take.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated

from pydantic import Field

from optimizer.domain.common import ShortText, Skill, StrictModel
from optimizer.errors import InvalidInput, UnknownReference

DATA_FILE = "skills.json"
"""The built-in catalogue, next to this module (package data)."""

MAX_SKILLS = 500
"""A catalogue holds at most this many skills (a department has a few dozen)."""

_SHOWN_IN_ERRORS = 12
"""How many catalogue ids an error lists before it says "…"."""


class SkillEntry(StrictModel):
    """One skill of the catalogue: its id (what engineers and tickets name) and its names."""

    id: Skill
    name_ru: Annotated[ShortText, Field(min_length=1)]
    """The name a Russian page or report shows, e.g. «диалплан Asterisk»."""
    name_en: Annotated[ShortText, Field(min_length=1)]
    """The name an English page or report shows, e.g. "Asterisk dialplan"."""

    def name(self, lang: str = "ru") -> str:
        """The name in ``lang`` (``en``, else Russian)."""
        return self.name_en if lang == "en" else self.name_ru


SkillList = Annotated[list[SkillEntry], Field(min_length=1, max_length=MAX_SKILLS)]
"""The ``skills`` field of a request or data set: its own catalogue (ids unique)."""


class UnknownSkill(UnknownReference):
    """A skill id that is not in the skills catalogue."""


@dataclass(frozen=True)
class SkillCatalogue:
    """The skills a request, data set or department knows, in catalogue order."""

    entries: tuple[SkillEntry, ...]

    @classmethod
    def of(cls, entries: Iterable[SkillEntry] | None) -> SkillCatalogue:
        """The catalogue of ``entries``; ``None`` gives the built-in one."""
        return default_catalogue() if entries is None else cls(tuple(entries))

    def extended(self, entries: Iterable[SkillEntry] | None) -> SkillCatalogue:
        """This catalogue followed by the skills of ``entries`` it does not hold yet.

        A scenario's own ``skills`` add to its data set's catalogue: a skill of both keeps
        the data set's names, so one department's skill reads the same in every scenario.
        """
        if not entries:
            return self
        known = set(self.ids)
        added: list[SkillEntry] = []
        for e in entries:
            if e.id not in known:
                known.add(e.id)
                added.append(e)
        return SkillCatalogue((*self.entries, *added)) if added else self

    @property
    def ids(self) -> tuple[str, ...]:
        """Every skill id, in catalogue order."""
        return tuple(e.id for e in self.entries)

    def __contains__(self, skill: object) -> bool:
        return skill in self._by_id()

    def get(self, skill: str) -> SkillEntry | None:
        """The entry of ``skill``, or None."""
        return self._by_id().get(skill)

    def name(self, skill: str, lang: str = "ru") -> str:
        """The skill's name in ``lang``; an id outside the catalogue is shown as it is."""
        entry = self.get(skill)
        return entry.name(lang) if entry is not None else skill

    def names(self, skills: Iterable[str], lang: str = "ru") -> list[str]:
        """The names of several skills, in the given order."""
        return [self.name(s, lang) for s in skills]

    def check(self, skills: Sequence[str], path: str) -> None:
        """Every skill of ``skills`` (the list at ``path``) is in the catalogue."""
        known = self._by_id()
        for j, skill in enumerate(skills):
            if skill not in known:
                raise UnknownSkill(f"{path}[{j}]", skill, self.unknown_message())

    def unknown_message(self) -> str:
        """What an error about a skill outside this catalogue says (the catalogue named)."""
        ids = self.ids
        shown = ", ".join(ids[:_SHOWN_IN_ERRORS]) + (", …" if len(ids) > _SHOWN_IN_ERRORS else "")
        return f"not in the skills catalogue ({shown}); add it to the catalogue first"

    def _by_id(self) -> dict[str, SkillEntry]:
        return {e.id: e for e in self.entries}


def check_catalogue(entries: Sequence[SkillEntry], path: str = "skills") -> None:
    """A catalogue names each skill once."""
    seen: set[str] = set()
    for i, e in enumerate(entries):
        if e.id in seen:
            raise InvalidInput(f"{path}[{i}].id", e.id, "this skill is in the catalogue twice")
        seen.add(e.id)


def parse_catalogue(text: str) -> tuple[SkillEntry, ...]:
    """Entries of a catalogue file: ``{"skills": [{id, name_ru, name_en}, …]}``."""
    body = json.loads(text)
    entries = tuple(SkillEntry.model_validate(e) for e in body["skills"])
    check_catalogue(entries)
    return entries


@cache
def default_catalogue() -> SkillCatalogue:
    """The built-in catalogue (package data, read once)."""
    text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return SkillCatalogue(parse_catalogue(text))


def default_skills() -> list[SkillEntry]:
    """The entries of the built-in catalogue (copies: a caller may change them)."""
    return [e.model_copy() for e in default_catalogue().entries]


def default_skill_ids() -> tuple[str, ...]:
    """The ids of the built-in catalogue, in order."""
    return default_catalogue().ids


def skill_name(skill: str, lang: str = "ru", catalogue: SkillCatalogue | None = None) -> str:
    """A skill's name in ``lang`` from ``catalogue`` (the built-in one by default); an id the
    catalogue does not hold is shown as it is."""
    return (catalogue or default_catalogue()).name(skill, lang)
