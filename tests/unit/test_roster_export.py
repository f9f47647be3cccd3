"""Excel, iCalendar and CSV exports of a roster."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from icalendar import Calendar
from openpyxl import load_workbook

from optimizer.io.roster_export import (
    roster_to_csv_text,
    roster_to_ics_bytes,
    roster_to_xlsx_bytes,
    shift_uid,
    write_roster_exports,
)
from tests.unit.test_roster_helpers import MONDAY, away, engineer, need, request, solved


def two_engineer_week():  # type: ignore[no-untyped-def]
    """a and b on weekdays, two needed; b is sick on Wednesday (one short)."""
    req = request(
        engineers=[engineer("a"), engineer("b")],
        absences=[away("b", MONDAY + timedelta(days=2), 1, "sick")],
        requirements=need(required=2),
    )
    return solved(req)


def test_excel_has_grid_coverage_shortfall_and_hours_sheets_with_frozen_header() -> None:
    wb = load_workbook(io.BytesIO(roster_to_xlsx_bytes(two_engineer_week())))
    assert wb.sheetnames == ["График", "Покрытие", "Нехватка", "Часы"]
    grid = wb["График"]
    assert grid.freeze_panes == "B2"
    assert grid["B1"].value == "01.03 Пн"
    assert grid["A3"].value == "Engineer b" and grid["D3"].value == "Б"
    assert wb["Покрытие"].freeze_panes == "A2"
    short = list(wb["Нехватка"].iter_rows(min_row=2, values_only=True))
    assert len(short) == 1 and short[0][4] == 1 and str(short[0][1]) == "09:00:00"


def test_excel_in_english_names_its_sheets_in_english() -> None:
    wb = load_workbook(io.BytesIO(roster_to_xlsx_bytes(two_engineer_week(), lang="en")))
    assert wb.sheetnames == ["Roster", "Coverage", "Shortfall", "Hours"]


def test_icalendar_has_saratov_timezone_and_stable_uids() -> None:
    roster = two_engineer_week()
    data = roster_to_ics_bytes(roster, "a")
    assert data == roster_to_ics_bytes(roster, "a")  # same roster, same bytes
    cal = Calendar.from_ical(data)
    (tz,) = [c for c in cal.walk("VTIMEZONE")]
    assert str(tz["TZID"]) == "Europe/Saratov"
    events = cal.walk("VEVENT")
    assert len(events) == 5
    first = events[0]
    assert str(first["UID"]) == shift_uid("a", MONDAY, "day") == "a-2027-03-01-day@wfm.roster"
    assert first["DTSTART"].params["TZID"] == "Europe/Saratov"
    assert first.decoded("DTSTART").hour == 9
    assert b"DTSTART;TZID=Europe/Saratov:20270301T090000" in data


def test_department_calendar_holds_every_shift_with_the_engineers_name() -> None:
    roster = two_engineer_week()
    cal = Calendar.from_ical(roster_to_ics_bytes(roster))
    events = cal.walk("VEVENT")
    assert len(events) == len(roster.assignments) == 9
    assert all(str(e["SUMMARY"]).startswith("Engineer ") for e in events)


def test_csv_has_one_row_per_shift_with_local_times() -> None:
    rows = list(csv.DictReader(io.StringIO(roster_to_csv_text(two_engineer_week()))))
    assert len(rows) == 9
    assert rows[0]["start"] == "2027-03-01T09:00:00+04:00"
    assert rows[0]["paid_hours"] == "8.0"


def test_all_exports_are_written_to_a_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    paths = write_roster_exports(two_engineer_week(), tmp_path)
    names = sorted(p.relative_to(tmp_path).as_posix() for p in paths)
    assert names == ["department.ics", "ics/a.ics", "ics/b.ics", "roster.csv", "roster.xlsx"]
