"""What a dispatcher reads: reasons, fixes and staffing hints, in Russian (default) or English."""

from __future__ import annotations

from datetime import datetime

from optimizer.calendar import to_local
from optimizer.domain.dispatch import Lang, ReasonCode
from optimizer.domain.skills import SkillCatalogue, default_catalogue

REASONS: dict[ReasonCode, dict[Lang, str]] = {
    ReasonCode.NO_SKILLED_ENGINEER_ON_SHIFT: {
        Lang.ru: "на смене нет инженера с навыками {skills}",
        Lang.en: "no engineer on shift has the skills {skills}",
    },
    ReasonCode.NO_VISIT_CAPABLE_ENGINEER: {
        Lang.ru: "нужен выезд, а у инженеров с навыками {skills} нет прав категории B "
        "или доступной машины",
        Lang.en: "a site visit is needed, but no engineer with the skills {skills} has "
        "a licence B and an available car",
    },
    ReasonCode.OUTSIDE_HOURS: {
        Lang.ru: "работа не помещается в рабочие часы подходящих инженеров "
        "(окно заявки, начало не раньше, горизонт плана)",
        Lang.en: "the work does not fit the hours of any suitable engineer "
        "(appointment window, earliest start, plan horizon)",
    },
    ReasonCode.CAPACITY_BEFORE_DEADLINE: {
        Lang.ru: "подходящие инженеры до срока {deadline} заняты более срочной работой",
        Lang.en: "the suitable engineers are busy with more pressing work until "
        "the deadline {deadline}",
    },
    ReasonCode.TRAVEL_TIME: {
        Lang.ru: "дорога до объекта не позволяет начать до срока {deadline}",
        Lang.en: "the drive to the site makes a start by the deadline {deadline} impossible",
    },
    ReasonCode.DEADLINE_ALREADY_PASSED: {
        Lang.ru: "срок реакции {deadline} уже прошёл",
        Lang.en: "the response deadline {deadline} has already passed",
    },
    ReasonCode.PINNED_CONFLICT: {
        Lang.ru: "закрепление за инженером {engineer} невыполнимо (время, навыки, машина "
        "или другое закрепление)",
        Lang.en: "the pin to engineer {engineer} cannot be kept (time, skills, car or another pin)",
    },
}

FIXES: dict[str, dict[Lang, str]] = {
    "extend_shift": {
        Lang.ru: "продлить смену {engineer} на {minutes} мин",
        Lang.en: "extend {engineer}'s shift by {minutes} min",
    },
    "add_engineer": {
        Lang.ru: "ещё один инженер с навыками {skills}{visit}",
        Lang.en: "one more engineer with the skills {skills}{visit}",
    },
    "move_pin": {
        Lang.ru: "снять закрепление заявки {ticket} (перенести её)",
        Lang.en: "release the pin of ticket {ticket} (move it)",
    },
}

VISIT_SUFFIX = {
    True: {Lang.ru: ", с правами B и машиной", Lang.en: ", with a licence B and a car"},
    False: {Lang.ru: "", Lang.en: ""},
}

STATUS = {
    "late": {
        Lang.ru: "Заявка {ticket} опоздает на {late} мин",
        Lang.en: "Ticket {ticket} is {late} min late",
    },
    "unassigned": {
        Lang.ru: "Заявка {ticket} не назначена",
        Lang.en: "Ticket {ticket} is not assigned",
    },
}

NO_FIX = {
    Lang.ru: "изменения, которое это исправит, не найдено",
    Lang.en: "no single change found that fixes it",
}
NOT_SEARCHED = {
    Lang.ru: "поиск исправления не выполнялся (исчерпан бюджет времени)",
    Lang.en: "no fix searched (time budget spent)",
}
FIX_PREFIX = {Lang.ru: "исправит: ", Lang.en: "fix: "}

STAFFING = {
    Lang.ru: "{start}–{end}: не хватает {short} инж. с навыками {skills}{visit} "
    "({minutes} мин работы)",
    Lang.en: "{start}–{end}: short of {short} engineer(s) with the skills {skills}{visit} "
    "({minutes} min of work)",
}

NONE_SKILLS = {Lang.ru: "(любыми)", Lang.en: "(any)"}


def skills_text(skills: list[str], lang: Lang, catalogue: SkillCatalogue | None = None) -> str:
    """A list of skills by their names in the catalogue (the built-in one by default); an empty
    list is 'any'."""
    if not skills:
        return NONE_SKILLS[lang]
    return ", ".join((catalogue or default_catalogue()).names(skills, lang.value))


def hhmm(dt: datetime) -> str:
    """Local time of day, HH:MM (with the date when it is not today's plan date)."""
    return to_local(dt).strftime("%H:%M")


def when(dt: datetime) -> str:
    """A local datetime for messages: DD.MM HH:MM."""
    return to_local(dt).strftime("%d.%m %H:%M")


def reason_text(code: ReasonCode, lang: Lang, **kw: str) -> str:
    """One reason in words."""
    return REASONS[code][lang].format(**kw)
