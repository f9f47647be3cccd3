"""CLI: ``wfm dispatch`` — who does which ticket when, as a timetable (and the plan as JSON).

``wfm dispatch REQUEST.json [--policy optimal|greedy] [--time-limit S] [--out PLAN.json]``
``wfm dispatch --sample [--at DATETIME]`` builds the request from the sample data.
Exit status: 0 done, 2 invalid input (one line naming the field and value), 1 unexpected.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from optimizer.dispatch import DispatchOptions, DispatchRequest, solve
from optimizer.dispatch.snapshots import sample_request
from optimizer.dispatch.timetable import format_timetable
from optimizer.domain.dispatch import Lang, Policy
from optimizer.errors import InvalidInput
from service.cli.common import guarded, load_model, parse_aware


def _choice(value: str | None, kind: type[Policy] | type[Lang], field: str) -> str | None:
    if value is None:
        return None
    try:
        return kind(value).value
    except ValueError:
        allowed = " | ".join(m.value for m in kind)
        raise InvalidInput(field, value, f"expected one of {allowed}") from None


def dispatch(
    request: Annotated[
        Path | None, typer.Argument(help="DispatchRequest JSON file (contract v1).")
    ] = None,
    policy: Annotated[str | None, typer.Option(help="optimal | greedy")] = None,
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Solver time limit, seconds.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the DispatchPlan JSON here.")
    ] = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="Build the request from the sample data.")
    ] = False,
    at: Annotated[
        str | None, typer.Option("--at", help="With --sample: the moment, ISO 8601 with offset.")
    ] = None,
    lang: Annotated[str | None, typer.Option(help="ru | en (explanations, timetable)")] = None,
    seed: Annotated[int | None, typer.Option(help="Solver seed.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the plan JSON instead of the timetable.")
    ] = False,
) -> None:
    """Dispatch open tickets to engineers and print each engineer's timetable and the KPIs."""
    with guarded():
        req = _request(request, sample, at)
        updates: dict[str, object] = {}
        if (p := _choice(policy, Policy, "--policy")) is not None:
            updates["policy"] = p
        if (lg := _choice(lang, Lang, "--lang")) is not None:
            updates["lang"] = lg
        if time_limit is not None:
            if time_limit <= 0:
                raise InvalidInput(
                    "--time-limit", time_limit, "must be a positive number of seconds"
                )
            updates["time_limit_s"] = time_limit
        if seed is not None:
            updates["seed"] = seed
        if updates:
            options = DispatchOptions.model_validate({**req.options.model_dump(), **updates})
            req = req.model_copy(update={"options": options})
        plan = solve(req)
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(plan.model_dump_json(indent=2), encoding="utf-8")
        if as_json:
            typer.echo(json.dumps(plan.model_dump(mode="json"), ensure_ascii=False, indent=2))
        else:
            typer.echo(format_timetable(plan, req, req.options.lang))


def _request(path: Path | None, sample: bool, at: str | None) -> DispatchRequest:
    if sample and path is not None:
        raise InvalidInput("REQUEST", str(path), "give a request file or --sample, not both")
    if sample:
        when = parse_aware(at, "--at") if at is not None else None
        return sample_request(when)
    if at is not None:
        raise InvalidInput("--at", at, "only with --sample")
    if path is None:
        raise InvalidInput("REQUEST", None, "give a DispatchRequest JSON file, or --sample")
    return load_model(path, DispatchRequest)


def register(app: typer.Typer) -> None:
    """Add ``wfm dispatch``."""
    app.command("dispatch")(dispatch)
