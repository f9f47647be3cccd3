"""The report as tables of text, in Russian (default) or English.

The CLI prints them with rich, the notebooks as DataFrames; both get the same rows here.
"""

from __future__ import annotations

import math

from optimizer.domain.scenario import Calibration, Estimate, ScenarioReport, SimulationReport
from optimizer.domain.skills import SkillCatalogue, skill_name

WEEKDAYS = {
    "ru": ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}

LABELS: dict[str, dict[str, str]] = {
    "ru": {
        "scenario": "Сценарий",
        "tickets": "Заявок",
        "sla": "В срок (95% ДИ)",
        "breaches": "Нарушений",
        "breaches_onsite": "из них выезды",
        "wait": "Ожидание, мин: ср. / p50 / p90 / p95",
        "urgent_p95": "Срочные p95, мин",
        "phone": "Перезвон ≤ 10 мин",
        "util": "Загрузка",
        "overtime": "Сверхуроч., ч",
        "km": "Пробег, км",
        "costs": "Затраты, тыс. руб.",
        "revenue": "Доп. работы, тыс. руб.",
        "overloaded": "ПЕРЕГРУЗ",
        "metric": "Показатель",
        "baseline": "База",
        "value": "Сценарий",
        "difference": "Разница (95% ДИ)",
        "significant": "Значимо",
        "yes": "да",
        "no": "нет",
        "weekday": "День",
        "hour": "Час",
        "group": "Кого не хватало",
        "short_by": "Заявок сверх SLA одновременно",
        "per_week": "Нарушений в неделю",
        "engineer": "Инженер",
        "utilisation": "Загрузка",
        "visits": "Выездов",
        "summary": "Итоги сценариев",
        "comparison": "Сравнение с базовым сценарием «{base}»",
        "shortfall": "Нехватка по часам и навыкам: «{name}»",
        "engineers": "Инженеры: «{name}»",
        "theory": "Проверка по Erlang C (M/M/c)",
    },
    "en": {
        "scenario": "Scenario",
        "tickets": "Tickets",
        "sla": "On time (95% CI)",
        "breaches": "Breaches",
        "breaches_onsite": "of them visits",
        "wait": "Wait, min: mean / p50 / p90 / p95",
        "urgent_p95": "Urgent p95, min",
        "phone": "Callback ≤ 10 min",
        "util": "Utilisation",
        "overtime": "Overtime, h",
        "km": "Distance, km",
        "costs": "Costs, kRUB",
        "revenue": "Extra work, kRUB",
        "overloaded": "OVERLOADED",
        "metric": "Metric",
        "baseline": "Baseline",
        "value": "Scenario",
        "difference": "Difference (95% CI)",
        "significant": "Significant",
        "yes": "yes",
        "no": "no",
        "weekday": "Day",
        "hour": "Hour",
        "group": "Who was missing",
        "short_by": "Tickets past SLA at once",
        "per_week": "Breaches a week",
        "engineer": "Engineer",
        "utilisation": "Utilisation",
        "visits": "Visits",
        "summary": "Scenario results",
        "comparison": "Against the baseline “{base}”",
        "shortfall": "Shortfall by hour and skill: “{name}”",
        "engineers": "Engineers: “{name}”",
        "theory": "Check against Erlang C (M/M/c)",
    },
}

GROUPS = {
    "ru": {"visit": "выезд (авто)", "all": "любой инженер"},
    "en": {"visit": "visit (car)", "all": "any engineer"},
}


def labels(lang: str) -> dict[str, str]:
    """The labels of a language (Russian unless ``en``)."""
    return LABELS["en" if lang == "en" else "ru"]


def _num(x: float | None, digits: int = 0) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:,.{digits}f}".replace(",", " ")


def _pct(e: Estimate) -> str:
    if not math.isfinite(e.mean):
        return "—"
    if e.ci_low == e.ci_high:
        return f"{e.mean:.1%}"
    return f"{e.mean:.1%} [{e.ci_low:.1%}–{e.ci_high:.1%}]"


def group_name(group: str, lang: str, catalogue: SkillCatalogue | None = None) -> str:
    """A shortfall group in words: ``skill:sip_trunks`` is the skill's name in ``catalogue``
    (the scenario's; the built-in one by default), «SIP-транки»; a skill outside it is shown
    by its id."""
    names = GROUPS["en" if lang == "en" else "ru"]
    if group in names:
        return names[group]
    return skill_name(group.removeprefix("skill:"), lang, catalogue)


def summary_headers(lang: str = "ru") -> list[str]:
    """Column titles of :func:`summary_rows`."""
    t = labels(lang)
    keys = ("scenario", "tickets", "sla", "breaches", "breaches_onsite", "wait", "urgent_p95")
    keys2 = ("phone", "util", "overtime", "km", "costs", "revenue")
    return [t[k] for k in (*keys, *keys2)]


def summary_row(s: ScenarioReport, lang: str = "ru") -> list[str]:
    """One scenario's main figures as text."""
    t = labels(lang)
    w = s.wait_min
    wait = " / ".join(_num(x) for x in (w.mean, w.p50, w.p90, w.p95))
    onsite = s.breaches_by_mode.get("onsite")
    name = s.name + (f" ({t['overloaded']})" if s.overloaded else "")
    return [
        name,
        _num(s.tickets.mean),
        _pct(s.sla_attainment),
        _num(s.breaches.mean),
        _num(onsite.mean) if onsite else "—",
        wait,
        _num(s.urgent_response_p95_min),
        _pct(s.phone.callbacks_within_target),
        _pct(s.utilisation),
        _num(s.overtime_hours.mean),
        _num(s.km.mean),
        _num(s.costs.total_rub.mean / 1000),
        _num(s.extra_work_revenue_rub.mean / 1000),
    ]


def summary_rows(report: SimulationReport, lang: str = "ru") -> list[list[str]]:
    """Every scenario's main figures as text rows."""
    return [summary_row(s, lang) for s in report.scenarios]


def comparison_headers(lang: str = "ru") -> list[str]:
    """Column titles of :func:`comparison_rows`."""
    t = labels(lang)
    return [t[k] for k in ("scenario", "metric", "baseline", "value", "difference", "significant")]


def _fmt(metric: str, x: float | None) -> str:
    if x is None:
        return "—"
    if metric in ("sla_attainment", "utilisation", "phone_within_target"):
        return f"{x:.1%}"
    return _num(x, 1 if abs(x) < 100 else 0)


def comparison_rows(report: SimulationReport, lang: str = "ru") -> list[list[str]]:
    """Each scenario against the baseline, metric by metric, as text rows."""
    t = labels(lang)
    pp = " п.п." if lang != "en" else " pp"
    rows = []
    for c in report.comparison:
        pct = c.metric in ("sla_attainment", "utilisation", "phone_within_target")
        if c.difference is None:
            diff = "—"
        elif pct:
            diff = f"{c.difference * 100:+.1f}{pp}"
            if c.ci_low is not None and c.ci_high is not None:
                diff += f" [{c.ci_low * 100:+.1f}; {c.ci_high * 100:+.1f}]"
        else:
            diff = _num_signed(c.difference)
            if c.ci_low is not None and c.ci_high is not None:
                diff += f" [{_num_signed(c.ci_low)}; {_num_signed(c.ci_high)}]"
        rows.append(
            [
                c.scenario,
                c.label,
                _fmt(c.metric, c.baseline_value),
                _fmt(c.metric, c.value),
                diff,
                t["yes"] if c.significant else t["no"],
            ]
        )
    return rows


def _num_signed(x: float) -> str:
    digits = 1 if abs(x) < 100 else 0
    return f"{x:+,.{digits}f}".replace(",", " ")


def shortfall_rows(s: ScenarioReport, lang: str = "ru", limit: int = 12) -> list[list[str]]:
    """The hours of the week where tickets waited beyond the SLA, and who was missing."""
    days = WEEKDAYS["en" if lang == "en" else "ru"]
    catalogue = s.skill_catalogue
    return [
        [
            days[r.weekday],
            f"{r.hour:02d}:00",
            group_name(r.group, lang, catalogue),
            f"{r.short_by:.2f}",
            f"{r.overdue_tickets:.2f}",
        ]
        for r in s.shortfall[:limit]
    ]


def shortfall_headers(lang: str = "ru") -> list[str]:
    """Column titles of :func:`shortfall_rows`."""
    t = labels(lang)
    return [t[k] for k in ("weekday", "hour", "group", "short_by", "per_week")]


def theory_lines(s: ScenarioReport, lang: str = "ru") -> list[str]:
    """The Erlang C check of a synthetic scenario in words (empty for the sample base)."""
    th = s.theory
    if th is None:
        return []
    en = lang == "en"
    sl, w = th.sim_service_level, th.sim_mean_wait_min
    ok = "agrees" if en else "согласуется"
    bad = "DISAGREES" if en else "НЕ согласуется"
    return [
        f"M/M/{th.agents}: λ={th.rate_per_hour:g}/h, 1/μ={th.mean_duration_min:g} min, "
        f"ρ={th.occupancy:.3f}",
        f"P(W≤{th.target_min:g}) Erlang C {th.service_level:.4f}, sim {sl.mean:.4f} "
        f"[{sl.ci_low:.4f}; {sl.ci_high:.4f}] — {ok if th.service_level_agrees else bad}",
        f"E[W] Erlang C {_num(th.asa_min, 3)} min, sim {w.mean:.3f} "
        f"[{w.ci_low:.3f}; {w.ci_high:.3f}] — {ok if th.mean_wait_agrees else bad}",
    ]


BACKTEST_LABELS = {
    "ru": {
        "title": "Проверка на истории: {month}, «{name}»",
        "metric": "Показатель",
        "recorded": "По истории",
        "simulated": "Модель",
        "difference": "Разница",
    },
    "en": {
        "title": "Backtest on the history: {month}, “{name}”",
        "metric": "Metric",
        "recorded": "Recorded",
        "simulated": "Model",
        "difference": "Difference",
    },
}


def backtest_headers(lang: str = "ru") -> list[str]:
    """Column titles of :func:`backtest_rows`."""
    t = BACKTEST_LABELS["en" if lang == "en" else "ru"]
    return [t[k] for k in ("metric", "recorded", "simulated", "difference")]


def backtest_title(s: ScenarioReport, lang: str = "ru") -> str:
    """The title of a scenario's backtest table."""
    assert s.backtest is not None
    t = BACKTEST_LABELS["en" if lang == "en" else "ru"]
    return t["title"].format(month=s.backtest.month, name=s.name)


def backtest_rows(s: ScenarioReport, lang: str = "ru") -> list[list[str]]:
    """The recorded month beside the simulated one (empty when not a backtest)."""
    if s.backtest is None:
        return []
    pp = " pp" if lang == "en" else " п.п."
    rows = []
    for r in s.backtest.rows:
        share = r.metric.startswith("sla_attainment")
        if share:
            recorded = "—" if r.recorded is None else f"{r.recorded:.1%}"
            simulated = "—" if r.simulated is None else _pct(r.simulated)
            diff = "—" if r.difference is None else f"{r.difference * 100:+.1f}{pp}"
        else:
            recorded = _num(r.recorded, 1 if r.metric != "tickets" else 0)
            simulated = "—" if r.simulated is None else _num(r.simulated.mean, 1)
            diff = "—" if r.difference is None else _num_signed(r.difference)
        rows.append([r.label, recorded, simulated, diff])
    return rows


CALIBRATION_LABELS = {
    "ru": {
        "title": "Длительность по категориям (логнормальное распределение): {source}",
        "category": "Категория",
        "tickets": "Заявок",
        "median": "Медиана, мин",
        "mean": "Среднее, мин (модель / факт)",
        "sigma": "σ логарифма",
        "ks": "Расстояние КС (порог)",
        "fits": "Согласие",
        "yes": "да",
        "no": "нет",
        "arrivals": "Поток заявок: {working:.1f} в рабочий день, {off:.1f} в выходной; "
        "разброс по часам к пуассоновскому {dispersion:.2f} (p = {p:.3f})",
        "peak": "Больше всего заявок: {day} {hour:02d}:00–{end:02d}:00, {rate:.2f} в час",
    },
    "en": {
        "title": "Durations by category (log-normal): {source}",
        "category": "Category",
        "tickets": "Tickets",
        "median": "Median, min",
        "mean": "Mean, min (model / recorded)",
        "sigma": "σ of log",
        "ks": "KS distance (critical)",
        "fits": "Fits",
        "yes": "yes",
        "no": "no",
        "arrivals": "Arrivals: {working:.1f} per working day, {off:.1f} per day off; "
        "hourly dispersion against Poisson {dispersion:.2f} (p = {p:.3f})",
        "peak": "Busiest hour: {day} {hour:02d}:00–{end:02d}:00, {rate:.2f} an hour",
    },
}


def calibration_text(c: Calibration, lang: str = "ru") -> tuple[str, list[str], list[list[str]]]:
    """Title, column titles and rows of the duration fits."""
    t = CALIBRATION_LABELS["en" if lang == "en" else "ru"]
    headers = [t[k] for k in ("category", "tickets", "median", "mean", "sigma", "ks", "fits")]
    rows = [
        [
            d.category,
            str(d.tickets),
            _num(d.median_min, 1),
            f"{_num(d.mean_min, 1)} / {_num(d.recorded_mean_min, 1)}",
            f"{d.sigma:.3f}",
            f"{d.ks_distance:.3f} ({d.ks_critical:.3f})",
            t["yes"] if d.fits else t["no"],
        ]
        for d in c.durations
    ]
    return t["title"].format(source=c.source), headers, rows


def calibration_lines(c: Calibration, lang: str = "ru") -> list[str]:
    """The arrival profile in two sentences."""
    t = CALIBRATION_LABELS["en" if lang == "en" else "ru"]
    a = c.arrivals
    lines = [
        t["arrivals"].format(
            working=a.tickets_per_working_day,
            off=a.tickets_per_day_off,
            dispersion=a.dispersion,
            p=a.dispersion_p_value,
        )
    ]
    grid = a.working_day_per_hour
    rate, day, hour = max((grid[d][h], d, h) for d in range(7) for h in range(24))
    if rate > 0:
        days = WEEKDAYS["en" if lang == "en" else "ru"]
        lines.append(t["peak"].format(day=days[day], hour=hour, end=hour + 1, rate=rate))
    return lines
