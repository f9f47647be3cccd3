"""Plain-text views of a roster for the terminal: the engineers × days grid and the shortfall
summary (Russian by default, English with ``lang="en"``)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta

from optimizer.domain.roster import Roster, ShortfallReport
from optimizer.domain.skills import SkillCatalogue
from optimizer.roster.report import WEEKDAYS_SHORT, group_label

ABSENCE_CODES = {
    "ru": {"vacation": "ОТ", "sick": "Б", "training": "У"},
    "en": {"vacation": "VA", "sick": "SI", "training": "TR"},
}
TEXT = {
    "ru": {
        "title": "График смен {a}–{b} (время саратовское, UTC+4)",
        "hours": "часы",
        "norm": "норма",
        "day_off": "вых.",
        "deficit": "недоб.",
        "legend": "Обозначения",
        "off": "выходной/праздник",
        "car": "* — машина недоступна",
        "abs": "ОТ — отпуск, Б — больничный, У — обучение",
        "columns": "часы — всего; вых. — из них в выходные и праздники (оплата вдвойне, "
        "ст. 153 ТК РФ); недоб. — не хватает до нормы (работа в выходные её не восполняет)",
        "solver": "Решатель: {status}, цель {obj}, граница {bound}, {wall} с",
    },
    "en": {
        "title": "Roster {a}–{b} (Saratov time, UTC+4)",
        "hours": "hours",
        "norm": "norm",
        "day_off": "dayoff",
        "deficit": "short",
        "legend": "Legend",
        "off": "weekend/holiday",
        "car": "* — car unavailable",
        "abs": "VA — vacation, SI — sick, TR — training",
        "columns": "hours — all; dayoff — of them on weekends and holidays (paid double, "
        "art. 153); short — hours below the norm (day-off work does not make it up)",
        "solver": "Solver: {status}, objective {obj}, bound {bound}, {wall} s",
    },
}


def template_codes(templates: Mapping[str, str]) -> dict[str, str]:
    """Short, unique, stable codes of shift templates (id → name), derived from the names
    so that the grid reads in the department's language (``Ранняя 08:00–17:00`` → ``Р``):
    the first letter of the name, its two initials on a clash, the id's initials for a name
    without a letter (``office_fri`` → ``OF``), a digit after that. The terminal's grid, the
    Excel workbook and the head's page all take their codes from here."""
    out: dict[str, str] = {}
    for tid, name in templates.items():
        words = re.findall(r"[^\W\d_]+", name or "")
        candidates = []
        if words:
            candidates.append(words[0][0].upper())
            if len(words) > 1:
                candidates.append((words[0][0] + words[1][0]).upper())
        candidates.append(_id_initials(tid))
        code = next((c for c in candidates if c not in out.values()), None)
        n = 1
        while code is None:
            c = f"{candidates[0][:1]}{n}"
            code = c if c not in out.values() else None
            n += 1
        out[tid] = code
    return out


def _id_initials(template_id: str) -> str:
    """Initials of an id's parts: ``office_fri`` → ``OF``."""
    parts = [p for p in template_id.replace("-", "_").split("_") if p]
    return "".join(p[0] for p in parts)[:2].upper() or template_id[:2].upper()


def format_grid(roster: Roster, lang: str = "ru") -> str:
    """The engineers × days grid with hours against the norm, a legend and the solver line."""
    t = TEXT[lang]
    if roster.start is None or roster.end is None:
        return _benchmark_grid(roster)
    days = [roster.start + timedelta(days=i) for i in range((roster.end - roster.start).days + 1)]
    codes = template_codes(roster.templates)
    cell: dict[tuple[str, date], str] = {}
    for a in roster.assignments:
        if a.date is not None:
            cell[(a.engineer_id, a.date)] = codes.get(a.template_id, "?")
    car_out = set()
    for ab in roster.absence_days:
        if ab.kind == "car_unavailable":
            car_out.add((ab.engineer_id, ab.date))
        elif (ab.engineer_id, ab.date) not in cell:
            cell[(ab.engineer_id, ab.date)] = ABSENCE_CODES[lang].get(ab.kind, "?")
    off_days = set(roster.days_off) or {d for d in days if d.weekday() >= 5}
    name_w = max([len(n) for n in roster.engineers.values()] + [10])
    fair = {f.engineer_id: f for f in roster.fairness.per_engineer}
    lines = [t["title"].format(a=f"{days[0]:%d.%m.%Y}", b=f"{days[-1]:%d.%m.%Y}")]
    lines.append(" " * name_w + " " + "".join(f"{d.day:>3}" for d in days))
    lines.append(
        " " * name_w
        + " "
        + "".join(f"{WEEKDAYS_SHORT[lang][d.weekday()]:>3}" for d in days)
        + f"  {t['hours']:>6} {t['norm']:>6} {t['day_off']:>6} {t['deficit']:>6}"
    )
    for eid, name in roster.engineers.items():
        row = ""
        for d in days:
            code = cell.get((eid, d), "·" if d in off_days else ".")
            if (eid, d) in car_out and code not in ABSENCE_CODES[lang].values():
                code += "*"
            row += f"{code:>3}"
        f = fair.get(eid)
        tail = (
            f"  {f.hours:>6g} {f.norm_hours:>6g} {f.day_off_hours:>6g} {f.norm_deficit_hours:>6g}"
            if f
            else ""
        )
        lines.append(f"{name:<{name_w}} {row}{tail}")
    lines.append("")
    names = {tid: roster.templates[tid] for tid in codes}
    legend = ", ".join(f"{code} — {names[tid]}" for tid, code in codes.items())
    lines.append(f"{t['legend']}: {legend}; · — {t['off']}; {t['abs']}; {t['car']}")
    lines.append(t["columns"])
    s = roster.solver
    lines.append(
        t["solver"].format(status=s.status, obj=s.objective, bound=s.best_bound, wall=s.wall_s)
    )
    return "\n".join(lines)


def _benchmark_grid(roster: Roster) -> str:
    """A benchmark roster: staff × day indexes with the shift ids."""
    n = max((a.day for a in roster.assignments), default=-1) + 1
    cell = {(a.engineer_id, a.day): a.template_id for a in roster.assignments}
    lines = [f"{roster.instance}: {roster.status}, objective {roster.objective}"]
    lines.append("     " + "".join(f"{d % 100:>3}" for d in range(n)))
    for sid in roster.engineers:
        lines.append(f"{sid:<5}" + "".join(f"{cell.get((sid, d), '.'):>3}" for d in range(n)))
    return "\n".join(lines)


def format_shortfall(
    report: ShortfallReport,
    lang: str = "ru",
    top: int = 10,
    catalogue: SkillCatalogue | None = None,
) -> str:
    """The shortfall summary: total, by group, the worst dates and hours, recommendations
    (a skill group by its name in ``catalogue``, the request's; the built-in one by default).
    """
    lines = [report.summary]
    if report.total_person_hours <= 0:
        return "\n".join(lines)
    worst: dict[tuple[date, int], list[str]] = defaultdict(list)
    for c in report.cells:
        worst[(c.date, c.hour)].append(f"{group_label(c.group, lang, catalogue)} −{c.short_by}")
    head = "Где не хватает людей:" if lang == "ru" else "Where people are missing:"
    lines.append(head)
    by_date = sorted(report.by_date.items(), key=lambda kv: -kv[1])[:top]
    for d, h in by_date:
        hours = sorted(hh for (dd, hh) in worst if dd == d)
        span = f"{hours[0]:02d}–{hours[-1] + 1:02d}" if hours else ""
        unit = "чел.-ч" if lang == "ru" else "person-h"
        wd = WEEKDAYS_SHORT[lang][d.weekday()]
        lines.append(f"  {d:%d.%m} {wd} {span}: {h:g} {unit}")
    if report.recommendations:
        lines.append("Рекомендации:" if lang == "ru" else "Recommendations:")
        for r in report.recommendations:
            mark = "" if r.verified else (" (оценка)" if lang == "ru" else " (estimate)")
            unit = "чел.-ч" if lang == "ru" else "person-h"
            lines.append(f"  • {r.text} [−{r.gain_person_hours:g} {unit}{mark}]")
    return "\n".join(lines)
