"""Contract v1 models: strict input, clear errors naming the field and the value."""

from __future__ import annotations

from datetime import time

import pytest
from pydantic import ValidationError

from optimizer.domain import DataSet, Engineer, Location, ShiftTemplate, SlaPolicy, Ticket
from optimizer.errors import InvalidInput, UnknownReference, one_line

POLICY = {"id": "standard"}
SITE = {
    "id": "s1",
    "customer": "ООО Ромашка",
    "city": "Saratov",
    "location": {"lat": 51.53, "lon": 46.03},
    "sla_policy": "standard",
}
TICKET = {
    "id": "t1",
    "site_id": "s1",
    "created_at": "2026-11-27T10:00:00+04:00",
    "duration_min": 30,
}


def dataset(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {"sla_policies": [POLICY], "sites": [SITE], "tickets": [TICKET]}
    base.update(changes)
    return base


def test_a_minimal_dataset_validates():
    ds = DataSet.model_validate(dataset())
    assert ds.tickets[0].site_id == "s1"
    assert ds.policy("standard").response_min["normal"] == 120


def test_naive_datetime_is_rejected_naming_the_ticket_field():
    bad = dict(TICKET, created_at="2026-11-27T10:00:00")
    with pytest.raises(ValidationError) as err:
        DataSet.model_validate(dataset(tickets=[bad]))
    assert one_line(err.value).startswith("tickets[0].created_at: '2026-11-27T10:00:00'")


def test_ticket_for_an_unknown_site_names_ticket_and_site():
    bad = dict(TICKET, site_id="nowhere")
    with pytest.raises(UnknownReference) as err:
        DataSet.model_validate(dataset(tickets=[bad]))
    assert err.value.field == "tickets[0].site_id"
    assert "t1" in str(err.value) and "nowhere" in str(err.value)


def test_duplicate_ticket_id_is_rejected():
    with pytest.raises(InvalidInput) as err:
        DataSet.model_validate(dataset(tickets=[TICKET, TICKET]))
    assert err.value.field == "tickets[1].id"


def test_negative_duration_is_rejected():
    with pytest.raises(ValidationError) as err:
        Ticket.model_validate(dict(TICKET, duration_min=-5))
    assert "duration_min" in one_line(err.value)


def test_unknown_field_is_rejected():
    with pytest.raises(ValidationError) as err:
        Ticket.model_validate(dict(TICKET, colour="red"))
    assert one_line(err.value).startswith("colour: 'red'")


def test_a_skill_that_is_not_a_path_safe_id_is_rejected():
    # whether the id is in the catalogue is checked by the data set or request (test_skills_*)
    with pytest.raises(ValidationError) as err:
        Ticket.model_validate(dict(TICKET, required_skills=["Fax machines"]))
    assert "required_skills[0]: 'Fax machines'" in one_line(err.value)


def test_onsite_ticket_outside_saratov_and_engels_is_rejected():
    far = dict(SITE, id="s2", city="Balakovo")
    bad = dict(TICKET, site_id="s2", mode="onsite")
    with pytest.raises(InvalidInput) as err:
        DataSet.model_validate(dataset(sites=[SITE, far], tickets=[bad]))
    assert err.value.field == "tickets[0].mode"


def test_site_with_unknown_policy_is_rejected():
    with pytest.raises(UnknownReference) as err:
        DataSet.model_validate(dataset(sites=[dict(SITE, sla_policy="gold")]))
    assert err.value.field == "sites[0].sla_policy"


def test_absence_of_unknown_engineer_is_rejected():
    absence = {
        "engineer_id": "ghost",
        "start": "2027-07-01T00:00+04:00",
        "end": "2027-07-15T00:00+04:00",
        "kind": "vacation",
    }
    with pytest.raises(UnknownReference):
        DataSet.model_validate(dataset(absences=[absence]))


def test_location_needs_coordinates_or_an_id():
    assert Location(id="depot").key == "depot"
    with pytest.raises(ValidationError):
        Location.model_validate({"lat": 51.5})


def test_template_ending_before_it_starts_is_rejected():
    with pytest.raises(ValidationError) as err:
        ShiftTemplate.model_validate({"id": "x", "start": "18:00", "end": "09:00"})
    assert "not after start" in one_line(err.value)


def test_policy_keeps_defaults_for_priorities_not_given():
    p = SlaPolicy.model_validate({"id": "fast", "response_min": {"normal": 60}})
    assert p.response_min["urgent"] == 30 and p.response_min["normal"] == 60


def test_engineer_can_visit_only_with_licence_and_car():
    base = {"id": "e1", "name": "Иван", "base": {"lat": 51.5, "lon": 46.0}}
    assert Engineer.model_validate(dict(base, licence_b=True, has_car=True)).can_visit
    assert not Engineer.model_validate(dict(base, licence_b=True, has_car=False)).can_visit


# -- strict types (issue 22) -------------------------------------------------------------------


def _error_field(model: type, data: dict) -> str:  # type: ignore[type-arg]
    with pytest.raises(ValidationError) as err:
        model.model_validate(data)
    return ".".join(str(p) for p in err.value.errors()[0]["loc"])


_TICKET = {"id": "t1", "site_id": "s1", "created_at": "2026-11-27T16:30+04:00", "duration_min": 45}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration_min": True}, "duration_min"),
        ({"duration_min": "45"}, "duration_min"),
        ({"created_at": 1_796_000_000}, "created_at"),
        ({"id": ".."}, "id"),
        ({"id": "a/b"}, "id"),
        ({"external_id": "x" * 201}, "external_id"),
        ({"title": "t" * 4001}, "title"),
    ],
)
def test_a_ticket_refuses_coerced_values_unsafe_ids_and_overlong_text(
    changes: dict[str, object], field: str
) -> None:
    assert _error_field(Ticket, {**_TICKET, **changes}) == field


def test_a_ticket_keeps_whole_numbers_written_as_json_numbers() -> None:
    assert Ticket.model_validate({**_TICKET, "duration_min": 45.0}).duration_min == 45


def test_an_engineer_flag_is_true_or_false_only_and_a_shift_time_has_no_offset() -> None:
    engineer = {"id": "e1", "name": "A", "base": {"lat": 51.5, "lon": 46.0}}
    assert _error_field(Engineer, {**engineer, "licence_b": 1}) == "licence_b"
    assert _error_field(Engineer, {**engineer, "base": {"lat": "51.5", "lon": 46}}) == "base.lat"
    template = {"id": "d", "start": "09:00", "end": "18:00"}
    assert ShiftTemplate.model_validate(template).start == time(9, 0)
    assert _error_field(ShiftTemplate, {**template, "end": "18:00+03:00"}) == "end"
