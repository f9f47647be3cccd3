"""CLI: ``wfm whatif SCENARIO`` — simulate scenarios and compare them with the first.

``SCENARIO`` is a JSON or YAML file (one scenario, or ``{"scenarios": [...]}``; see
``data/scenarios/``). The comparison table goes to stdout in Russian (``--lang en`` for
English); ``--json`` prints the SimulationReport instead. The report, the PNG plots and a
self-contained HTML page are written to ``--out`` (default ``out/whatif``). A progress bar on
stderr follows the replications.

``--backtest 2026-07`` replays that recorded month of the history in every scenario built on
the sample (the same arrivals and absences) and prints the recorded figures beside the
simulated ones, with the reasons they differ. ``wfm whatif --calibrate EXPORT.csv`` fits
durations by category and the arrival profile from a helpdesk export (the columns of
``data/ticket_history.csv``) and prints the fit; ``--json`` prints it as JSON.

Exit status: 0 done (an overloaded department is reported, not an error), 2 invalid input
(one line naming the field and the value), 1 anything unexpected.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from optimizer.domain.scenario import Calibration, ScenarioSet, SimulationReport, check_month
from optimizer.errors import InvalidInput
from optimizer.io.sample import read_ticket_history_csv
from optimizer.simulate import (
    calibrate_history,
    format_of,
    parse_scenario_text,
    run_scenarios,
    sample_base,
)
from optimizer.simulate.runner import needs_sample
from optimizer.simulate.text import (
    backtest_headers,
    backtest_rows,
    backtest_title,
    calibration_lines,
    calibration_text,
    comparison_headers,
    comparison_rows,
    labels,
    shortfall_headers,
    shortfall_rows,
    summary_headers,
    summary_rows,
    theory_lines,
)
from service.cli.common import guarded

DEFAULT_OUT = Path("out/whatif")
DEMO_SCENARIOS = Path(__file__).resolve().parents[2] / "data" / "scenarios" / "demo.json"


def read_scenarios(path: Path) -> ScenarioSet:
    """Read and validate a scenario file (JSON, or YAML by its extension)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput("scenario", str(path), "file not found") from None
    except OSError as err:
        raise InvalidInput("scenario", str(path), f"cannot read: {err.strerror}") from None
    return parse_scenario_text(text, format_of(path.name), source=str(path))


def with_overrides(
    spec: ScenarioSet,
    replications: int | None,
    seed: int | None,
    workers: int | None,
    backtest: str | None = None,
) -> ScenarioSet:
    """The command line's --replications, --seed and --backtest replace every scenario's own
    (--backtest: every scenario built on the sample; a synthetic one is an error)."""
    if replications is not None and replications < 1:
        raise InvalidInput("--replications", replications, "must be at least 1")
    if replications is not None and replications > 1000:
        raise InvalidInput("--replications", replications, "must be at most 1000")
    if seed is not None and not 0 <= seed < 2**63:
        raise InvalidInput("--seed", seed, "must be between 0 and 2**63 - 1")
    if workers is not None and workers < 1:
        raise InvalidInput("--workers", workers, "must be at least 1")
    update: dict[str, int | str] = {}
    if replications is not None:
        update["replications"] = replications
    if seed is not None:
        update["seed"] = seed
    if backtest is not None:
        try:
            update["backtest"] = check_month(backtest)
        except ValueError as err:
            raise InvalidInput("--backtest", backtest, str(err)) from None
        for i, s in enumerate(spec.scenarios):
            if s.base.is_synthetic:
                raise InvalidInput(
                    "--backtest",
                    backtest,
                    f"scenarios[{i}] is synthetic; a backtest needs the sample",
                )
    if not update:
        return spec
    return spec.model_copy(
        update={"scenarios": [s.model_copy(update=update) for s in spec.scenarios]}
    )


def print_report(console: Console, report: SimulationReport, lang: str) -> None:
    """The summary, the comparison with the baseline, the shortfall and warnings."""
    t = labels(lang)
    table = Table(title=t["summary"])
    for h in summary_headers(lang):
        table.add_column(h)
    for row in summary_rows(report, lang):
        table.add_row(*row)
    console.print(table)
    if report.comparison:
        cmp = Table(title=t["comparison"].format(base=report.scenarios[0].name))
        for h in comparison_headers(lang):
            cmp.add_column(h)
        for row in comparison_rows(report, lang):
            cmp.add_row(*row)
        console.print(cmp)
    for s in report.scenarios:
        for line in theory_lines(s, lang):
            console.print(line)
        if s.backtest is not None:
            bt = Table(title=backtest_title(s, lang))
            for h in backtest_headers(lang):
                bt.add_column(h)
            for row in backtest_rows(s, lang):
                bt.add_row(*row)
            console.print(bt)
            for line in s.backtest.explanation:
                console.print(f"• {line}")
        rows = shortfall_rows(s, lang, limit=8)
        if rows:
            sf = Table(title=t["shortfall"].format(name=s.name))
            for h in shortfall_headers(lang):
                sf.add_column(h)
            for row in rows:
                sf.add_row(*row)
            console.print(sf)
        for w in s.warnings:
            console.print(f"[bold red]{s.name}: {w}[/]")


def write_outputs(report: SimulationReport, out: Path, lang: str) -> list[Path]:
    """The report JSON, PNG plots and the HTML page into ``out``."""
    from optimizer.simulate.plots import html_report, png_figures

    out.mkdir(parents=True, exist_ok=True)
    written = [out / "report.json"]
    written[0].write_text(report.model_dump_json(indent=2), encoding="utf-8")
    for name, data in png_figures(report, lang).items():
        (out / name).write_bytes(data)
        written.append(out / name)
    page = out / "report.html"
    page.write_text(html_report(report, lang), encoding="utf-8")
    written.append(page)
    return written


def calibrate_file(path: Path) -> Calibration:
    """Read a helpdesk export (the history's columns) and fit it."""
    if not path.is_file():
        raise InvalidInput("--calibrate", str(path), "file not found")
    history = read_ticket_history_csv(path)
    return calibrate_history(history, source=path.name)


def print_calibration(console: Console, c: Calibration, lang: str) -> None:
    """The duration fits as a table and the arrival profile in words."""
    title, headers, rows = calibration_text(c, lang)
    table = Table(title=title)
    for h in headers:
        table.add_column(h)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for line in calibration_lines(c, lang):
        console.print(line)


def simulate_file(
    scenario: Path,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    lang: str = "ru",
    progress: bool = True,
    backtest: str | None = None,
) -> SimulationReport:
    """Read, validate and simulate a scenario file (with a progress bar on stderr)."""
    spec = with_overrides(read_scenarios(scenario), replications, seed, workers, backtest)
    base = sample_base() if needs_sample(spec) else None
    total = sum(s.replications for s in spec.scenarios)
    if not progress or total < 2:
        return run_scenarios(spec, base, workers=workers, lang=lang)
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("whatif" if lang == "en" else "моделирование", total=total)

        def step(done: int, all_: int) -> None:
            bar.update(task, completed=done, total=all_)

        return run_scenarios(spec, base, workers=workers, progress=step, lang=lang)


def demo_comparison(console: Console, lang: str = "ru", scenario: Path = DEMO_SCENARIOS) -> None:
    """A short what-if comparison for ``wfm demo`` (two replications of the demo scenarios)."""
    report = simulate_file(scenario, replications=2, lang=lang, progress=False)
    print_report(console, report, lang)


def register(app: typer.Typer) -> None:
    """Add ``wfm whatif``."""

    @app.command("whatif")
    def whatif(
        scenario: Annotated[
            Path | None, typer.Argument(help="Scenario file (JSON or YAML).")
        ] = None,
        replications: Annotated[
            int | None, typer.Option("--replications", "-r", help="Replications per scenario.")
        ] = None,
        seed: Annotated[int | None, typer.Option("--seed", help="Seed of every scenario.")] = None,
        json_out: Annotated[
            bool, typer.Option("--json", help="Print the SimulationReport as JSON.")
        ] = False,
        out: Annotated[
            Path, typer.Option("--out", help="Folder for report.json, PNG plots, report.html.")
        ] = DEFAULT_OUT,
        lang: Annotated[str, typer.Option("--lang", help="ru | en")] = "ru",
        workers: Annotated[
            int | None, typer.Option("--workers", help="Parallel processes (at most 2 by default).")
        ] = None,
        plots: Annotated[bool, typer.Option("--plots/--no-plots", help="Write the plots.")] = True,
        backtest: Annotated[
            str | None,
            typer.Option("--backtest", help="Replay a recorded month of the history (YYYY-MM)."),
        ] = None,
        calibrate: Annotated[
            Path | None,
            typer.Option("--calibrate", help="Fit durations and arrivals from a helpdesk export."),
        ] = None,
    ) -> None:
        """Simulate what-if scenarios; compare each with the first."""
        with guarded():
            if lang not in ("ru", "en"):
                raise InvalidInput("--lang", lang, "expected ru or en")
            if calibrate is not None:
                fitted = calibrate_file(calibrate)
            elif scenario is None:
                raise InvalidInput(
                    "SCENARIO", "", "give a scenario file, or --calibrate EXPORT.csv"
                )
        if calibrate is not None:
            if json_out:
                sys.stdout.write(fitted.model_dump_json(indent=2) + "\n")
            else:
                print_calibration(Console(width=160), fitted, lang)
            return
        assert scenario is not None
        with guarded():
            report = simulate_file(
                scenario,
                replications,
                seed,
                workers,
                lang,
                progress=sys.stderr.isatty(),
                backtest=backtest,
            )
            if plots:
                write_outputs(report, out, lang)
            else:
                out.mkdir(parents=True, exist_ok=True)
                (out / "report.json").write_text(report.model_dump_json(indent=2), "utf-8")
        if json_out:
            sys.stdout.write(report.model_dump_json(indent=2) + "\n")
        else:
            console = Console(width=160)
            print_report(console, report, lang)
            console.print(f"→ {out}")
