"""The objective terms, one by one, in the Timefold style: each term on a plan of one to three
tickets that breaks it and on one that keeps it, with the penalty in natural units (minutes,
tickets, weights); and the registry's two views of a term — its CP-SAT expression and its value
on a schedule — agree.

The matrix world of ``test_dispatch_fixtures``: now is 09:00, engineers work 09:00–18:00, the
office is 10 minutes from site_near and 30 from site_far (km = minutes / 2, 10 RUB a km).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from ortools.sat.python import cp_model

from optimizer.dispatch.build import build_problem
from optimizer.dispatch.fleet import build_fleet_model, fleet_hint, fleet_of
from optimizer.dispatch.greedy import solve_greedy
from optimizer.dispatch.model import build_model, hint_values
from optimizer.dispatch.problem import Problem, minutes_ceil
from optimizer.dispatch.schedule import Schedule
from optimizer.dispatch.terms import TERM_NAMES, TERMS, term_values
from tests.unit.test_dispatch_fixtures import at, engineer, request, solved, ticket
from tests.unit.test_dispatch_random import _random_city_request, _random_request
from tests.unit.test_dispatch_routing import _vrptw


def _plan(problem: Problem, placed: dict[str, tuple[str, str]]) -> Schedule:
    """A hand-made schedule of remote work: ticket → (engineer, ISO start); others left out."""
    sched = Schedule()
    for ticket_id, (engineer_id, start) in placed.items():
        minute = minutes_ceil(problem.origin, datetime.fromisoformat(start), problem.scale)
        sched.assign(
            problem.job_by_id[ticket_id].index, problem.crew_by_id[engineer_id].index, minute
        )
    return sched


def _terms(req, placed: dict[str, tuple[str, str]]) -> dict[str, int]:
    """The objective terms of the hand-made plan ``placed`` of a request."""
    problem = build_problem(req)
    return term_values(problem, _plan(problem, placed))


# -- the registry ----------------------------------------------------------------------------


def test_every_term_has_one_entry_and_a_name_of_its_own():
    assert len(set(TERM_NAMES)) == len(TERMS)
    assert tuple(t.name for t in TERMS) == TERM_NAMES


def test_a_plans_solver_block_reports_every_term_in_priority_order():
    plan = solved(request([engineer("a")], [ticket("t")]))
    assert tuple(plan.solver.terms) == TERM_NAMES


def _agree(dm, values: dict) -> dict[str, int]:
    """Fix every hinted variable of the model and check each term's expression against the
    term's value on the same schedule."""
    model = dm.model.clone()
    for var, value in values.items():
        model.add(model.get_int_var_from_proto_index(var.index) == value)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    return {t.name: int(solver.value(t.expr)) for t in dm.terms}


@pytest.mark.parametrize("seed", range(8))
def test_each_terms_expression_in_the_model_equals_its_value_on_the_schedule(seed):
    for req in (_random_request(seed), _random_city_request(seed)):
        problem = build_problem(req)
        sched = solve_greedy(problem)
        dm = build_model(problem, keep=sched)
        assert _agree(dm, hint_values(dm, sched)) == term_values(problem, sched)


def test_each_terms_expression_in_the_fleet_model_equals_its_value_on_the_schedule():
    problem = build_problem(_vrptw(windows=True))
    fleet = fleet_of(problem)
    assert fleet is not None
    sched = solve_greedy(problem)
    dm = build_fleet_model(problem, fleet)
    expected = term_values(problem, sched)
    expected["balance"] = 0  # the fleet model has no engineers' identities to balance
    assert _agree(dm, fleet_hint(dm, sched)) == expected


# -- (0) pins dropped ------------------------------------------------------------------------


def _pinned():
    return request([engineer("a")], [ticket("t", pinned={"engineer_id": "a"})])


def test_a_pinned_ticket_left_out_drops_its_pin():
    assert _terms(_pinned(), {})["pins_dropped"] == 1


def test_a_pinned_ticket_done_by_its_engineer_drops_no_pin():
    assert _terms(_pinned(), {"t": ("a", at(9))})["pins_dropped"] == 0


def test_an_unpinned_ticket_left_out_drops_no_pin():
    req = request([engineer("a")], [ticket("t")])
    assert _terms(req, {})["pins_dropped"] == 0


# -- (1) urgent waiting ----------------------------------------------------------------------


def _urgent_and_normal():
    # Both created at 09:00 (now): the urgent one's wait runs from 09:00.
    return request([engineer("a")], [ticket("u", priority="urgent"), ticket("n")])


def test_an_urgent_ticket_started_at_nine_forty_waited_forty_minutes():
    terms = _terms(_urgent_and_normal(), {"n": ("a", at(9)), "u": ("a", at(9, 40))})
    assert terms["urgent_wait"] == 40


def test_an_urgent_ticket_started_at_once_waited_no_minute():
    terms = _terms(_urgent_and_normal(), {"u": ("a", at(9)), "n": ("a", at(9, 30))})
    assert terms["urgent_wait"] == 0


def test_optimal_starts_the_urgent_ticket_first():
    plan = solved(_urgent_and_normal())
    assert plan.solver.terms["urgent_wait"] == 0
    assert plan.assignment("u").start < plan.assignment("n").start


# -- (2) breaches and (3) minutes late -------------------------------------------------------


def _due_half_past_nine(priority: str = "normal"):
    return request([engineer("a")], [ticket("t", priority=priority, deadline=at(9, 30))])


@pytest.mark.parametrize("priority", ["urgent", "normal", "low"])
def test_a_ticket_started_after_its_deadline_breaches_by_its_prioritys_weight(priority):
    req = _due_half_past_nine(priority)
    weight = req.options.weights.breach[priority]
    terms = _terms(req, {"t": ("a", at(9, 45))})
    assert (terms["breaches"], terms["late_min"]) == (weight, 15)


def test_a_ticket_started_by_its_deadline_neither_breaches_nor_is_late():
    terms = _terms(_due_half_past_nine(), {"t": ("a", at(9, 30))})
    assert (terms["breaches"], terms["late_min"]) == (0, 0)


def test_minutes_late_add_up_over_tickets():
    # Three 30-minute tickets due 09:30 on one engineer: 09:00, 09:40 and 10:20 are 0 + 10 + 50.
    tickets = [ticket(f"t{k}", deadline=at(9, 30)) for k in range(3)]
    req = request([engineer("a")], tickets)
    placed = {"t0": ("a", at(9)), "t1": ("a", at(9, 40)), "t2": ("a", at(10, 20))}
    assert _terms(req, placed)["late_min"] == 60


def test_a_ticket_left_out_counts_as_starting_at_the_horizons_end():
    # The day ends at 18:00: left out, a ticket due 09:30 breaches and is 510 minutes late.
    req = _due_half_past_nine()
    terms = _terms(req, {})
    weight = req.options.weights.breach["normal"]
    assert (terms["breaches"], terms["late_min"], terms["left_out"]) == (weight, 510, 1)


# -- (4) tickets left out --------------------------------------------------------------------


def test_a_ticket_nobody_does_is_left_out_once():
    req = request([engineer("a")], [ticket("t"), ticket("s")])
    assert _terms(req, {"s": ("a", at(9))})["left_out"] == 1


def test_a_ticket_done_is_not_left_out():
    req = request([engineer("a")], [ticket("t")])
    assert _terms(req, {"t": ("a", at(9))})["left_out"] == 0


# -- (5) travel ------------------------------------------------------------------------------


def test_remote_work_from_the_base_drives_nowhere():
    assert solved(request([engineer("a")], [ticket("t")])).solver.terms["travel"] == 0


def test_a_visit_costs_the_drive_there_and_back_in_minutes_and_car_roubles():
    # office → site_near → office: 10 + 10 minutes and 5 + 5 km at 10 RUB a km.
    plan = solved(request([engineer("a")], [ticket("v", onsite=True, where="site_near")]))
    assert plan.solver.terms["travel"] == 20 + 100


def test_optimal_sends_the_engineer_based_next_to_the_site():
    # site_far is 30 minutes from the office and 10 from depot_b.
    engineers = [engineer("a"), engineer("b", base="depot_b")]
    plan = solved(request(engineers, [ticket("v", onsite=True, where="site_far")]))
    assert plan.assignment("v").engineer_id == "b"
    assert plan.solver.terms["travel"] == 20 + 100


# -- (6) changes against the previous plan ---------------------------------------------------


def _replanned():
    """The same morning planned again with the first plan (t with a at 09:00) as the previous
    plan."""
    req = request([engineer("a"), engineer("b")], [ticket("t")])
    first = solved(req)
    assert (first.assignment("t").engineer_id, first.assignment("t").start.hour) == ("a", 9)
    return req.model_copy(update={"previous_plan": first})


def test_giving_a_ticket_to_another_engineer_counts_as_a_change_of_engineer():
    req = _replanned()
    assert _terms(req, {"t": ("b", at(9))})["changes"] == req.options.weights.change_engineer


def test_moving_a_tickets_start_counts_as_a_change_of_start():
    req = _replanned()
    assert _terms(req, {"t": ("a", at(9, 30))})["changes"] == req.options.weights.change_start


def test_keeping_the_previous_plan_changes_nothing():
    assert _terms(_replanned(), {"t": ("a", at(9))})["changes"] == 0


# -- (7) balance -----------------------------------------------------------------------------


def _two_hours_for_two():
    return request(
        [engineer("a"), engineer("b")], [ticket("t", minutes=60), ticket("s", minutes=60)]
    )


def test_one_engineer_doing_both_tickets_carries_two_hours():
    terms = _terms(_two_hours_for_two(), {"t": ("a", at(9)), "s": ("a", at(10))})
    assert terms["balance"] == 120


def test_two_engineers_sharing_the_tickets_carry_one_hour_each():
    terms = _terms(_two_hours_for_two(), {"t": ("a", at(9)), "s": ("b", at(9))})
    assert terms["balance"] == 60


# -- (8) early start -------------------------------------------------------------------------


def test_work_started_later_counts_the_minutes_it_waited():
    req = request([engineer("a")], [ticket("t")])
    early = _terms(req, {"t": ("a", at(9))})["early_start"]
    late = _terms(req, {"t": ("a", at(11))})["early_start"]
    assert (early, late) == (0, 120)
