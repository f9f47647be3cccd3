"""The what-if report over time: the SLA by week, the wait histogram and the utilisation by
hour of the day add up to the report's overall figures (issue 24: the owner's charts).

The tiny department of :mod:`tests.unit.test_simulate_engine` (office hours, two engineers)
over 17 days: two whole weeks and a three-day one."""

from __future__ import annotations

from datetime import date

import pytest

from optimizer.domain.scenario import ScenarioReport, ScenarioSet
from optimizer.simulate import (
    BaseData,
    ReplicationResult,
    SimulationParams,
    combine,
    run_replication,
)
from tests.unit.test_simulate_engine import START, tiny_base

REPLICATIONS = 3


@pytest.fixture(scope="module")
def base() -> BaseData:
    return tiny_base()


@pytest.fixture(scope="module")
def spec() -> ScenarioSet:
    scenario = {"name": "t", "start": START, "horizon_days": 17, "seed": 3}
    return ScenarioSet.model_validate({"scenarios": [{**scenario, "replications": REPLICATIONS}]})


@pytest.fixture(scope="module")
def results(spec: ScenarioSet, base: BaseData) -> list[ReplicationResult]:
    return [run_replication(spec, 0, r, base) for r in range(REPLICATIONS)]


@pytest.fixture(scope="module")
def report(results: list[ReplicationResult]) -> ScenarioReport:
    return combine(results).scenarios[0]


def test_seventeen_days_are_two_whole_weeks_and_a_short_one(report: ScenarioReport) -> None:
    weeks = [(w.week, w.start, w.days) for w in report.sla_by_week]
    assert weeks == [(0, START, 7), (1, date(2027, 2, 8), 7), (2, date(2027, 2, 15), 3)]


def test_the_weeks_of_a_replication_weighted_by_their_tickets_give_its_overall_sla(
    results: list[ReplicationResult],
) -> None:
    for r in results:
        on_time, judged = r.weekly["on_time"], r.weekly["judged"]
        assert judged.sum() == r.scalars["sla_attainment:n"] > 0
        assert on_time.sum() / judged.sum() == pytest.approx(r.scalars["sla_attainment"])


def test_one_replications_weekly_sla_weighted_by_tickets_is_the_reports_sla(
    results: list[ReplicationResult],
) -> None:
    one = combine(results[:1]).scenarios[0]
    judged = sum(w.judged for w in one.sla_by_week)
    weighted = sum(w.judged * w.sla_attainment.mean for w in one.sla_by_week if w.sla_attainment)
    assert weighted / judged == pytest.approx(one.sla_attainment.mean)


def test_every_weekly_sla_and_its_interval_stay_between_0_and_1(report: ScenarioReport) -> None:
    for w in report.sla_by_week:
        assert w.sla_attainment is not None and w.on_time <= w.judged
        e = w.sla_attainment
        assert 0 <= e.ci_low <= e.mean <= e.ci_high <= 1


def test_the_wait_histogram_counts_every_started_ticket_once(report: ScenarioReport) -> None:
    bins = report.wait_histogram
    assert [b.low_min for b in bins] == list(SimulationParams().wait_bins_min)
    assert [b.high_min for b in bins] == [*[b.low_min for b in bins[1:]], None]
    assert sum(b.tickets.mean for b in bins) == pytest.approx(report.wait_min.count)
    assert sum(b.share for b in bins) == pytest.approx(1.0)
    assert all(b.tickets.ci_low >= 0 for b in bins)


def test_the_histogram_bins_come_from_the_params(results: list[ReplicationResult]) -> None:
    coarse = SimulationParams(wait_bins_min=(0, 120))
    bins = combine(results, params=coarse).scenarios[0].wait_histogram
    assert [(b.low_min, b.high_min) for b in bins] == [(0, 120), (120, None)]
    assert bins[0].share == pytest.approx(1 - bins[1].share)


def test_histogram_edges_that_do_not_start_at_0_or_increase_are_refused() -> None:
    with pytest.raises(ValueError, match="wait_bins_min"):
        SimulationParams(wait_bins_min=(0, 30, 30))
    with pytest.raises(ValueError, match="wait_bins_min"):
        SimulationParams(wait_bins_min=(15, 30))


def test_the_hours_of_the_day_add_up_to_the_engineers_time(report: ScenarioReport) -> None:
    hours = report.utilisation_by_hour
    assert [h.hour for h in hours] == list(range(24))
    available = sum(e.available_hours for e in report.engineers)
    busy = sum(e.busy_hours for e in report.engineers)
    assert sum(h.available_hours for h in hours) == pytest.approx(available)
    assert sum(h.busy_hours + h.outside_hours for h in hours) == pytest.approx(busy)


def test_nobody_works_at_night_in_the_office_department(report: ScenarioReport) -> None:
    by_hour = {h.hour: h for h in report.utilisation_by_hour}
    assert by_hour[3].available_hours == 0 and by_hour[3].utilisation is None
    ten = by_hour[10].utilisation
    assert ten is not None and 0 < ten.mean < 1 and 0 <= ten.ci_low <= ten.ci_high <= 1


def test_a_replication_stored_before_the_charts_still_combines(
    results: list[ReplicationResult],
) -> None:
    old = [r.to_dict() for r in results]
    for d in old:
        del d["weekly"], d["hourly"]
    s = combine([ReplicationResult.from_dict(d) for d in old]).scenarios[0]
    assert s.sla_by_week == [] and s.utilisation_by_hour == []
    assert s.sla_attainment == combine(results).scenarios[0].sla_attainment
