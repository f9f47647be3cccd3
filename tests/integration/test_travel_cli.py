"""``wfm travel``: matrix and leg of the default model, exit status 2 with one line on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli.main import app

RUSH = "2026-11-25T08:00+04:00"  # a Wednesday, morning rush
QUIET = "2026-11-25T11:00+04:00"
SARATOV = "51.533,46.034"
ENGELS = "51.485,46.126"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def locations_file(tmp_path: Path) -> Path:
    """Office in Saratov, a customer in Engels, a customer in Saratov's Kirovsky district."""
    path = tmp_path / "locations.json"
    path.write_text(
        json.dumps(
            [
                {"id": "office", "lat": 51.533, "lon": 46.034},
                {"id": "engels", "lat": 51.485, "lon": 46.126},
                {"lat": 51.545, "lon": 46.005},
            ]
        ),
        encoding="utf-8",
    )
    return path


def test_matrix_json_is_square_with_zero_diagonal(runner, locations_file):
    result = runner.invoke(app, ["travel", "matrix", str(locations_file), "--at", RUSH, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [len(row) for row in data["minutes"]] == [3, 3, 3]
    assert [data["minutes"][i][i] for i in range(3)] == [0, 0, 0]
    assert data["km"][0][1] == data["km"][1][0] > 10
    # Crossing the bridge in the rush takes longer than staying in Saratov.
    assert data["minutes"][0][1] > data["minutes"][0][2]


def test_matrix_accepts_a_locations_object(runner, locations_file, tmp_path):
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"locations": json.loads(locations_file.read_text())}))
    plain = runner.invoke(app, ["travel", "matrix", str(locations_file), "--at", RUSH, "--json"])
    boxed = runner.invoke(app, ["travel", "matrix", str(wrapped), "--at", RUSH, "--json"])
    assert boxed.exit_code == 0 and boxed.stdout == plain.stdout


def test_matrix_table_names_the_locations(runner, locations_file):
    result = runner.invoke(app, ["travel", "matrix", str(locations_file), "--at", QUIET])
    assert result.exit_code == 0, result.output
    assert "office" in result.stdout and "engels" in result.stdout and "min / km" in result.stdout


def test_leg_says_it_crosses_the_bridge(runner):
    result = runner.invoke(app, ["travel", "leg", SARATOV, ENGELS, "--at", QUIET])
    assert result.exit_code == 0, result.output
    assert "right → left bank, crosses the bridge" in result.stdout


def test_leg_json_is_slower_in_rush_hour(runner):
    rush = runner.invoke(app, ["travel", "leg", SARATOV, ENGELS, "--at", RUSH, "--json"])
    quiet = runner.invoke(app, ["travel", "leg", SARATOV, ENGELS, "--at", QUIET, "--json"])
    assert json.loads(rush.stdout)["minutes"] > json.loads(quiet.stdout)["minutes"]


def test_malformed_point_exits_2_with_one_line(runner):
    result = runner.invoke(app, ["travel", "leg", SARATOV, "51.485", "--at", QUIET])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("destination: '51.485'")


def test_naive_departure_exits_2(runner):
    result = runner.invoke(app, ["travel", "leg", SARATOV, ENGELS, "--at", "2026-11-25T08:00"])
    assert result.exit_code == 2
    assert "--at" in result.stderr and "offset" in result.stderr


def test_missing_locations_file_exits_2(runner, tmp_path):
    result = runner.invoke(app, ["travel", "matrix", str(tmp_path / "absent.json")])
    assert result.exit_code == 2
    assert "file not found" in result.stderr


def test_location_without_coordinates_exits_2_naming_it(runner, tmp_path):
    path = tmp_path / "ids.json"
    path.write_text(json.dumps([{"id": "office"}, {"lat": 51.5, "lon": 46.0}]))
    result = runner.invoke(app, ["travel", "matrix", str(path), "--at", QUIET])
    assert result.exit_code == 2
    assert result.stderr.startswith("locations[0]: 'office'")


def test_latitude_out_of_range_exits_2_naming_the_field(runner, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"lat": 151.5, "lon": 46.0}]))
    result = runner.invoke(app, ["travel", "matrix", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith("locations[0].lat: 151.5")


def test_geocode_offline_without_cache_exits_2(runner, tmp_path):
    cache = tmp_path / "cache.json"
    result = runner.invoke(
        app,
        ["travel", "geocode", "Саратов, ул. Московская, 66", "--cache", str(cache), "--offline"],
    )
    assert result.exit_code == 2
    assert "not in the geocoding cache and offline" in result.stderr


def test_geocode_offline_reads_the_cache(runner, tmp_path):
    cache = tmp_path / "cache.json"
    entry = {"address": "Энгельс, пл. Ленина, 1", "lat": 51.4985, "lon": 46.1255}
    cache.write_text(json.dumps({"version": 1, "entries": {"энгельс, пл. ленина, 1": entry}}))
    result = runner.invoke(
        app, ["travel", "geocode", "Энгельс, пл. Ленина, 1", "--cache", str(cache), "--offline"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "51.498500,46.125500"
