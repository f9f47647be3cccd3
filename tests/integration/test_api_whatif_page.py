"""The owner's what-if through the API: the sample scenarios listed and run, a scenario built
from the form, the sweep's answer, and zero replications refused at the field with nothing
queued. Horizons and replications are kept small: these check the plumbing, not the figures
(the simulator's own tests do)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from optimizer.domain.scenario import ScenarioSet
from service.models import JobRow
from service.seed import seed
from service.whatifs import SweepRequest, WhatIfForm, form_scenarios, sweep_answer, sweep_scenarios


@pytest.fixture(scope="module")
def head(client: TestClient, as_role) -> dict[str, str]:  # type: ignore[no-untyped-def]
    seed(client.app.state.engine)  # type: ignore[attr-defined]
    return as_role("head")


def _jobs(client: TestClient) -> int:
    with Session(client.app.state.engine) as s:  # type: ignore[attr-defined]
        return int(s.scalar(select(func.count()).select_from(JobRow)) or 0)


def test_the_sample_scenarios_are_listed_with_russian_titles(
    client: TestClient, head: dict[str, str]
) -> None:
    r = client.get("/api/v1/whatif/samples", headers=head)
    assert r.status_code == 200
    samples = {s["id"]: s for s in r.json()}
    assert list(samples)[0] == "vacation_july"
    assert "Июль 2027" in samples["vacation_july"]["title"]
    assert [s["name"] for s in samples["vacation_july"]["scenarios"]] == [
        "july_as_planned",
        "july_e06_on_vacation",
    ]
    assert "mmc_check" not in samples


LATIN_WORD = re.compile(r"\b[a-z_]{4,}\b")
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def _texts(sample: dict[str, Any]) -> list[str]:
    return [sample["title"], *(s["title"] for s in sample["scenarios"])]


def test_the_samples_name_engineers_and_speak_the_pages_language(
    client: TestClient, head: dict[str, str]
) -> None:
    ru = {s["id"]: s for s in client.get("/api/v1/whatif/samples", headers=head).json()}
    en = {s["id"]: s for s in client.get("/api/v1/whatif/samples?lang=en", headers=head).json()}
    assert ru["vacation_july"]["scenarios"][1]["title"] == "Андрей Морозов в отпуске 12.07–25.07"
    assert ru["car_out_month"]["title"].startswith("Март 2027: Иван Петров: машина в ремонте")
    assert en["vacation_july"]["title"] == "July 2027: Андрей Морозов on vacation 12.07–25.07"
    assert [s["title"] for s in en["car_out_month"]["scenarios"]] == [
        "As is",
        "Иван Петров: car in repair 01.03–31.03",
    ]
    for sample in ru.values():
        for text in _texts(sample):
            assert not re.search(r"\be\d\d\b", text) and not LATIN_WORD.search(text), text
    names = {"Андрей Морозов", "Иван Петров"}
    for sample in en.values():
        for text in _texts(sample):
            for name in names:
                text = text.replace(name, "")
            assert not re.search(r"\be\d\d\b", text) and not CYRILLIC.search(text), text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/whatif/samples/vacation_july", {"replications": 0}),
        ("/api/v1/whatif/form", {"replications": 0}),
        ("/api/v1/whatif/sweep", {"replications": 0}),
    ],
)
def test_zero_replications_are_refused_at_the_field_and_nothing_is_queued(
    client: TestClient, head: dict[str, str], path: str, body: dict[str, Any]
) -> None:
    before = _jobs(client)
    r = client.post(path, json=body, headers=head)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"].endswith("replications")
    assert _jobs(client) == before


def test_an_unknown_sample_is_refused_naming_it(client: TestClient, head: dict[str, str]) -> None:
    r = client.post("/api/v1/whatif/samples/nosuch", json={"replications": 2}, headers=head)
    assert r.status_code == 422 and r.json()["field"] == "sample"


def test_the_form_builds_the_base_and_the_changed_scenario() -> None:
    form = WhatIfForm.model_validate(
        {
            "start": "2027-07-01",
            "horizon_days": 31,
            "replications": 4,
            "add_clients": [{"city": "Saratov", "count": 20}],
            "away": [{"engineer_id": "e06", "first": "2027-07-12", "last": "2027-07-25"}],
            "cars_out": [{"engineer_id": "e01", "first": "2027-07-01", "last": "2027-07-31"}],
            "hire": {"skills": ["gateways"], "car": True},
            "weekend_on_call": True,
            "optimal_dispatcher": True,
        }
    )
    spec = form_scenarios(form)
    base, changed = spec.scenarios
    assert base.name == "Как есть" and base.changes.absences == []
    assert changed.policy.value == "optimal" and changed.replications == 4
    (away,) = changed.changes.absences
    assert away.start.isoformat() == "2027-07-12T00:00:00+04:00"
    assert away.end.isoformat() == "2027-07-26T00:00:00+04:00"  # the last day included
    assert changed.changes.cars_out[0].end.isoformat() == "2027-08-01T00:00:00+04:00"
    assert changed.changes.add_engineers[0].has_car is True
    assert changed.changes.weekend_on_call is not None
    ScenarioSet.model_validate(spec.model_dump(mode="json"))


def test_a_date_span_ending_before_it_starts_names_the_field(
    client: TestClient, head: dict[str, str]
) -> None:
    body = {"away": [{"engineer_id": "e06", "first": "2027-07-12", "last": "2027-07-01"}]}
    r = client.post("/api/v1/whatif/form", json=body, headers=head)
    assert r.status_code == 422 and "away" in r.json()["field"]


def test_the_sweep_answers_the_fewest_engineers_by_the_mean_and_by_the_interval() -> None:
    spec = sweep_scenarios(SweepRequest(max_extra=2, replications=3))
    assert [s.name for s in spec.scenarios] == ["Как есть", "+1 инж.", "+2 инж."]
    assert spec.scenarios[2].changes.add_engineers[0].count == 2
    report = {"scenarios": [
        {"sla_attainment": {"mean": 0.90, "ci_low": 0.85}},
        {"sla_attainment": {"mean": 0.955, "ci_low": 0.93}},
        {"sla_attainment": {"mean": 0.97, "ci_low": 0.951}},
    ]}  # fmt: skip
    answer = sweep_answer(report, 95)
    assert (answer["by_mean"], answer["by_ci_low"]) == (1, 2)
    assert sweep_answer(report, 99)["by_mean"] is None


def test_a_sample_runs_as_a_job_and_reports_shares_inside_zero_and_one(
    client: TestClient, head: dict[str, str]
) -> None:
    r = client.post(
        "/api/v1/whatif/samples/car_out_month?wait=120",
        json={"replications": 2, "seed": 3},
        headers=head,
    )
    assert r.status_code == 200, r.text[:500]
    report = r.json()
    assert [s["replications"] for s in report["scenarios"]] == [2, 2]
    assert report["few_replications"] is True
    for s in report["scenarios"]:
        sla = s["sla_attainment"]
        assert 0 <= sla["ci_low"] <= sla["mean"] <= sla["ci_high"] <= 1
    assert report["scenarios"][1]["description"] == "Иван Петров: машина в ремонте 01.03–31.03"
    for s in report["scenarios"]:  # the charts' figures, as the page reads them
        assert [w["start"] for w in s["sla_by_week"]][:2] == ["2027-03-01", "2027-03-08"]
        assert sum(w["days"] for w in s["sla_by_week"]) == 31
        histogram = sum(b["tickets"]["mean"] for b in s["wait_histogram"])
        assert histogram == pytest.approx(s["wait_min"]["count"])
        assert len(s["utilisation_by_hour"]) == 24


def test_a_sweep_runs_as_a_job_and_answers_from_its_report(
    client: TestClient, head: dict[str, str]
) -> None:
    body = {"replications": 1, "max_extra": 1, "horizon_days": 7, "target_pct": 50}
    r = client.post("/api/v1/whatif/sweep?wait=120", json=body, headers=head)
    assert r.status_code == 200, r.text[:500]
    report = r.json()
    assert [s["name"] for s in report["scenarios"]] == ["Как есть", "+1 инж."]
    answer = client.get(f"/api/v1/whatif/{r.headers['X-Job-Id']}/sweep?target_pct=50", headers=head)
    assert answer.status_code == 200
    expected = sweep_answer(report, 50)
    assert answer.json() == expected
    assert [row["mean"] for row in expected["rows"]] == [
        s["sla_attainment"]["mean"] for s in report["scenarios"]
    ]
