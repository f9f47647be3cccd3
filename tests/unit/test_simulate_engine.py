"""Rules of the simulated department, each on a handful of tickets whose answer is obvious.

The tiny department: engineer ``a`` (licence and car; dialplan and SIP trunks) and engineer
``b`` (no car; dialplan and CRM), office hours Mon–Thu 09:00–18:00, Fri 09:00–17:00. The
simulation starts on Monday 1 February 2027 (minute 0 = 00:00); no sickness.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
import pytest

from optimizer.calendar import TZ
from optimizer.domain import DataSet, Engineer, Location, ShiftTemplate, Site, SlaPolicy
from optimizer.domain.common import Clock
from optimizer.domain.scenario import Scenario
from optimizer.simulate.compile import BaseData, compile_scenario
from optimizer.simulate.engine import (
    Department,
    GreedyDispatcher,
    Window,
    engineer_states,
    travel_function,
    windows_of,
)
from optimizer.simulate.model import ALWAYS, PRIORITIES, EngineerPlan, Shift, SimModel
from optimizer.simulate.optimal import OptimalDispatcher
from optimizer.simulate.tickets import Tickets

START = date(2027, 2, 1)  # a Monday
SARATOV = Location(lat=51.5331, lon=46.0342)
ENGELS = Location(lat=51.4855, lon=46.1263)
VOLSK = Location(lat=52.0478, lon=47.3965)


def tiny_dataset() -> DataSet:
    """Two engineers, three customers (Saratov, Engels, Volsk), the office templates."""
    return DataSet(
        sla_policies=[
            SlaPolicy(id="standard"),
            SlaPolicy(id="round", clock=Clock.always),
        ],
        sites=[
            Site(id="s1", customer="A", city="Saratov", location=SARATOV, sla_policy="standard"),
            Site(id="s2", customer="B", city="Engels", location=ENGELS, sla_policy="standard"),
            Site(id="s3", customer="C", city="Volsk", location=VOLSK, sla_policy="round"),
        ],
        engineers=[
            Engineer(
                id="a",
                name="A",
                skills=["asterisk_dialplan", "sip_trunks"],
                licence_b=True,
                has_car=True,
                base=SARATOV,
                cost_per_hour_rub=600,
                car_cost_per_km_rub=10,
            ),
            Engineer(
                id="b",
                name="B",
                skills=["asterisk_dialplan", "crm_integration"],
                base=SARATOV,
                cost_per_hour_rub=500,
            ),
        ],
        shift_templates=[
            ShiftTemplate(id="office", start=time(9), end=time(18), weekdays=[0, 1, 2, 3]),
            ShiftTemplate(id="office_fri", start=time(9), end=time(17), weekdays=[4]),
            ShiftTemplate(
                id="oncall", start=time(10), end=time(16), kind="on_call", weekdays=[5, 6]
            ),
        ],
    )


def tiny_history(weeks: int = 8, per_day: int = 6, seed: int = 3) -> pd.DataFrame:
    """A few tickets every working day in office hours: dialplan work remote, SIP visits."""
    rng = np.random.default_rng(seed)
    rows = []
    day0 = datetime(2026, 11, 2, tzinfo=TZ)  # a Monday
    for d in range(weeks * 7):
        day = day0 + timedelta(days=d)
        if day.weekday() >= 5:
            continue
        for _ in range(per_day):
            at = day + timedelta(minutes=int(rng.integers(9 * 60, 17 * 60)))
            site = ["s1", "s2", "s3"][int(rng.integers(3))]
            city = {"s1": "Saratov", "s2": "Engels", "s3": "Volsk"}[site]
            visit = site != "s3" and rng.random() < 0.3
            rows.append(
                {
                    "id": f"h{len(rows)}",
                    "site_id": site,
                    "site_city": city,
                    "created_at": at,
                    "priority": "urgent" if rng.random() < 0.1 else "normal",
                    "kind": "additional" if rng.random() < 0.2 else "maintenance",
                    "mode": "onsite" if visit else "remote",
                    "category": "visit" if visit else "dialplan",
                    "required_skills": "sip_trunks" if visit else "asterisk_dialplan",
                    "duration_min": int(rng.integers(20, 60)),
                }
            )
    return pd.DataFrame(rows)


def tiny_base() -> BaseData:
    """The tiny department, its history fitted."""
    return BaseData.fit(tiny_dataset(), tiny_history(), START)


@pytest.fixture(scope="module")
def base() -> BaseData:
    return tiny_base()


def model_of(base: BaseData, **scenario: object) -> SimModel:
    """A compiled scenario of the tiny department (no sickness, a week)."""
    spec = {"name": "t", "start": START, "horizon_days": 7, "sick_rate": 0.0, **scenario}
    return compile_scenario(Scenario.model_validate(spec), base)


def at(day: int, hh: int, mm: int = 0) -> float:
    """Simulation minute of ``hh:mm`` on day ``day`` (0 = Monday 1 February 2027)."""
    return day * 1440.0 + hh * 60 + mm


def tickets_of(model: SimModel, *rows: dict[str, object]) -> Tickets:
    """Tickets from rows (created, site index, priority, mode, skills, duration)."""
    created = np.array([float(r["created"]) for r in rows])  # type: ignore[arg-type]
    site = np.array([int(r.get("site", 0)) for r in rows])  # type: ignore[call-overload]
    prio = np.array([PRIORITIES.index(r.get("priority", "normal")) for r in rows])  # type: ignore[arg-type]
    mode = np.array([1 if r.get("mode") == "onsite" else 0 for r in rows], dtype=np.int8)
    skills = np.array([model.skills.mask(r.get("skills", ["asterisk_dialplan"])) for r in rows])  # type: ignore[arg-type]
    duration = np.array([float(r.get("duration", 30)) for r in rows])  # type: ignore[arg-type]
    policy = model.sites.policy[site]
    clock = model.sla.clock[policy]
    response = model.sla.response_min[policy, prio]
    deadline = np.where(
        clock == ALWAYS, created + response, model.clock.business_deadline(created, response)
    )
    return Tickets(
        created=created,
        site=site,
        priority=prio.astype(np.int8),
        kind=np.zeros(len(rows), dtype=np.int8),
        mode=mode,
        skills=skills,
        duration=duration,
        clock=clock.astype(np.int8),
        deadline=deadline,
        category=np.zeros(len(rows), dtype=int),
    )


def run(model: SimModel, tickets: Tickets) -> Department:
    """Simulate the given tickets with the greedy policy."""
    seed = np.random.SeedSequence(1)
    dept = Department(
        model, tickets, engineer_states(model, seed), travel_function(model), GreedyDispatcher()
    )
    dept.run()
    return dept


def who(dept: Department, i: int) -> str:
    return dept.engineers[int(dept.assigned[i])].plan.id


# -- rules -------------------------------------------------------------------------------


def test_engineer_without_the_skill_never_takes_the_ticket(base):
    # Both engineers idle on Monday 10:00; only b has CRM integration.
    model = model_of(base)
    dept = run(model, tickets_of(model, {"created": at(0, 10), "skills": ["crm_integration"]}))
    assert who(dept, 0) == "b"
    assert dept.start[0] == at(0, 10)


def test_visit_goes_only_to_the_engineer_with_a_car_and_starts_after_the_drive(base):
    # An Engels visit at Monday 10:00: b has no car; a drives from Saratov over the bridge.
    model = model_of(base)
    dept = run(
        model,
        tickets_of(model, {"created": at(0, 10), "site": 1, "mode": "onsite", "skills": []}),
    )
    assert who(dept, 0) == "a"
    assert dept.start[0] > at(0, 10) + 10  # the drive
    assert dept.engineers[0].km > 5


def test_visit_waits_while_the_only_car_is_in_repair(base):
    # a's car is out Monday 00:00-14:00: the Saratov visit created at 10:00 starts after 14:00.
    model = model_of(
        base,
        changes={
            "cars_out": [
                {
                    "engineer_id": "a",
                    "start": "2027-02-01T00:00:00+04:00",
                    "end": "2027-02-01T14:00:00+04:00",
                }
            ]
        },
    )
    dept = run(model, tickets_of(model, {"created": at(0, 10), "mode": "onsite", "skills": []}))
    assert dept.start[0] >= at(0, 14)


def test_earliest_deadline_goes_first_when_an_engineer_frees_up(base):
    # Only a works. a is busy 10:00-10:30; a normal ticket (due 12:00) arrives at 10:01, an
    # urgent one (due 10:32) at 10:02: at 10:30 the urgent one goes first.
    model = model_of(base, changes={"remove_engineers": ["b"]})
    dept = run(
        model,
        tickets_of(
            model,
            {"created": at(0, 10), "duration": 30},
            {"created": at(0, 10, 1)},
            {"created": at(0, 10, 2), "priority": "urgent"},
        ),
    )
    assert dept.start[2] == at(0, 10, 30)
    assert dept.start[1] == at(0, 11)


def test_ticket_created_on_sunday_night_starts_when_the_office_opens(base):
    model = model_of(base, start=date(2027, 1, 31), horizon_days=3)  # Sunday
    dept = run(model, tickets_of(model, {"created": at(0, 23)}))
    assert dept.start[0] == at(1, 9)


def test_work_running_past_the_end_of_the_shift_is_overtime(base):
    # Monday 17:30, 90 minutes: the shift ends at 18:00, an hour of overtime.
    model = model_of(base, changes={"remove_engineers": ["b"]})
    dept = run(model, tickets_of(model, {"created": at(0, 17, 30), "duration": 90}))
    assert dept.start[0] == at(0, 17, 30)
    assert sum(dept.engineers[0].overtime.values()) == pytest.approx(60.0)


def test_nobody_starts_new_work_after_the_shift(base):
    model = model_of(base)
    dept = run(model, tickets_of(model, {"created": at(0, 18, 30)}))
    assert dept.start[0] == at(1, 9)


def test_urgent_only_on_call_takes_the_urgent_ticket_and_leaves_the_normal_one(base):
    # Saturday 6 February 11:00: a is on call for urgent tickets only (10:00-16:00).
    model = model_of(base, changes={"weekend_on_call": {"engineers": ["a"], "urgent_only": True}})
    dept = run(
        model,
        tickets_of(
            model,
            {"created": at(5, 11), "priority": "urgent"},
            {"created": at(5, 11)},
        ),
    )
    assert dept.start[0] == at(5, 11)
    assert dept.start[1] == at(7, 9)  # Monday 8 February, office opening
    assert dept.engineers[0].weekend_minutes == pytest.approx(30.0)


def test_on_call_hours_come_from_the_data_sets_on_call_template(base):
    model = model_of(base, changes={"weekend_on_call": True})
    saturday = [s for e in model.engineers for s in e.shifts if s.on_call and s.day == 5]
    assert len(saturday) == 1
    assert (saturday[0].start, saturday[0].end) == (at(5, 10), at(5, 16))


def test_vacation_removes_the_working_days(base):
    model = model_of(
        base,
        changes={
            "absences": [
                {
                    "engineer_id": "b",
                    "start": "2027-02-01T00:00:00+04:00",
                    "end": "2027-02-03T00:00:00+04:00",
                    "kind": "vacation",
                }
            ]
        },
    )
    dept = run(model, tickets_of(model, {"created": at(0, 10), "skills": ["crm_integration"]}))
    assert dept.start[0] == at(2, 9)


def test_lunch_breaks_are_staggered_so_someone_is_always_in(base):
    model = model_of(base)
    a, b = (e.shifts for e in model.engineers)
    monday_a = [(s.start, s.end) for s in a if s.day == 0]
    monday_b = [(s.start, s.end) for s in b if s.day == 0]
    assert monday_a != monday_b
    assert len(monday_a) == 2 and monday_a[0][1] - monday_a[0][0] >= 60


def test_an_absence_splits_a_shift_and_a_sick_day_removes_it():
    # Day 0: 09:00-13:00 with an absence 10:00-11:00; day 1: 09:00-13:00, covered whole by
    # an absence from 23:00 of day 0 to 14:00 of day 1; day 2: 09:00-13:00, a sick day.
    shifts = tuple(Shift(d * 1440 + 540.0, d * 1440 + 780.0, d * 1440 + 780.0, d) for d in range(3))
    plan = EngineerPlan(
        id="a",
        skills=1,
        can_visit=False,
        base=0,
        cost_per_hour=600.0,
        car_cost_per_km=0.0,
        shifts=shifts,
        away=((600.0, 660.0), (1380.0, 1440 + 840.0)),
        car_out=(),
        paid_minutes=720.0,
    )
    assert windows_of(plan, sick={2}) == [
        Window(540.0, 600.0, 780.0, 0, False, False),
        Window(660.0, 780.0, 780.0, 0, False, False),
    ]


def test_optimal_policy_re_runs_the_dispatch_engine_and_respects_skills_and_cars(base):
    # Monday 10:00: a CRM ticket (only b) and a Saratov visit (only a, who has the car).
    model = model_of(base, policy="optimal")
    tickets = tickets_of(
        model,
        {"created": at(0, 10), "skills": ["crm_integration"]},
        {"created": at(0, 10), "mode": "onsite", "skills": []},
    )
    dispatcher = OptimalDispatcher(time_limit_s=0.2)
    seed = np.random.SeedSequence(1)
    dept = Department(
        model, tickets, engineer_states(model, seed), travel_function(model), dispatcher
    )
    dept.run()
    assert dispatcher.calls >= 1
    assert who(dept, 0) == "b" and who(dept, 1) == "a"
    assert dept.start[0] == at(0, 10)
