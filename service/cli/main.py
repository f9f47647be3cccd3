"""Entry point of the ``wfm`` command (Typer). Each area registers its commands."""

from __future__ import annotations

import typer

from service.cli import (
    calendar,
    data,
    demo,
    dispatch,
    roster,
    schema,
    serve,
    sla,
    staffing,
    travel,
    whatif,
    worker,
)

app = typer.Typer(
    name="wfm",
    help="Workforce scheduling and dispatch optimizer for a PBX support department.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module exposes ``register(app)``; the order is the order of ``wfm --help``.
for _area in (
    demo,
    schema,
    sla,
    calendar,
    data,
    travel,
    dispatch,
    roster,
    staffing,
    whatif,
    serve,
    worker,
):
    _area.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
