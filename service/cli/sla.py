"""CLI: ``wfm sla deadline`` — the SLA deadline of a ticket, one ISO 8601 line."""

from __future__ import annotations

from typing import Annotated

import typer

from optimizer.calendar import deadline_after, sla_deadline
from optimizer.domain import Clock, Priority, SlaPolicy
from optimizer.errors import InvalidInput
from service.cli.common import guarded, parse_aware

sla_app = typer.Typer(
    help="SLA clock: deadlines in Europe/Saratov office time.", no_args_is_help=True
)


@sla_app.command("deadline")
def deadline(
    created: Annotated[
        str, typer.Argument(help="When the ticket was created, ISO 8601 with offset.")
    ],
    priority: Annotated[str, typer.Option(help="urgent | normal | low")] = "normal",
    clock: Annotated[str, typer.Option(help="business | 24x7")] = "business",
    minutes: Annotated[
        int | None, typer.Option(help="Response time in minutes (default: by priority).")
    ] = None,
) -> None:
    """Print when work on a ticket must start, as one ISO 8601 line in +04:00."""
    with guarded():
        created_at = parse_aware(created, "created")
        prio = _enum(Priority, priority, "--priority")
        clk = _enum(Clock, clock, "--clock")
        if minutes is not None:
            if minutes <= 0:
                raise InvalidInput("--minutes", minutes, "must be a positive number of minutes")
            due = deadline_after(created_at, minutes, clk)
        else:
            due = sla_deadline(created_at, prio, SlaPolicy(id="cli", clock=clk))
        typer.echo(due.isoformat())


def _enum(kind: type[Priority] | type[Clock], value: str, field: str):  # type: ignore[no-untyped-def]
    try:
        return kind(value)
    except ValueError:
        allowed = " | ".join(m.value for m in kind)
        raise InvalidInput(field, value, f"expected one of {allowed}") from None


def register(app: typer.Typer) -> None:
    """Add ``wfm sla ...``."""
    app.add_typer(sla_app, name="sla")
