"""CLI: ``wfm data generate`` writes the sample data set; ``wfm data check`` validates a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.cli.common import guarded

data_app = typer.Typer(
    help="Sample data set: generate it from a seed, check a folder of files.",
    no_args_is_help=True,
)


@data_app.command("generate")
def generate_cmd(
    seed: Annotated[
        int | None, typer.Option(help="Random seed (default: the committed one).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder to write (default: the repository's data/).")
    ] = None,
) -> None:
    """Generate the sample data set; the same seed writes byte-identical files."""
    from optimizer.io.sample import sample_dir, write_sample
    from optimizer.samplegen import DEFAULT_SEED, generate

    with guarded():
        used = DEFAULT_SEED if seed is None else seed
        folder = out if out is not None else sample_dir()
        paths = write_sample(generate(used), folder)
        typer.echo(f"seed {used}: wrote {len(paths)} files to {folder}")
        for p in paths:
            typer.echo(f"  {p.name}  {p.stat().st_size} bytes")


@data_app.command("check")
def check_cmd(
    folder: Annotated[
        Path | None, typer.Argument(help="Folder of the sample files (default: data/).")
    ] = None,
) -> None:
    """Load and validate a folder of sample files; print what it holds."""
    from optimizer.io.sample import load_sample_dataset, load_ticket_history, sample_dir

    with guarded():
        where = sample_dir(folder)
        ds = load_sample_dataset(where)
        history = load_ticket_history(where)
        typer.echo(f"{where}: valid")
        typer.echo(f"  sla_policies     {len(ds.sla_policies)}")
        typer.echo(f"  sites            {len(ds.sites)}")
        typer.echo(f"  engineers        {len(ds.engineers)}")
        typer.echo(f"  absences         {len(ds.absences)}")
        typer.echo(f"  shift_templates  {len(ds.shift_templates)}")
        typer.echo(f"  open tickets     {len(ds.tickets)}")
        typer.echo(f"  ticket history   {len(history)}")


def register(app: typer.Typer) -> None:
    """Add the ``data`` commands to ``app``."""
    app.add_typer(data_app, name="data")
