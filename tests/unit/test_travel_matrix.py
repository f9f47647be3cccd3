"""An explicit travel matrix, the ``travel`` field of the contract, and ``make_travel_model``."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import ValidationError

from optimizer.domain.common import Location, StrictModel
from optimizer.errors import InvalidInput
from optimizer.travel import (
    GeodesicTravelModel,
    Leg,
    MatrixTravelModel,
    OsrmTravelModel,
    TravelModel,
    TravelSpec,
    TravelSpecMatrix,
    TravelSpecModel,
    TravelSpecOsrm,
    make_travel_model,
)

AT = datetime.fromisoformat("2026-11-25T08:00:00+04:00")
NIGHT = datetime.fromisoformat("2026-11-25T03:00:00+04:00")

# Three places: the office, a customer in Saratov, a customer in Engels (one-way streets make
# office → engels and engels → office differ).
IDS = ["office", "saratov", "engels"]
MINUTES = [[0, 12, 40], [12, 0, 45], [38, 45, 0]]
KM = [[0, 4.5, 12.0], [4.5, 0, 14.0], [12.5, 14.0, 0]]


@pytest.fixture
def matrix_model() -> MatrixTravelModel:
    """The three-place matrix with minutes and km."""
    return MatrixTravelModel(IDS, MINUTES, KM)


def at(ident: str) -> Location:
    return Location(id=ident)


def test_matrix_model_satisfies_the_travel_model_interface(matrix_model):
    assert isinstance(matrix_model, TravelModel)


def test_leg_reads_the_matrix_in_the_direction_of_travel(matrix_model):
    assert matrix_model.leg(at("office"), at("engels"), AT) == Leg(40.0, 12.0)
    assert matrix_model.leg(at("engels"), at("office"), AT) == Leg(38.0, 12.5)


def test_departure_time_is_ignored_by_the_matrix(matrix_model):
    assert matrix_model.leg(at("saratov"), at("engels"), NIGHT) == matrix_model.leg(
        at("saratov"), at("engels"), AT
    )


def test_same_location_is_zero_even_if_the_diagonal_says_otherwise():
    model = MatrixTravelModel(["a", "b"], [[3, 10], [10, 3]], [[1, 5], [5, 1]])
    assert model.leg(at("a"), at("a"), AT) == Leg(0.0, 0.0)
    assert model.matrix([at("a"), at("b")], AT).minutes == [[0.0, 10.0], [10.0, 0.0]]


def test_sub_matrix_follows_the_order_of_the_request(matrix_model):
    m = matrix_model.matrix([at("engels"), at("office"), at("engels")], AT)
    assert m.minutes == [[0.0, 38.0, 0.0], [40.0, 0.0, 40.0], [0.0, 38.0, 0.0]]
    assert m.km[0][1] == 12.5


def test_matrix_without_km_reports_zero_km():
    model = MatrixTravelModel(["a", "b"], [[0, 10], [11, 0]])
    assert model.leg(at("a"), at("b"), AT) == Leg(10.0, 0.0)


def test_location_by_coordinates_is_found_by_its_key():
    model = MatrixTravelModel(["51.533000,46.034000", "b"], [[0, 7], [7, 0]])
    assert model.leg(Location(lat=51.533, lon=46.034), at("b"), AT).minutes == 7.0


def test_location_missing_from_the_matrix_is_an_input_error(matrix_model):
    with pytest.raises(InvalidInput) as err:
        matrix_model.leg(at("office"), at("volsk"), AT)
    assert (err.value.field, err.value.value) == ("travel.locations", "volsk")
    assert "missing from the travel matrix" in str(err.value)


def test_short_row_is_rejected_naming_the_row():
    with pytest.raises(InvalidInput) as err:
        MatrixTravelModel(["a", "b", "c", "d"], [[0] * 4, [0] * 4, [0] * 3, [0] * 4])
    assert err.value.field == "travel.minutes[2]"
    assert "row length 3, expected 4" in str(err.value)


def test_matrix_with_a_missing_row_is_rejected():
    with pytest.raises(InvalidInput) as err:
        MatrixTravelModel(["a", "b", "c"], [[0, 1, 2], [1, 0, 2]])
    assert err.value.field == "travel.minutes"


def test_km_matrix_of_another_size_is_rejected():
    with pytest.raises(InvalidInput) as err:
        MatrixTravelModel(["a", "b"], [[0, 1], [1, 0]], [[0, 1, 1], [1, 0, 1]])
    assert err.value.field == "travel.km[0]"


def test_negative_minutes_are_rejected_naming_the_cell():
    with pytest.raises(InvalidInput) as err:
        MatrixTravelModel(["a", "b"], [[0, 5], [-1, 0]])
    assert (err.value.field, err.value.value) == ("travel.minutes[1][0]", -1)


def test_not_a_number_is_rejected():
    with pytest.raises(InvalidInput) as err:
        MatrixTravelModel(["a", "b"], [[0, float("nan")], [1, 0]])
    assert err.value.field == "travel.minutes[0][1]"


def test_a_true_in_a_json_matrix_is_rejected_not_read_as_one_minute():
    body = '{"kind": "matrix", "locations": ["a", "b"], "minutes": [[0, true], [1, 0]]}'
    with pytest.raises(ValidationError) as err:
        TravelSpecMatrix.model_validate_json(body)
    assert err.value.errors()[0]["loc"] == ("minutes", 0, 1)


def test_duplicate_location_id_is_rejected():
    with pytest.raises(InvalidInput) as err:
        MatrixTravelModel(["a", "b", "a"], [[0] * 3] * 3)
    assert (err.value.field, err.value.value) == ("travel.locations[2]", "a")


# -- the contract's ``travel`` field -----------------------------------------------------------


class Request(StrictModel):
    """A stand-in for a request that carries a ``travel`` field (as DispatchRequest does)."""

    travel: TravelSpec = TravelSpecModel()


def test_travel_field_defaults_to_the_model():
    assert Request.model_validate({}).travel.kind == "model"


def test_travel_field_picks_the_matrix_by_kind():
    req = Request.model_validate(
        {"travel": {"kind": "matrix", "locations": IDS, "minutes": MINUTES, "km": KM}}
    )
    assert isinstance(req.travel, TravelSpecMatrix)


def test_non_square_matrix_in_a_request_names_the_travel_field():
    bad = {"kind": "matrix", "locations": ["a", "b"], "minutes": [[0, 1], [1]]}
    with pytest.raises(InvalidInput) as err:
        Request.model_validate({"travel": bad})
    assert err.value.field == "travel.minutes[1]"


def test_osrm_spec_has_driving_profile_and_ten_second_timeout_by_default():
    req = Request.model_validate({"travel": {"kind": "osrm", "url": "http://osrm:5000"}})
    assert isinstance(req.travel, TravelSpecOsrm)
    assert (req.travel.profile, req.travel.timeout_s) == ("driving", 10.0)


# -- make_travel_model ---------------------------------------------------------------------------


def test_no_spec_and_kind_model_give_the_geodesic_model():
    assert isinstance(make_travel_model(None), GeodesicTravelModel)
    assert isinstance(make_travel_model({"kind": "model"}), GeodesicTravelModel)
    assert isinstance(make_travel_model(TravelSpecModel()), GeodesicTravelModel)


def test_matrix_spec_gives_a_matrix_model_with_its_numbers():
    model = make_travel_model({"kind": "matrix", "locations": IDS, "minutes": MINUTES, "km": KM})
    assert isinstance(model, MatrixTravelModel)
    assert model.leg(at("office"), at("saratov"), AT) == Leg(12.0, 4.5)


def test_validated_matrix_spec_is_accepted():
    spec = TravelSpecMatrix(locations=["a", "b"], minutes=[[0, 3], [4, 0]])
    assert make_travel_model(spec).leg(at("b"), at("a"), AT) == Leg(4.0, 0.0)


def test_osrm_spec_gives_an_osrm_client_with_its_settings():
    model = make_travel_model({"kind": "osrm", "url": "http://osrm:5000/", "timeout_s": 3})
    assert isinstance(model, OsrmTravelModel)
    assert (model.base_url, model.profile, model.timeout_s) == ("http://osrm:5000", "driving", 3.0)


def test_unknown_kind_is_an_input_error_naming_travel():
    with pytest.raises(InvalidInput) as err:
        make_travel_model({"kind": "teleport"})
    assert err.value.field == "travel"


def test_bad_field_of_a_raw_spec_is_named_under_travel():
    with pytest.raises(InvalidInput) as err:
        make_travel_model({"kind": "osrm", "url": "ftp://osrm"})
    assert err.value.field == "travel.url"
    with pytest.raises(InvalidInput) as err:
        make_travel_model({"kind": "matrix", "locations": ["a"], "minutes": [["x"]]})
    assert err.value.field == "travel.minutes[0][0]"
