"""Running scenarios: compile, replicate in parallel processes, report.

Replication ``r`` of a scenario uses the ``r``-th child of ``SeedSequence(seed)``; results are
put back in replication order whatever process finished first, so the same seed gives the
same report. Scenarios with the same seed share their random numbers (common random numbers),
which makes their differences sharper.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from optimizer.domain.scenario import Policy, Scenario, ScenarioSet, SimulationReport
from optimizer.simulate.compile import BaseData, compile_scenario
from optimizer.simulate.engine import Dispatcher, GreedyDispatcher, simulate_department
from optimizer.simulate.metrics import ReplicationResult, replication_result
from optimizer.simulate.model import SimModel
from optimizer.simulate.phone import simulate_phone
from optimizer.simulate.report import simulation_report

MAX_WORKERS = 2

Progress = Callable[[int, int], None]
"""Called with (replications done, replications in all) after each replication."""


def dispatcher_for(model: SimModel) -> Dispatcher:
    """The dispatch policy the scenario asks for."""
    if model.policy == Policy.optimal:
        from optimizer.simulate.optimal import OptimalDispatcher

        return OptimalDispatcher(time_limit_s=model.time_limit_s)
    return GreedyDispatcher()


def replicate(model: SimModel, seed: np.random.SeedSequence) -> ReplicationResult:
    """One replication of a compiled scenario."""
    dept = simulate_department(model, seed, dispatcher_for(model))
    phone = simulate_phone(model, seed)
    return replication_result(dept, phone)


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """Independent, reproducible seeds of the replications of a scenario."""
    return list(np.random.SeedSequence(seed).spawn(replications))


@dataclass(frozen=True)
class _Task:
    scenario: int
    replication: int
    model: SimModel
    seed: np.random.SeedSequence


def _run_task(task: _Task) -> tuple[int, int, ReplicationResult]:
    return task.scenario, task.replication, replicate(task.model, task.seed)


def default_workers(tasks: int) -> int:
    """Processes to use: at most two, never more than the replications or the CPUs."""
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1, tasks))


def run_models(
    models: Sequence[SimModel], workers: int | None = None, progress: Progress | None = None
) -> list[list[ReplicationResult]]:
    """Every replication of every model, grouped by model, in replication order."""
    tasks = [
        _Task(s, r, m, seed)
        for s, m in enumerate(models)
        for r, seed in enumerate(replication_seeds(m.seed, m.replications))
    ]
    n = len(tasks)
    out: list[list[ReplicationResult | None]] = [[None] * m.replications for m in models]
    w = default_workers(n) if workers is None else max(1, min(workers, n))
    done = 0
    if w == 1:
        for task in tasks:
            s, r, res = _run_task(task)
            out[s][r] = res
            done += 1
            if progress:
                progress(done, n)
    else:
        with ProcessPoolExecutor(max_workers=w) as pool:
            for s, r, res in pool.map(_run_task, tasks):
                out[s][r] = res
                done += 1
                if progress:
                    progress(done, n)
    return [[r for r in rs if r is not None] for rs in out]


def compile_set(spec: ScenarioSet, base: BaseData | None) -> list[SimModel]:
    """Compile every scenario first, so a bad reference fails before anything runs."""
    return [compile_scenario(s, base, f"scenarios[{i}]") for i, s in enumerate(spec.scenarios)]


def needs_sample(spec: ScenarioSet) -> bool:
    """Whether any scenario is built on the sample department."""
    return any(not s.base.is_synthetic for s in spec.scenarios)


def run_scenarios(
    spec: ScenarioSet | Scenario,
    base: BaseData | None = None,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    lang: str = "ru",
) -> SimulationReport:
    """Simulate every scenario of ``spec`` and compare each with the first.

    ``base`` is the sample department (:func:`optimizer.simulate.sample_base`); it may be
    omitted when every scenario is synthetic.
    """
    if isinstance(spec, Scenario):
        spec = ScenarioSet(scenarios=[spec])
    models = compile_set(spec, base)
    results = run_models(models, workers, progress)
    return simulation_report(models, results, lang=lang, name=spec.name)
