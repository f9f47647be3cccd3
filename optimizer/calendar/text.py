"""A production-calendar year as text for people (Russian by default, English on request)."""

from __future__ import annotations

from datetime import date

from optimizer.calendar.norms import CalendarDay, CalendarYear, PeriodNorm, holiday_name
from optimizer.calendar.production import DayKind, ProductionYear

MONTHS = {
    "ru": ["Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август",
           "Сентябрь", "Октябрь", "Ноябрь", "Декабрь"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}  # fmt: skip
WEEKDAYS = {
    "ru": ["пн", "вт", "ср", "чт", "пт", "сб", "вс"],
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
}
TEXT = {
    "ru": {
        "title": "Производственный календарь на {year} год (пятидневная рабочая неделя)",
        "source": "Источник: {source}",
        "rule_source": "правило ТК РФ (ст. 95 и 112), постановления за этот год нет в данных",
        "warning": "Внимание: {warning}",
        "head1": "{period:<12}{days:>6}{work:>6}{off:>6}{short:>6}   Норма часов при неделе",
        "head2": "{blank:<12}{days:>6}{work:>6}{off:>6}{short:>6}",
        "period": "Период",
        "days": "Дней",
        "work": "Раб.",
        "off": "Вых.",
        "short": "Сокр.",
        "key": "Дней — календарных; Раб. — рабочих; Вых. — выходных и праздничных; "
        "Сокр. — сокращённых на 1 час (ст. 95 ТК РФ).",
        "quarter": "{q} квартал",
        "year": "Год",
        "dates": "Праздники, переносы и сокращённые дни:",
        "day_off": "выходной",
        "moved": "перенесён с {d}",
        "shortened": "рабочий день, короче на 1 час",
        "working_weekend": "рабочий день",
        "hours": "{h} ч",
    },
    "en": {
        "title": "Production calendar of {year} (five-day week)",
        "source": "Source: {source}",
        "rule_source": "the Labour Code rule (art. 95 and 112); no decree of this year in the data",
        "warning": "Warning: {warning}",
        "head1": "{period:<12}{days:>6}{work:>6}{off:>6}{short:>6}   Norm of hours, week of",
        "head2": "{blank:<12}{days:>6}{work:>6}{off:>6}{short:>6}",
        "period": "Period",
        "days": "Days",
        "work": "Work",
        "off": "Off",
        "short": "Short",
        "key": "Days — calendar days; Work — working days; Off — weekends and holidays; "
        "Short — working days one hour shorter (art. 95).",
        "quarter": "Q{n}",
        "year": "Year",
        "dates": "Holidays, transfers and shortened days:",
        "day_off": "day off",
        "moved": "moved from {d}",
        "shortened": "working day, one hour shorter",
        "working_weekend": "working day",
        "hours": "{h} h",
    },
}
ROMAN = ["I", "II", "III", "IV"]


def _hours(value: float, lang: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "ru" else text


def _row(label: str, p: PeriodNorm, weekly: list[int], lang: str) -> str:
    norms = "".join(f"{_hours(p.norm_hours[w], lang):>9}" for w in weekly)
    return (
        f"{label:<12}{p.calendar_days:>6}{p.working_days:>6}{p.days_off:>6}"
        f"{p.shortened_days:>6}{norms}"
    )


def _date(day: date, lang: str) -> str:
    return f"{day:%d.%m} {WEEKDAYS[lang][day.weekday()]}"


def _describe(d: CalendarDay, lang: str) -> str:
    t = TEXT[lang]
    if d.kind == DayKind.day_off:
        parts = [t["day_off"]]
        if d.holiday:
            parts.append(holiday_name(d.holiday, lang))
        if d.moved_from:
            when = f"{d.moved_from:%d.%m.%Y} {WEEKDAYS[lang][d.moved_from.weekday()]}"
            parts.append(t["moved"].format(d=when))
        return ", ".join(parts)
    if d.kind == DayKind.shortened:
        return t["shortened"]
    return t["working_weekend"]


def warning_text(cy: CalendarYear, lang: str = "ru") -> str | None:
    """The fallback warning of a year in the reader's language, or None for official data."""
    if cy.official:
        return None
    return ProductionYear(cy.year, official=False, source=cy.source).warning(lang)


def format_calendar_year(cy: CalendarYear, lang: str = "ru") -> str:
    """The year as a table: days and norm hours per month, quarter and year, then every
    listed date (holidays, transfers, shortened days, worked weekends), the source first."""
    t = TEXT[lang]
    weekly = sorted(cy.total.norm_hours, reverse=True)
    source = cy.source if cy.official else t["rule_source"]
    lines = [t["title"].format(year=cy.year), t["source"].format(source=source)]
    warn = warning_text(cy, lang)
    if warn:
        lines.append(t["warning"].format(warning=warn))
    lines.append("")
    lines.append(
        t["head1"].format(
            period=t["period"], days=t["days"], work=t["work"], off=t["off"], short=t["short"]
        )
    )
    lines.append(
        t["head2"].format(blank="", days="", work="", off="", short="")
        + "".join(f"{t['hours'].format(h=w):>9}" for w in weekly)
    )
    for i, m in enumerate(cy.months):
        lines.append(_row(MONTHS[lang][i], m, weekly, lang))
        if i % 3 == 2:
            q = i // 3
            label = t["quarter"].format(q=ROMAN[q], n=q + 1)
            lines.append(_row(label, cy.quarters[q], weekly, lang))
    lines.append(_row(t["year"], cy.total, weekly, lang))
    lines.append(t["key"])
    lines.append("")
    lines.append(t["dates"])
    for d in cy.days:
        lines.append(f"  {_date(d.date, lang)} — {_describe(d, lang)}")
    return "\n".join(lines)
