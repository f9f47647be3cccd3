"""Roster exports: Excel workbook, iCalendar (per engineer and for the department), CSV.

- Excel: sheet "График" (engineers × days, local time, frozen header and name column,
  days off shaded), "Покрытие" (coverage vs requirement per interval and group),
  "Нехватка" (shortfall rows), "Часы" (hours per engineer per week, overtime);
  English sheet names with ``lang="en"``.
- iCalendar: one VEVENT per shift with a stable UID (engineer, date, template), local times
  with ``TZID=Europe/Saratov`` and its VTIMEZONE (UTC+4 since 2016-12-04, no DST);
  DTSTAMP is fixed to the roster's first day, so the same roster gives the same bytes.
- CSV: one row per shift, local times with their offset; the file starts with a byte-order
  mark (``utf-8-sig``), without which Russian Excel reads UTF-8 as cp1251. The web serves
  the same bytes (:func:`roster_to_csv_bytes`).

The ``*_bytes`` / ``*_text`` functions are pure; :func:`write_roster_exports` writes files.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from icalendar import Calendar, Event, Timezone, TimezoneStandard
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from optimizer.calendar import TZ
from optimizer.domain.roster import Roster
from optimizer.domain.skills import SkillCatalogue
from optimizer.io.tables import safe_row, safe_workbook
from optimizer.roster.grid import ABSENCE_CODES, template_codes
from optimizer.roster.report import WEEKDAYS_SHORT, group_label

TZID = "Europe/Saratov"
UID_DOMAIN = "wfm.roster"

SHEETS = {
    "ru": {"grid": "График", "coverage": "Покрытие", "shortfall": "Нехватка", "hours": "Часы"},
    "en": {"grid": "Roster", "coverage": "Coverage", "shortfall": "Shortfall", "hours": "Hours"},
}
HEADERS = {
    "ru": {
        "engineer": "Инженер",
        "coverage": [
            "Дата",
            "Начало",
            "Конец",
            "Группа",
            "Требуется",
            "На смене",
            "Не хватает",
            "Сверх",
        ],
        "shortfall": ["Дата", "Начало", "Конец", "Группа", "Не хватает", "Чел.-ч"],
        "hours": [
            "Инженер",
            "Неделя с",
            "Часы",
            "Норм. часы",
            "Сверхурочно",
            "Лимит недели",
            "В выходные и праздники",
        ],
        "total": "Часы",
        "norm": "Норма",
    },
    "en": {
        "engineer": "Engineer",
        "coverage": ["Date", "Start", "End", "Group", "Required", "On duty", "Short", "Extra"],
        "shortfall": ["Date", "Start", "End", "Group", "Short by", "Person-hours"],
        "hours": [
            "Engineer",
            "Week of",
            "Hours",
            "Normal hours",
            "Overtime",
            "Week cap",
            "Weekend/holiday hours",
        ],
        "total": "Hours",
        "norm": "Norm",
    },
}
OFF_FILL = PatternFill("solid", fgColor="EEEEEE")
ABSENCE_FILL = PatternFill("solid", fgColor="FFE699")
SHORT_FILL = PatternFill("solid", fgColor="F8CBAD")


def _local_naive(dt: datetime | None) -> datetime | None:
    """Excel has no time zones: local Saratov wall-clock time."""
    return None if dt is None else dt.astimezone(TZ).replace(tzinfo=None)


def _days(roster: Roster) -> list[date]:
    assert roster.start is not None and roster.end is not None
    return [roster.start + timedelta(days=i) for i in range((roster.end - roster.start).days + 1)]


# ----------------------------------------------------------------------------- Excel


def roster_to_xlsx_bytes(
    roster: Roster, lang: str = "ru", catalogue: SkillCatalogue | None = None
) -> bytes:
    """The workbook as bytes; a ``skill:<skill>`` group is shown by the skill's name in
    ``catalogue`` (the request's; the built-in one by default)."""
    wb = Workbook()
    _grid_sheet(wb.active, roster, lang)
    _coverage_sheet(wb.create_sheet(SHEETS[lang]["coverage"]), roster, lang, catalogue)
    _shortfall_sheet(wb.create_sheet(SHEETS[lang]["shortfall"]), roster, lang, catalogue)
    _hours_sheet(wb.create_sheet(SHEETS[lang]["hours"]), roster, lang)
    buf = io.BytesIO()
    safe_workbook(wb).save(buf)
    return buf.getvalue()


def _grid_sheet(ws, roster: Roster, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Engineers × days; header row of dates, frozen with the name column."""
    h = HEADERS[lang]
    ws.title = SHEETS[lang]["grid"]
    days = _days(roster)
    codes = template_codes(roster.templates)
    ws.cell(row=1, column=1, value=h["engineer"]).font = Font(bold=True)
    off = set(roster.days_off) or {d for d in days if d.weekday() >= 5}
    for j, d in enumerate(days, start=2):
        c = ws.cell(row=1, column=j, value=f"{d:%d.%m} {WEEKDAYS_SHORT[lang][d.weekday()]}")
        c.font = Font(bold=True)
        c.alignment = Alignment(horizontal="center", text_rotation=90)
        if d in off:
            c.fill = OFF_FILL
        ws.column_dimensions[get_column_letter(j)].width = 5
    n = len(days)
    ws.cell(row=1, column=n + 2, value=h["total"]).font = Font(bold=True)
    ws.cell(row=1, column=n + 3, value=h["norm"]).font = Font(bold=True)
    ws.column_dimensions["A"].width = max([len(x) for x in roster.engineers.values()] + [12]) + 2
    cell_of = {(a.engineer_id, a.date): a for a in roster.assignments}
    absent = {(a.engineer_id, a.date): a.kind for a in roster.absence_days}
    fair = {f.engineer_id: f for f in roster.fairness.per_engineer}
    for i, (eid, name) in enumerate(roster.engineers.items(), start=2):
        ws.cell(row=i, column=1, value=name)
        for j, d in enumerate(days, start=2):
            a = cell_of.get((eid, d))
            kind = absent.get((eid, d))
            c = ws.cell(row=i, column=j)
            if a is not None:
                c.value = codes.get(a.template_id, a.template_id)
            elif kind in ABSENCE_CODES[lang]:
                c.value = ABSENCE_CODES[lang][kind]
                c.fill = ABSENCE_FILL
            elif d in off:
                c.fill = OFF_FILL
            c.alignment = Alignment(horizontal="center")
        f = fair.get(eid)
        if f is not None:
            ws.cell(row=i, column=n + 2, value=f.hours)
            ws.cell(row=i, column=n + 3, value=f.norm_hours)
    row = len(roster.engineers) + 3
    for tid, code in codes.items():
        ws.cell(row=row, column=1, value=code)
        ws.cell(row=row, column=2, value=roster.templates[tid])
        row += 1
    ws.freeze_panes = "B2"


def _coverage_sheet(ws, roster: Roster, lang: str, catalogue: SkillCatalogue | None) -> None:  # type: ignore[no-untyped-def]
    """Coverage against the requirement per interval and group."""
    ws.append(HEADERS[lang]["coverage"])
    for r in roster.coverage:
        start, end = _local_naive(r.start), _local_naive(r.end)
        ws.append(
            [
                r.date,
                start.time() if start else None,
                end.time() if end else None,
                group_label(r.group, lang, catalogue),
                r.required,
                r.scheduled,
                r.short_by,
                r.over_by,
            ]
        )
        if r.short_by:
            for c in ws[ws.max_row]:
                c.fill = SHORT_FILL
    _header_style(ws)


def _shortfall_sheet(ws, roster: Roster, lang: str, catalogue: SkillCatalogue | None) -> None:  # type: ignore[no-untyped-def]
    """Intervals with people missing."""
    ws.append(HEADERS[lang]["shortfall"])
    for r in roster.shortfall:
        start, end = _local_naive(r.start), _local_naive(r.end)
        ws.append(
            [
                r.date,
                start.time() if start else None,
                end.time() if end else None,
                group_label(r.group, lang, catalogue),
                r.short_by,
                round(r.person_hours, 2),
            ]
        )
    _header_style(ws)


def _hours_sheet(ws, roster: Roster, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Hours per engineer per week with overtime."""
    ws.append(HEADERS[lang]["hours"])
    for w in roster.weekly_hours:
        ws.append(
            [
                roster.engineers.get(w.engineer_id, w.engineer_id),
                w.week_start,
                w.hours,
                w.normal_hours,
                w.overtime_hours,
                w.cap_hours,
                w.day_off_hours,
            ]
        )
    _header_style(ws)


def _header_style(ws) -> None:  # type: ignore[no-untyped-def]
    for c in ws[1]:
        c.font = Font(bold=True)
    for col in range(1, ws.max_column + 1):
        ws.column_dimensions[get_column_letter(col)].width = 14
    ws.freeze_panes = "A2"


# ----------------------------------------------------------------------------- iCalendar


def saratov_vtimezone() -> Timezone:
    """VTIMEZONE of Europe/Saratov: UTC+4 without DST since 2016-12-04 02:00."""
    tz = Timezone()
    tz.add("tzid", TZID)
    std = TimezoneStandard()
    std.add("dtstart", datetime(2016, 12, 4, 2, 0, 0))
    std.add("tzoffsetfrom", timedelta(hours=3))
    std.add("tzoffsetto", timedelta(hours=4))
    std.add("tzname", "+04")
    tz.add_component(std)
    return tz


def shift_uid(engineer_id: str, day: date, template_id: str) -> str:
    """A UID that stays the same when the same shift is exported again."""
    safe = re.sub(r"[^A-Za-z0-9_.\-]", "-", f"{engineer_id}-{day.isoformat()}-{template_id}")
    return f"{safe}@{UID_DOMAIN}"


def roster_to_ics_bytes(roster: Roster, engineer_id: str | None = None, lang: str = "ru") -> bytes:
    """The shifts of one engineer (or of the whole department) as an iCalendar file."""
    cal = Calendar()
    cal.add("prodid", "-//wfm//roster//RU")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    who = roster.engineers.get(engineer_id, engineer_id) if engineer_id else None
    title = ("Смены: " if lang == "ru" else "Shifts: ") + (
        who or ("отдел" if lang == "ru" else "department")
    )
    cal.add("x-wr-calname", title)
    cal.add("x-wr-timezone", TZID)
    cal.add_component(saratov_vtimezone())
    stamp = datetime.combine(roster.start or date(2000, 1, 1), time(0), UTC)
    for a in roster.assignments:
        if engineer_id is not None and a.engineer_id != engineer_id:
            continue
        if a.start is None or a.end is None or a.date is None:
            continue
        ev = Event()
        ev.add("uid", shift_uid(a.engineer_id, a.date, a.template_id))
        ev.add("dtstamp", stamp)
        ev.add("dtstart", a.start.astimezone(TZ).replace(tzinfo=None), parameters={"TZID": TZID})
        ev.add("dtend", a.end.astimezone(TZ).replace(tzinfo=None), parameters={"TZID": TZID})
        name = roster.templates.get(a.template_id, a.template_id)
        person = roster.engineers.get(a.engineer_id, a.engineer_id)
        ev.add("summary", name if engineer_id else f"{person}: {name}")
        ev.add("categories", [a.kind])
        cal.add_component(ev)
    return cal.to_ical()


# ----------------------------------------------------------------------------- CSV


CSV_COLUMNS = [
    "engineer_id",
    "engineer",
    "date",
    "template_id",
    "template",
    "start",
    "end",
    "paid_hours",
    "kind",
    "non_working_day",
]


def roster_to_csv_text(roster: Roster) -> str:
    """One row per shift, local times with their offset (``+04:00``)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for a in roster.assignments:
        w.writerow(
            safe_row(
                [
                    a.engineer_id,
                    roster.engineers.get(a.engineer_id, a.engineer_id),
                    a.date.isoformat() if a.date else a.day,
                    a.template_id,
                    roster.templates.get(a.template_id, a.template_id),
                    a.start.astimezone(TZ).isoformat() if a.start else "",
                    a.end.astimezone(TZ).isoformat() if a.end else "",
                    round(a.paid_minutes / 60, 2),
                    a.kind,
                    int(a.non_working_day),
                ]
            )
        )
    return buf.getvalue()


def roster_to_csv_bytes(roster: Roster) -> bytes:
    """The CSV file's bytes: UTF-8 with a byte-order mark, for Russian Excel."""
    return roster_to_csv_text(roster).encode("utf-8-sig")


# ----------------------------------------------------------------------------- files


def write_roster_exports(
    roster: Roster,
    out_dir: str | Path,
    lang: str = "ru",
    catalogue: SkillCatalogue | None = None,
) -> list[Path]:
    """Write roster.xlsx, roster.csv, department.ics and one ``ics/<engineer>.ics`` each
    (skill groups named from ``catalogue``, the request's)."""
    out = Path(out_dir)
    (out / "ics").mkdir(parents=True, exist_ok=True)
    written = []
    path = out / "roster.xlsx"
    path.write_bytes(roster_to_xlsx_bytes(roster, lang, catalogue))
    written.append(path)
    path = out / "roster.csv"
    path.write_bytes(roster_to_csv_bytes(roster))
    written.append(path)
    path = out / "department.ics"
    path.write_bytes(roster_to_ics_bytes(roster, None, lang))
    written.append(path)
    for eid in roster.engineers:
        safe = re.sub(r"[^A-Za-z0-9_.\-]", "_", eid)
        path = out / "ics" / f"{safe}.ics"
        path.write_bytes(roster_to_ics_bytes(roster, eid, lang))
        written.append(path)
    return written
