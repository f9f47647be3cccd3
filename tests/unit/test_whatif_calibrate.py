"""Calibration from a helpdesk export: known log-normal durations and a known arrival profile
are recovered from a seeded synthetic export written in the history's format."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from optimizer.calendar import TZ, default_calendar
from optimizer.errors import InvalidInput
from optimizer.io.sample import read_ticket_history_csv
from optimizer.io.tables import csv_text
from optimizer.samplegen.table import HISTORY_COLUMNS
from optimizer.simulate import calibrate_history
from optimizer.simulate.calibrate import ks_distance_on_grid, rounding_step

FIRST, WEEKS = date(2026, 3, 2), 16
TRUTH = {"short": (math.log(30.0), 0.5), "long": (math.log(90.0), 0.8)}
WORKING_RATE = 2.0
"""Tickets an hour, 09:00–18:00 on working days."""
DAY_OFF_RATE = 0.5
"""Tickets an hour, all day, on weekends and holidays."""


def synthetic_export(seed: int = 7) -> str:
    """Poisson arrivals at the known rates, durations log-normal by category, rounded to
    5 minutes (as exports do), as the text of a history CSV."""
    rng = np.random.default_rng(seed)
    cal = default_calendar()
    rows = []
    for day in (FIRST + timedelta(days=i) for i in range(7 * WEEKS)):
        working = cal.is_working_day(day)
        for hour in range(24):
            rate = (WORKING_RATE if 9 <= hour < 18 else 0.0) if working else DAY_OFF_RATE
            for _ in range(rng.poisson(rate)):
                created = datetime(day.year, day.month, day.day, hour, tzinfo=TZ) + timedelta(
                    minutes=int(rng.integers(60))
                )
                category = "short" if rng.random() < 0.6 else "long"
                mu, sigma = TRUTH[category]
                minutes = max(5, int(round(math.exp(rng.normal(mu, sigma)) / 5)) * 5)
                n = len(rows) + 1
                stamp = created.isoformat(timespec="minutes")
                cells = {
                    "id": f"x{n}",
                    "external_id": f"HD-{n}",
                    "site_id": "s001",
                    "site_city": "Saratov",
                    "created_at": stamp,
                    "priority": "normal",
                    "kind": "maintenance",
                    "mode": "remote",
                    "category": category,
                    "required_skills": "asterisk_dialplan",
                    "duration_min": str(minutes),
                    "deadline": stamp,
                    "started_at": "",
                    "finished_at": "",
                    "engineer_id": "",
                    "price_rub": "0",
                    "on_time": "false",
                }
                rows.append([cells[c] for c in HISTORY_COLUMNS])
    return csv_text(HISTORY_COLUMNS, rows)


@pytest.fixture(scope="module")
def calibration(tmp_path_factory: pytest.TempPathFactory):
    """The synthetic export, written and read back through the history reader, fitted."""
    folder = tmp_path_factory.mktemp("export")
    return calibrate_history(_read(folder, synthetic_export()), source="export.csv")


def _read(folder: Path, text: str):
    path = folder / "export.csv"
    path.write_text(text, encoding="utf-8")
    return read_ticket_history_csv(path)


def test_the_log_normal_of_each_category_is_recovered(calibration):
    fits = {d.category: d for d in calibration.durations}
    assert set(fits) == set(TRUTH)
    for name, (mu, sigma) in TRUTH.items():
        assert fits[name].mu == pytest.approx(mu, abs=0.05), name
        assert fits[name].sigma == pytest.approx(sigma, abs=0.05), name


def test_a_true_log_normal_rounded_to_five_minutes_passes_the_goodness_of_fit(calibration):
    for d in calibration.durations:
        assert d.fits and d.ks_distance < d.ks_critical, d.category


def test_a_wrong_distribution_fails_the_goodness_of_fit():
    # Uniform durations 5..200 are no log-normal: the distance is far above 1.36 / √1000.
    minutes = np.repeat(np.arange(5.0, 205.0, 5.0), 25)
    logs = np.log(minutes)
    assert ks_distance_on_grid(minutes, float(logs.mean()), float(logs.std())) > 0.06


def test_the_rounding_grid_of_the_export_is_found():
    assert rounding_step(np.array([10.0, 25.0, 40.0])) == 5.0
    assert rounding_step(np.array([10.5, 25.0])) == 0.0


def test_the_arrival_profile_by_weekday_and_hour_is_recovered(calibration):
    a = calibration.arrivals
    monday_to_friday = np.array(a.working_day_per_hour[:5])
    assert monday_to_friday[:, 9:18].mean() == pytest.approx(WORKING_RATE, rel=0.05)
    assert monday_to_friday[:, :9].sum() == 0.0 and monday_to_friday[:, 18:].sum() == 0.0
    assert np.mean(a.day_off_per_hour) == pytest.approx(DAY_OFF_RATE, rel=0.1)
    assert a.tickets_per_working_day == pytest.approx(9 * WORKING_RATE, rel=0.05)
    # Poisson arrivals: the dispersion is about 1 and the test does not reject them.
    assert a.dispersion == pytest.approx(1.0, abs=0.1) and a.dispersion_p_value > 0.01


def test_the_period_and_the_count_are_reported(calibration):
    assert calibration.source == "export.csv"
    assert calibration.first_day >= FIRST and calibration.tickets > 1000


def test_an_export_without_tickets_names_its_source(tmp_path):
    header_only = csv_text(HISTORY_COLUMNS, [])
    with pytest.raises(InvalidInput) as err:
        calibrate_history(_read(tmp_path, header_only), source="empty.csv")
    assert err.value.field == "empty.csv"
