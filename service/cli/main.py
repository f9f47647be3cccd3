"""Entry point of the ``wfm`` command (Typer). Each area registers its commands."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="wfm",
    help="Workforce scheduling and dispatch optimizer for a PBX support department.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module exposes ``register(app)``; the order is the order of ``wfm --help``.
_AREAS = (
    "demo",
    "schema",
    "sla",
    "data",
    "travel",
    "dispatch",
    "roster",
    "staffing",
    "whatif",
    "serve",
)

for _area in _AREAS:
    importlib.import_module(f"service.cli.{_area}").register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
