"""The Shift Scheduling Benchmark: reader, independent re-scoring, benchmark-exact model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from optimizer.errors import InvalidInput
from optimizer.io.benchmark_ssb import parse_ssb, read_ssb
from optimizer.roster import SsbParams, score_ssb, solve_ssb


def benchdata() -> Path:
    """``<repo>/../shared/benchdata`` unless ``WFM_BENCHDATA`` says otherwise."""
    env = os.environ.get("WFM_BENCHDATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "benchdata"


INSTANCE1 = benchdata() / "shift-scheduling" / "Instance1.txt"
needs_instance1 = pytest.mark.skipif(
    not INSTANCE1.exists(), reason=f"benchmark data not found at {INSTANCE1}"
)

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
    roster = solve_ssb(inst, SsbParams(num_workers=1, max_deterministic_time=5))
    plan = {(a.engineer_id, a.day): a.template_id for a in roster.assignments}
    score = score_ssb(inst, plan)
    assert roster.status == "OPTIMAL" and score.feasible
    assert roster.objective == score.objective == roster.best_bound


@needs_instance1
def test_instance1_solves_to_its_proven_optimum_607() -> None:
    inst = read_ssb(INSTANCE1)
    roster = solve_ssb(inst, SsbParams(num_workers=1, seed=0, max_deterministic_time=20))
    plan = {(a.engineer_id, a.day): a.template_id for a in roster.assignments}
    score = score_ssb(inst, plan)
    assert roster.status == "OPTIMAL"
    assert roster.objective == 607 == score.objective
    assert score.feasible, score.violations
    assert {a.engineer_id for a in roster.assignments} <= set("ABCDEFGH")
    assert {a.template_id for a in roster.assignments} == {"D"}
