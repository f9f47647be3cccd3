"""What-if sweeps fanned out on the queue: one part per (scenario, replication).

A what-if job is not solved in one worker. When a worker starts it, the scenarios are
compiled (a bad reference fails the job at once) and one part is queued per replication;
any worker runs a part (:meth:`Sweep.run_part`), and the worker that finishes the last part
combines them into the report (:meth:`Sweep.combine`). Replication ``r`` of scenario ``s``
uses the same seed as :func:`optimizer.simulate.run_scenarios`, so the report is the same
as a solve in one process. A part's result travels through the database as the JSON of
:meth:`ReplicationResult.to_dict`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from optimizer.domain.scenario import EngineerSource, ScenarioSet
from optimizer.simulate import combine, sample_base
from optimizer.simulate.backtest import recorded_period
from optimizer.simulate.compile import compile_scenario
from optimizer.simulate.metrics import ReplicationResult
from optimizer.simulate.model import ScenarioInfo, SimModel
from optimizer.simulate.runner import compile_set, needs_sample, replicate, replication_seed


@dataclass(frozen=True)
class Sweep:
    """A job that is fanned out as parts and combined when the last part is done."""

    name: str

    def parts(self, payload: dict[str, Any]) -> int:
        """How many parts the job has (compiling it: a bad reference raises here)."""
        return sum(m.replications for m in _models(_key(payload)))

    def run_part(self, payload: dict[str, Any], part: int) -> dict[str, Any]:
        """Run part ``part``: one replication of one scenario; its result as JSON."""
        models = _models(_key(payload))
        s, r = _locate(models, part)
        model = models[s]
        info = ScenarioInfo.of(model, s)
        return replicate(model, replication_seed(model.seed, r), info, r).to_dict()

    def check(self, payload: dict[str, Any]) -> None:
        """Refuse at submit what would fail the job as soon as a worker took it: every
        scenario is compiled (references, a backtest month outside the history, sizes), so
        the error names its field (``scenarios[1].backtest``) in the submit's 422. Scenarios
        whose engineers come from the roster engine are compiled by the job (that compile
        is a CP-SAT solve); only their backtest month is checked here."""
        spec = ScenarioSet.model_validate(payload)
        base = _sample_base() if needs_sample(spec) else None
        for i, scenario in enumerate(spec.scenarios):
            path = f"scenarios[{i}]"
            if scenario.base.is_synthetic or scenario.engineers_from != EngineerSource.roster:
                compile_scenario(scenario, base, path)
            elif scenario.backtest is not None and base is not None:
                recorded_period(scenario.backtest, base, f"{path}.backtest")

    def combine(self, payload: dict[str, Any], parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """The report from every part's result."""
        spec = ScenarioSet.model_validate(payload)
        results = [ReplicationResult.from_dict(p) for p in parts]
        dumped = combine(results, name=spec.name).model_dump(mode="json")
        assert isinstance(dumped, dict)
        return dumped


WHATIF_SWEEP = Sweep("whatif")


def _key(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))


@lru_cache(maxsize=8)
def _models(key: str) -> tuple[SimModel, ...]:
    """The compiled scenarios of a payload; a worker runs many parts of one sweep, so they
    are compiled once per worker process."""
    spec = ScenarioSet.model_validate(json.loads(key))
    base = _sample_base() if needs_sample(spec) else None
    return tuple(compile_set(spec, base))


@lru_cache(maxsize=1)
def _sample_base() -> Any:
    return sample_base()


def _locate(models: Sequence[SimModel], part: int) -> tuple[int, int]:
    """(scenario, replication) of part number ``part``."""
    for s, m in enumerate(models):
        if part < m.replications:
            return s, part
        part -= m.replications
    raise IndexError(f"part {part} beyond the sweep")
