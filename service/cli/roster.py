"""CLI: ``wfm roster`` — plan shifts, print the grid and the shortfall, write the exports.

``wfm roster REQUEST.json [--time-limit S] [--json] [--out-dir DIR]``
``wfm roster --sample --month 2027-02`` builds the request from the sample department.
``wfm roster --benchmark Instance1.txt [--time-limit S] --json`` solves a Shift Scheduling
Benchmark instance with the benchmark-exact rules and prints the Roster JSON with the
benchmark objective, the bound and the status.
``wfm vacations (REQUEST.json | --sample) --year 2027`` checks the vacation plan.

Exit status: 0 done, 2 invalid input or an explained infeasibility (one line), 1 unexpected.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from optimizer.domain.roster import Roster, RosterRequest
from optimizer.domain.skills import SkillCatalogue
from optimizer.errors import InvalidInput
from optimizer.io.roster_export import write_roster_exports
from optimizer.roster import (
    check_vacation_plan,
    format_grid,
    format_shortfall,
    sample_roster_request,
    shortfall_report,
    solve,
)
from optimizer.ssb import SsbParams, read_ssb
from optimizer.ssb import solve as solve_ssb
from service.cli.common import guarded, load_model

DEFAULT_OUT = Path("roster-export")


def _lang(value: str) -> str:
    if value not in ("ru", "en"):
        raise InvalidInput("--lang", value, "expected ru or en")
    return value


def _positive(value: float | None, field: str) -> None:
    if value is not None and value <= 0:
        raise InvalidInput(field, value, "must be a positive number")


def roster(
    request: Annotated[
        Path | None, typer.Argument(help="RosterRequest JSON file (contract v1).")
    ] = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="The sample department (needs --month).")
    ] = False,
    month: Annotated[str | None, typer.Option(help="With --sample: YYYY-MM.")] = None,
    benchmark: Annotated[
        Path | None, typer.Option("--benchmark", help="A Shift Scheduling Benchmark file.")
    ] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Solver time limit, seconds.")
    ] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="CP-SAT workers.")] = None,
    seed: Annotated[int | None, typer.Option(help="Solver seed.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Roster JSON.")] = False,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out-dir", help="Where to write the Excel, iCalendar and CSV exports."),
    ] = None,
    no_export: Annotated[bool, typer.Option("--no-export", help="Write no files.")] = False,
    advice: Annotated[
        bool,
        typer.Option("--advice/--no-advice", help="Recommend vacation moves (re-solves)."),
    ] = True,
    verify: Annotated[
        bool, typer.Option("--verify", help="Measure each recommendation by re-solving.")
    ] = False,
    lang: Annotated[str, typer.Option(help="ru | en")] = "ru",
) -> None:
    """Plan shifts: print the grid and the shortfall summary, write the exports."""
    with guarded():
        lang = _lang(lang)
        _positive(time_limit, "--time-limit")
        if workers is not None and workers < 1:
            raise InvalidInput("--workers", workers, "must be at least 1")
        given = [x for x in (request is not None, sample, benchmark is not None) if x]
        if len(given) != 1:
            raise InvalidInput(
                "REQUEST",
                str(request) if request else None,
                "give exactly one of: a RosterRequest file, --sample --month YYYY-MM, "
                "--benchmark FILE",
            )
        if benchmark is not None:
            _benchmark(benchmark, time_limit, workers, seed, as_json)
            return
        req = _request(request, sample, month, time_limit, workers, seed)
        result = solve(req)
        skills = SkillCatalogue.of(req.skills)
        if as_json:
            typer.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
            if out_dir is not None and not no_export:
                write_roster_exports(result, out_dir, lang, skills)
            return
        _print_roster(result, req if advice else None, lang, verify, skills)
        if not no_export:
            paths = write_roster_exports(result, out_dir or DEFAULT_OUT, lang, skills)
            label = "Файлы" if lang == "ru" else "Files"
            typer.echo(
                f"{label}: {paths[0].parent}/ (roster.xlsx, roster.csv, department.ics, ics/)"
            )


def _request(
    path: Path | None,
    sample: bool,
    month: str | None,
    time_limit: float | None,
    workers: int | None,
    seed: int | None,
) -> RosterRequest:
    if sample:
        if month is None:
            raise InvalidInput("--month", None, "--sample needs --month YYYY-MM")
        req = sample_roster_request(month)
    else:
        if month is not None:
            raise InvalidInput("--month", month, "only with --sample")
        assert path is not None
        req = load_model(path, RosterRequest)
    updates: dict[str, object] = {}
    if time_limit is not None:
        updates["time_limit_s"] = time_limit
    if workers is not None:
        updates["num_workers"] = workers
    if seed is not None:
        updates["seed"] = seed
    return req.model_copy(update=updates) if updates else req


def _benchmark(
    path: Path, time_limit: float | None, workers: int | None, seed: int | None, as_json: bool
) -> None:
    inst = read_ssb(path)
    params = SsbParams(
        time_limit_s=time_limit or 60.0,
        num_workers=workers or SsbParams().num_workers,
        seed=seed or 0,
    )
    result = solve_ssb(inst, params)
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    typer.echo(format_grid(result))
    s = result.solver
    typer.echo(f"objective {s.objective}, bound {s.best_bound}, gap {s.gap}, {s.wall_s} s")


def _print_roster(
    result: Roster,
    req: RosterRequest | None,
    lang: str,
    verify: bool,
    skills: SkillCatalogue,
) -> None:
    typer.echo(format_grid(result, lang))
    typer.echo("")
    report = shortfall_report(result, req, lang=lang, verify=verify, catalogue=skills)
    typer.echo(format_shortfall(report, lang, catalogue=skills))


def vacations(
    request: Annotated[
        Path | None, typer.Argument(help="RosterRequest JSON file (engineers, absences).")
    ] = None,
    sample: Annotated[bool, typer.Option("--sample", help="The sample department.")] = False,
    year: Annotated[int, typer.Option(help="Calendar year to check.")] = 2027,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report JSON.")] = False,
    lang: Annotated[str, typer.Option(help="ru | en")] = "ru",
) -> None:
    """Check the vacation plan of a year: 28 days, one part ≥ 14 days, holidays not counted."""
    with guarded():
        lang = _lang(lang)
        if not 2000 <= year <= 2100:
            raise InvalidInput("--year", year, "outside 2000–2100")
        if sample == (request is not None):
            raise InvalidInput(
                "REQUEST", str(request) if request else None, "give a file or --sample"
            )
        req = (
            sample_roster_request(f"{year}-01", use_staffing=False)
            if sample
            else load_model(request, RosterRequest)  # type: ignore[arg-type]
        )
        report = check_vacation_plan(req.engineers, req.absences, year, req.requirements, lang=lang)
        if as_json:
            typer.echo(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
            return
        for e in report.engineers:
            parts = ", ".join(f"{p.start:%d.%m}–{p.end:%d.%m} ({p.counted_days})" for p in e.parts)
            mark = "OK" if e.ok else "; ".join(e.issues)
            typer.echo(f"{e.name:<20} {e.counted_days:>3}  {parts}  {mark}")
        for w in report.weeks:
            if w.short_groups:
                short = ", ".join(f"{g} −{n}" for g, n in w.short_groups.items())
                typer.echo(f"{w.week_start:%d.%m}: {', '.join(w.away)} — {short}")


def register(app: typer.Typer) -> None:
    """Add ``wfm roster`` and ``wfm vacations``."""
    app.command("roster")(roster)
    app.command("vacations")(vacations)
