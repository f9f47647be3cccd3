"""Honest what-if statistics: share intervals inside [0, 1], amounts never below 0, paired
differences, and the warning below the minimum number of replications."""

from __future__ import annotations

import math

import pytest

from optimizer.domain.scenario import ScenarioSet
from optimizer.simulate import SimulationParams, compare_with_erlang, run_scenarios
from optimizer.simulate.report import few_replications_warning
from optimizer.simulate.stats import compare_values, estimate, share_estimate

SMALL_MMC = {"synthetic": {"rate_per_hour": 6, "mean_duration_min": 20, "engineers": 3}}


def _inside_unit(lo: float, mean: float, hi: float) -> bool:
    return 0.0 <= lo <= mean <= hi <= 1.0


def test_two_replications_far_apart_keep_the_share_interval_inside_zero_and_one():
    # The plain t-interval of these two shares is 17.5 % ± 159 pp: [-141 %; 176 %].
    e = share_estimate([0.05, 0.30])
    assert e.mean == pytest.approx(0.175)
    assert _inside_unit(e.ci_low, e.mean, e.ci_high)
    assert e.ci_low < 0.05 and e.ci_high > 0.30


def test_a_share_near_one_never_gets_an_upper_end_above_one():
    # The t-interval of these five is 96.8 % ± 3.9 pp, up to 100.7 %.
    e = share_estimate([0.99, 0.93, 1.0, 0.95, 0.97])
    assert _inside_unit(e.ci_low, e.mean, e.ci_high) and e.ci_high < 1.0


def test_every_replication_on_time_gives_an_interval_ending_at_one_below_the_pooled_bound():
    e = share_estimate([1.0, 1.0], counts=[40, 60])
    assert e.mean == 1.0 and e.ci_high == 1.0
    # Jeffreys for 100 of 100: the lower end is about 97.5 %.
    assert 0.97 < e.ci_low < 0.99


def test_no_replication_on_time_gives_an_interval_starting_at_zero():
    e = share_estimate([0.0, 0.0, 0.0], counts=[10, 10, 10])
    assert e.mean == 0.0 and e.ci_low == 0.0 and 0.0 < e.ci_high < 0.1


def test_identical_shares_without_counts_collapse_to_the_share():
    e = share_estimate([0.8, 0.8])
    assert (e.ci_low, e.mean, e.ci_high) == (0.8, 0.8, 0.8)


def test_a_share_interval_narrows_on_the_logit_scale_as_replications_are_added():
    few = share_estimate([0.90, 0.94, 0.92])
    many = share_estimate([0.90, 0.94, 0.92] * 4)
    assert many.ci_high - many.ci_low < few.ci_high - few.ci_low


def test_a_wait_interval_never_goes_below_zero():
    e = estimate([0.0, 0.0, 12.0])
    assert e.mean == 4.0 and e.ci_low == 0.0 and e.ci_high > 12.0


def test_a_scenario_compared_with_itself_differs_by_zero_and_not_significantly():
    spec = {"name": "a", "base": SMALL_MMC, "horizon_days": 3, "replications": 3, "seed": 5}
    twin = {**spec, "name": "b"}
    report = run_scenarios(ScenarioSet.model_validate({"scenarios": [spec, twin]}), workers=1)
    measured = [r for r in report.comparison if r.difference is not None]
    assert "sla_attainment" in {r.metric for r in measured}
    for row in measured:
        assert row.test == "paired-t", row.metric
        assert row.difference == 0.0 and not row.significant, row.metric
    # A figure the synthetic base never measures (no urgent tickets) is not significant either.
    assert not any(r.significant for r in report.comparison)


def test_a_steady_paired_shift_of_shares_is_significant_and_its_interval_stays_in_bounds():
    base = [0.90, 0.95, 0.85, 0.92, 0.88]
    diff, lo, hi, p, test = compare_values(base, [b - 0.01 for b in base], True, bound=1.0)
    assert test == "paired-t" and diff == pytest.approx(-0.01)
    assert p is not None and p < 0.05 and lo is not None and hi is not None
    assert -1.0 <= lo <= diff <= hi <= 1.0


def test_extreme_shares_over_two_replications_stay_in_bounds_in_a_whole_report():
    # 0.5 tickets an hour for three engineers: nobody ever waits, every ticket is on time.
    idle = {"synthetic": {"rate_per_hour": 0.5, "mean_duration_min": 5, "engineers": 3}}
    spec = {"name": "idle", "base": idle, "horizon_days": 2, "replications": 2, "seed": 3}
    s = run_scenarios(ScenarioSet.model_validate({"scenarios": [spec]}), workers=1).scenarios[0]
    for e in (s.sla_attainment, s.utilisation, s.phone.within_target):
        assert _inside_unit(e.ci_low, e.mean, e.ci_high)
    assert s.sla_attainment.mean == 1.0 and s.sla_attainment.ci_low < 1.0


def test_the_mmc_interval_of_the_service_level_and_of_waiting_covers_erlang_c():
    # λ = 4/h, 30 min, 3 engineers (ρ = 2/3), target 10 min; five replications of 20 days.
    result = compare_with_erlang(4.0, 30.0, 3, 10.0, horizon_days=20, replications=5, seed=2)
    c = result.check
    sl, pw = c.sim_service_level, c.sim_p_wait
    assert _inside_unit(sl.ci_low, sl.mean, sl.ci_high)
    assert _inside_unit(pw.ci_low, pw.mean, pw.ci_high)
    assert sl.ci_low <= c.service_level <= sl.ci_high
    assert pw.ci_low <= c.p_wait <= pw.ci_high


def test_fewer_replications_than_the_minimum_are_warned_about_in_russian_by_default():
    spec = {"name": "m", "base": SMALL_MMC, "horizon_days": 2, "replications": 2, "seed": 1}
    report = run_scenarios(ScenarioSet.model_validate({"scenarios": [spec]}), workers=1)
    assert report.few_replications and report.min_replications == 5
    assert any("нужно не меньше 5" in w for w in report.scenarios[0].warnings)
    assert any("нужно не меньше 5" in w for w in report.warnings)


def test_the_minimum_number_of_replications_is_a_parameter_and_the_warning_speaks_english():
    spec = {"name": "m", "base": SMALL_MMC, "horizon_days": 2, "replications": 2, "seed": 1}
    report = run_scenarios(
        ScenarioSet.model_validate({"scenarios": [spec]}),
        workers=1,
        lang="en",
        params=SimulationParams(min_replications=2),
    )
    assert not report.few_replications and not report.warnings
    assert few_replications_warning(3, 10, "en") == (
        "Only 3 replications (at least 10 are needed): the intervals are a rough range and "
        "differences may be chance"
    )


def test_enough_replications_carry_no_warning():
    assert few_replications_warning(5, 5, "ru") is None


def test_nan_shares_are_left_out_and_none_at_all_gives_nan():
    assert share_estimate([0.5, math.nan, 0.7]).mean == pytest.approx(0.6)
    assert math.isnan(share_estimate([math.nan]).mean)
