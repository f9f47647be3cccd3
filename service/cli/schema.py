"""CLI: ``wfm schema NAME`` — the JSON Schema of a contract model."""

from __future__ import annotations

import importlib
import json
from typing import Annotated

import typer

from service.cli.common import fail

# name -> "module:Class"; models of engines are listed here as the engines define them.
SCHEMAS: dict[str, str] = {
    "location": "optimizer.domain:Location",
    "engineer": "optimizer.domain:Engineer",
    "absence": "optimizer.domain:Absence",
    "site": "optimizer.domain:Site",
    "sla_policy": "optimizer.domain:SlaPolicy",
    "ticket": "optimizer.domain:Ticket",
    "shift_template": "optimizer.domain:ShiftTemplate",
    "dataset": "optimizer.domain:DataSet",
    "dispatch_request": "optimizer.domain.dispatch:DispatchRequest",
    "dispatch_plan": "optimizer.domain.dispatch:DispatchPlan",
    "roster_request": "optimizer.domain.roster:RosterRequest",
    "roster": "optimizer.domain.roster:Roster",
    "scenario": "optimizer.domain.scenario:Scenario",
    "scenario_set": "optimizer.domain.scenario:ScenarioSet",
    "coverage_requirement": "optimizer.domain.staffing:CoverageRequirement",
    "travel": "optimizer.domain.travel:TravelSpecMatrix",
    "simulation_report": "optimizer.domain.scenario:SimulationReport",
}


def schema_of(name: str) -> dict[str, object]:
    """The JSON Schema (validation mode) of a named contract model."""
    module, cls = SCHEMAS[name].split(":")
    model = getattr(importlib.import_module(module), cls)
    return model.model_json_schema()  # type: ignore[no-any-return]


def register(app: typer.Typer) -> None:
    """Add ``wfm schema``."""

    @app.command("schema")
    def schema(
        name: Annotated[str, typer.Argument(help="Model name, e.g. ticket, dispatch_request.")],
    ) -> None:
        """Print the JSON Schema of a contract model (names: see --help of the model list)."""
        key = name.strip().lower().replace("-", "_")
        if key not in SCHEMAS:
            fail(f"NAME: {name!r} — unknown model; known: {', '.join(sorted(SCHEMAS))}")
        typer.echo(json.dumps(schema_of(key), ensure_ascii=False, indent=2))
