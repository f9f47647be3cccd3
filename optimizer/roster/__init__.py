"""Shift planning: CP-SAT over ``work[engineer, day, template]``, coverage and shortfall.

- :func:`solve` plans a :class:`RosterRequest` into a :class:`Roster` (labour rules hard,
  coverage, overtime, norm, preferences and fairness soft);
- :func:`validate_roster` re-checks every hard rule on a roster, independently of the model;
- :func:`shortfall_report` turns the shortfall into a table and recommendations;
- :func:`check_vacation_plan` checks a year's vacations (art. 115, 120, 125) and their impact;
- :func:`sample_roster_request` and :func:`format_grid` serve the CLI and the demo.
"""

from optimizer.domain.roster import (
    EngineerRules,
    LabourRules,
    PinnedShift,
    PreviousShift,
    RequiredDayOff,
    Roster,
    RosterAssignment,
    RosterRequest,
    RosterWeights,
    ShortfallReport,
    VacationPlanReport,
)
from optimizer.roster.grid import format_grid, format_shortfall
from optimizer.roster.report import shortfall_report
from optimizer.roster.sample import sample_roster_request
from optimizer.roster.solve import solve
from optimizer.roster.vacation import check_vacation_plan, vacation_roster_impact
from optimizer.roster.validate import RosterViolation, validate_roster

__all__ = [
    "EngineerRules",
    "LabourRules",
    "PinnedShift",
    "PreviousShift",
    "RequiredDayOff",
    "Roster",
    "RosterAssignment",
    "RosterRequest",
    "RosterViolation",
    "RosterWeights",
    "ShortfallReport",
    "VacationPlanReport",
    "check_vacation_plan",
    "format_grid",
    "format_shortfall",
    "sample_roster_request",
    "shortfall_report",
    "solve",
    "validate_roster",
    "vacation_roster_impact",
]
