"""Database engine and sessions.

SQLite (the default) is opened in WAL mode with foreign keys on and a busy timeout; a
session that writes starts with ``BEGIN IMMEDIATE`` so two writers queue on the lock
instead of failing half-way with "database is locked". On PostgreSQL a writing session
takes a transaction-level advisory lock for the same effect; reads never wait.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "wfm_write"
PG_WRITE_LOCK = 0x5746_4D01
"""Key of the PostgreSQL advisory lock held by writing transactions."""


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; for SQLite the file's folder is created and pragmas are set."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)
        _install_postgres_write_lock(engine)
        return engine
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_size=20,
        max_overflow=20,
    )
    _install_sqlite_pragmas(engine)
    return engine


def _install_sqlite_pragmas(engine: Engine) -> None:
    """WAL, foreign keys, busy timeout; transactions begun by us (``BEGIN IMMEDIATE`` to write)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (pysqlite's own BEGIN handling is deferred-only).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's own lower() folds only ASCII, so a search for «маяк» missed «Маяк».
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _unicode_lower(value: Any) -> Any:
    """lower() for SQLite with Unicode case folding (Cyrillic names and addresses)."""
    return value.lower() if isinstance(value, str) else value


def _install_postgres_write_lock(engine: Engine) -> None:
    """Writing transactions take one advisory lock, so writers queue as on SQLite: two
    imports of the same file cannot both see a ticket missing and both insert it."""

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(WRITE_OPTION, False):
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")


def read_session(engine: Engine) -> Session:
    """A session for a request that only reads."""
    return Session(engine, expire_on_commit=False)


def write_session(engine: Engine) -> Session:
    """A session for a request that writes: one transaction, the write lock taken up front."""
    return Session(engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A write session committed on success and rolled back on any error."""
    with write_session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
