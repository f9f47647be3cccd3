"""Fixed facts of the synthetic department: SLA policies, engineers, shift templates, ticket
categories, cities and name lists. Everything random lives in the other modules; this one is
the table a reader checks the assumptions against (``data/README.md`` repeats it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from optimizer.calendar import TZ
from optimizer.domain import (
    Clock,
    Engineer,
    Location,
    Priority,
    ShiftKind,
    ShiftTemplate,
    SlaPolicy,
)

HISTORY_START = date(2025, 12, 1)
"""First day of the ticket history (a Monday)."""

HISTORY_END = date(2026, 11, 29)
"""Last day of the ticket history, inclusive (a Sunday): twelve months, 52 weeks."""

SAMPLE_NOW = datetime(2026, 11, 30, 9, 30, tzinfo=TZ)
"""The sample morning: Monday 2026-11-30 09:30 local time, when the open tickets are open."""

PRICE_RUB_PER_HOUR = 600
"""Norm-hour rate of additional (paid) work: 30 minutes cost 300 RUB."""

SITE_COUNT = 320
CITY_SHARES: dict[str, float] = {"Saratov": 0.65, "Engels": 0.20, "other": 0.15}
POLICY_SHARES: dict[str, float] = {"standard": 0.70, "premium": 0.15, "round_the_clock": 0.15}

SLA_POLICIES: list[SlaPolicy] = [
    SlaPolicy(
        id="standard",
        name="Стандарт (рабочие часы)",
        clock=Clock.business,
        response_min={Priority.urgent: 30, Priority.normal: 120, Priority.low: 480},
    ),
    SlaPolicy(
        id="premium",
        name="Премиум (рабочие часы, 1 час)",
        clock=Clock.business,
        response_min={Priority.urgent: 30, Priority.normal: 60, Priority.low: 240},
    ),
    SlaPolicy(
        id="round_the_clock",
        name="Круглосуточный 24x7",
        clock=Clock.always,
        response_min={Priority.urgent: 30, Priority.normal: 120, Priority.low: 480},
    ),
]

ENGINEERS: list[Engineer] = [
    Engineer(
        id="e01",
        name="Иван Петров",
        skills=["asterisk_dialplan", "sip_trunks", "call_center", "linux_server"],
        licence_b=True,
        has_car=True,
        base=Location(lat=51.53312, lon=46.00871),
        cost_per_hour_rub=650,
        car_cost_per_km_rub=12,
        holiday_work_consent=True,
    ),
    Engineer(
        id="e02",
        name="Алексей Смирнов",
        skills=["sip_trunks", "gateways", "ip_phones", "network_vpn"],
        licence_b=True,
        has_car=True,
        base=Location(lat=51.49852, lon=46.12610),
        cost_per_hour_rub=550,
        car_cost_per_km_rub=12,
        holiday_work_consent=True,
    ),
    Engineer(
        id="e03",
        name="Дмитрий Кузнецов",
        skills=["ip_phones", "gateways", "network_vpn", "linux_server"],
        licence_b=True,
        has_car=True,
        base=Location(lat=51.56745, lon=45.98021),
        cost_per_hour_rub=480,
        car_cost_per_km_rub=11,
    ),
    Engineer(
        id="e04",
        name="Сергей Волков",
        skills=["linux_server", "network_vpn", "asterisk_dialplan", "crm_integration"],
        licence_b=True,
        has_car=False,
        base=Location(lat=51.52203, lon=46.02154),
        cost_per_hour_rub=700,
        car_cost_per_km_rub=0,
    ),
    Engineer(
        id="e05",
        name="Мария Соколова",
        skills=["crm_integration", "call_center", "asterisk_dialplan"],
        licence_b=False,
        has_car=False,
        base=Location(lat=51.54590, lon=46.01432),
        cost_per_hour_rub=600,
        car_cost_per_km_rub=0,
    ),
    Engineer(
        id="e06",
        name="Андрей Морозов",
        skills=["asterisk_dialplan", "sip_trunks", "gateways", "ip_phones"],
        licence_b=True,
        has_car=True,
        base=Location(lat=51.51076, lon=45.99388),
        cost_per_hour_rub=520,
        car_cost_per_km_rub=12,
        holiday_work_consent=True,
    ),
    Engineer(
        id="e07",
        name="Ольга Новикова",
        skills=["call_center", "crm_integration", "asterisk_dialplan", "ip_phones"],
        licence_b=False,
        has_car=False,
        base=Location(lat=51.48761, lon=46.14235),
        cost_per_hour_rub=500,
        car_cost_per_km_rub=0,
    ),
    Engineer(
        id="e08",
        name="Никита Лебедев",
        skills=["linux_server", "network_vpn", "sip_trunks"],
        licence_b=True,
        has_car=False,
        base=Location(lat=51.58213, lon=45.96534),
        cost_per_hour_rub=450,
        car_cost_per_km_rub=0,
        holiday_work_consent=True,
    ),
]
"""Eight engineers; e01, e02, e03, e06 hold licence B and own a car (the four who visit)."""

CITY_CENTRES: dict[str, tuple[float, float]] = {
    "Saratov": (51.5331, 46.0342),
    "Engels": (51.4986, 46.1258),
}
"""(lat, lon) of the two visited cities' centres; an engineer's home is the nearer one."""

SHIFT_TEMPLATES: list[ShiftTemplate] = [
    ShiftTemplate(
        id="office",
        name="Офис, пн–чт 09:00–18:00",
        start=time(9),
        end=time(18),
        break_min=60,
        kind=ShiftKind.day,
        weekdays=[0, 1, 2, 3],
    ),
    ShiftTemplate(
        id="office_fri",
        name="Офис, пт 09:00–17:00",
        start=time(9),
        end=time(17),
        break_min=60,
        kind=ShiftKind.day,
        weekdays=[4],
    ),
    ShiftTemplate(
        id="early",
        name="Ранняя 08:00–17:00",
        start=time(8),
        end=time(17),
        break_min=60,
        kind=ShiftKind.day,
        weekdays=[0, 1, 2, 3, 4],
    ),
    ShiftTemplate(
        id="late",
        name="Поздняя 10:00–19:00",
        start=time(10),
        end=time(19),
        break_min=60,
        kind=ShiftKind.day,
        weekdays=[0, 1, 2, 3, 4],
    ),
    ShiftTemplate(
        id="weekend_on_call",
        name="Дежурство выходного дня 10:00–16:00",
        start=time(10),
        end=time(16),
        break_min=0,
        kind=ShiftKind.on_call,
        weekdays=[5, 6],
    ),
]


@dataclass(frozen=True)
class Category:
    """A kind of request: skills it needs, its duration law and how often it is urgent, on
    site or paid. Probabilities are per ticket of the category; on-site applies only to sites
    in Saratov and Engels."""

    name: str
    skills: tuple[str, ...]
    weight: float
    median_min: float
    sigma: float
    p_urgent: float
    p_onsite: float
    p_additional: float
    titles: tuple[str, ...]


CATEGORIES: tuple[Category, ...] = (
    Category(
        "sip_trunk_down", ("sip_trunks",), 0.08, 40, 0.55, 0.5, 0.05, 0.0,
        ("Нет входящих звонков, SIP-транк не регистрируется",
         "Пропала связь с оператором, транк недоступен"),
    ),
    Category(
        "dialplan_change", ("asterisk_dialplan",), 0.20, 30, 0.6, 0.01, 0.0, 0.35,
        ("Изменить маршрутизацию входящих звонков", "Добавить правило исходящей связи"),
    ),
    Category(
        "new_phone", ("ip_phones",), 0.12, 40, 0.5, 0.0, 0.45, 0.65,
        ("Подключить новый IP-телефон", "Настроить телефоны на новых рабочих местах"),
    ),
    Category(
        "gateway", ("gateways",), 0.08, 60, 0.6, 0.08, 0.35, 0.35,
        ("Не работает GSM/FXO-шлюз", "Настроить новый голосовой шлюз"),
    ),
    Category(
        "queue_setup", ("call_center", "asterisk_dialplan"), 0.10, 45, 0.6, 0.02, 0.0, 0.45,
        ("Настроить очередь операторов", "Изменить стратегию распределения звонков"),
    ),
    Category(
        "crm_integration", ("crm_integration",), 0.07, 90, 0.7, 0.02, 0.0, 0.5,
        ("Не отображаются звонки в CRM", "Интеграция телефонии с CRM"),
    ),
    Category(
        "network_vpn", ("network_vpn",), 0.10, 45, 0.6, 0.10, 0.20, 0.10,
        ("Удалённый офис не видит АТС по VPN", "Обрывы голоса, проверить сеть"),
    ),
    Category(
        "server", ("linux_server",), 0.10, 60, 0.7, 0.12, 0.15, 0.10,
        ("Сервер АТС не отвечает", "Заканчивается место на диске сервера АТС"),
    ),
    Category(
        "greeting", ("asterisk_dialplan",), 0.08, 15, 0.5, 0.0, 0.0, 0.55,
        ("Заменить приветствие в голосовом меню", "Записать новое голосовое меню"),
    ),
    Category(
        "ip_phone_fault", ("ip_phones",), 0.07, 30, 0.5, 0.02, 0.30, 0.0,
        ("Телефон не регистрируется", "Нет звука на IP-телефоне"),
    ),
)  # fmt: skip
"""Ticket categories; weights sum to 1."""

P_LOW_PRIORITY = 0.12
"""Share of non-urgent tickets the customer marks low priority."""

NIGHT_URGENT_FACTOR = 2.0
"""A 24x7 customer calling out of office hours is twice as likely to be down."""

DURATION_MIN, DURATION_MAX, DURATION_STEP = 5, 480, 5

# -- arrivals -------------------------------------------------------------------------------

BUSINESS_TICKETS_PER_DAY = 29.0
"""Expected tickets from business-clock customers on a Tuesday–Thursday."""

ROUND_THE_CLOCK_TICKETS_PER_DAY = 3.5
"""Expected tickets from 24x7 customers on a working day (60% of it on a day off)."""

WEEKDAY_FACTOR: dict[int, float] = {0: 1.4, 1: 1.0, 2: 1.0, 3: 1.0, 4: 0.85}
POST_HOLIDAY_FACTOR = 1.8
"""First working day after three or more days off (replaces the weekday factor)."""
DAY_OFF_FACTOR_24X7 = 0.6

BUSINESS_HOUR_WEIGHTS: tuple[float, ...] = (
    0, 0, 0, 0, 0, 0, 0, 0.3,
    1.0, 2.6, 3.0, 2.8, 2.3, 2.2, 2.5, 2.4,
    2.1, 1.4, 0.6, 0.3, 0.15, 0.1, 0, 0,
)  # fmt: skip
"""Relative arrival intensity by local hour, business customers, working days."""

ROUND_THE_CLOCK_HOUR_WEIGHTS: tuple[float, ...] = (
    0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.6,
    0.6, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5,
    1.5, 1.5, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7,
)  # fmt: skip
"""Relative arrival intensity by local hour, 24x7 customers, every day."""

# -- replay ---------------------------------------------------------------------------------

TRAVEL_SAME_BANK_MIN = 35
TRAVEL_CROSS_BANK_MIN = 55
ONSITE_OVERRUN_MIN = 60
"""A visit may end up to an hour after the end of the working interval (it is not split)."""

ON_CALL_HOURS = (time(10), time(16))

# -- places and names -----------------------------------------------------------------------


@dataclass(frozen=True)
class District:
    """A district centre; sites are scattered around it (inside a box on the right bank)."""

    name: str
    lat: float
    lon: float
    weight: float


SARATOV_DISTRICTS: tuple[District, ...] = (
    District("Кировский", 51.5330, 46.0050, 3),
    District("Волжский", 51.5320, 46.0250, 2),
    District("Фрунзенский", 51.5260, 46.0130, 1),
    District("Октябрьский", 51.5500, 45.9950, 2),
    District("Ленинский", 51.5800, 45.9500, 3),
    District("Заводской", 51.4900, 45.9900, 2),
)
ENGELS_DISTRICTS: tuple[District, ...] = (
    District("Центр", 51.4990, 46.1250, 3),
    District("Мелиораторов", 51.4800, 46.1500, 2),
    District("Шумейка", 51.4900, 46.1750, 1),
)
SARATOV_BOX = ((51.47, 51.62), (45.88, 46.03))
"""(lat range, lon range) a Saratov site is clipped to: west of the Volga's axis (~46.06)."""
ENGELS_BOX = ((51.46, 51.52), (46.115, 46.20))
"""(lat range, lon range) an Engels site is clipped to: east of the Volga's axis."""
DISTRICT_SPREAD_DEG = 0.008

OTHER_CITIES: tuple[tuple[str, float, float, float], ...] = (
    ("Balakovo", 52.0278, 47.8007, 4),
    ("Volsk", 52.0459, 47.3874, 2),
    ("Marks", 51.7108, 46.7497, 2),
    ("Pugachev", 52.0156, 48.8032, 1),
    ("Rtishchevo", 52.2616, 43.7843, 1),
    ("Balashov", 51.5536, 43.1673, 2),
    ("Samara", 53.1959, 50.1002, 2),
    ("Volgograd", 48.7080, 44.5133, 2),
    ("Moscow", 55.7558, 37.6173, 1),
)
"""(city, lat, lon, weight): customers served remotely only."""
OTHER_CITY_SPREAD_DEG = 0.01

SARATOV_STREETS: tuple[str, ...] = (
    "ул. Московская", "ул. Чернышевского", "пр-т Кирова", "ул. Астраханская",
    "ул. Большая Казачья", "ул. Рабочая", "ул. Соколовая", "ул. Вольская", "ул. Радищева",
    "ул. Советская", "ул. Шелковичная", "пр-т 50 лет Октября", "ул. Тархова", "ул. Блинова",
    "ул. Танкистов", "Ново-Астраханское ш.", "ул. Политехническая", "ул. Большая Садовая",
    "ул. Днепропетровская", "ул. Навашина", "ул. Жуковского", "ул. Огородная",
)  # fmt: skip
ENGELS_STREETS: tuple[str, ...] = (
    "пр-т Строителей", "ул. Тельмана", "пл. Ленина", "ул. Нестерова", "ул. Колотилова",
    "ул. Полиграфическая", "ул. Маяковского", "пр-т Фридриха Энгельса", "ул. Тихая",
    "ул. Красноармейская", "ул. Л. Кассиля", "ул. Степная",
)  # fmt: skip
OTHER_STREETS: tuple[str, ...] = (
    "ул. Ленина", "ул. Советская", "ул. Гагарина", "ул. Мира", "ул. Кирова",
    "ул. Комсомольская", "ул. Пушкина", "ул. Садовая",
)  # fmt: skip
CITY_RU: dict[str, str] = {
    "Saratov": "Саратов",
    "Engels": "Энгельс",
    "Balakovo": "Балаково",
    "Volsk": "Вольск",
    "Marks": "Маркс",
    "Pugachev": "Пугачёв",
    "Rtishchevo": "Ртищево",
    "Balashov": "Балашов",
    "Samara": "Самара",
    "Volgograd": "Волгоград",
    "Moscow": "Москва",
}

LEGAL_FORMS: tuple[tuple[str, float], ...] = (("ООО", 0.7), ("АО", 0.1), ("ИП", 0.1), ("ГАУЗ", 0.1))
NAME_STEMS: tuple[str, ...] = (
    "Волга", "Покров", "Сокол", "Гранит", "Вектор", "Меридиан", "Альфа", "Сфера", "Лотос",
    "Кедр", "Старт", "Радуга", "Орион", "Факел", "Дельта", "Заря", "Нива", "Стимул", "Магистраль",
    "Перспектива", "Саратов", "Приволжье", "Энергия", "Прогресс", "Атлант", "Регион", "Олимп",
)  # fmt: skip
NAME_SUFFIXES: tuple[str, ...] = (
    "Строй", "Трейд", "Сервис", "Логистик", "Мед", "Авто", "Агро", "Пласт", "Техно",
    "Инвест", "Фарм", "Маркет", "Транс", "Лайн", "Холод", "Пром",
)  # fmt: skip
CLINIC_NAMES: tuple[str, ...] = (
    "Городская поликлиника", "Стоматологическая поликлиника", "Клиническая больница",
    "Детская поликлиника", "Диагностический центр",
)  # fmt: skip
SURNAMES_IP: tuple[str, ...] = (
    "Карпов А. В.", "Белова Н. С.", "Фролов Д. И.", "Зайцева О. П.", "Орлов С. Н.",
    "Медведев К. А.", "Егорова Т. В.", "Павлов Р. Е.", "Семёнов И. Г.", "Голубева Е. А.",
)  # fmt: skip

# -- absences -------------------------------------------------------------------------------

VACATION_PLAN: dict[int, dict[str, tuple[tuple[int, int], ...]]] = {
    2026: {
        "e01": ((7, 14), (3, 7), (10, 7)),
        "e02": ((6, 14), (12, 14)),
        "e03": ((8, 14), (3, 7), (12, 7)),
        "e04": ((7, 14), (4, 14)),
        "e05": ((9, 14), (3, 7), (11, 7)),
        "e06": ((5, 14), (9, 7), (2, 7)),
        "e07": ((8, 14), (4, 14)),
        "e08": ((6, 14), (10, 14)),
    },
    2027: {
        "e01": ((7, 14), (2, 7), (10, 7)),
        "e02": ((6, 14), (11, 14)),
        "e03": ((8, 14), (3, 7), (12, 7)),
        "e04": ((7, 14), (2, 14)),
        "e05": ((9, 14), (4, 7), (11, 7)),
        "e06": ((5, 14), (9, 7), (1, 7)),
        "e07": ((8, 14), (12, 14)),
        "e08": ((6, 14), (10, 14)),
    },
}
"""Per year and engineer: (month, vacation days) of each part; the first part is the ≥ 14-day
one (art. 125), parts sum to 28 calendar days (art. 115). The start week is drawn at random."""

MAX_OFF_AT_ONCE = 2
MAX_VISITORS_OFF_AT_ONCE = 1

SICK_LEAVES = 6
SICK_DAYS = (3, 8)
"""A sick leave lasts 3 to 8 calendar days (inclusive bounds)."""

CAR_REPAIR = ("e06", date(2026, 11, 30), date(2026, 12, 7))
"""The car of e06 is in repair the week of the sample morning, [start, end)."""
