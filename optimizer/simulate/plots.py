"""Plots of a :class:`SimulationReport`: PNG (matplotlib, no display needed) and one
self-contained HTML page (plotly, its JavaScript inlined so it opens offline).

The functions return bytes and text; writing them is the caller's business.
"""

from __future__ import annotations

import html
import io
import math

import numpy as np

from optimizer.domain.scenario import ScenarioReport, SimulationReport
from optimizer.simulate.text import (
    WEEKDAYS,
    comparison_headers,
    comparison_rows,
    group_name,
    labels,
    summary_headers,
    summary_rows,
)

TITLES = {
    "ru": {
        "sla": "Доля заявок, начатых в срок (95% ДИ)",
        "wait": "Ожидание до начала работ, мин (по часам SLA)",
        "util": "Загрузка инженеров",
        "shortfall": "Заявок сверх SLA одновременно, по часам недели: «{name}»",
        "cost": "Затраты и выручка, тыс. руб.",
        "salaries": "зарплата",
        "overtime": "сверхурочные",
        "weekend": "выходные",
        "car": "авто",
        "revenue": "выручка доп. работ",
        "page": "Что если: сравнение сценариев",
    },
    "en": {
        "sla": "Share of tickets started on time (95% CI)",
        "wait": "Wait until work starts, min (SLA clock)",
        "util": "Engineer utilisation",
        "shortfall": "Tickets past SLA at once, by hour of the week: “{name}”",
        "cost": "Costs and revenue, kRUB",
        "salaries": "salaries",
        "overtime": "overtime",
        "weekend": "days off",
        "car": "car",
        "revenue": "extra-work revenue",
        "page": "What-if: scenario comparison",
    },
}


def _t(lang: str) -> dict[str, str]:
    return TITLES["en" if lang == "en" else "ru"]


def _finite(x: float | None) -> float:
    return x if x is not None and math.isfinite(x) else 0.0


def shortfall_grid(s: ScenarioReport) -> np.ndarray:
    """Tickets past their SLA at once by (weekday, hour) as a (7, 24) grid."""
    if s.overdue_by_hour:
        return np.asarray(s.overdue_by_hour, dtype=float)
    return np.zeros((7, 24))


# -- PNG -----------------------------------------------------------------------------------


def png_figures(report: SimulationReport, lang: str = "ru") -> dict[str, bytes]:
    """File name → PNG bytes: SLA attainment, waits, utilisation, costs, shortfall heatmap."""
    from matplotlib.figure import Figure

    t = _t(lang)
    names = [s.name for s in report.scenarios]
    x = np.arange(len(names))
    out: dict[str, bytes] = {}

    fig = Figure(figsize=(max(6, 1.6 * len(names)), 4))
    ax = fig.add_subplot()
    means = [_finite(s.sla_attainment.mean) for s in report.scenarios]
    lo = [
        m - _finite(s.sla_attainment.ci_low) for m, s in zip(means, report.scenarios, strict=True)
    ]
    hi = [
        _finite(s.sla_attainment.ci_high) - m for m, s in zip(means, report.scenarios, strict=True)
    ]
    ax.bar(x, means, yerr=[lo, hi], capsize=6, color="#4c78a8")
    ax.set_xticks(x, names, rotation=15)
    ax.set_ylim(max(0.0, min(means) - 0.15) if means else 0, 1.0)
    ax.set_title(t["sla"])
    out["sla_attainment.png"] = _png(fig)

    fig = Figure(figsize=(max(6, 1.6 * len(names)), 4))
    ax = fig.add_subplot()
    width = 0.2
    for k, key in enumerate(("mean", "p50", "p90", "p95")):
        vals = [_finite(getattr(s.wait_min, key)) for s in report.scenarios]
        ax.bar(x + (k - 1.5) * width, vals, width, label=key)
    ax.set_xticks(x, names, rotation=15)
    ax.legend()
    ax.set_title(t["wait"])
    out["wait.png"] = _png(fig)

    engineers = sorted({e for s in report.scenarios for e in s.utilisation_by_engineer})
    fig = Figure(figsize=(max(6, 0.7 * len(engineers) * max(1, len(names) / 2)), 4))
    ax = fig.add_subplot()
    ex = np.arange(len(engineers))
    width = 0.8 / max(1, len(names))
    for k, s in enumerate(report.scenarios):
        vals = [s.utilisation_by_engineer.get(e, 0.0) for e in engineers]
        ax.bar(ex + (k - (len(names) - 1) / 2) * width, vals, width, label=s.name)
    ax.set_xticks(ex, engineers, rotation=45)
    ax.axhline(1.0, color="red", lw=0.8)
    ax.legend()
    ax.set_title(t["util"])
    out["utilisation.png"] = _png(fig)

    fig = Figure(figsize=(max(6, 1.6 * len(names)), 4))
    ax = fig.add_subplot()
    bottom = np.zeros(len(names))
    for key, label in (
        ("salaries_rub", t["salaries"]),
        ("overtime_rub", t["overtime"]),
        ("weekend_work_rub", t["weekend"]),
        ("car_rub", t["car"]),
    ):
        stack = np.array([_finite(getattr(s.costs, key).mean) / 1000 for s in report.scenarios])
        ax.bar(x - 0.2, stack, 0.4, bottom=bottom, label=label)
        bottom += stack
    rev = np.array([_finite(s.extra_work_revenue_rub.mean) / 1000 for s in report.scenarios])
    ax.bar(x + 0.2, rev, 0.4, label=t["revenue"], color="#54a24b")
    ax.set_xticks(x, names, rotation=15)
    ax.legend(fontsize=8)
    ax.set_title(t["cost"])
    out["costs.png"] = _png(fig)

    days = WEEKDAYS["en" if lang == "en" else "ru"]
    for k, s in enumerate(report.scenarios):
        fig = Figure(figsize=(9, 3.5))
        ax = fig.add_subplot()
        im = ax.imshow(shortfall_grid(s), aspect="auto", cmap="Reds")
        ax.set_yticks(range(7), days)
        ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
        ax.set_title(t["shortfall"].format(name=s.name))
        fig.colorbar(im, ax=ax)
        out[f"shortfall_{k + 1}.png"] = _png(fig)
    return out


def _png(fig: object) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")  # type: ignore[attr-defined]
    return buf.getvalue()


# -- HTML ----------------------------------------------------------------------------------


def html_report(report: SimulationReport, lang: str = "ru") -> str:
    """One self-contained HTML page: the tables and interactive plots (plotly inlined)."""
    import plotly.graph_objects as go

    t = _t(lang)
    lb = labels(lang)
    names = [s.name for s in report.scenarios]
    figs = []
    sla = go.Figure(
        go.Bar(
            x=names,
            y=[_finite(s.sla_attainment.mean) for s in report.scenarios],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [
                    _finite(s.sla_attainment.ci_high) - _finite(s.sla_attainment.mean)
                    for s in report.scenarios
                ],
                "arrayminus": [
                    _finite(s.sla_attainment.mean) - _finite(s.sla_attainment.ci_low)
                    for s in report.scenarios
                ],
            },
        )
    )
    sla.update_layout(title=t["sla"], yaxis={"tickformat": ".0%"})
    figs.append(sla)
    wait = go.Figure(
        [
            go.Bar(
                name=key, x=names, y=[_finite(getattr(s.wait_min, key)) for s in report.scenarios]
            )
            for key in ("mean", "p50", "p90", "p95")
        ]
    )
    wait.update_layout(title=t["wait"], barmode="group")
    figs.append(wait)
    util = go.Figure(
        [
            go.Bar(
                name=s.name,
                x=list(s.utilisation_by_engineer),
                y=list(s.utilisation_by_engineer.values()),
            )
            for s in report.scenarios
        ]
    )
    util.update_layout(title=t["util"], barmode="group", yaxis={"tickformat": ".0%"})
    figs.append(util)
    days = list(WEEKDAYS["en" if lang == "en" else "ru"])
    for s in report.scenarios:
        heat = go.Figure(
            go.Heatmap(
                z=shortfall_grid(s), x=[f"{h:02d}" for h in range(24)], y=days, colorscale="Reds"
            )
        )
        heat.update_layout(title=t["shortfall"].format(name=s.name))
        figs.append(heat)
    parts = [fig.to_html(full_html=False, include_plotlyjs=(k == 0)) for k, fig in enumerate(figs)]
    tables = _table(summary_headers(lang), summary_rows(report, lang))
    if report.comparison:
        tables += f"<h2>{html.escape(lb['comparison'].format(base=names[0]))}</h2>"
        tables += _table(comparison_headers(lang), comparison_rows(report, lang))
    warnings = "".join(f"<p class='warn'>{html.escape(w)}</p>" for w in _all_warnings(report))
    groups = "".join(
        f"<li>{html.escape(s.name)}: "
        + ", ".join(
            html.escape(group_name(r.group, lang, s.skill_catalogue)) for r in s.shortfall[:5]
        )
        + "</li>"
        for s in report.scenarios
        if s.shortfall
    )
    return (
        f"<!DOCTYPE html><html lang='{'en' if lang == 'en' else 'ru'}'><head><meta charset='utf-8'>"
        f"<title>{html.escape(t['page'])}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px}.warn{color:#b00}</style></head><body>"
        f"<h1>{html.escape(t['page'])}</h1>{warnings}<h2>{html.escape(lb['summary'])}</h2>"
        f"{tables}<ul>{groups}</ul>{''.join(parts)}</body></html>"
    )


def _all_warnings(report: SimulationReport) -> list[str]:
    return [f"{s.name}: {w}" for s in report.scenarios for w in s.warnings]


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"
