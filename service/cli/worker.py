"""CLI: ``wfm worker`` — queue workers for a PostgreSQL deployment."""

from __future__ import annotations

from typing import Annotated

import typer

from service.cli.common import EXIT_INVALID, fail
from service.cli.serve import load_settings


def worker(
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="Jobs run at once (one solve process each)")
    ] = 2,
) -> None:
    """Run solve jobs from the task queue of DATABASE_URL (PostgreSQL) until stopped.

    Start as many as you like, on as many machines as share the database; a job runs once,
    and the jobs of a worker that dies are finished by another.
    """
    from service.db import make_engine
    from service.jobs.queue import uses_task_queue
    from service.jobs.runner import run_worker
    from service.migrate import upgrade

    settings = load_settings()
    engine = make_engine(settings.database_url)
    if not uses_task_queue(engine.dialect.name):
        engine.dispose()
        fail(
            f"DATABASE_URL: {engine.url.render_as_string(hide_password=True)!r} — queue workers "
            "need PostgreSQL; on SQLite `wfm serve` runs the workers in its own process",
            EXIT_INVALID,
        )
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    print(f"wfm worker: {concurrency} solve processes on the queue", flush=True)
    run_worker(settings, concurrency)


def register(app: typer.Typer) -> None:
    """Add ``worker`` to ``app``."""
    app.command("worker")(worker)
