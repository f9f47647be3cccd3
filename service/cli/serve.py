"""CLI: ``wfm serve`` (the HTTP service) and ``wfm keys create`` (an API key on one line)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from service.cli.common import EXIT_INVALID, fail

keys_app = typer.Typer(help="API keys of the service.", no_args_is_help=True)


def load_settings():  # type: ignore[no-untyped-def]
    """The service settings; a placeholder secret or bad value is invalid input (exit 2)."""
    from pydantic import ValidationError

    from service.settings import Settings

    try:
        return Settings()
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "settings"
        fail(f"settings: {field}: {first.get('msg', 'invalid')}", EXIT_INVALID)


def initialise(settings, demo_key: str | None = None) -> tuple[str | None, int]:  # type: ignore[no-untyped-def]
    """Create/migrate the database, seed the sample data, and make a demo admin key when
    there is no key yet. Returns (the new key or None, rows seeded)."""
    from service.auth import Role, count_keys, create_key
    from service.db import make_engine, transaction
    from service.migrate import upgrade
    from service.seed import seed

    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        report = seed(engine)
        new_key = None
        with transaction(engine) as session:
            if count_keys(session) == 0:
                new_key = create_key(session, Role.admin, "demo", key=demo_key).key
        return new_key, report.total
    finally:
        engine.dispose()


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port")] = 8000,
    init: Annotated[
        bool,
        typer.Option(
            "--init/--no-init",
            help="Create and migrate the database, load the sample data, make a demo key",
        ),
    ] = True,
) -> None:
    """Start the HTTP service (FastAPI under /api/v1) with uvicorn."""
    import uvicorn

    from service.app import create_app

    settings = load_settings()
    url = f"http://{host}:{port}"
    if init:
        key, seeded = initialise(settings, settings.demo_key)
        print(f"wfm service: {url}  (API docs: {url}/docs, web: {url}/web/)", flush=True)
        if seeded:
            print(f"sample data loaded: {seeded} rows", flush=True)
        if key is not None:
            print(f"demo admin API key (shown once): {key}", flush=True)
            print(f"  curl -H 'X-API-Key: {key}' {url}/api/v1/tickets", flush=True)
        else:
            print("API keys exist already; make another with: wfm keys create --role ROLE")
    else:
        print(f"wfm service: {url}", flush=True)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        access_log=False,
        log_level="warning",
        server_header=False,
    )


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="viewer, dispatcher, head or admin")],
    name: Annotated[str, typer.Option(help="Whose key it is")] = "",
) -> None:
    """Make an API key and print it on one line (it is stored hashed, shown only now)."""
    from service.auth import Role, create_key
    from service.db import make_engine, transaction
    from service.migrate import upgrade

    try:
        parsed = Role.parse(role)
    except ValueError as err:
        fail(f"--role: {err}", EXIT_INVALID)
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with transaction(engine) as session:
            key = create_key(session, parsed, name).key
    finally:
        engine.dispose()
    sys.stdout.write(key + "\n")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and the ``keys`` group to ``app``."""
    app.command("serve")(serve)
    app.add_typer(keys_app, name="keys")
