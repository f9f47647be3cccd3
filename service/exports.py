"""Files made from job results: a dispatch plan as CSV, a roster as CSV, XLSX or iCalendar.

A roster the engine made is exported as the command line's files (``wfm roster`` writes them
with :mod:`optimizer.io.roster_export`; :func:`service.rostering.roster_file`). The plain
tables below remain for stored results of another shape.

Written against the contract's JSON shapes (``DispatchPlan.assignments`` with ticket,
engineer, start, end, travel, deadline, on time, slack; ``Roster.assignments`` with
engineer, date, template, start, end; ``Roster.shortfall`` rows), so they only need the
stored result, not the engines. Every CSV and Excel cell is escaped against formula
injection by the same functions as the command line's exports (:mod:`optimizer.io.tables`).
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from fastapi import Response
from pydantic import ValidationError

from optimizer.calendar import TZ
from optimizer.domain.roster import Roster
from optimizer.io.tables import csv_text, safe_workbook
from service.problems import Unprocessable
from service.rostering import roster_file

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

PLAN_COLUMNS = [
    "ticket_id", "engineer_id", "start", "end", "travel_min", "travel_km", "deadline",
    "on_time", "slack_min",
]  # fmt: skip
ROSTER_COLUMNS = ["engineer_id", "date", "template_id", "start", "end"]

FORMATS: dict[str, frozenset[str]] = {
    "dispatch": frozenset({"csv"}),
    "roster": frozenset({"csv", "xlsx", "ics"}),
}


def export(kind: str, result: dict[str, Any], fmt: str, job_id: str) -> Response:
    """The result of a ``kind`` job as a ``fmt`` file; 422 when that kind has no such file."""
    allowed = FORMATS.get(kind, frozenset())
    if fmt not in allowed:
        offer = ", ".join(["json", *sorted(allowed)])
        raise Unprocessable("format", fmt, f"a {kind} result is available as {offer}")
    name = f"{kind}-{job_id[:8]}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if kind == "roster":
        roster = full_roster(result)
        if roster is not None:  # the command line's files (one implementation)
            data, media, _ = roster_file(roster, fmt)  # type: ignore[arg-type]
            return Response(data, media_type=media, headers=headers)
    if kind == "dispatch":
        return Response(plan_csv(result), media_type="text/csv; charset=utf-8", headers=headers)
    if fmt == "csv":
        return Response(roster_csv(result), media_type="text/csv; charset=utf-8", headers=headers)
    if fmt == "xlsx":
        return Response(roster_xlsx(result), media_type=XLSX, headers=headers)
    return Response(
        roster_ics(result, job_id), media_type="text/calendar; charset=utf-8", headers=headers
    )


def full_roster(result: dict[str, Any]) -> Roster | None:
    """The result as the engine's Roster, or None for a result of another shape (a job stored
    by an older version, a hand-made result), which the plain tables below still export."""
    try:
        roster = Roster.model_validate(result)
    except ValidationError:
        return None
    return roster if roster.start is not None and roster.end is not None else None


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """CSV of ``rows`` in ``columns``; every cell escaped against formulas (the command line's
    :func:`optimizer.io.tables.csv_text`)."""
    return csv_text(columns, ([_blank(row.get(c)) for c in columns] for row in rows))


def _blank(value: Any) -> Any:
    return "" if value is None else value


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
    return _csv(rows, [*PLAN_COLUMNS, "reasons"])


def roster_csv(roster: dict[str, Any]) -> str:
    """One line per shift: engineer, date, template, start, end."""
    return _csv(list(roster.get("assignments") or []), ROSTER_COLUMNS)


def roster_xlsx(roster: dict[str, Any]) -> bytes:
    """A workbook: the grid (engineers × dates, shift times in cells), the shift list, the
    shortfall."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    assignments = list(roster.get("assignments") or [])
    wb = Workbook()
    grid = wb.active
    grid.title = "График"
    dates = sorted({str(a.get("date")) for a in assignments})
    engineers = sorted({str(a.get("engineer_id")) for a in assignments})
    grid.append(["Инженер", *dates])
    cells: dict[tuple[str, str], str] = {}
    for a in assignments:
        cells[(str(a.get("engineer_id")), str(a.get("date")))] = _shift_label(a)
    for e in engineers:
        grid.append([e, *[cells.get((e, d), "") for d in dates]])
    for cell in grid[1]:
        cell.font = Font(bold=True)
    grid.freeze_panes = "B2"
    shifts = wb.create_sheet("Смены")
    shifts.append(ROSTER_COLUMNS)
    for a in assignments:
        shifts.append([_plain(a.get(c)) for c in ROSTER_COLUMNS])
    short = wb.create_sheet("Нехватка")
    short.append(["start", "end", "group", "short_by"])
    for s in roster.get("shortfall") or []:
        short.append([_plain(s.get(c)) for c in ("start", "end", "group", "short_by")])
    buf = io.BytesIO()
    safe_workbook(wb).save(buf)
    return buf.getvalue()


def _plain(value: Any) -> Any:
    return value if isinstance(value, int | float | str) or value is None else str(value)


def _shift_label(a: dict[str, Any]) -> str:
    start, end = _time_of(a.get("start")), _time_of(a.get("end"))
    label = f"{start}–{end}" if start and end else ""
    template = a.get("template_id")
    return f"{template} {label}".strip() if template else label


def _time_of(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    try:
        return datetime.fromisoformat(value).strftime("%H:%M")
    except ValueError:
        return value[11:16]


def roster_ics(roster: dict[str, Any], job_id: str) -> bytes:
    """An iCalendar file with one event per shift (times with their offsets)."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//wfm//roster//RU")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "График смен")
    for i, a in enumerate(roster.get("assignments") or []):
        try:
            # A named zone (not a bare offset), or calendars would show floating times.
            start = datetime.fromisoformat(str(a.get("start"))).astimezone(TZ)
            end = datetime.fromisoformat(str(a.get("end"))).astimezone(TZ)
        except (ValueError, TypeError):
            continue
        event = Event()
        event.add("uid", f"{job_id}-{i}@wfm")
        event.add("summary", f"Смена {a.get('template_id') or ''}: {a.get('engineer_id')}".strip())
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("dtstamp", start)
        event.add("categories", [str(a.get("template_id") or "shift")])
        cal.add_component(event)
    if hasattr(cal, "add_missing_timezones"):
        cal.add_missing_timezones()
    data = cal.to_ical()
    assert isinstance(data, bytes)
    return data
