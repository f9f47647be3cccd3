"""The shared interval helpers (optimizer.intervals), on whole minutes and on datetimes."""

from __future__ import annotations

from datetime import datetime, timedelta

from optimizer.calendar import TZ
from optimizer.intervals import complement, merge, subtract


def test_overlapping_and_touching_intervals_merge_into_one():
    assert merge([(30, 40), (0, 10), (10, 20), (15, 25)]) == [(0, 25), (30, 40)]


def test_merging_leaves_its_argument_unchanged():
    spans = [(5, 9), (0, 6)]
    merge(spans)
    assert spans == [(5, 9), (0, 6)]


def test_a_cut_inside_a_window_splits_it_in_two():
    assert subtract([(0, 100)], [(40, 60)]) == [(0, 40), (60, 100)]


def test_a_cut_covering_a_window_removes_it_and_a_cut_beside_it_changes_nothing():
    assert subtract([(0, 10), (20, 30)], [(0, 10), (30, 40)]) == [(20, 30)]


def test_the_complement_is_what_lies_between_and_around_the_windows():
    assert complement([(10, 20), (30, 40)], 0, 50) == [(0, 10), (20, 30), (40, 50)]


def test_the_complement_of_windows_covering_the_range_is_empty():
    assert complement([(0, 60)], 10, 50) == []


def test_the_helpers_work_on_aware_datetimes():
    nine = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)
    hour = timedelta(hours=1)
    assert merge([(nine, nine + hour), (nine + hour, nine + 2 * hour)]) == [(nine, nine + 2 * hour)]
    lunch = (nine + 3 * hour, nine + 4 * hour)
    assert subtract([(nine, nine + 9 * hour)], [lunch]) == [
        (nine, nine + 3 * hour),
        (nine + 4 * hour, nine + 9 * hour),
    ]
