"""``wfm calendar show YEAR`` through its Typer commands: the table, the warning, bad years."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from service.cli import calendar as calendar_cli

runner = CliRunner()


def app() -> typer.Typer:
    """A ``wfm``-like app with only the calendar commands (independent of other areas)."""
    root = typer.Typer()
    calendar_cli.register(root)

    @root.callback()
    def _root() -> None:
        """wfm"""

    return root


def test_show_prints_the_year_in_russian_with_the_norms() -> None:
    result = runner.invoke(app(), ["calendar", "show", "2027"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Производственный календарь на 2027 год" in out
    assert "О переносе выходных дней в 2027 году" in out
    assert "Февраль         28    19     9     1    151,0    135,8     90,2" in out
    assert "I квартал       90    56    34     1    447,0" in out
    assert "Год            365   247   118     4   1972,0   1774,4   1181,6" in out
    assert "20.02 сб — рабочий день, короче на 1 час" in out
    assert "22.02 пн — выходной, перенесён с 20.02.2027 сб" in out
    assert "Внимание" not in out
    for word in ("day_off", "shortened", "working_weekend"):
        assert word not in out


def test_show_in_english_on_request() -> None:
    result = runner.invoke(app(), ["calendar", "show", "2025", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Production calendar of 2025" in result.stdout
    assert "November        30    19    11     1    151.0" in result.stdout
    assert "01.11 Sat — working day, one hour shorter" in result.stdout


def test_a_year_without_data_shows_the_warning_in_the_output() -> None:
    result = runner.invoke(app(), ["calendar", "show", "2030"])
    assert result.exit_code == 0, result.output
    third = result.stdout.splitlines()[2]
    assert third.startswith("Внимание: Официального производственного календаря на 2030 год")


def test_json_output_carries_the_months_and_the_source() -> None:
    result = runner.invoke(app(), ["calendar", "show", "2026", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["official"] is True and data["warning"] is None
    assert [m["norm_hours"]["40"] for m in data["months"]][:2] == [120.0, 152.0]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["1999"], "YEAR: 1999"),
        (["2101"], "YEAR: 2101"),
        (["twenty"], "YEAR: 'twenty'"),
        (["2027", "--lang", "de"], "--lang: 'de'"),
    ],
)
def test_a_bad_year_or_language_exits_2_with_one_line_naming_it(
    args: list[str], field: str
) -> None:
    result = runner.invoke(app(), ["calendar", "show", *args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(field)
