"""Readers of the sample files: round trip, folder override, errors naming file, row, column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from optimizer.errors import InvalidInput, UnknownReference
from optimizer.io.sample import (
    ABSENCES_CSV,
    ENGINEERS_JSON,
    SAMPLE_DIR,
    SITES_CSV,
    TICKET_HISTORY_CSV,
    load_open_tickets,
    load_sample_dataset,
    load_ticket_history,
    read_absences_csv,
    read_engineers_json,
    read_sites_csv,
    read_ticket_history_csv,
    sample_dir,
)

SITES_HEADER = "id,customer,address,city,lat,lon,sla_policy\n"
GOOD_SITE = 's001,ООО «Вектор»,"г. Саратов, ул. Московская, 1",Saratov,51.53,46.01,standard\n'


@pytest.fixture
def copy_of_sample(tmp_path: Path) -> Path:
    """A writable copy of the committed sample folder."""
    dst = tmp_path / "data"
    shutil.copytree(SAMPLE_DIR, dst, ignore=shutil.ignore_patterns("*.md"))
    return dst


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_sites_row_reads_as_a_site_with_coordinates(tmp_path: Path) -> None:
    [site] = read_sites_csv(write(tmp_path / "sites.csv", SITES_HEADER + GOOD_SITE))
    assert (site.id, site.city, site.location.lat, site.location.lon) == (
        "s001",
        "Saratov",
        51.53,
        46.01,
    )
    assert site.address == "г. Саратов, ул. Московская, 1"


def test_a_latitude_that_is_not_a_number_names_file_row_and_column(tmp_path: Path) -> None:
    bad = GOOD_SITE + GOOD_SITE.replace("s001", "s002").replace("51.53", "north")
    with pytest.raises(InvalidInput) as err:
        read_sites_csv(write(tmp_path / "sites.csv", SITES_HEADER + bad))
    assert err.value.field == "sites.csv row 3 column lat"
    assert err.value.value == "north"


def test_a_latitude_out_of_range_names_the_lat_column(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as err:
        read_sites_csv(
            write(tmp_path / "sites.csv", SITES_HEADER + GOOD_SITE.replace("51.53", "151.5"))
        )
    assert err.value.field == "sites.csv row 2 column lat"


def test_a_missing_column_is_reported_on_the_header_row(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="missing column 'sla_policy'"):
        read_sites_csv(write(tmp_path / "sites.csv", "id,customer,address,city,lat,lon\n"))


def test_a_naive_absence_start_is_rejected_naming_the_cell(tmp_path: Path) -> None:
    text = (
        "engineer_id,start,end,kind,note\ne01,2027-07-05T00:00,2027-07-19T00:00+04:00,vacation,\n"
    )
    with pytest.raises(InvalidInput) as err:
        read_absences_csv(write(tmp_path / "absences.csv", text))
    assert err.value.field == "absences.csv row 2 column start"
    assert "offset" in err.value.message


def test_an_unknown_absence_kind_names_the_kind_column(tmp_path: Path) -> None:
    text = (
        "engineer_id,start,end,kind,note\n"
        "e01,2027-07-05T00:00+04:00,2027-07-19T00:00+04:00,holiday,\n"
    )
    with pytest.raises(InvalidInput) as err:
        read_absences_csv(write(tmp_path / "absences.csv", text))
    assert err.value.field == "absences.csv row 2 column kind"
    assert err.value.value == "holiday"


def test_an_engineer_with_an_unknown_skill_names_the_json_item(tmp_path: Path) -> None:
    text = (
        '[{"id": "e01", "name": "Иван", "base": {"lat": 51.5, "lon": 46.0}, "skills": ["welding"]}]'
    )
    with pytest.raises(InvalidInput) as err:
        read_engineers_json(write(tmp_path / ENGINEERS_JSON, text))
    assert err.value.field == "engineers.json[0].skills[0]"


def test_malformed_json_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as err:
        read_engineers_json(write(tmp_path / ENGINEERS_JSON, "[{"))
    assert err.value.field == ENGINEERS_JSON


def test_a_missing_file_is_invalid_input_naming_the_path(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="file not found"):
        read_sites_csv(tmp_path / "nowhere.csv")


def test_a_history_row_with_a_bad_priority_names_the_row(copy_of_sample: Path) -> None:
    path = copy_of_sample / TICKET_HISTORY_CSV
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = lines[5].replace(",normal,", ",critical,", 1).replace(",low,", ",critical,", 1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        read_ticket_history_csv(path)
    assert err.value.field == "ticket_history.csv row 6 column priority"


def test_an_absence_of_an_unknown_engineer_fails_the_dataset(copy_of_sample: Path) -> None:
    path = copy_of_sample / ABSENCES_CSV
    path.write_text(
        path.read_text(encoding="utf-8")
        + "e99,2027-07-05T00:00+04:00,2027-07-12T00:00+04:00,sick,\n",
        encoding="utf-8",
    )
    with pytest.raises(UnknownReference, match="e99"):
        load_sample_dataset(copy_of_sample)


def test_wfm_data_dir_overrides_the_sample_folder(
    copy_of_sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WFM_DATA_DIR", str(copy_of_sample))
    assert sample_dir() == copy_of_sample
    (copy_of_sample / SITES_CSV).write_text(SITES_HEADER, encoding="utf-8")
    with pytest.raises(UnknownReference):  # open tickets now name sites that are gone
        load_sample_dataset()


def test_history_datetimes_are_aware_in_saratov_time() -> None:
    history = load_ticket_history()
    for col in ("created_at", "deadline", "started_at", "finished_at"):
        assert str(history[col].dt.tz) == "Europe/Saratov"
    first = history["created_at"].iloc[0]
    assert first.utcoffset() == pd.Timedelta(hours=4)


def test_open_tickets_load_as_tickets_of_the_sample_dataset() -> None:
    tickets = load_open_tickets()
    assert [t.id for t in tickets] == [t.id for t in load_sample_dataset().tickets]
