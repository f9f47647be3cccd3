"""The Russian production calendar: which dates are days off, shortened or worked weekends.

The official calendar of each year is published data: the Government's yearly decree on
moving days off (Labour Code art. 112, part 5) fixes which weekend days become working days
and where the days off go, and the pre-holiday days one hour shorter (art. 95) follow from
it. The package ships the official calendar of the years it knows in
``ru_production_calendar.json`` (every date that differs from "Monday–Friday working,
Saturday and Sunday off", with the decree of each year). For a year without data the
calendar falls back on the rule of the Code and says so with a
:class:`ProductionCalendarWarning`: art. 112 holidays are days off, a holiday on a weekend
(other than the New Year holidays and Christmas) moves the day off to the next working day,
and a working day followed by a holiday is one hour shorter. The transfers a decree would
add (typically two of the New Year days) are then unknown.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from datetime import date as Date
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from optimizer.errors import InvalidInput

DATA_FILE = "ru_production_calendar.json"


class DayKind(StrEnum):
    """What the calendar says about a date that differs from the plain weekly rule."""

    day_off = "day_off"
    """A public holiday or a day off moved there by decree."""
    shortened = "shortened"
    """A working day one hour shorter (art. 95); a Saturday listed so is a working Saturday."""
    working_weekend = "working_weekend"
    """A Saturday or Sunday that is a full working day."""


HOLIDAYS_ART_112: Mapping[tuple[int, int], str] = {
    (1, 1): "new_year", (1, 2): "new_year", (1, 3): "new_year", (1, 4): "new_year",
    (1, 5): "new_year", (1, 6): "new_year", (1, 8): "new_year",
    (1, 7): "christmas",
    (2, 23): "defender_day",
    (3, 8): "womens_day",
    (5, 1): "labour_day",
    (5, 9): "victory_day",
    (6, 12): "russia_day",
    (11, 4): "unity_day",
}  # fmt: skip
"""Non-working public holidays of Labour Code art. 112, part 1: (month, day) → holiday key."""

HOLIDAY_NAMES: Mapping[str, Mapping[str, str]] = {
    "ru": {
        "new_year": "Новогодние каникулы",
        "christmas": "Рождество Христово",
        "defender_day": "День защитника Отечества",
        "womens_day": "Международный женский день",
        "labour_day": "Праздник Весны и Труда",
        "victory_day": "День Победы",
        "russia_day": "День России",
        "unity_day": "День народного единства",
    },
    "en": {
        "new_year": "New Year holidays",
        "christmas": "Christmas",
        "defender_day": "Defender of the Fatherland Day",
        "womens_day": "International Women's Day",
        "labour_day": "Spring and Labour Day",
        "victory_day": "Victory Day",
        "russia_day": "Russia Day",
        "unity_day": "National Unity Day",
    },
}

NOT_MOVED_BY_THE_CODE = frozenset({"new_year", "christmas"})
"""Art. 112, part 2: a weekend that falls on these holidays is not moved by the Code itself;
the Government moves such days off by decree (which the rule cannot know)."""

RULE_SOURCE = "ТК РФ, ст. 95 и 112 (правило; постановления о переносе за этот год нет в данных)"


class ProductionCalendarWarning(UserWarning):
    """A year has no official calendar in the package: the Labour Code rule is used."""


@dataclass(frozen=True)
class DayFact:
    """One listed date: its kind, the art. 112 holiday it is, the day whose day off it holds."""

    date: Date
    kind: DayKind
    holiday: str | None = None
    moved_from: Date | None = None


@dataclass(frozen=True)
class ProductionYear:
    """The calendar of one year: the listed dates and where they come from.

    ``official`` is true when the dates come from the decree of the year (shipped data),
    false when they were derived from the rule of the Code.
    """

    year: int
    official: bool
    source: str
    facts: Mapping[date, DayFact] = field(default_factory=dict)

    def fact(self, d: date) -> DayFact | None:
        """The listed fact of a date, or None when the plain weekly rule applies."""
        return self.facts.get(d)

    def is_day_off(self, d: date) -> bool:
        """A day off: a listed day off, or a Saturday/Sunday that is not a listed working day."""
        f = self.facts.get(d)
        if f is not None:
            return f.kind == DayKind.day_off
        return d.weekday() >= 5

    def is_shortened(self, d: date) -> bool:
        """A working day one hour shorter (art. 95)."""
        f = self.facts.get(d)
        return f is not None and f.kind == DayKind.shortened

    def is_working_weekend(self, d: date) -> bool:
        """A Saturday or Sunday that the calendar makes a working day."""
        return d.weekday() >= 5 and not self.is_day_off(d)

    def warning(self, lang: str = "en") -> str | None:
        """The warning a reader must see when the year has no official data, else None."""
        if self.official:
            return None
        if lang == "ru":
            return (
                f"Официального производственного календаря на {self.year} год в программе нет: "
                "выходные определены по правилу ТК РФ (ст. 112 — праздники и перенос "
                "выходного, совпавшего с праздником; ст. 95 — сокращённый предпраздничный "
                "день). Переносы выходных, которые установит Правительство, не учтены."
            )
        return (
            f"no official production calendar for {self.year} in the package: days off follow "
            "the Labour Code rule (art. 112 holidays and the move of a weekend that falls on "
            "one; art. 95 shortened eves); transfers the Government decrees are not included"
        )


def rule_year(year: int) -> ProductionYear:
    """The calendar of a year by the rule of the Code alone (no decree)."""
    facts: dict[date, DayFact] = {}
    holidays = {date(year, m, d): key for (m, d), key in HOLIDAYS_ART_112.items()}
    for d, key in sorted(holidays.items()):
        facts[d] = DayFact(d, DayKind.day_off, holiday=key)
    for d, key in sorted(holidays.items()):
        if d.weekday() < 5 or key in NOT_MOVED_BY_THE_CODE:
            continue
        moved = d + timedelta(days=1)
        while moved.weekday() >= 5 or moved in facts:
            moved += timedelta(days=1)
        if moved.year == year:
            facts[moved] = DayFact(moved, DayKind.day_off, moved_from=d)
    for d in sorted(holidays):
        eve = d - timedelta(days=1)
        if eve.year == year and eve.weekday() < 5 and eve not in facts:
            facts[eve] = DayFact(eve, DayKind.shortened)
    return ProductionYear(year, official=False, source=RULE_SOURCE, facts=facts)


class ProductionCalendar:
    """Official years from data, the rule (with a warning) for any other year.

    Parameters
    ----------
    years
        The official years, e.g. from :func:`load_official_years`. Empty: the rule everywhere.
    """

    def __init__(self, years: Mapping[int, ProductionYear] | None = None) -> None:
        self._official = dict(years or {})
        self._rule: dict[int, ProductionYear] = {}

    @property
    def official_years(self) -> list[int]:
        """The years with an official calendar, in order."""
        return sorted(self._official)

    def year(self, year: int) -> ProductionYear:
        """The calendar of a year; a year without data warns once and uses the rule."""
        found = self._official.get(year)
        if found is not None:
            return found
        cached = self._rule.get(year)
        if cached is None:
            cached = self._rule[year] = rule_year(year)
            warnings.warn(str(cached.warning("en")), ProductionCalendarWarning, stacklevel=3)
        return cached

    def swapped_weekday(self, working_weekend: date) -> int:
        """The weekday of the day off a working weekend day was swapped with (its hours are
        kept that day, Ministry of Labour order 588n); Monday when no day off names it."""
        for y in (working_weekend.year, working_weekend.year + 1, working_weekend.year - 1):
            for f in self.year(y).facts.values():
                if f.moved_from == working_weekend:
                    return f.date.weekday()
        return 0


def parse_years(data: Mapping[str, Any]) -> dict[int, ProductionYear]:
    """The years of the calendar data (the shape of ``ru_production_calendar.json``),
    checked: every date inside its year, a known kind and holiday, a weekend never listed
    as a plain working day's shortening without being one."""
    out: dict[int, ProductionYear] = {}
    for key, body in data["years"].items():
        year = int(key)
        facts: dict[date, DayFact] = {}
        for i, row in enumerate(body["days"]):
            where = f"years.{key}.days[{i}]"
            d = date.fromisoformat(row["date"])
            if d.year != year or d in facts:
                raise InvalidInput(f"{where}.date", row["date"], "outside its year or repeated")
            holiday = row.get("holiday")
            if holiday is not None and holiday not in HOLIDAY_NAMES["en"]:
                raise InvalidInput(f"{where}.holiday", holiday, "not an art. 112 holiday")
            moved = row.get("moved_from")
            facts[d] = DayFact(
                d,
                DayKind(row["kind"]),
                holiday=holiday,
                moved_from=date.fromisoformat(moved) if moved else None,
            )
        out[year] = ProductionYear(year, official=True, source=body["decree"], facts=facts)
    return out


def load_official_years() -> dict[int, ProductionYear]:
    """The official years shipped with the package (package data, read once)."""
    text = resources.files(__package__).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_years(json.loads(text))


@cache
def default_production_calendar() -> ProductionCalendar:
    """The shipped official calendar with the rule for the other years."""
    return ProductionCalendar(load_official_years())
