"""Random small requests (fixed seeds): every plan of both policies passes the independent
checker, and optimal is never worse than greedy on the objective."""

from __future__ import annotations

import random

import pytest

from optimizer.dispatch.terms import TERM_NAMES
from tests.unit.test_dispatch_fixtures import PLACES, at, engineer, request, solved, ticket

SKILLS = ("asterisk_dialplan", "sip_trunks", "ip_phones")


def _values(plan) -> list[int]:
    """The plan's objective terms in priority order (compared lexicographically)."""
    return [plan.solver.terms[t] for t in TERM_NAMES]


def _random_request(seed: int):
    rng = random.Random(seed)
    engineers = []
    for k in range(rng.randint(1, 3)):
        start = rng.choice([(8, 0), (9, 0), (10, 30)])
        end = rng.choice([(13, 0), (17, 0), (18, 0)])
        extra = {}
        if rng.random() < 0.5:
            extra["breaks"] = [
                {
                    "earliest_start": at(12),
                    "latest_end": at(14),
                    "duration_min": rng.choice([30, 60]),
                }
            ]
        if rng.random() < 0.3:
            extra["busy_until"] = at(10, rng.choice([0, 15, 40]))
        if rng.random() < 0.3:
            extra["current_location"] = {"id": rng.choice(PLACES)}
        engineers.append(
            engineer(
                f"e{k}",
                skills=tuple(rng.sample(SKILLS, rng.randint(1, 3))),
                car=rng.random() < 0.7,
                base=rng.choice(PLACES),
                hours=(start, end),
                **extra,
            )
        )
    tickets = []
    for k in range(rng.randint(2, 8)):
        extra = {}
        roll = rng.random()
        if roll < 0.15:
            h = rng.choice([10, 11, 14])
            extra["window"] = {"start": at(h), "end": at(h + 2)}
        elif roll < 0.3:
            extra["earliest_start"] = at(rng.choice([9, 11, 15]))
        elif roll < 0.4 and engineers:
            pin = {"engineer_id": rng.choice(engineers)["id"]}
            if rng.random() < 0.5:
                pin["start"] = at(rng.choice([8, 9, 11]), rng.choice([0, 30]))
            extra["pinned"] = pin
        tickets.append(
            ticket(
                f"t{k}",
                minutes=rng.choice([15, 30, 45, 90]),
                skills=(rng.choice(SKILLS),),
                onsite=rng.random() < 0.4,
                where=rng.choice(PLACES[:3]),
                created=(rng.choice([7, 8, 9]), rng.choice([0, 20, 50])),
                priority=rng.choice(["urgent", "normal", "normal", "low"]),
                **extra,
            )
        )
    return request(engineers, tickets, now=at(9, 5), options={"explain": True})


@pytest.mark.parametrize("seed", range(40))
def test_random_request_plans_keep_every_rule_and_optimal_is_not_worse(seed):
    req = _random_request(seed)
    greedy, optimal = solved(req, "greedy"), solved(req, "optimal")
    assert _values(optimal) <= _values(greedy)
    late = {a.ticket_id for a in optimal.assignments if not a.on_time and not a.in_progress}
    left = {u.ticket_id for u in optimal.unassigned}
    assert {x.ticket_id for x in optimal.explanations} == late | left


SARATOV = [(51.533, 46.008), (51.55, 45.99), (51.51, 46.02), (51.58, 46.05)]
ENGELS = [(51.498, 46.126), (51.48, 46.15), (51.50, 46.18)]


def _random_city_request(seed: int):
    """Geodesic travel across the Volga, absences, lunch, a previous plan half the time."""
    rng = random.Random(1000 + seed)
    points = SARATOV + ENGELS

    def point() -> dict:
        lat, lon = rng.choice(points)
        return {"lat": lat + rng.uniform(-0.01, 0.01), "lon": lon + rng.uniform(-0.01, 0.01)}

    engineers = []
    absences = []
    for k in range(rng.randint(2, 4)):
        e = engineer(f"e{k}", skills=tuple(rng.sample(SKILLS, 2)), car=rng.random() < 0.8)
        e["base"] = point()
        if rng.random() < 0.3:
            e["current_location"] = point()
        e["breaks"] = [{"earliest_start": at(12), "latest_end": at(15), "duration_min": 60}]
        engineers.append(e)
        if rng.random() < 0.2:
            kind = rng.choice(["car_unavailable", "sick"])
            absences.append(
                {"engineer_id": e["id"], "start": at(0), "end": at(0, day=1), "kind": kind}
            )
    tickets = []
    for k in range(rng.randint(3, 10)):
        t = ticket(
            f"t{k}",
            minutes=rng.choice([20, 40, 60, 120]),
            skills=(rng.choice(SKILLS),),
            onsite=rng.random() < 0.5,
            created=(rng.choice([8, 9]), rng.choice([0, 30])),
            priority=rng.choice(["urgent", "normal", "low"]),
        )
        t["location"] = point()
        tickets.append(t)
    return request(
        engineers,
        tickets,
        travel={"kind": "model"},
        now=at(9, 10),
        absences=absences,
        options={"explain": True},
    )


@pytest.mark.parametrize("seed", range(40))
def test_random_city_plans_keep_every_rule_and_replanning_too(seed):
    req = _random_city_request(seed)
    greedy, optimal = solved(req, "greedy"), solved(req, "optimal")
    assert _values(optimal) <= _values(greedy)
    later = req.model_copy(
        update={"now": req.now.replace(hour=10, minute=20), "previous_plan": optimal}
    )
    again = solved(later, "optimal")
    for a in optimal.assignments:
        if a.start < later.now:
            b = again.assignment(a.ticket_id)
            assert b is not None and (b.engineer_id, b.start) == (a.engineer_id, a.start)
