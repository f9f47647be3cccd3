"""What-if simulation of the department (SimPy discrete-event simulation).

Entry points:

- :func:`run_scenarios` — simulate a :class:`~optimizer.domain.scenario.ScenarioSet` (or one
  scenario) and return the :class:`~optimizer.domain.scenario.SimulationReport`;
- :func:`sample_base` — the sample department fitted for the simulation (reads ``data/``
  through :mod:`optimizer.io.sample`);
- :func:`parse_scenario_text` — a scenario file's text (JSON or YAML) to a validated set;
- :func:`compare_with_erlang` — the M/M/c check against Erlang C, at any scale;
- :func:`run_replication`, :func:`combine` — one replication of one scenario (picklable,
  JSON-ready result) and the report from all of them, for a job queue that spreads the work;
- :func:`calibrate_history` — duration distributions by category and the arrival profile
  fitted from a helpdesk export, with goodness-of-fit figures;
- :func:`compile_scenario`, :func:`replicate` — the steps, for notebooks and benchmarks.
"""

from __future__ import annotations

from datetime import date

from optimizer.domain.scenario import (
    Policy,
    Scenario,
    ScenarioChanges,
    ScenarioReport,
    ScenarioSet,
    SimulationReport,
    SyntheticBase,
)
from optimizer.io.sample import SAMPLE_NOW, load_sample_dataset, load_ticket_history
from optimizer.simulate.calibrate import Calibration, calibrate_history
from optimizer.simulate.compile import BaseData, compile_scenario
from optimizer.simulate.engine import GreedyDispatcher, simulate_department
from optimizer.simulate.metrics import ReplicationResult
from optimizer.simulate.params import SimulationParams
from optimizer.simulate.runner import (
    combine,
    replicate,
    replication_seeds,
    run_models,
    run_replication,
    run_scenarios,
)
from optimizer.simulate.spec import format_of, parse_scenario_text
from optimizer.simulate.validation import ErlangComparison, compare_with_erlang


def sample_base(data_dir: str | None = None, start: date | None = None) -> BaseData:
    """The sample department of ``data/`` (or ``data_dir``), its history fitted.

    The simulation starts by default on the day of the sample morning (``SAMPLE_NOW``).
    """
    dataset = load_sample_dataset(data_dir)
    history = load_ticket_history(data_dir)
    return BaseData.fit(dataset, history, start or SAMPLE_NOW.date())


__all__ = [
    "BaseData",
    "Calibration",
    "ReplicationResult",
    "SimulationParams",
    "calibrate_history",
    "combine",
    "run_replication",
    "ErlangComparison",
    "GreedyDispatcher",
    "Policy",
    "Scenario",
    "ScenarioChanges",
    "ScenarioReport",
    "ScenarioSet",
    "SimulationReport",
    "SyntheticBase",
    "compare_with_erlang",
    "compile_scenario",
    "format_of",
    "parse_scenario_text",
    "replicate",
    "replication_seeds",
    "run_models",
    "run_scenarios",
    "sample_base",
    "simulate_department",
]
