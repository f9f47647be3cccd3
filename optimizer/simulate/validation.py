"""The simulator against queueing theory: the synthetic base is an M/M/c queue, so its
service level P(wait ≤ t), probability of waiting and mean wait must agree with Erlang C
(:mod:`optimizer.staffing`) within the confidence interval of the replications.

:func:`compare_with_erlang` runs that check at any scale: the tests use a small one, the
benchmark a large one.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.domain.scenario import (
    Estimate,
    Scenario,
    ScenarioBase,
    ScenarioChanges,
    SyntheticBase,
    TheoryCheck,
)
from optimizer.simulate.runner import run_scenarios


@dataclass(frozen=True)
class ErlangComparison:
    """Theory and simulation side by side (see :class:`TheoryCheck`)."""

    check: TheoryCheck
    tickets_per_replication: float
    replications: int

    @property
    def agrees(self) -> bool:
        """Both the service level and the mean wait agree within the interval."""
        return self.check.service_level_agrees and self.check.mean_wait_agrees

    @property
    def service_level(self) -> tuple[float, Estimate]:
        """(Erlang C, simulated) P(wait ≤ target)."""
        return self.check.service_level, self.check.sim_service_level

    @property
    def mean_wait(self) -> tuple[float | None, Estimate]:
        """(Erlang C, simulated) mean wait in minutes."""
        return self.check.asa_min, self.check.sim_mean_wait_min


def synthetic_scenario(
    rate_per_hour: float,
    mean_duration_min: float,
    engineers: int,
    target_min: float,
    horizon_days: float,
    replications: int,
    seed: int = 1,
    warmup_days: float | None = None,
) -> Scenario:
    """The M/M/c scenario of the synthetic base."""
    return Scenario(
        name=f"M/M/{engineers}",
        base=ScenarioBase(
            synthetic=SyntheticBase(
                rate_per_hour=rate_per_hour,
                mean_duration_min=mean_duration_min,
                engineers=engineers,
            )
        ),
        changes=ScenarioChanges(sla_response_min=target_min),
        horizon_days=horizon_days,
        warmup_days=warmup_days,
        replications=replications,
        seed=seed,
    )


def compare_with_erlang(
    rate_per_hour: float,
    mean_duration_min: float,
    engineers: int,
    target_min: float,
    *,
    horizon_days: float = 30,
    replications: int = 8,
    seed: int = 1,
    warmup_days: float | None = None,
    workers: int | None = 1,
) -> ErlangComparison:
    """Simulate the M/M/c queue and compare it with Erlang C."""
    scenario = synthetic_scenario(
        rate_per_hour,
        mean_duration_min,
        engineers,
        target_min,
        horizon_days,
        replications,
        seed,
        warmup_days,
    )
    report = run_scenarios(scenario, None, workers=workers, lang="en")
    s = report.scenarios[0]
    assert s.theory is not None
    return ErlangComparison(
        check=s.theory, tickets_per_replication=s.tickets.mean, replications=replications
    )
