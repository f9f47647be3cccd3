"""Putting work on the queue, in the transaction that stores it.

On PostgreSQL the queue is procrastinate's: a task ``wfm.run`` per job or part is deferred
on the same database connection as the job's row, so the row and its queue entry are
stored together or not at all. On SQLite (the embedded service) the rows themselves are
the queue: the workers inside the service process take the oldest queued row.
"""

from __future__ import annotations

from collections.abc import Sequence

import procrastinate
from procrastinate.types import JSONValue
from sqlalchemy.orm import Session

from service.jobs.store import WorkItem

QUEUE = "wfm-jobs"
"""The procrastinate queue of solve jobs."""
RUN_TASK = "wfm.run"
"""Name of the procrastinate task that runs one work item."""

DEFER_APP = procrastinate.App(connector=procrastinate.SyncPsycopgConnector())
"""A procrastinate app used only to defer on a connection it is handed; never opened."""


def uses_task_queue(session_or_dialect: Session | str) -> bool:
    """Whether jobs go through procrastinate (PostgreSQL) rather than the embedded workers."""
    if isinstance(session_or_dialect, str):
        return session_or_dialect == "postgresql"
    return session_or_dialect.get_bind().dialect.name == "postgresql"


def enqueue(session: Session, items: Sequence[WorkItem]) -> None:
    """Put ``items`` on the queue in ``session``'s transaction (a no-op on SQLite)."""
    if not items or not uses_task_queue(session):
        return
    connection = session.connection().connection.driver_connection
    deferrer = DEFER_APP.configure_task(name=RUN_TASK, queue=QUEUE, connection=connection)
    args: list[dict[str, JSONValue]] = [{"job_id": i.job_id, "part": i.part} for i in items]
    deferrer.batch_defer(*args)
