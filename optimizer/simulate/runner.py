"""Running scenarios: compile, replicate (here in processes, or one by one elsewhere), combine.

Replication ``r`` of a scenario uses the ``r``-th child of ``SeedSequence(seed)``; results are
put back in replication order whatever finished first, so the same seed gives the same report.
Scenarios with the same seed share their random numbers (common random numbers), which makes
their differences sharper.

Two public steps let a job queue spread the work: :func:`run_replication` runs one replication
of one scenario of a set and returns a picklable, JSON-ready :class:`ReplicationResult`;
:func:`combine` turns all the results (in any order) into the report. :func:`run_scenarios`
is the two of them in one process pool.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from optimizer.domain.scenario import Policy, Scenario, ScenarioSet, SimulationReport
from optimizer.errors import InvalidInput
from optimizer.simulate.compile import BaseData, compile_scenario
from optimizer.simulate.engine import Dispatcher, GreedyDispatcher, simulate_department
from optimizer.simulate.metrics import ReplicationResult, replication_result
from optimizer.simulate.model import ScenarioInfo, SimModel
from optimizer.simulate.optimal import OptimalDispatcher
from optimizer.simulate.params import DEFAULT_PARAMS, SimulationParams
from optimizer.simulate.phone import simulate_phone
from optimizer.simulate.report import simulation_report

Progress = Callable[[int, int], None]
"""Called with (replications done, replications in all) after each replication."""


def dispatcher_for(model: SimModel) -> Dispatcher:
    """The dispatch policy the scenario asks for."""
    if model.policy == Policy.optimal:
        return OptimalDispatcher(time_limit_s=model.time_limit_s)
    return GreedyDispatcher()


def replicate(
    model: SimModel, seed: np.random.SeedSequence, info: ScenarioInfo | None = None, index: int = 0
) -> ReplicationResult:
    """One replication of a compiled scenario (``index`` is only recorded with the result)."""
    dept = simulate_department(model, seed, dispatcher_for(model))
    phone = simulate_phone(model, seed)
    return replace(replication_result(dept, phone), info=info, replication=index)


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """Independent, reproducible seeds of the replications of a scenario."""
    return list(np.random.SeedSequence(seed).spawn(replications))


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed of replication ``replication`` alone (the same as in :func:`replication_seeds`)."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def run_replication(
    spec: ScenarioSet | Scenario,
    scenario_index: int,
    replication_index: int,
    base: BaseData | None = None,
    seed: int | None = None,
) -> ReplicationResult:
    """Replication ``replication_index`` of scenario ``scenario_index`` of ``spec``.

    The seed is the scenario's own unless ``seed`` replaces it; the result is the one
    :func:`run_scenarios` would get for the same replication. ``base`` is the sample
    department (:func:`optimizer.simulate.sample_base`), needed unless the scenario is
    synthetic. An index out of range names its field.
    """
    if isinstance(spec, Scenario):
        spec = ScenarioSet(scenarios=[spec])
    if not 0 <= scenario_index < len(spec.scenarios):
        raise InvalidInput("scenario_index", scenario_index, f"0 to {len(spec.scenarios) - 1}")
    scenario = spec.scenarios[scenario_index]
    if seed is not None:
        scenario = scenario.model_copy(update={"seed": seed})
    if not 0 <= replication_index < scenario.replications:
        raise InvalidInput(
            "replication_index", replication_index, f"0 to {scenario.replications - 1}"
        )
    model = compile_scenario(scenario, base, f"scenarios[{scenario_index}]")
    info = ScenarioInfo.of(model, scenario_index)
    return replicate(
        model, replication_seed(model.seed, replication_index), info, replication_index
    )


def combine(
    results: Iterable[ReplicationResult],
    *,
    lang: str = "ru",
    name: str = "",
    params: SimulationParams = DEFAULT_PARAMS,
) -> SimulationReport:
    """The report from replication results in any order (see :func:`run_replication`).

    Results are grouped by scenario and put in replication order; the first scenario is the
    baseline. A scenario without results, a result without its scenario, or a replication
    given twice names the field ``results``.
    """
    by_scenario: dict[int, dict[int, ReplicationResult]] = {}
    infos: dict[int, ScenarioInfo] = {}
    for r in results:
        if r.info is None:
            raise InvalidInput("results", "scenario", "a replication result without its scenario")
        reps = by_scenario.setdefault(r.info.index, {})
        if r.replication in reps:
            raise InvalidInput(
                "results", f"{r.info.name} #{r.replication}", "replication given twice"
            )
        reps[r.replication] = r
        infos.setdefault(r.info.index, r.info)
    if not by_scenario:
        raise InvalidInput("results", 0, "no replication results to combine")
    indices = sorted(by_scenario)
    if indices != list(range(len(indices))):
        missing = next(i for i in range(len(indices) + 1) if i not in by_scenario)
        raise InvalidInput("results", f"scenario {missing}", "no replication of this scenario")
    ordered = [[by_scenario[i][k] for k in sorted(by_scenario[i])] for i in indices]
    return simulation_report([infos[i] for i in indices], ordered, lang, name, params)


@dataclass(frozen=True)
class _Task:
    scenario: int
    replication: int
    model: SimModel
    info: ScenarioInfo
    seed: np.random.SeedSequence


def _run_task(task: _Task) -> tuple[int, int, ReplicationResult]:
    result = replicate(task.model, task.seed, task.info, task.replication)
    return task.scenario, task.replication, result


def default_workers(tasks: int, params: SimulationParams = DEFAULT_PARAMS) -> int:
    """Processes to use: at most ``params.max_workers``, never more than the replications or
    the CPUs."""
    return max(1, min(params.max_workers, os.cpu_count() or 1, tasks))


def run_models(
    models: Sequence[SimModel],
    workers: int | None = None,
    progress: Progress | None = None,
    params: SimulationParams = DEFAULT_PARAMS,
) -> list[list[ReplicationResult]]:
    """Every replication of every model, grouped by model, in replication order."""
    tasks = [
        _Task(s, r, m, ScenarioInfo.of(m, s), seed)
        for s, m in enumerate(models)
        for r, seed in enumerate(replication_seeds(m.seed, m.replications))
    ]
    n = len(tasks)
    out: list[list[ReplicationResult | None]] = [[None] * m.replications for m in models]
    w = default_workers(n, params) if workers is None else max(1, min(workers, n))
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
    params: SimulationParams = DEFAULT_PARAMS,
) -> SimulationReport:
    """Simulate every scenario of ``spec`` and compare each with the first.

    ``base`` is the sample department (:func:`optimizer.simulate.sample_base`); it may be
    omitted when every scenario is synthetic.
    """
    if isinstance(spec, Scenario):
        spec = ScenarioSet(scenarios=[spec])
    models = compile_set(spec, base)
    results = run_models(models, workers, progress, params)
    return combine((r for reps in results for r in reps), lang=lang, name=spec.name, params=params)
