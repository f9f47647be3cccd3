"""``wfm data generate`` and ``wfm data check``."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from service.cli.main import app

runner = CliRunner()


def test_generate_twice_with_the_same_seed_writes_identical_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        result = runner.invoke(app, ["data", "generate", "--seed", "5", "--out", str(out)])
        assert result.exit_code == 0, result.output
    names = sorted(p.name for p in a.iterdir())
    assert len(names) == 8  # the skills catalogue and the seven data files
    assert all((a / n).read_bytes() == (b / n).read_bytes() for n in names)


def test_check_prints_the_counts_of_the_committed_sample() -> None:
    result = runner.invoke(app, ["data", "check"])
    assert result.exit_code == 0, result.output
    assert "sites            320" in result.output
    assert "engineers        8" in result.output


def test_check_of_a_broken_folder_exits_2_with_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "check", str(tmp_path)])
    assert result.exit_code == 2
    assert "file not found" in result.output


def test_a_negative_seed_is_invalid_input_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "generate", "--seed", "-1", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "seed" in result.output
