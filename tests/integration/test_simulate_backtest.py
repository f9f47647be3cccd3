"""Backtest: a recorded month of the sample history replayed by the simulated department,
its recorded figures beside the simulated ones, and the difference explained."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from optimizer.calendar import TZ
from optimizer.domain.scenario import Scenario, ScenarioSet
from optimizer.errors import InvalidInput
from optimizer.simulate import compile_scenario, run_scenarios, sample_base
from optimizer.simulate.compile import BaseData
from optimizer.simulate.tickets import generate_tickets

MONTH = "2026-07"


@pytest.fixture(scope="module")
def base() -> BaseData:
    return sample_base()


@pytest.fixture(scope="module")
def july(base: BaseData):
    """July 2026 replayed once, in Russian."""
    spec = ScenarioSet.model_validate(
        {"scenarios": [{"name": "июль", "backtest": MONTH, "replications": 1}]}
    )
    return run_scenarios(spec, base, workers=1).scenarios[0]


def _month_rows(history: pd.DataFrame) -> pd.DataFrame:
    first = pd.Timestamp(datetime(2026, 7, 1, tzinfo=TZ))
    last = pd.Timestamp(datetime(2026, 8, 1, tzinfo=TZ))
    return history[(history["created_at"] >= first) & (history["created_at"] < last)]


def test_the_recorded_column_is_what_the_history_recorded_for_the_month(base, july):
    rows = _month_rows(base.history)
    bt = july.backtest
    assert bt is not None and bt.month == MONTH
    recorded = {r.metric: r.recorded for r in bt.rows}
    assert recorded["tickets"] == len(rows)
    assert recorded["sla_attainment"] == pytest.approx(rows["on_time"].mean(), abs=1e-12)
    assert recorded["breaches"] == (~rows["on_time"]).sum()
    urgent = rows[rows["priority"] == "urgent"]
    assert recorded["sla_attainment:urgent"] == pytest.approx(urgent["on_time"].mean())
    onsite = rows[rows["mode"] == "onsite"]
    assert recorded["sla_attainment:onsite"] == pytest.approx(onsite["on_time"].mean())
    elapsed = (urgent["started_at"] - urgent["created_at"]).dt.total_seconds() / 60
    assert recorded["urgent_response_mean"] == pytest.approx(elapsed.mean())


def test_the_simulated_month_has_the_recorded_tickets_with_the_recorded_deadlines(base):
    scenario = Scenario(name="b", backtest=MONTH, replications=1)
    model = compile_scenario(scenario, base)
    tickets = generate_tickets(model, np.random.SeedSequence(1))
    counted = (tickets.created >= model.warmup_min) & (tickets.created < model.horizon_min)
    rows = _month_rows(base.history)
    assert counted.sum() == len(rows)
    epoch = pd.Timestamp(model.clock.epoch)
    recorded = ((rows["deadline"] - epoch).dt.total_seconds() / 60).to_numpy()
    assert np.allclose(np.sort(tickets.deadline[counted]), np.sort(recorded))
    assert model.sick_rate == 0.0


def test_the_recorded_absences_of_the_month_are_kept(base):
    model = compile_scenario(Scenario(name="b", backtest="2026-02"), base)
    e06 = next(e for e in model.engineers if e.id == "e06")
    vacation = model.clock.minute_of(datetime(2026, 2, 2, tzinfo=TZ))
    assert any(a <= vacation < b for a, b in e06.away)


def test_the_simulated_column_sits_beside_the_recorded_one_and_the_gap_is_explained(july):
    bt = july.backtest
    row = next(r for r in bt.rows if r.metric == "sla_attainment")
    assert row.simulated is not None and row.recorded is not None
    assert row.difference == pytest.approx(row.simulated.mean - row.recorded)
    assert july.tickets.mean == next(r.recorded for r in bt.rows if r.metric == "tickets")
    assert bt.explanation[0].startswith("Модель даёт")
    assert "по истории" in bt.explanation[0]
    # The visits carry the largest part of the July gap, and the explanation names them.
    assert any(line.startswith("Выезды в срок") for line in bt.explanation)
    assert not any("onsite" in line or "_" in line for line in bt.explanation)


def test_the_explanation_speaks_english_on_request(base):
    spec = ScenarioSet.model_validate(
        {"scenarios": [{"name": "b", "backtest": MONTH, "replications": 1}]}
    )
    bt = run_scenarios(spec, base, workers=1, lang="en").scenarios[0].backtest
    assert bt is not None and bt.explanation[0].startswith("The model gives")
    assert next(r.label for r in bt.rows if r.metric == "sla_attainment") == "On time"


def test_a_month_outside_the_history_names_the_field(base):
    scenario = Scenario(name="b", backtest="2030-01")
    with pytest.raises(InvalidInput) as err:
        compile_scenario(scenario, base, "scenarios[0]")
    assert err.value.field == "scenarios[0].backtest" and err.value.value == "2030-01"
    assert "2025-12 to 2026-11" in err.value.message


def test_a_synthetic_backtest_is_refused():
    scenario = Scenario.model_validate(
        {
            "name": "m",
            "backtest": MONTH,
            "base": {"synthetic": {"rate_per_hour": 1, "mean_duration_min": 10, "engineers": 1}},
        }
    )
    with pytest.raises(InvalidInput) as err:
        compile_scenario(scenario, None)
    assert err.value.field == "scenario.backtest"


@pytest.mark.parametrize("month", ["2026-7", "2026-13", "july"])
def test_a_malformed_month_is_refused_by_the_contract(month):
    with pytest.raises(ValueError, match="YYYY-MM"):
        Scenario(name="b", backtest=month)
