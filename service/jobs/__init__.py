"""Solve jobs: the kinds of job, their rows, what runs one, and who feeds the workers.

- :mod:`service.jobs.kinds` — the registry of job kinds;
- :mod:`service.jobs.store` — rows, statuses, claims and views;
- :mod:`service.jobs.queue` — putting work on the queue in the job's transaction;
- :mod:`service.jobs.worker` — the solve process and the worker that watches it;
- :mod:`service.jobs.runner` — the embedded workers and the task queue (procrastinate);
- :mod:`service.jobs.sweep` — what-if sweeps fanned out as parts;
- :mod:`service.jobs.limits` — problem sizes a job may ask for.
"""

from __future__ import annotations

from service.jobs.runner import JobRunner, recover_interrupted

__all__ = ["JobRunner", "recover_interrupted"]
