"""The ``wfm`` CLI of the foundation: schema and SLA deadline, with the exit-status contract."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from service.cli.main import app

runner = CliRunner()


def test_sla_deadline_prints_one_iso_line_in_saratov_time():
    result = runner.invoke(app, ["sla", "deadline", "2026-11-27T16:30+04:00"])
    assert result.exit_code == 0
    assert result.stdout.strip() == "2026-11-30T10:30:00+04:00"


def test_sla_deadline_accepts_moscow_offset_and_explicit_minutes():
    result = runner.invoke(
        app, ["sla", "deadline", "2026-11-27T12:00+03:00", "--minutes", "60", "--clock", "24x7"]
    )
    assert result.exit_code == 0
    assert result.stdout.strip() == "2026-11-27T14:00:00+04:00"


def test_sla_deadline_with_naive_datetime_exits_2_naming_the_value():
    result = runner.invoke(app, ["sla", "deadline", "2026-11-27T16:30"])
    assert result.exit_code == 2
    assert "2026-11-27T16:30" in result.stderr and "offset" in result.stderr
    assert "Traceback" not in result.output


def test_sla_deadline_with_unparsable_date_exits_2():
    result = runner.invoke(app, ["sla", "deadline", "yesterday"])
    assert result.exit_code == 2
    assert "created: 'yesterday'" in result.stderr


def test_sla_deadline_with_unknown_priority_exits_2():
    result = runner.invoke(app, ["sla", "deadline", "2026-11-27T16:30+04:00", "--priority", "hot"])
    assert result.exit_code == 2
    assert "--priority: 'hot'" in result.stderr


def test_schema_prints_the_ticket_json_schema_rejecting_unknown_fields():
    result = runner.invoke(app, ["schema", "ticket"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["additionalProperties"] is False
    assert "created_at" in schema["required"]


def test_schema_of_unknown_model_exits_2():
    result = runner.invoke(app, ["schema", "spaceship"])
    assert result.exit_code == 2


def test_a_request_file_is_read_as_strictly_as_the_api_reads_a_body(tmp_path):
    cases = {
        "twice.json": ('{"tickets": [], "tickets": []}', "twice.json: tickets", "named twice"),
        "nan.json": ('{"horizon_start": NaN}', "nan.json: horizon_start", "NaN"),
        "cut.json": ('{"tickets": [', "cut.json", "the file is not valid JSON"),
    }
    for name, (text, field, words) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        result = runner.invoke(app, ["dispatch", str(path)])
        assert result.exit_code == 2, (name, result.output)
        line = result.stderr.strip()
        assert "\n" not in line and field in line and words in line, line
