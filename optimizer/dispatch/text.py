"""What a dispatcher reads: reasons, fixes, staffing hints and the rules a plan breaks, in
Russian (default) or English."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from optimizer.calendar import TZ, to_local
from optimizer.domain.common import AbsenceKind
from optimizer.domain.dispatch import DispatchRequest, Lang, ReasonCode, RouteStop, StopKind
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
    """Local time of day, HH:MM."""
    return to_local(dt).strftime("%H:%M")


def when(dt: datetime) -> str:
    """A local datetime for messages: DD.MM HH:MM."""
    return to_local(dt).strftime("%d.%m %H:%M")


def reason_text(code: ReasonCode, lang: Lang, **kw: str) -> str:
    """One reason in words."""
    return REASONS[code][lang].format(**kw)


# -- what validate_plan reports --------------------------------------------------------------


@dataclass(frozen=True)
class RuleText:
    """One way a plan breaks a hard rule: the group it belongs to (``rule``, as the manual
    assignment and the board read it) and its message in each language.

    The English texts are the checker's technical wording (ids, ISO datetimes); the Russian
    ones are for a dispatcher: names, local times, words instead of codes.
    """

    rule: str
    ru: str
    en: str

    def template(self, lang: Lang) -> str:
        """The message template in ``lang``."""
        return self.ru if lang == Lang.ru else self.en


VIOLATIONS: dict[str, RuleText] = {
    # coverage of the request
    "ticket_unknown": RuleText(
        "coverage", "заявки {ticket_id} нет в запросе", "ticket not in the request"
    ),
    "ticket_missing": RuleText(
        "coverage",
        "{ticket}: нет ни в назначениях, ни в неназначенных",
        "appears {count} times among assignments and unassigned",
    ),
    "ticket_repeated": RuleText(
        "coverage",
        "{ticket}: повторяется в плане (вхождений: {count})",
        "appears {count} times among assignments and unassigned",
    ),
    "reason_missing": RuleText(
        "reasons",
        "{ticket}: не назначена, а причина не указана",
        "unassigned without a reason code",
    ),
    # one assignment
    "engineer_unknown": RuleText(
        "engineer", "инженера {engineer_id} нет в запросе", "unknown engineer {engineer_id!r}"
    ),
    "duration_wrong": RuleText(
        "duration",
        "{ticket}: в плане {planned_min} мин работы, а нужно {need_min} мин",
        "lasts {planned}, the ticket takes {need_min} min",
    ),
    "skill_missing": RuleText(
        "skills", "{engineer} не владеет {skill_word} {skills}", "{engineer_id} lacks {missing}"
    ),
    "pin_engineer": RuleText(
        "pin",
        "{ticket} закреплена за другим инженером: {pinned} (в плане — {engineer})",
        "pinned to {pinned_id}, given to {engineer_id}",
    ),
    "pin_start": RuleText(
        "pin",
        "начало {start_at} — заявка закреплена на {pinned_start_at}",
        "pinned start {pinned_start}, planned {start}",
    ),
    "deadline_wrong": RuleText(
        "deadline",
        "{ticket}: срок в плане {deadline_at}, а по договору {expected_at}",
        "deadline {deadline}, expected {expected}",
    ),
    "on_time_wrong": RuleText(
        "on_time",
        "{ticket}: отметка «в срок» неверна (начало {start_at}, срок {deadline_at})",
        "on_time={on_time} but start {start}, deadline {deadline}",
    ),
    "slack_wrong": RuleText(
        "slack",
        "{ticket}: запас в плане {slack} мин, а по сроку {expected} мин",
        "slack {slack} min, expected {expected}",
    ),
    "in_progress_later": RuleText(
        "in_progress",
        "{ticket}: отмечена как начатая, но "
        "начинается в {start_at}, позже текущего момента {now_at}",
        "marked under way but starts after now",
    ),
    "in_progress_unknown": RuleText(
        "in_progress",
        "{ticket}: отмечена как начатая, но не закреплена и не начата в прошлом плане",
        "under way, but neither pinned nor started before",
    ),
    "start_before_now": RuleText(
        "time",
        "начало {start_at} — раньше текущего момента {now_at}",
        "starts {start} before now {now}",
    ),
    "start_before_created": RuleText(
        "time",
        "начало {start_at} — раньше, чем заявка поступила ({created_at_at})",
        "starts before the ticket was created",
    ),
    "start_before_earliest": RuleText(
        "earliest_start",
        "начало {start_at} — раньше согласованного времени {earliest_at}",
        "starts {start} before {earliest}",
    ),
    "outside_window": RuleText(
        "window",
        "работа {span} выходит за окно, согласованное с клиентом: {window_span}",
        "{start}–{end} outside {window_start}–{window_end}",
    ),
    "after_horizon": RuleText(
        "horizon",
        "работа заканчивается в {end_at}, после конца плана {horizon_at}",
        "ends {end} after the horizon {horizon}",
    ),
    # the engineer's hours
    "before_shift": RuleText(
        "availability",
        "{engineer}: начало {start_at} — до начала смены {shift_start_at}",
        "{engineer_id} is not available {start}–{end}",
    ),
    "after_shift": RuleText(
        "availability",
        "{engineer}: окончание {end_at} — после конца смены {shift_end_at}",
        "{engineer_id} is not available {start}–{end}",
    ),
    "off_shift": RuleText(
        "availability",
        "{engineer}: {span} — нерабочее время",
        "{engineer_id} is not available {start}–{end}",
    ),
    "drive_off_shift": RuleText(
        "availability",
        "{engineer}: дорога {span} — вне рабочего времени",
        "{engineer_id} is not available {start}–{end}",
    ),
    "engineer_busy": RuleText(
        "busy_until",
        "{engineer}: до {busy_until_at} идёт начатая работа",
        "{engineer_id} is busy until {busy_until}",
    ),
    "engineer_away": RuleText(
        "absence",
        "{engineer} {when_ru} {kind_ru} ({period})",
        "{engineer_id} is away ({kind}) {away_start}–{away_end}",
    ),
    "no_licence_or_car": RuleText(
        "visit",
        "{engineer} не может ездить к клиентам: {lacks_ru}",
        "{engineer_id} has no licence B or no car",
    ),
    "car_unavailable": RuleText(
        "visit",
        "{engineer}: машина недоступна ({period})",
        "{engineer_id}'s car is unavailable {away_start}–{away_end}",
    ),
    "remote_with_drive": RuleText(
        "travel",
        "{ticket}: удалённая работа, а в плане есть дорога",
        "remote work with a drive attached",
    ),
    # routes
    "route_missing": RuleText(
        "route",
        "{engineer}: есть выезды ({visits_ru}), но нет маршрута",
        "visits {visits} but no route",
    ),
    "route_start": RuleText(
        "route",
        "{engineer}: маршрут начинается не там, где инженер сейчас",
        "does not start where the engineer is",
    ),
    "route_end": RuleText(
        "route", "{engineer}: маршрут не заканчивается на базе", "does not end at the base"
    ),
    "route_stops": RuleText(
        "route",
        "{engineer}: остановки маршрута не совпадают с выездами",
        "stops {stops} differ from the visits {visits}",
    ),
    "drive_too_short": RuleText(
        "travel",
        "{engineer}: дорога ({from_ru} → {to_ru}) с выездом в {depart_at} занимает "
        "{minutes_ru} мин, а прибытие в плане в {arrive_at}",
        "{from_key} → {to_key} leaving {depart} takes {minutes} min, arrives {arrive}",
    ),
    "depart_before_arrive": RuleText(
        "route",
        "{engineer}: отъезд ({place_ru}) раньше прибытия",
        "leaves {place_key} before arriving",
    ),
    "visit_outside_stop": RuleText(
        "route",
        "{ticket}: работа не умещается между прибытием и отъездом",
        "the visit's work is not between arrival and departure",
    ),
    "leg_differs": RuleText(
        "travel",
        "{ticket}: дорога в назначении не совпадает с дорогой в маршруте",
        "the assignment's leg differs from the route's",
    ),
    "drive_before_now": RuleText(
        "route",
        "{engineer}: выезд в {depart_at} — раньше текущего момента",
        "drives before now ({depart})",
    ),
    "back_after_last_visit": RuleText(
        "route",
        "{engineer}: возвращение на базу "
        "{drive_span} — не в ту смену, что последний "
        "выезд ({ticket}, {span})",
        "drives back to base {depart}–{back}, not in the hours "
        "of the last visit ({ticket_id}, {start}–{end})",
    ),
    # one thing at a time, lunch
    "overlap": RuleText(
        "overlap",
        "{engineer}: пересекаются {first_ru} ({first_span}) и {second_ru} (с {second_start_at})",
        "{first} ({first_start}–{first_end}) overlaps {second} (from {second_start})",
    ),
    "break_missing": RuleText(
        "break",
        "{engineer}: нет обеда ({duration_min} мин между {earliest_at} и {latest_at})",
        "break {index} ({duration_min} min in {earliest}–{latest}) not taken",
    ),
    # the plan's figures
    "kpi_counts": RuleText(
        "kpis",
        "число назначенных или неназначенных в показателях не совпадает со списками",
        "assigned/unassigned counts disagree with the lists",
    ),
    "kpi_breaches": RuleText(
        "kpis",
        "нарушений срока в показателях {breaches}, а опаздывающих назначений {late}",
        "breaches {breaches}, late assignments {late}",
    ),
}
"""Every way a plan can break a hard rule, by code (the codes :class:`Violation` carries)."""


def violation_text(code: str, lang: Lang, params: Mapping[str, Any]) -> str:
    """The message of a broken rule (a code of :data:`VIOLATIONS`) in ``lang``; a Russian one
    starts with a capital letter."""
    text = VIOLATIONS[code].template(lang).format(**params)
    return text[:1].upper() + text[1:] if lang == Lang.ru else text


ABSENCE_WORDS = {
    AbsenceKind.vacation: "в отпуске",
    AbsenceKind.sick: "на больничном",
    AbsenceKind.training: "на обучении",
}
"""Where an absent engineer is, as in «Иван Петров на этот день в отпуске» (a car out of service
is a rule of its own, ``car_unavailable``)."""


class PlanWords:
    """How a dispatcher reads the things of one request: engineers by name, tickets with their
    customer, local times (with the date when it is not the day of ``now``), absences as dates."""

    def __init__(self, request: DispatchRequest) -> None:
        self.engineers = {e.id: e.name for e in request.engineers}
        self.tickets = {t.id: t for t in request.tickets}
        self.sites = {s.id: s for s in request.sites}
        self.today = request.now.astimezone(TZ).date()

    def moment(self, dt: datetime) -> str:
        """Local HH:MM, or DD.MM HH:MM on another day than ``now``'s."""
        local = dt.astimezone(TZ)
        return local.strftime("%H:%M" if local.date() == self.today else "%d.%m %H:%M")

    def span(self, start: datetime, end: datetime) -> str:
        """From and to: 09:00–09:30; the end's date only when it differs from the start's."""
        same_day = start.astimezone(TZ).date() == end.astimezone(TZ).date()
        until = end.astimezone(TZ).strftime("%H:%M") if same_day else self.moment(end)
        return f"{self.moment(start)}–{until}"

    def period(self, start: datetime, end: datetime) -> str:
        """A span such as an absence: whole days as dates (01.12–14.12), else from and to."""
        a, b = start.astimezone(TZ), end.astimezone(TZ)
        if a.time() == b.time() == time(0):
            last = (b - timedelta(days=1)).date()
            first = a.strftime("%d.%m")
            return first if last == a.date() else f"{first}–{last.strftime('%d.%m')}"
        return self.span(start, end)

    def who(self, engineer_id: str) -> str:
        """An engineer by name (the id when the request does not know them)."""
        return self.engineers.get(engineer_id, engineer_id)

    def ticket(self, ticket_id: str) -> str:
        """«заявка t1 (ООО «Ромашка»)»: the ticket and, when it has a site, the customer."""
        t = self.tickets.get(ticket_id)
        site = self.sites.get(t.site_id or "") if t is not None else None
        return f"заявка {ticket_id}" + (f" ({site.customer})" if site is not None else "")

    def place(self, stop: RouteStop) -> str:
        """Where a route's stop is: the ticket (and customer) of a visit, the base, the start."""
        if stop.kind == StopKind.end:
            return "база"
        if stop.kind == StopKind.start:
            return "исходная точка"
        return self.ticket(stop.ticket_id or "")
