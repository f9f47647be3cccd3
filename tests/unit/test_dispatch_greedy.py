"""The greedy baseline: earliest deadline first, to whoever can start soonest."""

from __future__ import annotations

from tests.unit.test_dispatch_fixtures import at, engineer, minutes_after, request, solved, ticket


def test_greedy_takes_the_earliest_deadline_first():
    # One engineer; t_late is due 12:00, t_soon 09:45: t_soon goes first.
    req = request(
        [engineer("a")],
        [ticket("t_late", deadline=at(12)), ticket("t_soon", deadline=at(9, 45))],
    )
    plan = solved(req, "greedy")
    assert plan.assignment("t_soon").start < plan.assignment("t_late").start


def test_greedy_gives_the_ticket_to_the_engineer_who_can_start_soonest():
    req = request([engineer("a", busy_until=at(10)), engineer("b")], [ticket("t1")])
    plan = solved(req, "greedy")
    assert plan.assignment("t1").engineer_id == "b"
    assert minutes_after(plan.assignment("t1").start, 9) == 0


def test_greedy_visit_goes_to_the_nearer_driver():
    # site_far is 10 min from depot_b, 30 from the office.
    req = request(
        [engineer("a"), engineer("b", base="depot_b")],
        [ticket("v1", onsite=True, where="site_far")],
    )
    plan = solved(req, "greedy")
    assert plan.assignment("v1").engineer_id == "b"
    assert plan.assignment("v1").travel_min == 10


def test_optimal_is_never_worse_than_greedy_on_the_objective():
    engineers = [engineer("a"), engineer("b", skills=("sip_trunks", "asterisk_dialplan"))]
    tickets = [
        ticket("t1", minutes=90, deadline=at(9, 30)),
        ticket("t2", minutes=30, skills=("sip_trunks",), deadline=at(9, 20)),
        ticket("t3", minutes=60, deadline=at(10)),
        ticket("u1", priority="urgent", minutes=30),
    ]
    req = request(engineers, tickets)
    g, o = solved(req, "greedy"), solved(req, "optimal")
    key = list(g.solver.terms)
    assert [o.solver.terms[k] for k in key] <= [g.solver.terms[k] for k in key]
