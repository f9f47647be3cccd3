"""``wfm whatif``: the report, the files it writes, and the exit-status contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli.main import app

runner = CliRunner()
SCENARIOS = Path(__file__).resolve().parents[2] / "data" / "scenarios"
MMC = {"synthetic": {"rate_per_hour": 4, "mean_duration_min": 30, "engineers": 3}}


def _write(tmp_path: Path, data: object, name: str = "s.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _whatif(*args: str):
    return runner.invoke(app, ["whatif", *args])


def test_json_report_of_the_mmc_check_has_attainment_and_wait_figures(tmp_path):
    result = _whatif(
        str(SCENARIOS / "mmc_check.json"), "--replications", "2", "--json", "--out", str(tmp_path)
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    s = report["scenarios"][0]
    assert set(s["sla_attainment"]) == {"mean", "ci_low", "ci_high"}
    assert {"mean", "p50", "p90", "p95"} <= set(s["wait_min"])
    assert s["replications"] == 2
    assert s["theory"]["agents"] == 3
    assert (tmp_path / "report.json").exists()


def test_table_output_compares_with_the_baseline_and_writes_png_and_html(tmp_path):
    spec = {
        "defaults": {"base": MMC, "horizon_days": 4, "replications": 2, "seed": 1},
        "scenarios": [{"name": "three"}, {"name": "four", "changes": {"add_engineers": [{}]}}],
    }
    spec = {"scenarios": [{**spec["defaults"], **s} for s in spec["scenarios"]]}
    result = _whatif(str(_write(tmp_path, spec)), "--out", str(tmp_path / "out"), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "four" in result.stdout and "SLA attainment" in result.stdout
    out = tmp_path / "out"
    assert (out / "sla_attainment.png").read_bytes()[:4] == b"\x89PNG"
    html = (out / "report.html").read_text(encoding="utf-8")
    # Self-contained: plotly.js is inlined (megabytes), not loaded from a CDN.
    assert len(html) > 1_000_000 and 'src="https://cdn.plot.ly' not in html


def test_report_is_in_russian_by_default(tmp_path):
    spec = {"name": "m", "base": MMC, "horizon_days": 3, "replications": 1}
    result = _whatif(str(_write(tmp_path, spec)), "--out", str(tmp_path), "--no-plots")
    assert result.exit_code == 0, result.output
    assert "Итоги сценариев" in result.stdout


def test_same_seed_on_the_command_line_gives_the_same_json(tmp_path):
    spec = _write(tmp_path, {"name": "m", "base": MMC, "horizon_days": 3, "replications": 2})
    a = _whatif(str(spec), "--seed", "7", "--json", "--out", str(tmp_path / "a"), "--no-plots")
    b = _whatif(str(spec), "--seed", "7", "--json", "--out", str(tmp_path / "b"), "--no-plots")
    assert a.exit_code == b.exit_code == 0
    assert a.stdout == b.stdout


def test_yaml_scenario_file_is_read(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: m\nbase:\n  synthetic: {rate_per_hour: 2, mean_duration_min: 20, engineers: 1}\n"
        "horizon_days: 2\nreplications: 1\n",
        encoding="utf-8",
    )
    result = _whatif(str(path), "--json", "--out", str(tmp_path), "--no-plots")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["scenarios"][0]["name"] == "m"


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        (
            {"name": "x", "changes": {"remove_engineers": ["e99"]}},
            "scenarios[0].changes.remove_engineers[0]: 'e99'",
        ),
        (
            {"name": "x", "changes": {"add_clients": [{"city": "Atlantis", "count": 5}]}},
            "scenarios[0].changes.add_clients[0].city: 'Atlantis'",
        ),
        (
            {"name": "x", "base": {"synthetic": {**MMC["synthetic"], "rate_per_hour": -1}}},
            "scenarios[0].base.synthetic.rate_per_hour: -1",
        ),
        ({"name": "x", "replications": 0}, "scenarios[0].replications: 0"),
        ({"name": "x", "horizon_days": 1500}, "scenarios[0].horizon_days: 1500"),
        ({"name": "x", "policy": "fastest"}, "scenarios[0].policy: 'fastest'"),
    ],
    ids=[
        "unknown-engineer",
        "unknown-city",
        "negative-rate",
        "zero-replications",
        "horizon",
        "policy",
    ],
)
def test_bad_scenario_exits_2_with_one_line_naming_the_field(tmp_path, scenario, expected):
    result = _whatif(str(_write(tmp_path, scenario)), "--out", str(tmp_path), "--no-plots")
    assert result.exit_code == 2
    assert result.stderr.startswith(expected), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_zero_replications_on_the_command_line_exits_2(tmp_path):
    spec = _write(tmp_path, {"name": "m", "base": MMC, "horizon_days": 1})
    result = _whatif(str(spec), "--replications", "0", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith("--replications: 0")


def test_missing_scenario_file_exits_2(tmp_path):
    result = _whatif(str(tmp_path / "nope.json"), "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "file not found" in result.stderr


def test_overloaded_department_exits_0_and_says_so(tmp_path):
    spec = {
        "name": "over",
        "base": {"synthetic": {"rate_per_hour": 10, "mean_duration_min": 30, "engineers": 3}},
        "horizon_days": 2,
        "replications": 1,
    }
    result = _whatif(str(_write(tmp_path, spec)), "--json", "--out", str(tmp_path), "--no-plots")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["overloaded"] is True and report["scenarios"][0]["overloaded"] is True
    assert report["warnings"]


def test_few_replications_are_warned_about_on_the_command_line(tmp_path):
    spec = {"name": "m", "base": MMC, "horizon_days": 2, "replications": 2}
    result = _whatif(str(_write(tmp_path, spec)), "--out", str(tmp_path), "--no-plots")
    assert result.exit_code == 0, result.output
    assert "нужно не меньше 5" in result.stdout
    english = _whatif(
        str(_write(tmp_path, spec)), "--out", str(tmp_path), "--no-plots", "--lang", "en"
    )
    assert "at least 5 are needed" in english.stdout


def test_backtest_prints_the_recorded_month_beside_the_model(tmp_path):
    result = _whatif(
        str(SCENARIOS / "base.json"),
        "--backtest",
        "2026-07",
        "--replications",
        "1",
        "--out",
        str(tmp_path),
        "--no-plots",
    )
    assert result.exit_code == 0, result.output
    assert "Проверка на истории: 2026-07" in result.stdout
    assert "По истории" in result.stdout and "91.0%" in result.stdout
    assert "Модель даёт" in result.stdout
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    bt = report["scenarios"][0]["backtest"]
    assert bt["month"] == "2026-07" and bt["rows"][0]["recorded"] == 807


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--backtest", "2030-01"], "scenarios[0].backtest: '2030-01'"),
        (["--backtest", "2026-13"], "--backtest: '2026-13'"),
    ],
    ids=["outside-the-history", "not-a-month"],
)
def test_a_bad_backtest_month_exits_2_naming_it(tmp_path, args, expected):
    result = _whatif(str(SCENARIOS / "base.json"), *args, "--out", str(tmp_path), "--no-plots")
    assert result.exit_code == 2
    assert result.stderr.startswith(expected), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_calibrate_fits_the_sample_history_and_reports_the_fit():
    result = _whatif("--calibrate", str(SCENARIOS.parent / "ticket_history.csv"))
    assert result.exit_code == 0, result.output
    assert "Длительность по категориям" in result.stdout and "dialplan_change" in result.stdout
    assert "Поток заявок" in result.stdout
    as_json = _whatif("--calibrate", str(SCENARIOS.parent / "ticket_history.csv"), "--json")
    fit = json.loads(as_json.stdout)
    assert {d["category"] for d in fit["durations"]} >= {"dialplan_change", "server"}
    assert all(d["fits"] for d in fit["durations"])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "--calibrate: "),
        ("a,b\n1,2\n", "export.csv row 1: 'a,b' — missing column 'id'"),
    ],
    ids=["missing", "wrong-columns"],
)
def test_a_bad_export_exits_2_with_one_line(tmp_path, content, expected):
    path = tmp_path / "export.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = _whatif("--calibrate", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(expected), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
