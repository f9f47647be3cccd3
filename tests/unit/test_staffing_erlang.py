"""Erlang B / C / A: textbook values, large loads, limits, monotonicity, properties."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm
from scipy.special import gammaln, logsumexp

from optimizer.errors import InvalidInput
from optimizer.staffing import (
    agents_required,
    erlang,
    erlang_a_result,
    erlang_b,
    erlang_c,
    erlang_c_result,
    with_shrinkage,
)

# -- independent references ------------------------------------------------------------


def exact_erlang_c(load: int, agents: int) -> float:
    """Erlang C by the textbook sum, in exact rational arithmetic (small loads only)."""
    a = Fraction(load)
    below = sum(a**k / math.factorial(k) for k in range(agents))
    top = a**agents / math.factorial(agents) * agents / (agents - a)
    return float(top / (below + top))


def exact_erlang_b(load: int, agents: int) -> float:
    """Erlang B by the textbook ratio, in exact rational arithmetic."""
    a = Fraction(load)
    total = sum(a**k / math.factorial(k) for k in range(agents + 1))
    return float(a**agents / math.factorial(agents) / total)


def log_space_erlang_c(load: float, agents: int) -> float:
    """Erlang C by the direct formula with log-sum-exp (no recursion shared with the engine)."""
    k = np.arange(agents)
    log_terms = k * math.log(load) - gammaln(k + 1)
    log_top = agents * math.log(load) - gammaln(agents + 1) + math.log(agents / (agents - load))
    return math.exp(log_top - logsumexp(np.append(log_terms, log_top)))


def brute_force_erlang_a(
    rate_per_min: float, aht: float, agents: int, target: float, patience: float, states: int = 160
) -> dict[str, float]:
    """Erlang A by a truncated birth–death chain and a tagged-customer chain solved with expm."""
    mu, theta = 1 / aht, 1 / patience
    w = [1.0]
    for n in range(1, states + 1):
        w.append(w[-1] * rate_per_min / (min(n, agents) * mu + max(n - agents, 0) * theta))
    pi = np.array(w) / sum(w)
    k = states - agents + 1
    # Tagged customer: 0 = answered, 1..k = place in line, k + 1 = hung up.
    q = np.zeros((k + 2, k + 2))
    for j in range(1, k + 1):
        advance = agents * mu + (j - 1) * theta
        q[j, j - 1] = advance
        q[j, k + 1] = theta
        q[j, j] = -(advance + theta)
    start = np.zeros(k + 2)
    start[1 : k + 1] = pi[agents : agents + k]
    at_t = start @ expm(q * target)
    transient = -q[1 : k + 1, 1 : k + 1]
    fundamental = np.linalg.inv(transient)
    answer_rate = q[1 : k + 1, 0]
    # E[wait; answered] = start · N² · answer_rate.
    wait_answered = start[1 : k + 1] @ fundamental @ fundamental @ answer_rate
    answered_queue = start[1 : k + 1] @ fundamental @ answer_rate
    p_wait = float(pi[agents:].sum())
    p_answered = 1 - p_wait + answered_queue
    return {
        "mean_queue": float(sum((n - agents) * pi[n] for n in range(agents, states + 1))),
        "p_wait": p_wait,
        "service_level": float(pi[:agents].sum() + at_t[0]),
        "p_abandon": float(p_wait - answered_queue),
        "asa_min": float(wait_answered / p_answered),
    }


# -- Erlang B and C: textbook values ------------------------------------------------------------


def test_erlang_b_of_ten_erlangs_on_eleven_agents_is_the_textbook_value() -> None:
    assert erlang_b(10, 11) == pytest.approx(exact_erlang_b(10, 11), rel=1e-12)
    assert erlang_b(10, 11) == pytest.approx(0.163232333244, abs=1e-11)


def test_erlang_c_of_ten_erlangs_on_eleven_agents_is_0_6821() -> None:
    assert erlang_c(10, 11) == pytest.approx(0.682118204689, abs=1e-11)
    assert erlang_c(10, 11) == pytest.approx(exact_erlang_c(10, 11), rel=1e-12)


@pytest.mark.parametrize(("load", "agents"), [(1, 2), (2, 3), (5, 6), (10, 12), (20, 25), (50, 55)])
def test_erlang_c_matches_the_exact_rational_sum(load: int, agents: int) -> None:
    assert erlang_c(load, agents) == pytest.approx(exact_erlang_c(load, agents), rel=1e-11)


def test_service_level_asa_and_occupancy_follow_the_erlang_c_formulas() -> None:
    # 600 calls/h, AHT 1 min: A = 10 Erlangs; 11 agents drain at cμ - λ = 1 per minute.
    r = erlang_c_result(rate_per_hour=600, aht_min=1, agents=11, target_min=0.5)
    c = exact_erlang_c(10, 11)
    assert r.p_wait == pytest.approx(c, rel=1e-12)
    assert r.service_level == pytest.approx(1 - c * math.exp(-0.5), rel=1e-12)
    assert r.asa_min == pytest.approx(c / 1.0, rel=1e-12)
    assert r.occupancy == pytest.approx(10 / 11, rel=1e-12)
    assert r.offered_load == pytest.approx(10.0)
    assert r.stable


def test_call_centre_example_in_hours_gives_the_same_answer_as_in_minutes() -> None:
    # 100 calls/h of 6 min = 10 Erlangs; same queue as above, time scaled by 6.
    r = erlang(rate_per_hour=100, aht_min=6, agents=11, target_min=3)
    assert r.p_wait == pytest.approx(exact_erlang_c(10, 11), rel=1e-12)
    assert r.service_level == pytest.approx(1 - exact_erlang_c(10, 11) * math.exp(-0.5), rel=1e-12)
    assert r.asa_min == pytest.approx(exact_erlang_c(10, 11) * 6, rel=1e-12)


def test_no_arrivals_means_no_waiting_and_full_service_level() -> None:
    r = erlang(rate_per_hour=0, aht_min=5, agents=1, target_min=0)
    assert (r.p_wait, r.service_level, r.asa_min, r.occupancy) == (0.0, 1.0, 0.0, 0.0)


# -- large loads and overload ------------------------------------------------------------


@pytest.mark.parametrize(
    ("load", "agents"), [(700, 720), (2000, 2050), (5000, 5060), (10_000, 10_100)]
)
def test_large_loads_do_not_overflow_and_match_the_log_space_formula(
    load: int, agents: int
) -> None:
    pw = erlang_c(load, agents)
    assert 0 < pw < 1
    assert pw == pytest.approx(log_space_erlang_c(load, agents), rel=1e-9)


def test_two_thousand_erlangs_on_2050_agents_wait_with_probability_0_183() -> None:
    r = erlang(rate_per_hour=2000 * 12, aht_min=5, agents=2050, target_min=1)
    assert r.p_wait == pytest.approx(log_space_erlang_c(2000, 2050), rel=1e-9)
    assert r.p_wait == pytest.approx(0.18335, abs=1e-4)


@pytest.mark.parametrize("agents", [9, 10])
def test_an_overloaded_queue_reports_unstable_instead_of_crashing(agents: int) -> None:
    # 10 Erlangs on 9 or 10 agents: the queue grows without bound.
    r = erlang(rate_per_hour=600, aht_min=1, agents=agents, target_min=1)
    assert not r.stable
    assert (r.p_wait, r.service_level, r.asa_min) == (1.0, 0.0, None)
    assert r.occupancy == pytest.approx(10 / agents)


# -- monotonicity ------------------------------------------------------------


def test_more_agents_give_a_higher_service_level_and_shorter_wait() -> None:
    results = [erlang(600, 1, c, 0.25) for c in range(11, 30)]
    levels = [r.service_level for r in results]
    waits = [r.asa_min for r in results]
    assert all(a < b for a, b in zip(levels, levels[1:], strict=False))
    assert all(
        a is not None and b is not None and a > b for a, b in zip(waits, waits[1:], strict=False)
    )


def test_agents_required_is_the_smallest_count_meeting_the_target() -> None:
    # 80 % answered within 20 s at 10 Erlangs (AHT 3 min, 200 calls/h).
    r = agents_required(rate_per_hour=200, aht_min=3, target_sl=0.8, target_min=20 / 60)
    assert r.service_level >= 0.8
    assert erlang(200, 3, r.agents - 1, 20 / 60).service_level < 0.8
    assert r.agents == 14


def test_agents_required_respects_a_maximum_occupancy() -> None:
    loose = agents_required(600, 1, target_sl=0.5, target_min=1)
    capped = agents_required(600, 1, target_sl=0.5, target_min=1, max_occupancy=0.7)
    assert loose.occupancy > 0.7
    assert capped.occupancy <= 0.7
    assert capped.agents == math.ceil(10 / 0.7)


def test_agents_required_with_patience_is_the_smallest_erlang_a_count() -> None:
    r = agents_required(600, 1, target_sl=0.8, target_min=0.5, patience_min=2)
    assert r.service_level >= 0.8
    assert r.p_abandon is not None
    assert erlang(600, 1, r.agents - 1, 0.5, patience_min=2).service_level < 0.8


# -- Erlang A ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate_per_hour", "aht", "agents", "target", "patience"),
    [(600, 1, 9, 0.5, 2), (300, 2, 8, 1.0, 3), (120, 5, 3, 2.0, 10), (60, 4, 2, 0.0, 1)],
)
def test_erlang_a_matches_a_brute_force_birth_death_chain(
    rate_per_hour: float, aht: float, agents: int, target: float, patience: float
) -> None:
    got = erlang_a_result(rate_per_hour, aht, agents, target, patience)
    ref = brute_force_erlang_a(rate_per_hour / 60, aht, agents, target, patience)
    assert got.p_wait == pytest.approx(ref["p_wait"], abs=1e-9)
    assert got.service_level == pytest.approx(ref["service_level"], abs=1e-9)
    assert got.p_abandon == pytest.approx(ref["p_abandon"], abs=1e-9)
    assert got.asa_min == pytest.approx(ref["asa_min"], rel=1e-7)


def test_erlang_a_with_endless_patience_tends_to_erlang_c() -> None:
    c = erlang(600, 1, 11, 0.5)
    a = erlang(600, 1, 11, 0.5, patience_min=1e8)
    assert a.p_wait == pytest.approx(c.p_wait, abs=1e-6)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-6)
    assert a.asa_min == pytest.approx(c.asa_min, rel=1e-5)
    assert a.p_abandon == pytest.approx(0, abs=1e-6)


def test_erlang_a_on_a_large_load_tends_to_erlang_c() -> None:
    c = erlang(2000 * 12, 5, 2050, 1)
    a = erlang(2000 * 12, 5, 2050, 1, patience_min=1e7)
    assert a.p_wait == pytest.approx(c.p_wait, abs=1e-5)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-5)


def test_erlang_a_stays_finite_when_erlang_c_would_be_unstable() -> None:
    # 10 Erlangs on 8 agents: callers who give up keep the queue finite.
    r = erlang(600, 1, 8, 1.0, patience_min=3)
    assert r.stable
    assert r.p_abandon is not None and 0.1 < r.p_abandon < 1
    assert r.occupancy < 1


def test_erlang_a_abandonment_obeys_littles_law() -> None:
    # λ·P(abandon) = θ·E[queue] ⇔ E[wait of everyone] = P(abandon)·patience.
    rate, aht, agents, patience = 300.0, 2.0, 9, 4.0
    r = erlang(rate, aht, agents, 1.0, patience_min=patience)
    mean_queue = brute_force_erlang_a(rate / 60, aht, agents, 1.0, patience)["mean_queue"]
    assert r.p_abandon is not None
    assert (rate / 60) * r.p_abandon == pytest.approx(mean_queue / patience, rel=1e-9)


# -- shrinkage and inputs ------------------------------------------------------------


@pytest.mark.parametrize(
    ("required", "shrinkage", "rostered"), [(8, 0.2, 10), (10, 0.2, 13), (7, 0.0, 7), (0, 0.3, 0)]
)
def test_shrinkage_rounds_the_rostered_count_up(
    required: int, shrinkage: float, rostered: int
) -> None:
    assert with_shrinkage(required, shrinkage) == rostered


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rate_per_hour": -1.0}, "rate_per_hour"),
        ({"aht_min": 0.0}, "aht_min"),
        ({"agents": 0}, "agents"),
        ({"target_min": -0.1}, "target_min"),
        ({"patience_min": 0.0}, "patience_min"),
        ({"rate_per_hour": float("nan")}, "rate_per_hour"),
    ],
)
def test_invalid_inputs_name_the_field(kwargs: dict[str, float], field: str) -> None:
    args: dict[str, float | None] = {
        "rate_per_hour": 60.0, "aht_min": 5.0, "agents": 2, "target_min": 1.0, "patience_min": None
    }  # fmt: skip
    args.update(kwargs)
    with pytest.raises(InvalidInput) as err:
        erlang(**args)  # type: ignore[arg-type]
    assert err.value.field == field


def test_shrinkage_of_one_is_rejected() -> None:
    with pytest.raises(InvalidInput):
        with_shrinkage(3, 1.0)


# -- properties ------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    load=st.floats(min_value=0.05, max_value=400.0),
    extra=st.integers(min_value=1, max_value=40),
    target=st.floats(min_value=0.0, max_value=30.0),
)
def test_erlang_c_is_a_probability_and_agrees_with_the_log_space_formula(
    load: float, extra: int, target: float
) -> None:
    agents = math.floor(load) + extra
    r = erlang(rate_per_hour=load * 60, aht_min=1.0, agents=agents, target_min=target)
    assert 0.0 <= r.p_wait <= 1.0
    assert r.p_wait == pytest.approx(log_space_erlang_c(load, agents), rel=1e-9, abs=1e-300)
    assert 1 - r.p_wait - 1e-12 <= r.service_level <= 1.0
    more = erlang(rate_per_hour=load * 60, aht_min=1.0, agents=agents + 1, target_min=target)
    assert more.service_level >= r.service_level - 1e-12
    assert more.p_wait <= r.p_wait + 1e-12


@settings(max_examples=40, deadline=None)
@given(
    load=st.floats(min_value=0.1, max_value=60.0),
    agents=st.integers(min_value=1, max_value=70),
    patience=st.floats(min_value=0.2, max_value=50.0),
    target=st.floats(min_value=0.0, max_value=10.0),
)
def test_erlang_a_is_consistent_for_any_load(
    load: float, agents: int, patience: float, target: float
) -> None:
    r = erlang(
        rate_per_hour=load * 60,
        aht_min=1.0,
        agents=agents,
        target_min=target,
        patience_min=patience,
    )
    assert r.p_abandon is not None
    assert 0.0 <= r.p_abandon <= r.p_wait <= 1.0
    # Answered within the target: at least those answered at once, at most all answered.
    assert 1 - r.p_wait - 1e-9 <= r.service_level <= 1 - r.p_abandon + 1e-9
    assert r.occupancy <= 1.0 + 1e-12
