"""Excel, iCalendar and CSV exports of a roster."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from icalendar import Calendar
from openpyxl import load_workbook
from typer.testing import CliRunner

from optimizer.domain import SkillCatalogue, SkillEntry, default_catalogue
from optimizer.io.roster_export import (
    roster_to_csv_bytes,
    roster_to_csv_text,
    roster_to_ics_bytes,
    roster_to_xlsx_bytes,
    shift_uid,
    write_roster_exports,
)
from optimizer.roster import format_shortfall, shortfall_report
from optimizer.roster.grid import format_grid, template_codes
from service.cli.main import app
from tests.unit.test_roster_helpers import MONDAY, away, engineer, need, request, solved

FREEPBX = SkillEntry(id="freepbx", name_ru="АТС FreePBX", name_en="FreePBX PBX")
"""A skill the department added to its catalogue."""


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


def freepbx_week():  # type: ignore[no-untyped-def]
    """One FreePBX engineer needed on weekdays 09–18; a knows only the dialplan (45 h short)."""
    return request(
        skills=[*default_catalogue().entries, FREEPBX],
        requirements=need(group="skill:freepbx"),
    )


def test_a_custom_skill_group_is_exported_by_its_russian_name_from_the_request_s_catalogue(
    tmp_path,
) -> None:  # type: ignore[no-untyped-def]
    req = freepbx_week()
    roster = solved(req)
    catalogue = SkillCatalogue.of(req.skills)
    wb = load_workbook(io.BytesIO(roster_to_xlsx_bytes(roster, catalogue=catalogue)))
    groups = {row[3] for row in wb["Нехватка"].iter_rows(min_row=2, values_only=True)}
    assert groups == {"АТС FreePBX"}
    assert "АТС FreePBX" in {
        row[3] for row in wb["Покрытие"].iter_rows(min_row=2, values_only=True)
    }
    write_roster_exports(roster, tmp_path, catalogue=catalogue)
    saved = load_workbook(tmp_path / "roster.xlsx")
    assert {r[3] for r in saved["Нехватка"].iter_rows(min_row=2, values_only=True)} == groups


def test_a_custom_skill_shortfall_is_printed_by_its_name() -> None:
    req = freepbx_week()
    report = shortfall_report(solved(req), req)  # the request's catalogue
    text = format_shortfall(report, catalogue=SkillCatalogue.of(req.skills))
    assert "АТС FreePBX 45" in report.summary
    assert "навыки: АТС FreePBX" in report.recommendations[0].text
    assert "АТС FreePBX" in text and "freepbx" not in text


def test_the_roster_command_prints_and_exports_a_custom_skill_by_its_name(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "request.json"
    path.write_text(freepbx_week().model_dump_json(), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["roster", str(path), "--out-dir", str(out), "--no-advice"])
    assert result.exit_code == 0, result.output
    assert "Нехватка 45 чел.-ч: АТС FreePBX 45." in result.stdout
    assert "freepbx" not in result.stdout
    wb = load_workbook(out / "roster.xlsx")
    assert {r[3] for r in wb["Нехватка"].iter_rows(min_row=2, values_only=True)} == {"АТС FreePBX"}


def test_shift_codes_come_from_the_template_names_in_the_departments_language() -> None:
    codes = template_codes(
        {
            "early": "Ранняя 08:00–17:00",
            "late": "Поздняя 11:00–20:00",
            "office": "Офис, пн–чт 09:00–18:00",
            "office_fri": "Офис, пт 09:00–17:00",
            "weekend_on_call": "Дежурство в выходной",
            "x_y": "09:00–18:00",
        }
    )
    assert codes == {
        "early": "Р",
        "late": "П",
        "office": "О",
        "office_fri": "ОП",  # a clash: the name's two initials
        "weekend_on_call": "Д",
        "x_y": "XY",  # no letter in the name: the id's initials
    }


def test_the_grid_and_the_workbook_show_the_same_codes() -> None:
    roster = two_engineer_week().model_copy(update={"templates": {"day": "Дневная 09–18"}})
    grid = format_grid(roster)
    wb = load_workbook(io.BytesIO(roster_to_xlsx_bytes(roster)))
    assert wb["График"]["B2"].value == "Д"
    assert "Д — Дневная 09–18" in grid


def test_the_csv_file_starts_with_a_byte_order_mark_for_russian_excel(tmp_path) -> None:  # type: ignore[no-untyped-def]
    roster = two_engineer_week()
    write_roster_exports(roster, tmp_path)
    data = (tmp_path / "roster.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data == roster_to_csv_bytes(roster) == roster_to_csv_text(roster).encode("utf-8-sig")
