"""Files made from job results: a dispatch plan as CSV, a roster as CSV, XLSX or iCalendar.

A roster is exported as the command line's files (``wfm roster`` writes them with
:mod:`optimizer.io.roster_export`; :func:`service.rostering.roster_file`), so the web and the
terminal give the same bytes. A plan's CSV is written against the contract's JSON shape
(``DispatchPlan.assignments`` with ticket, engineer, start, end, travel, deadline, on time,
slack; ``unassigned`` with the reasons), so it needs only the stored result. Every CSV cell
is escaped against formula injection by the command line's own function
(:func:`optimizer.io.tables.csv_text`).
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from pydantic import ValidationError

from optimizer.domain.roster import Roster
from optimizer.io.tables import csv_text
from service.problems import Unprocessable
from service.rostering import XLSX, FileFormat, roster_file

PLAN_COLUMNS = [
    "ticket_id", "engineer_id", "start", "end", "travel_min", "travel_km", "deadline",
    "on_time", "slack_min",
]  # fmt: skip

FORMATS: dict[str, frozenset[str]] = {
    "dispatch": frozenset({"csv"}),
    "roster": frozenset({"csv", "xlsx", "ics"}),
}

__all__ = ["FORMATS", "XLSX", "export", "plan_csv"]


def export(kind: str, result: dict[str, Any], fmt: str, job_id: str) -> Response:
    """The result of a ``kind`` job as a ``fmt`` file; 422 when that kind has no such file."""
    allowed = FORMATS.get(kind, frozenset())
    if fmt not in allowed:
        offer = ", ".join(["json", *sorted(allowed)])
        raise Unprocessable("format", fmt, f"a {kind} result is available as {offer}")
    name = f"{kind}-{job_id[:8]}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if kind == "dispatch":
        return Response(plan_csv(result), media_type="text/csv; charset=utf-8", headers=headers)
    fmt_: FileFormat = "csv" if fmt == "csv" else "xlsx" if fmt == "xlsx" else "ics"
    data, media, _ = roster_file(dated_roster(result, fmt), fmt_)
    return Response(data, media_type=media, headers=headers)


def dated_roster(result: dict[str, Any], fmt: str) -> Roster:
    """The stored result as the engine's Roster of dates; 422 for a roster without dates
    (a Shift Scheduling Benchmark instance, whose days are numbers) or of another shape."""
    try:
        roster = Roster.model_validate(result)
    except ValidationError:
        raise Unprocessable(
            "format", fmt, "this result is not a roster of the engine; available as json"
        ) from None
    if roster.start is None or roster.end is None:
        raise Unprocessable(
            "format", fmt, "a roster of numbered days (a benchmark) has no calendar; use json"
        )
    return roster


def plan_csv(plan: dict[str, Any]) -> str:
    """One line per assignment, then one per unassigned ticket (engineer empty, reasons)."""
    rows = list(plan.get("assignments") or [])
    for u in plan.get("unassigned") or []:
        rows.append(
            {
                "ticket_id": u.get("ticket_id"),
                "engineer_id": "",
                "on_time": "",
                "slack_min": "",
                "deadline": u.get("deadline"),
                "reasons": ";".join(u.get("reasons") or []),
            }
        )
    columns = [*PLAN_COLUMNS, "reasons"]
    return csv_text(columns, ([_blank(row.get(c)) for c in columns] for row in rows))


def _blank(value: Any) -> Any:
    return "" if value is None else value
