"""The Shift Scheduling Benchmark: reader, independent re-scoring, benchmark-exact model,
and the solve's status and bound."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from optimizer.errors import InvalidInput
from optimizer.ssb import SsbParams, parse_ssb, read_ssb, score_ssb, solve
from service.cli import roster as roster_cli

SSB_DATA = Path(__file__).resolve().parents[1] / "data" / "ssb"
"""Instances 1–7 of the benchmark, kept with the tests (provenance in its README)."""
INSTANCE1 = SSB_DATA / "Instance1.txt"
INSTANCE2 = SSB_DATA / "Instance2.txt"

# Four days, two employees, shift types D and N (D may not follow N). A: 1–4 shifts, runs of
# 2–3; B: at most 4 D and no N, day 3 off. A wants day 0 (weight 2), B not day 1 (weight 3).
TINY = """
SECTION_HORIZON
4
SECTION_SHIFTS
D,480,
N,480,D
SECTION_STAFF
A,D=4|N=4,1920,480,3,2,1,1
B,D=4|N=0,1920,0,3,1,1,1
SECTION_DAYS_OFF
B,3
SECTION_SHIFT_ON_REQUESTS
A,0,D,2
SECTION_SHIFT_OFF_REQUESTS
B,1,D,3
SECTION_COVER
0,D,1,100,1
1,D,2,100,1
2,D,1,100,1
3,D,0,100,1
"""


def test_reader_parses_every_section() -> None:
    inst = parse_ssb(TINY, name="tiny")
    assert inst.horizon == 4
    assert [s.id for s in inst.shifts] == ["D", "N"]
    assert inst.shift("N").cannot_follow == ("D",)
    assert inst.staff[0].max_shifts == {"D": 4, "N": 4}
    assert inst.staff[0].min_consecutive_shifts == 2
    assert inst.days_off == {"B": (3,)}
    assert inst.on_requests[0].weight == 2 and inst.off_requests[0].shift_id == "D"
    assert len(inst.cover) == 4


def test_reader_names_the_section_of_an_unknown_shift() -> None:
    with pytest.raises(InvalidInput, match="SECTION_COVER"):
        parse_ssb(TINY.replace("3,D,0,100,1", "3,X,0,100,1"))


def test_reader_rejects_a_day_outside_the_horizon() -> None:
    with pytest.raises(InvalidInput, match="outside the horizon"):
        parse_ssb(TINY.replace("B,3\n", "B,9\n"))


def test_score_counts_requests_and_cover_as_the_benchmark_defines() -> None:
    inst = parse_ssb(TINY)
    # A works D on days 0-1; B works D on days 1-2.
    plan = {("A", 0): "D", ("A", 1): "D", ("B", 1): "D", ("B", 2): "D"}
    score = score_ssb(inst, plan)
    # off request of B on day 1 denied (3); cover exact everywhere.
    assert score.objective == 3
    assert score.feasible


@pytest.mark.parametrize(
    ("plan", "rule"),
    [
        ({("A", 0): "N", ("A", 1): "D"}, "may not follow"),
        ({("A", 1): "D"}, "consecutive shifts < min"),
        ({("A", d): "D" for d in range(4)}, "consecutive shifts > max"),
        ({("A", 0): "D", ("A", 1): "D", ("B", 3): "D"}, "requested day off"),
        ({("B", 0): "N"}, "max 0"),
        ({("A", 0): "D", ("A", 1): "D", ("A", 3): "D"}, "days off < min"),
    ],
)
def test_score_lists_each_broken_hard_rule(plan: dict, rule: str) -> None:
    # A here needs at least 2 consecutive days off between two working days.
    inst = parse_ssb(TINY.replace("A,D=4|N=4,1920,480,3,2,1,1", "A,D=4|N=4,1920,480,3,2,2,1"))
    violations = score_ssb(inst, plan).violations
    assert any(rule in v for v in violations), violations


def test_short_runs_touching_the_horizon_edges_are_allowed() -> None:
    # A works only the last day: a run of 1 < min 2, but it touches the end of the horizon.
    inst = parse_ssb(TINY)
    assert score_ssb(inst, {("A", 3): "D"}).feasible


def test_tiny_instance_solves_to_a_legal_optimum() -> None:
    inst = parse_ssb(TINY, name="tiny")
    roster = solve(inst, SsbParams(num_workers=1, max_deterministic_time=5))
    plan = {(a.engineer_id, a.day): a.template_id for a in roster.assignments}
    score = score_ssb(inst, plan)
    assert roster.status == "OPTIMAL" and score.feasible
    assert roster.objective == score.objective == roster.best_bound


def test_instance1_solves_to_its_proven_optimum_607() -> None:
    inst = read_ssb(INSTANCE1)
    roster = solve(inst, SsbParams(num_workers=1, seed=0, max_deterministic_time=20))
    plan = {(a.engineer_id, a.day): a.template_id for a in roster.assignments}
    score = score_ssb(inst, plan)
    assert roster.status == "OPTIMAL"
    assert roster.objective == 607 == score.objective
    assert score.feasible, score.violations
    assert {a.engineer_id for a in roster.assignments} <= set("ABCDEFGH")
    assert {a.template_id for a in roster.assignments} == {"D"}


def test_the_instances_kept_with_the_tests_parse_with_their_published_sizes() -> None:
    # weeks, employees and shift types as in the benchmark's instance table
    sizes = {1: (2, 8, 1), 2: (2, 14, 2), 3: (2, 20, 3), 4: (4, 10, 2), 5: (4, 16, 2)}
    sizes |= {6: (4, 18, 3), 7: (4, 20, 3)}
    for n, (weeks, staff, shifts) in sizes.items():
        inst = read_ssb(SSB_DATA / f"Instance{n}.txt")
        assert (inst.horizon, len(inst.staff), len(inst.shifts)) == (7 * weeks, staff, shifts)


def test_a_missing_benchmark_file_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="file not found") as err:
        read_ssb(tmp_path / "Instance99.txt")
    assert err.value.field == "benchmark"


def test_a_solve_stopped_by_its_limit_without_proof_is_feasible_with_its_bound() -> None:
    # 0.5 work units find a roster on Instance2 but do not prove it (the optimum is 828)
    inst = read_ssb(INSTANCE2)
    roster = solve(inst, SsbParams(num_workers=1, seed=0, max_deterministic_time=0.5))
    plan = {(a.engineer_id, a.day): a.template_id for a in roster.assignments}
    assert roster.status == "FEASIBLE" == roster.solver.status
    assert score_ssb(inst, plan).feasible
    assert roster.objective == score_ssb(inst, plan).objective
    assert roster.best_bound is not None and roster.objective is not None
    assert roster.best_bound < roster.objective and roster.best_bound <= 828 <= roster.objective
    assert roster.solver.gap is not None and roster.solver.gap > 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_limit_s", 0),
        ("num_workers", 0),
        ("pricing_share", 1.5),
        ("handover_share", 0),
        ("max_deterministic_time", -1),
    ],
)
def test_params_reject_a_bad_setting_naming_it(field: str, value: float) -> None:
    with pytest.raises(InvalidInput) as err:
        SsbParams(**{field: value})
    assert (err.value.field, err.value.value) == (field, value)


def _roster_command() -> typer.Typer:
    """``wfm roster`` and ``wfm vacations`` on an app of their own."""
    app = typer.Typer()
    roster_cli.register(app)
    return app


def test_the_command_line_race_reports_a_proven_optimum_with_its_bound(tmp_path: Path) -> None:
    # default workers: the race; a minute of budget, which TINY needs a fraction of
    path = tmp_path / "tiny.txt"
    path.write_text(TINY, encoding="utf-8")
    result = CliRunner().invoke(
        _roster_command(), ["roster", "--benchmark", str(path), "--time-limit", "60", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "OPTIMAL" and data["objective"] == data["best_bound"]


def test_the_command_line_names_a_broken_benchmark_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.txt"
    path.write_text(TINY.replace("3,D,0,100,1", "3,X,0,100,1"), encoding="utf-8")
    result = CliRunner().invoke(_roster_command(), ["roster", "--benchmark", str(path)])
    assert result.exit_code == 2
    assert "SECTION_COVER" in result.stderr and "X" in result.stderr
