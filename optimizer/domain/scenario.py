"""Contract models of the what-if simulation (contract v1, JSON, snake_case), in two modules:

- :mod:`optimizer.domain.scenario_spec` — the request: a :class:`Scenario` (a base plus
  changes) or a :class:`ScenarioSet` whose first scenario is the baseline;
- :mod:`optimizer.domain.scenario_report` — the results: the :class:`SimulationReport` and the
  :class:`Calibration` fitted from a helpdesk export.

This module names every model of both, the one place the service, the CLI, the notebooks and
the tests import them from.
"""

from __future__ import annotations

from optimizer.domain.scenario_report import (
    ArrivalFit,
    BacktestReport,
    BacktestRow,
    Calibration,
    ComparisonRow,
    Costs,
    Distribution,
    DurationFit,
    EngineerUsage,
    Estimate,
    HourUtilisation,
    PhoneReport,
    ScenarioReport,
    ShortfallRow,
    SimulationReport,
    TheoryCheck,
    WaitBin,
    WeekSla,
)
from optimizer.domain.scenario_spec import (
    DEFAULT_SICK_RATE,
    MAX_HORIZON_DAYS,
    MAX_REPLICATIONS,
    AddClients,
    CarOut,
    EngineerSource,
    NewEngineer,
    PhoneLine,
    Policy,
    Scenario,
    ScenarioBase,
    ScenarioChanges,
    ScenarioDefaults,
    ScenarioSet,
    SlaChange,
    SyntheticBase,
    WeekendOnCall,
    check_horizon,
    check_month,
)

__all__ = [
    "AddClients",
    "ArrivalFit",
    "BacktestReport",
    "BacktestRow",
    "Calibration",
    "CarOut",
    "ComparisonRow",
    "Costs",
    "DEFAULT_SICK_RATE",
    "Distribution",
    "DurationFit",
    "EngineerSource",
    "EngineerUsage",
    "Estimate",
    "HourUtilisation",
    "MAX_HORIZON_DAYS",
    "MAX_REPLICATIONS",
    "NewEngineer",
    "PhoneLine",
    "PhoneReport",
    "Policy",
    "Scenario",
    "ScenarioBase",
    "ScenarioChanges",
    "ScenarioDefaults",
    "ScenarioReport",
    "ScenarioSet",
    "ShortfallRow",
    "SimulationReport",
    "SlaChange",
    "SyntheticBase",
    "TheoryCheck",
    "WaitBin",
    "WeekSla",
    "WeekendOnCall",
    "check_horizon",
    "check_month",
]
