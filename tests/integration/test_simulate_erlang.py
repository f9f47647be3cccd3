"""The simulator against queueing theory: the synthetic base is M/M/c, so the simulated
P(wait ≤ t), P(wait > 0) and mean wait must agree with Erlang C within the confidence interval.

Erlang C is computed here independently (the textbook formula with factorials), and also
compared with the staffing module's figures the report carries.
"""

from __future__ import annotations

import math

import pytest

from optimizer.simulate import compare_with_erlang, run_scenarios
from optimizer.simulate.validation import synthetic_scenario


def erlang_c_textbook(
    lam_per_hour: float, mean_min: float, c: int, t_min: float
) -> dict[str, float]:
    """P(wait), P(wait ≤ t) and mean wait of M/M/c from the textbook formula."""
    lam, mu = lam_per_hour / 60.0, 1.0 / mean_min
    a = lam / mu
    top = a**c / math.factorial(c) * c / (c - a)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    drain = c * mu - lam
    return {
        "p_wait": p_wait,
        "service_level": 1 - p_wait * math.exp(-drain * t_min),
        "mean_wait": p_wait / drain,
    }


def _inside(x: float, lo: float, hi: float) -> bool:
    return lo <= x <= hi


@pytest.mark.parametrize(
    ("lam", "mean", "c", "t"),
    [
        (4.0, 30.0, 3, 10.0),  # the case: ρ = 2/3
        (9.0, 20.0, 4, 5.0),  # ρ = 3/4
    ],
)
def test_simulated_mmc_queue_agrees_with_erlang_c_within_the_interval(lam, mean, c, t):
    # About 2,900-6,500 tickets per replication after a 6-day warm-up, 8 replications.
    result = compare_with_erlang(lam, mean, c, t, horizon_days=60, replications=8, seed=1)
    theory = erlang_c_textbook(lam, mean, c, t)
    check = result.check
    sl, wait, pw = check.sim_service_level, check.sim_mean_wait_min, check.sim_p_wait
    assert _inside(theory["service_level"], sl.ci_low, sl.ci_high)
    assert _inside(theory["mean_wait"], wait.ci_low, wait.ci_high)
    assert _inside(theory["p_wait"], pw.ci_low, pw.ci_high)
    assert check.service_level == pytest.approx(theory["service_level"], rel=1e-9)
    assert check.asa_min == pytest.approx(theory["mean_wait"], rel=1e-9)
    assert result.agrees
    assert result.tickets_per_replication > 2500


def test_an_understaffed_queue_still_reports_and_says_it_is_overloaded():
    # λ = 10/h, 30 min each, 3 engineers: ρ = 5/3.
    report = run_scenarios(
        synthetic_scenario(10, 30, 3, 10, horizon_days=5, replications=2), workers=1, lang="en"
    )
    s = report.scenarios[0]
    assert s.overloaded and report.overloaded
    assert s.offered_utilisation > 1.5
    assert any("overloaded" in w for w in s.warnings)
    assert s.theory is not None and not s.theory.stable
    assert s.sla_attainment.mean < 0.2


def test_overload_warning_is_in_russian_by_default():
    report = run_scenarios(synthetic_scenario(10, 30, 3, 10, horizon_days=3, replications=1))
    assert any("перегружен" in w for w in report.scenarios[0].warnings)
