"""CLI: ``wfm staffing erlang`` (Erlang C / A as JSON) and ``wfm staffing requirements``
(engineers needed per interval and group from the ticket history: a table and a heatmap)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from optimizer.domain.staffing import CoverageRequirement, ErlangResult
from optimizer.errors import InvalidInput
from optimizer.staffing.erlang import erlang
from optimizer.staffing.forecast import ALLOWED_INTERVALS, forecast_arrivals
from optimizer.staffing.requirements import requirements
from service.cli.common import guarded

staffing_app = typer.Typer(
    help="Staffing: Erlang C / Erlang A and engineers required per interval.",
    no_args_is_help=True,
)

DEFAULT_HISTORY = Path("data/ticket_history.csv")
DEFAULT_OUT = Path("out/staffing")
WEEKDAYS = {
    "ru": ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"],
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
}
TEXT = {
    "ru": {
        "title": "Требуемое число сотрудников по интервалам",
        "group": "Группа",
        "day": "День",
        "heatmap": "Требуемый персонал (SL {sl:.0%} за {t:g} мин)",
        "written": "Записано",
    },
    "en": {
        "title": "Staff required per interval",
        "group": "Group",
        "day": "Day",
        "heatmap": "Staff required (SL {sl:.0%} within {t:g} min)",
        "written": "Written",
    },
}
GROUP_NAMES = {
    "ru": {
        "all": "все инженеры",
        "urgent": "срочные (30 мин)",
        "phone": "диспетчер (телефон)",
        "visit": "выезды",
        "visit:right": "выезды: Саратов",
        "visit:left": "выезды: Энгельс",
    },
    "en": {
        "all": "all engineers",
        "urgent": "urgent (30 min)",
        "phone": "dispatcher phone",
        "visit": "visits",
        "visit:right": "visits: Saratov",
        "visit:left": "visits: Engels",
    },
}

N = TypeVar("N", int, float)


# -- parsing options ---------------------------------------------------------------------------


def _number(raw: str, option: str, kind: Callable[[str], N]) -> N:
    """Parse an option as a finite number of ``kind``; anything else names the option."""
    try:
        value = kind(raw.strip())
    except (TypeError, ValueError):
        noun = "a whole number" if kind in (int, _whole) else "a number"
        raise InvalidInput(option, raw, f"not {noun}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput(option, raw, "must be a finite number")
    return value


def _whole(raw: str) -> int:
    """A whole number, also written as ``11.0``; ``2.5`` is not one."""
    text = raw.strip()
    try:
        return int(text)
    except ValueError:
        value = float(text)
        if not value.is_integer():
            raise
        return int(value)


def _checked(raw: str, option: str, kind: Callable[[str], N], *, positive: bool) -> N:
    """A number that is positive (``positive``) or at least zero."""
    value = _number(raw, option, kind)
    if positive and value <= 0:
        raise InvalidInput(option, raw, "must be positive")
    if not positive and value < 0:
        raise InvalidInput(option, raw, "must not be negative")
    return value


def _as_option(err: InvalidInput) -> InvalidInput:
    """An engine error with its field renamed to the command-line option."""
    if err.field.startswith("--"):
        return err
    return InvalidInput("--" + err.field.replace("_", "-"), err.value, err.message)


def erlang_json(result: ErlangResult, with_abandon: bool) -> dict[str, Any]:
    """The JSON object printed by ``wfm staffing erlang``."""
    out: dict[str, Any] = {
        "p_wait": result.p_wait,
        "service_level": result.service_level,
        "asa_min": result.asa_min,
        "occupancy": result.occupancy,
    }
    if with_abandon:
        out["p_abandon"] = result.p_abandon
    out["agents"] = result.agents
    out["offered_load"] = result.offered_load
    out["unstable"] = not result.stable
    return out


@staffing_app.command("erlang")
def erlang_cmd(
    rate_per_hour: Annotated[
        str, typer.Option("--rate-per-hour", metavar="NUMBER", help="Arrivals per hour.")
    ],
    aht_min: Annotated[
        str, typer.Option("--aht-min", metavar="NUMBER", help="Average handling time, minutes.")
    ],
    agents: Annotated[
        str, typer.Option("--agents", metavar="NUMBER", help="Number of agents (engineers).")
    ],
    target_min: Annotated[
        str,
        typer.Option(
            "--target-min", metavar="NUMBER", help="Service-level target: answered within, minutes."
        ),
    ],
    patience_min: Annotated[
        str | None,
        typer.Option(
            "--patience-min",
            metavar="NUMBER",
            help="Mean patience, minutes (Erlang A with abandonment).",
        ),
    ] = None,
) -> None:
    """Erlang C (Erlang A with --patience-min) figures as JSON.

    Keys: p_wait, service_level, asa_min, occupancy (p_abandon with patience), agents,
    offered_load, unstable. An overloaded queue prints asa_min null and unstable true.
    """
    with guarded():
        lam = _checked(rate_per_hour, "--rate-per-hour", float, positive=False)
        aht = _checked(aht_min, "--aht-min", float, positive=True)
        c = _checked(agents, "--agents", _whole, positive=True)
        t = _checked(target_min, "--target-min", float, positive=False)
        pat = None
        if patience_min is not None:
            pat = _checked(patience_min, "--patience-min", float, positive=True)
        try:
            result = erlang(lam, aht, c, t, pat)
        except InvalidInput as err:
            raise _as_option(err) from None
        typer.echo(json.dumps(erlang_json(result, pat is not None), indent=2))


# -- requirements ------------------------------------------------------------------------------


def read_history(path: Path) -> pd.DataFrame:
    """The ticket history CSV (``created_at``, ``priority``, ``mode``, ``required_skills``,
    ``duration_min``, optional ``site_city``); a missing or unreadable file names --history."""
    try:
        return pd.read_csv(path, dtype={"required_skills": str, "site_city": str})
    except FileNotFoundError:
        raise InvalidInput("--history", str(path), "file not found") from None
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise InvalidInput("--history", str(path), f"cannot read CSV: {err}") from None


def _group_label(group: str, lang: str) -> str:
    """Human name of a group in the report language."""
    if group.startswith("skill:"):
        return ("навык: " if lang == "ru" else "skill: ") + group.removeprefix("skill:")
    return GROUP_NAMES[lang].get(group, group)


def requirement_grid(rows: list[CoverageRequirement]) -> pd.DataFrame:
    """Rows as a grid: index (group, day label), columns interval start ``HH:MM``."""
    frame = pd.DataFrame(
        {
            "group": [r.group for r in rows],
            "day": [r.date.isoformat() if r.date else str(r.weekday) for r in rows],
            "weekday": [r.weekday for r in rows],
            "start": [r.start.strftime("%H:%M") for r in rows],
            "required": [r.required for r in rows],
        }
    )
    order = list(dict.fromkeys(frame["group"]))
    grid = frame.pivot_table(
        index=["group", "day"], columns="start", values="required", aggfunc="max", sort=False
    )
    grid = grid.reindex(columns=sorted(grid.columns))
    return grid.reindex(order, level=0)


def _day_label(day: str, lang: str) -> str:
    """A weekday number → short name; a date stays as it is."""
    return WEEKDAYS[lang][int(day)] if day.isdigit() else day


def print_table(grid: pd.DataFrame, lang: str, console: Console) -> None:
    """The requirement grid as a rich table (one row per group and day)."""
    table = Table(title=TEXT[lang]["title"])
    table.add_column(TEXT[lang]["group"], no_wrap=True)
    table.add_column(TEXT[lang]["day"], no_wrap=True)
    for col in grid.columns:
        table.add_column(str(col), justify="right", min_width=5, no_wrap=True)
    previous = None
    for key, values in grid.iterrows():
        group, day = (str(part) for part in key)  # type: ignore[attr-defined]
        label = _group_label(str(group), lang) if group != previous else ""
        previous = group
        cells = ["" if pd.isna(v) else str(int(v)) for v in values]
        table.add_row(label, _day_label(str(day), lang), *cells)
    console.print(table)


def write_heatmap_png(grid: pd.DataFrame, path: Path, title: str, lang: str) -> None:
    """One heatmap panel per group (days × intervals), numbers in the cells (matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = list(dict.fromkeys(grid.index.get_level_values(0)))
    n_days = max(len(grid.loc[g]) for g in groups)
    width = max(6.0, 0.6 * len(grid.columns) + 2)
    height = (0.45 * n_days + 1.2) * len(groups) + 0.6
    fig, axes = plt.subplots(len(groups), 1, figsize=(width, height), squeeze=False)
    for ax, group in zip(axes[:, 0], groups, strict=True):
        sub = grid.loc[group]
        values = sub.to_numpy(dtype=float)
        ax.imshow(values, aspect="auto", cmap="YlOrRd", vmin=0)
        ax.set_title(_group_label(group, lang), fontsize=9, loc="left")
        ax.set_yticks(
            range(len(sub.index)), [_day_label(str(d), lang) for d in sub.index], fontsize=8
        )
        ax.set_xticks(range(len(sub.columns)), list(sub.columns), fontsize=7)
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                if not math.isnan(values[i, j]):
                    ax.text(j, i, str(int(values[i, j])), ha="center", va="center", fontsize=7)
    fig.suptitle(title)
    fig.tight_layout(rect=(0.0, 0.0, 1.0, 1.0 - 0.6 / height))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_heatmap_html(grid: pd.DataFrame, path: Path, title: str, lang: str) -> None:
    """The same heatmaps as a self-contained plotly page (plotly.js included)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    groups = list(dict.fromkeys(grid.index.get_level_values(0)))
    fig = make_subplots(
        rows=len(groups),
        cols=1,
        subplot_titles=[_group_label(g, lang) for g in groups],
        vertical_spacing=min(0.08, 0.3 / max(1, len(groups))),
    )
    for i, group in enumerate(groups, start=1):
        sub = grid.loc[group]
        z = sub.to_numpy(dtype=float)
        fig.add_trace(
            go.Heatmap(
                z=z,
                x=list(sub.columns),
                y=[_day_label(str(d), lang) for d in sub.index],
                colorscale="YlOrRd",
                zmin=0,
                showscale=False,
                text=[["" if math.isnan(v) else str(int(v)) for v in row] for row in z],
                texttemplate="%{text}",
                hovertemplate="%{y} %{x}: %{z}<extra>" + _group_label(group, lang) + "</extra>",
            ),
            row=i,
            col=1,
        )
        fig.update_yaxes(autorange="reversed", row=i, col=1)
    fig.update_layout(title=title, height=max(400, 170 * len(groups)))
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)


def _parse_week(raw: str | None) -> list[date] | None:
    """The seven dates of the week containing ``--week-of`` (or None)."""
    if raw is None:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("--week-of", raw, "not a date YYYY-MM-DD") from None
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=i) for i in range(7)]


@staffing_app.command("requirements")
def requirements_cmd(
    history: Annotated[
        Path, typer.Option("--history", help="Ticket history CSV.")
    ] = DEFAULT_HISTORY,
    target_sl: Annotated[
        str,
        typer.Option(
            "--target-sl", metavar="NUMBER", help="Share of tickets started within the SLA."
        ),
    ] = "0.95",
    target_min: Annotated[
        str, typer.Option("--target-min", metavar="NUMBER", help="SLA response, minutes.")
    ] = "120",
    interval: Annotated[
        str, typer.Option("--interval", metavar="NUMBER", help="Interval length, minutes.")
    ] = "60",
    shrinkage: Annotated[
        str,
        typer.Option(
            "--shrinkage", metavar="NUMBER", help="Share of paid time not on tickets, 0..1."
        ),
    ] = "0",
    week_of: Annotated[
        str | None,
        typer.Option(
            "--week-of", help="Rows for the calendar week of this date (else a typical week)."
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the heatmaps.")] = DEFAULT_OUT,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="ru | en")] = "ru",
) -> None:
    """Engineers required per interval and group, from the ticket history.

    Prints the table and writes requirements_heatmap.png and .html into --out.
    """
    with guarded():
        if lang not in TEXT:
            raise InvalidInput("--lang", lang, "expected ru | en")
        sl = _number(target_sl, "--target-sl", float)
        if not 0 < sl <= 1:
            raise InvalidInput("--target-sl", target_sl, "must be in (0, 1]")
        t = _checked(target_min, "--target-min", float, positive=True)
        step = _number(interval, "--interval", _whole)
        if step not in ALLOWED_INTERVALS:
            raise InvalidInput("--interval", interval, f"must be one of {ALLOWED_INTERVALS}")
        shrink = _number(shrinkage, "--shrinkage", float)
        if not 0 <= shrink < 1:
            raise InvalidInput("--shrinkage", shrinkage, "must be in [0, 1)")
        dates = _parse_week(week_of)
        frame = read_history(history)
        try:
            forecast = forecast_arrivals(frame, interval_min=step)
            rows = requirements(forecast, target_sl=sl, target_min=t, shrinkage=shrink, dates=dates)
        except InvalidInput as err:
            raise InvalidInput(f"--history {err.field}", err.value, err.message) from None
        if as_json:
            typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        if not rows:
            typer.echo("no working day in the requested week", err=True)
            return
        grid = requirement_grid(rows)
        # Wide enough for every interval column: a pipe would otherwise get 80 columns.
        width = 64 + 8 * len(grid.columns)
        console = Console(stderr=as_json, width=max(80, width))
        print_table(grid, lang, console)
        out.mkdir(parents=True, exist_ok=True)
        title = TEXT[lang]["heatmap"].format(sl=sl, t=t)
        png, html = out / "requirements_heatmap.png", out / "requirements_heatmap.html"
        write_heatmap_png(grid, png, title, lang)
        write_heatmap_html(grid, html, title, lang)
        console.print(f"{TEXT[lang]['written']}: {png} {html}")


def register(app: typer.Typer) -> None:
    """Add ``wfm staffing ...``."""
    app.add_typer(staffing_app, name="staffing")
