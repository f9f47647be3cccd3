"""The default travel model: geodesic km × circuity, speed by hour, the Volga bridge penalty."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from geopy.distance import geodesic
from pydantic import ValidationError

from optimizer.domain.common import Location
from optimizer.errors import InvalidInput
from optimizer.travel import (
    GeodesicTravelModel,
    Leg,
    TravelModel,
    bank_of,
    default_travel_params,
    load_travel_params,
)

# Named points (lat, lon). Saratov is on the right (west) bank, Engels on the left (east) bank;
# the Saratov bridge's middle is at about (51.514, 46.072).
SARATOV_CENTRE = Location(lat=51.533, lon=46.034)
SARATOV_KIROVSKY = Location(lat=51.545, lon=46.005)  # Sennoy market, Kirovsky district
SARATOV_EMBANKMENT = Location(lat=51.522, lon=46.053)  # right-bank foot of the bridge
SARATOV_ZAVODSKOY = Location(lat=51.475, lon=45.990)  # south, along the river
ENGELS_CENTRE = Location(lat=51.485, lon=46.126)
ENGELS_BRIDGE_FOOT = Location(lat=51.503, lon=46.095)  # old Pokrovsk, left-bank foot
ENGELS_SOUTH = Location(lat=51.455, lon=46.110)

WEDNESDAY_0800 = datetime.fromisoformat("2026-11-25T08:00:00+04:00")  # morning rush
WEDNESDAY_1100 = datetime.fromisoformat("2026-11-25T11:00:00+04:00")  # quiet hour
WEDNESDAY_1800 = datetime.fromisoformat("2026-11-25T18:00:00+04:00")  # evening rush
UNITY_DAY_0800 = datetime.fromisoformat("2026-11-04T08:00:00+04:00")  # Wednesday, a holiday


@pytest.fixture
def model() -> GeodesicTravelModel:
    """The default model with the packaged parameters and the production calendar."""
    return GeodesicTravelModel()


def drive_only(model: GeodesicTravelModel, leg: Leg, hour: int, working_day: bool = True) -> float:
    """Minutes of a leg without the bridge: driving at the hour's speed plus parking."""
    speed = model.params.speed_kmh(hour, working_day)
    return leg.km / speed * 60 + model.params.parking_min


def test_the_default_model_satisfies_the_travel_model_interface(model):
    assert isinstance(model, TravelModel)


def test_same_point_is_zero_minutes_and_zero_km(model):
    assert model.leg(SARATOV_CENTRE, SARATOV_CENTRE, WEDNESDAY_0800) == Leg(0.0, 0.0)


def test_same_coordinates_under_different_objects_are_zero(model):
    twin = Location(lat=SARATOV_CENTRE.lat, lon=SARATOV_CENTRE.lon)
    assert model.leg(SARATOV_CENTRE, twin, WEDNESDAY_1100) == Leg(0.0, 0.0)


def test_km_is_geodesic_distance_times_circuity(model):
    leg = model.leg(SARATOV_CENTRE, ENGELS_CENTRE, WEDNESDAY_1100)
    straight = geodesic((51.533, 46.034), (51.485, 46.126)).km
    assert leg.km == pytest.approx(straight * model.params.circuity)
    # Real road distance over the bridge is about 11-12 km.
    assert 10 < leg.km < 13


def test_saratov_centre_to_engels_centre_takes_longer_in_morning_rush_than_at_eleven(model):
    rush = model.leg(SARATOV_CENTRE, ENGELS_CENTRE, WEDNESDAY_0800)
    quiet = model.leg(SARATOV_CENTRE, ENGELS_CENTRE, WEDNESDAY_1100)
    assert rush.km == quiet.km
    # The bridge queue alone adds the difference of the two penalties.
    p = model.params
    assert rush.minutes - quiet.minutes > p.bridge_rush_penalty_min - p.bridge_penalty_min
    assert 25 < quiet.minutes < 45 and 45 < rush.minutes < 75


def test_crossing_the_river_at_eleven_pays_exactly_the_normal_bridge_penalty(model):
    leg = model.leg(SARATOV_CENTRE, ENGELS_CENTRE, WEDNESDAY_1100)
    extra = leg.minutes - drive_only(model, leg, 11)
    assert extra == pytest.approx(model.params.bridge_penalty_min)


def test_crossing_the_river_in_evening_rush_pays_the_rush_penalty(model):
    leg = model.leg(ENGELS_CENTRE, SARATOV_CENTRE, WEDNESDAY_1800)
    extra = leg.minutes - drive_only(model, leg, 18)
    assert extra == pytest.approx(model.params.bridge_rush_penalty_min)


def test_two_points_on_the_saratov_bank_pay_no_bridge_penalty(model):
    leg = model.leg(SARATOV_KIROVSKY, SARATOV_EMBANKMENT, WEDNESDAY_0800)
    assert leg.minutes == pytest.approx(drive_only(model, leg, 8))


def test_two_points_in_engels_pay_no_bridge_penalty(model):
    leg = model.leg(ENGELS_BRIDGE_FOOT, ENGELS_SOUTH, WEDNESDAY_1800)
    assert leg.minutes == pytest.approx(drive_only(model, leg, 18))


def test_public_holiday_morning_has_no_rush_on_the_bridge(model):
    holiday = model.leg(SARATOV_CENTRE, ENGELS_CENTRE, UNITY_DAY_0800)
    extra = holiday.minutes - drive_only(model, holiday, 8, working_day=False)
    assert extra == pytest.approx(model.params.bridge_penalty_min)
    assert holiday.minutes < model.leg(SARATOV_CENTRE, ENGELS_CENTRE, WEDNESDAY_0800).minutes


def test_departure_given_in_utc_is_read_in_saratov_time(model):
    # 04:00 UTC is 08:00 in Saratov (UTC+4): the morning rush.
    utc = datetime.fromisoformat("2026-11-25T04:00:00+00:00")
    assert model.traffic_at(utc).rush
    assert model.leg(SARATOV_CENTRE, ENGELS_CENTRE, utc) == model.leg(
        SARATOV_CENTRE, ENGELS_CENTRE, WEDNESDAY_0800
    )


def test_rush_window_ends_at_nine_thirty(model):
    assert model.traffic_at(datetime.fromisoformat("2026-11-25T09:29:00+04:00")).rush
    assert not model.traffic_at(datetime.fromisoformat("2026-11-25T09:30:00+04:00")).rush


def test_injected_working_day_rule_replaces_the_calendar():
    every_day_off = GeodesicTravelModel(is_working_day=lambda d: False)
    assert not every_day_off.traffic_at(WEDNESDAY_0800).rush
    saturday_0800 = datetime.fromisoformat("2026-11-28T08:00:00+04:00")
    every_day_on = GeodesicTravelModel(is_working_day=lambda d: True)
    assert every_day_on.traffic_at(saturday_0800).rush


def test_km_and_minutes_are_symmetric_for_the_same_departure(model):
    there = model.leg(SARATOV_KIROVSKY, ENGELS_SOUTH, WEDNESDAY_0800)
    back = model.leg(ENGELS_SOUTH, SARATOV_KIROVSKY, WEDNESDAY_0800)
    assert there.km == pytest.approx(back.km)
    assert there.minutes == pytest.approx(back.minutes)


@pytest.mark.parametrize("depart", [WEDNESDAY_0800, WEDNESDAY_1100])
def test_a_detour_through_a_third_point_is_never_shorter(model, depart):
    a, b, c = SARATOV_KIROVSKY, ENGELS_BRIDGE_FOOT, ENGELS_SOUTH
    direct = model.leg(a, c, depart)
    ab, bc = model.leg(a, b, depart), model.leg(b, c, depart)
    assert direct.km <= ab.km + bc.km
    assert direct.minutes <= ab.minutes + bc.minutes


def test_matrix_agrees_with_legs_in_input_order_with_repeats(model):
    points = [SARATOV_CENTRE, ENGELS_CENTRE, SARATOV_KIROVSKY, SARATOV_CENTRE]
    m = model.matrix(points, WEDNESDAY_0800)
    assert m.size == 4
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            assert m.leg(i, j) == model.leg(a, b, WEDNESDAY_0800)
    assert m.leg(0, 3) == Leg(0.0, 0.0)


def test_location_given_only_by_id_is_rejected_by_the_geodesic_model(model):
    with pytest.raises(InvalidInput) as err:
        model.leg(Location(id="office"), ENGELS_CENTRE, WEDNESDAY_1100)
    assert err.value.value == "office"
    with pytest.raises(InvalidInput) as err:
        model.matrix([ENGELS_CENTRE, Location(id="office")], WEDNESDAY_1100)
    assert err.value.field == "locations[1]"


def test_naive_departure_is_rejected(model):
    with pytest.raises(InvalidInput) as err:
        model.leg(SARATOV_CENTRE, ENGELS_CENTRE, datetime(2026, 11, 25, 8))
    assert err.value.field == "depart"


@pytest.mark.parametrize(
    ("point", "bank"),
    [
        (SARATOV_CENTRE, "right"),
        (SARATOV_KIROVSKY, "right"),
        (SARATOV_EMBANKMENT, "right"),
        (SARATOV_ZAVODSKOY, "right"),
        (ENGELS_CENTRE, "left"),
        (ENGELS_BRIDGE_FOOT, "left"),
        (ENGELS_SOUTH, "left"),
    ],
)
def test_bank_of_known_points(point, bank):
    assert bank_of(point) == bank


def test_bank_of_a_location_without_coordinates_is_an_input_error():
    with pytest.raises(InvalidInput):
        bank_of(Location(id="office"))


def test_packaged_parameters_have_a_speed_for_every_hour_and_a_dearer_rush():
    p = default_travel_params()
    assert len(p.speed_kmh_working_day) == 24 and len(p.speed_kmh_day_off) == 24
    assert p.bridge_rush_penalty_min > p.bridge_penalty_min
    assert p.speed_kmh(8, working_day=True) < p.speed_kmh(11, working_day=True)


def test_parameters_file_with_23_speeds_is_rejected(tmp_path: Path):
    data = default_travel_params().model_dump(mode="json")
    data["speed_kmh_working_day"] = data["speed_kmh_working_day"][:23]
    path = tmp_path / "params.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValidationError, match="24 speeds"):
        load_travel_params(path)


def test_parameters_from_another_file_change_the_answer(tmp_path: Path):
    data = default_travel_params().model_dump(mode="json")
    data["circuity"] = 2.0
    path = tmp_path / "params.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    stretched = GeodesicTravelModel(load_travel_params(path))
    leg = stretched.leg(SARATOV_CENTRE, ENGELS_CENTRE, WEDNESDAY_1100)
    assert leg.km == pytest.approx(geodesic((51.533, 46.034), (51.485, 46.126)).km * 2.0)


def test_missing_parameters_file_is_an_input_error(tmp_path: Path):
    with pytest.raises(InvalidInput, match="file not found"):
        load_travel_params(tmp_path / "absent.json")
