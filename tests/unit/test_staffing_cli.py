"""``wfm staffing erlang`` and ``wfm staffing requirements``: output contract and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli.main import app
from tests.unit.test_staffing_erlang import exact_erlang_c
from tests.unit.test_staffing_forecast import synthetic_history

runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    """Invoke ``wfm`` with ``args``."""
    return runner.invoke(app, list(args))


def test_erlang_prints_the_textbook_figures_as_json() -> None:
    # 100 calls/h × 6 min = 10 Erlangs on 11 agents; target 3 min.
    result = run(
        "staffing",
        "erlang",
        "--rate-per-hour",
        "100",
        "--aht-min",
        "6",
        "--agents",
        "11",
        "--target-min",
        "3",
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert list(out)[:4] == ["p_wait", "service_level", "asa_min", "occupancy"]
    assert out["p_wait"] == pytest.approx(exact_erlang_c(10, 11), rel=1e-12)
    assert out["occupancy"] == pytest.approx(10 / 11)
    assert out["agents"] == 11 and out["offered_load"] == pytest.approx(10.0)
    assert out["unstable"] is False
    assert "p_abandon" not in out


def test_erlang_with_patience_adds_the_abandonment_probability() -> None:
    result = run(
        "staffing", "erlang", "--rate-per-hour", "600", "--aht-min", "1", "--agents", "9",
        "--target-min", "0.5", "--patience-min", "2",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert 0 < out["p_abandon"] < out["p_wait"] < 1


def test_an_overloaded_queue_prints_null_wait_and_unstable() -> None:
    result = run(
        "staffing",
        "erlang",
        "--rate-per-hour",
        "600",
        "--aht-min",
        "1",
        "--agents",
        "10",
        "--target-min",
        "1",
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["unstable"] is True
    assert out["asa_min"] is None
    assert (out["p_wait"], out["service_level"]) == (1.0, 0.0)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--rate-per-hour", "-5"),
        ("--agents", "0"),
        ("--agents", "2.5"),
        ("--aht-min", "abc"),
        ("--target-min", "-1"),
        ("--patience-min", "0"),
    ],
)
def test_invalid_erlang_input_exits_2_with_one_line_naming_the_option(
    option: str, value: str
) -> None:
    args = {"--rate-per-hour": "60", "--aht-min": "5", "--agents": "3", "--target-min": "1"}
    args[option] = value
    flat = [part for pair in args.items() for part in pair]
    result = run("staffing", "erlang", *flat)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert option in lines[0] and repr(value) in lines[0]


@pytest.fixture(scope="module")
def history_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic eight-week history written as the CLI reads it."""
    path = tmp_path_factory.mktemp("staffing") / "ticket_history.csv"
    synthetic_history(per_hour=3.0, seed=2).to_csv(path, index=False)
    return path


def test_requirements_prints_the_table_and_writes_both_heatmaps(
    history_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "heat"
    result = run(
        "staffing", "requirements", "--history", str(history_csv), "--out", str(out), "--lang", "en"
    )
    assert result.exit_code == 0, result.output
    assert "Staff required per interval" in result.stdout
    assert "all engineers" in result.stdout and "09:00" in result.stdout
    png = (out / "requirements_heatmap.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    html = (out / "requirements_heatmap.html").read_text(encoding="utf-8")
    # Self-contained: plotly.js is inlined (megabytes), no <script src=...>.
    assert len(html) > 1_000_000 and "Plotly.newPlot" in html
    assert '<script src="http' not in html


def test_requirements_json_lists_coverage_rows_for_the_roster(
    history_csv: Path, tmp_path: Path
) -> None:
    result = run(
        "staffing", "requirements", "--history", str(history_csv), "--out", str(tmp_path),
        "--json", "--week-of", "2026-03-11", "--target-sl", "0.9",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["date"] for r in rows} == {f"2026-03-{d}" for d in (10, 11, 12, 13)}  # 9 March off
    assert set(rows[0]) == {"weekday", "date", "start", "end", "group", "required"}


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--history", "no/such/file.csv"], "--history"),
        (["--target-sl", "1.5"], "--target-sl"),
        (["--interval", "45"], "--interval"),
        (["--shrinkage", "1"], "--shrinkage"),
    ],
)
def test_invalid_requirements_input_exits_2_naming_the_option(
    args: list[str], option: str, history_csv: Path, tmp_path: Path
) -> None:
    base = ["--history", str(history_csv), "--out", str(tmp_path)]
    result = run("staffing", "requirements", *base, *args)
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(option)
    assert len(result.stderr.strip().splitlines()) == 1
