"""``wfm roster`` end to end through the Typer app: exit status, output, files."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from optimizer.domain.roster import LabourRules, PinnedShift, RequiredDayOff
from service.cli.main import app
from tests.unit.test_roster_helpers import MONDAY, need, request
from tests.unit.test_ssb_benchmark import INSTANCE1

runner = CliRunner()


def write_request(tmp_path, **kw):  # type: ignore[no-untyped-def]
    path = tmp_path / "request.json"
    path.write_text(request(**kw).model_dump_json(), encoding="utf-8")
    return path


def test_benchmark_instance1_prints_roster_json_with_the_benchmark_objective() -> None:
    result = runner.invoke(
        app,
        ["roster", "--benchmark", str(INSTANCE1), "--time-limit", "20", "--workers", "1", "--json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["objective"], data["best_bound"], data["status"]) == (607, 607, "OPTIMAL")
    first = data["assignments"][0]
    assert first["template_id"] == "D" and first["engineer_id"] in "ABCDEFGH"
    assert isinstance(first["day"], int)


def test_request_file_prints_the_grid_and_writes_the_exports(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_request(tmp_path, requirements=need(required=2))
    out = tmp_path / "out"
    result = runner.invoke(app, ["roster", str(path), "--out-dir", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Roster 01.03.2027–07.03.2027" in result.stdout
    assert "Shortfall 45 person-hours" in result.stdout
    assert (out / "roster.xlsx").exists() and (out / "department.ics").exists()


def test_request_file_with_json_prints_the_roster(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["roster", str(write_request(tmp_path)), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert len(data["assignments"]) == 5 and data["shortfall"] == []


def test_contradicting_pin_and_day_off_exit_2_naming_the_rule(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rules = LabourRules(
        pinned=[PinnedShift(engineer_id="a", date=MONDAY, template_id="day")],
        required_days_off=[RequiredDayOff(engineer_id="a", date=MONDAY)],
    )
    result = runner.invoke(app, ["roster", str(write_request(tmp_path, rules=rules)), "--json"])
    assert result.exit_code == 2
    assert "infeasible" in result.stderr and "required day off" in result.stderr


def test_absence_of_unknown_engineer_exits_2_naming_the_field(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(request().model_dump_json())
    data["absences"] = [
        {
            "engineer_id": "ghost",
            "start": "2027-03-01T00:00:00+04:00",
            "end": "2027-03-02T00:00:00+04:00",
            "kind": "sick",
        }
    ]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["roster", str(path)])
    assert result.exit_code == 2
    assert "absences[0].engineer_id" in result.stderr and "ghost" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["roster"],
        ["roster", "--sample"],
        ["roster", "--sample", "--month", "2027-13"],
        ["roster", "--benchmark", "/nonexistent/Instance99.txt"],
        ["roster", "--sample", "--month", "2027-02", "--time-limit", "-1"],
    ],
)
def test_bad_command_lines_exit_2_with_one_line(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_sample_month_prints_grid_and_shortfall(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        app,
        [
            "roster",
            "--sample",
            "--month",
            "2027-02",
            "--time-limit",
            "5",
            "--workers",
            "1",
            "--no-export",
            "--no-advice",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "График смен 01.02.2027–28.02.2027" in result.stdout
    assert "Иван Петров" in result.stdout and "Нехватка" in result.stdout


def test_vacation_check_of_the_sample_year(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["vacations", "--sample", "--year", "2027", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["year"] == 2027 and len(data["engineers"]) == 8
    assert all(e["counted_days"] == 28 for e in data["engineers"])


def test_period_longer_than_a_year_exits_2(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(request().model_dump_json())
    data["end"] = (MONDAY + timedelta(days=400)).isoformat()
    path = tmp_path / "long.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["roster", str(path)])
    assert result.exit_code == 2 and "at most a year" in result.stderr


def test_history_inside_the_period_exits_2_naming_the_field(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(request().model_dump_json())
    data["history"] = [
        {
            "engineer_id": "a",
            "date": "2027-03-01",
            "start": "2027-03-01T09:00:00+04:00",
            "end": "2027-03-01T18:00:00+04:00",
        }
    ]
    path = tmp_path / "history.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["roster", str(path), "--json"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "history[0].date" in lines[0] and "2027-03-01" in lines[0]


def test_history_of_an_unknown_engineer_exits_2_naming_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(request().model_dump_json())
    data["history"] = [
        {
            "engineer_id": "ghost",
            "date": "2027-02-28",
            "start": "2027-02-28T09:00:00+04:00",
            "end": "2027-02-28T18:00:00+04:00",
        }
    ]
    path = tmp_path / "history.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["roster", str(path), "--json"])
    assert result.exit_code == 2
    assert "history[0].engineer_id" in result.stderr and "ghost" in result.stderr


def test_request_with_history_prints_the_roster(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Sunday 28 Feb worked until 23:00: Monday's 09:00 shift would leave 10 h of rest.
    data = json.loads(request().model_dump_json())
    data["history"] = [
        {
            "engineer_id": "a",
            "date": "2027-02-28",
            "start": "2027-02-28T15:00:00+04:00",
            "end": "2027-02-28T23:00:00+04:00",
            "paid_minutes": 480,
        }
    ]
    path = tmp_path / "history.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["roster", str(path), "--json"])
    assert result.exit_code == 0, result.output
    dates = [a["date"] for a in json.loads(result.stdout)["assignments"]]
    assert "2027-03-01" not in dates and len(dates) == 4
