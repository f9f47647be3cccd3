"""Pydantic models of the public contract v1 (JSON, snake_case, aware datetimes).

The master data (engineers, sites, tickets, ...) is imported eagerly; each engine's request
and result models live in their own module (``dispatch``, ``roster``, ``scenario``,
``staffing``, ``travel``) and are re-exported here lazily, so that importing the master data
never drags in an engine's models (nor an import cycle through the calendar).
"""

import importlib
from typing import Any

from optimizer.domain.base import (
    DEFAULT_RESPONSE_MIN,
    Absence,
    DataSet,
    Engineer,
    Pin,
    PreferenceKind,
    ShiftKind,
    ShiftPreference,
    ShiftTemplate,
    Site,
    SlaPolicy,
    Ticket,
    check_dataset,
    check_ticket_references,
    ensure_unique_ids,
)
from optimizer.domain.common import (
    VISIT_CITIES,
    AbsenceKind,
    City,
    Clock,
    Id,
    Location,
    Priority,
    Skill,
    StrictModel,
    TicketKind,
    TicketMode,
    TimeWindow,
)
from optimizer.domain.skills import (
    SkillCatalogue,
    SkillEntry,
    UnknownSkill,
    default_catalogue,
    default_skills,
)

__all__ = [
    "DEFAULT_RESPONSE_MIN",
    "VISIT_CITIES",
    "Absence",
    "AbsenceKind",
    "City",
    "Clock",
    "DataSet",
    "Engineer",
    "Id",
    "Location",
    "Pin",
    "PreferenceKind",
    "Priority",
    "ShiftKind",
    "ShiftPreference",
    "ShiftTemplate",
    "Site",
    "Skill",
    "SkillCatalogue",
    "SkillEntry",
    "SlaPolicy",
    "StrictModel",
    "Ticket",
    "TicketKind",
    "TicketMode",
    "TimeWindow",
    "UnknownSkill",
    "check_dataset",
    "check_ticket_references",
    "default_catalogue",
    "default_skills",
    "ensure_unique_ids",
]

_ENGINE_MODELS: dict[str, str] = {
    **{
        name: "optimizer.domain.dispatch"
        for name in (
            "Assignment",
            "DispatchEngineer",
            "DispatchOptions",
            "DispatchPlan",
            "DispatchRequest",
            "Explanation",
            "Unassigned",
        )
    },
    **{
        name: "optimizer.domain.roster"
        for name in (
            "LabourCost",
            "LabourRules",
            "PreviousShift",
            "Roster",
            "RosterAssignment",
            "RosterRequest",
            "ShortfallReport",
            "VacationPlanReport",
        )
    },
    **{
        name: "optimizer.domain.scenario"
        for name in ("Scenario", "ScenarioSet", "ScenarioReport", "SimulationReport")
    },
    **{name: "optimizer.domain.staffing" for name in ("CoverageRequirement", "ErlangResult")},
    **{
        name: "optimizer.domain.travel"
        for name in ("TravelSpec", "TravelSpecMatrix", "TravelSpecModel", "TravelSpecOsrm")
    },
}


def __getattr__(name: str) -> Any:
    """Engine contract models, imported on first use (``from optimizer.domain import Roster``)."""
    module = _ENGINE_MODELS.get(name)
    if module is None:
        raise AttributeError(f"module 'optimizer.domain' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
