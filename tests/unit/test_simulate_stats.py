"""Confidence intervals, comparisons, and the same seed giving the same report."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from optimizer.domain.scenario import ScenarioSet
from optimizer.simulate import run_scenarios
from optimizer.simulate.stats import compare_values, estimate

SMALL_MMC = {"synthetic": {"rate_per_hour": 6, "mean_duration_min": 20, "engineers": 3}}


def _spec(**over: object) -> ScenarioSet:
    s = {"name": "m", "base": SMALL_MMC, "horizon_days": 5, "replications": 4, "seed": 42, **over}
    return ScenarioSet.model_validate({"scenarios": [s]})


def test_estimate_is_the_mean_with_a_student_t_interval():
    e = estimate([1.0, 2.0, 3.0, 4.0])
    half = stats.t.ppf(0.975, 3) * math.sqrt(5 / 3) / 2
    assert e.mean == 2.5
    assert e.ci_low == pytest.approx(2.5 - half) and e.ci_high == pytest.approx(2.5 + half)


def test_one_replication_collapses_the_interval_to_the_mean():
    e = estimate([0.7])
    assert (e.mean, e.ci_low, e.ci_high) == (0.7, 0.7, 0.7)


def test_missing_values_are_left_out_of_the_estimate():
    assert estimate([1.0, float("nan"), 3.0]).mean == 2.0


def test_paired_comparison_finds_a_small_steady_shift_significant():
    base = [0.90, 0.95, 0.85, 0.92, 0.88]
    other = [b - 0.01 for b in base]
    diff, lo, hi, p, test = compare_values(base, other, paired=True)
    assert test == "paired-t" and diff == pytest.approx(-0.01)
    assert p is not None and p < 0.05
    _, _, _, p_welch, test_welch = compare_values(base, other, paired=False)
    assert test_welch == "welch-t" and p_welch is not None and p_welch > 0.05


def test_same_seed_gives_the_same_report():
    a = run_scenarios(_spec(), workers=1)
    b = run_scenarios(_spec(), workers=1)
    assert a.model_dump_json() == b.model_dump_json()


def test_parallel_replications_give_the_same_report_as_serial_ones():
    serial = run_scenarios(_spec(), workers=1)
    parallel = run_scenarios(_spec(), workers=2)
    assert serial.model_dump_json() == parallel.model_dump_json()


def test_another_seed_gives_another_report():
    a = run_scenarios(_spec(), workers=1)
    b = run_scenarios(_spec(seed=43), workers=1)
    assert a.scenarios[0].wait_min.mean != b.scenarios[0].wait_min.mean


def test_progress_is_reported_after_every_replication():
    seen: list[tuple[int, int]] = []
    run_scenarios(_spec(), workers=1, progress=lambda d, n: seen.append((d, n)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
