"""Same input and seed give the same plan (deterministic CP-SAT mode)."""

from __future__ import annotations

from tests.unit.test_dispatch_fixtures import engineer, request, solved, ticket


def _request(seed: int):
    engineers = [
        engineer("a", skills=("asterisk_dialplan", "sip_trunks")),
        engineer("b"),
        engineer("c", base="depot_b"),
    ]
    tickets = [
        ticket("t1", minutes=50),
        ticket("t2", minutes=40, skills=("sip_trunks",)),
        ticket("v1", onsite=True, minutes=30),
        ticket("v2", onsite=True, where="site_far", minutes=45),
        ticket("u1", priority="urgent", created=(8, 50), minutes=20),
    ]
    return request(engineers, tickets, options={"seed": seed, "explain": True})


def _signature(plan):
    return (
        [(a.ticket_id, a.engineer_id, a.start, a.end) for a in plan.assignments],
        [[(s.ticket_id, s.arrive, s.depart) for s in r.stops] for r in plan.routes],
        [x.model_dump() for x in plan.explanations],
    )


def test_same_request_and_seed_give_the_same_plan():
    assert _signature(solved(_request(7))) == _signature(solved(_request(7)))


def test_greedy_plan_is_the_same_every_time():
    assert _signature(solved(_request(0), "greedy")) == _signature(solved(_request(0), "greedy"))
