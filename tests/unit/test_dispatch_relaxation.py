"""The time-indexed relaxation (optimizer.dispatch.bound): its bound is a true lower bound on
every SLA stage, it sees what the department's day forces (work under way, the lunch, one
engineer for several tickets), and a plan that meets it is proven optimal."""

from __future__ import annotations

import pytest

from optimizer.dispatch import DispatchRequest, SearchParams
from optimizer.dispatch.bound import BOUNDED, build_relaxation, stage_bound
from optimizer.dispatch.build import build_problem
from optimizer.dispatch.greedy import solve_greedy
from optimizer.dispatch.optimal import solve_optimal
from optimizer.dispatch.terms import term_values
from tests.unit.test_dispatch_fixtures import at, engineer, request, solved, ticket
from tests.unit.test_dispatch_random import _random_city_request, _random_request

NO_RELAXATION = SearchParams(relaxation=False)
"""The staged solve without the relaxation's bounds (CP-SAT's own bounds only)."""


def _late_bound(req, kept=None) -> int | None:
    relax = build_relaxation(build_problem(req))
    assert relax is not None
    return stage_bound(relax, kept or {}, {"late_min": 1}, deterministic=True)


def _assert_the_bound_never_exceeds_a_plan(req) -> None:
    """Solve the stages without the cut, then check each stage's bound (given the values kept
    before it) against the value CP-SAT reached: every plan costs at least the bound."""
    problem = build_problem(req)
    if not any(j.schedulable for j in problem.jobs):
        return
    result = solve_optimal(problem, solve_greedy(problem), params=NO_RELAXATION)
    relax = build_relaxation(build_problem(req))
    assert relax is not None
    kept: dict[str, int] = {}
    for stage in result.stages:
        if len(stage.names) != 1 or stage.names[0] not in {t.name for t in BOUNDED}:
            continue
        name, value = stage.names[0], int(stage.objective)
        lb = stage_bound(relax, kept, {name: 1}, deterministic=True)
        assert lb is not None, name
        assert lb <= value, (name, lb, value, stage.status)
        kept[name] = value


@pytest.mark.parametrize("seed", range(60))
def test_the_bound_never_exceeds_what_a_plan_of_the_model_reaches(seed):
    _assert_the_bound_never_exceeds_a_plan(_random_request(seed))


@pytest.mark.parametrize("seed", [*range(10), 271, 277])
def test_the_bound_holds_on_routes_across_the_volga_with_traffic(seed):
    # 271 and 277: routes whose programmes need three simplex iterations a column
    _assert_the_bound_never_exceeds_a_plan(_random_city_request(seed))


def _with(req, **changes) -> DispatchRequest:
    return DispatchRequest.model_validate({**req.model_dump(mode="json"), **changes})


@pytest.mark.parametrize("seed", range(20))
def test_the_bound_holds_when_re_planning_with_work_under_way(seed):
    req = _random_request(seed)
    first = solved(req)
    later = _with(req, now=at(10, 20), previous_plan=first.model_dump(mode="json"))
    _assert_the_bound_never_exceeds_a_plan(later)


@pytest.mark.parametrize("seed", range(20))
def test_the_bound_holds_with_a_gap_in_the_engineers_hours(seed):
    req = _random_request(seed)
    data = req.model_dump(mode="json")
    for e in data["engineers"]:
        (window,) = e["availability"]
        if not window["start"] < at(11, 40) < at(13, 10) < window["end"]:
            continue  # ISO times of one day and offset compare as text
        e["availability"] = [
            {"start": window["start"], "end": at(11, 40)},
            {"start": at(13, 10), "end": window["end"]},
        ]
    _assert_the_bound_never_exceeds_a_plan(DispatchRequest.model_validate(data))


def test_one_engineer_cannot_start_three_hour_tickets_due_in_half_an_hour_on_time():
    # 60-minute tickets due 09:30, one engineer from 09:00: starts 09:00, 10:00, 11:00.
    tickets = [ticket(f"t{k}", minutes=60, deadline=at(9, 30)) for k in range(3)]
    assert _late_bound(request([engineer("a")], tickets)) == 0 + 30 + 90


def test_work_under_way_pushes_the_bound():
    req = request([engineer("a", busy_until=at(10))], [ticket("t", deadline=at(9, 30))])
    assert _late_bound(req) == 30


def test_the_lunch_pushes_the_bound():
    lunch = {"earliest_start": at(12), "latest_end": at(13), "duration_min": 60}
    req = request(
        [engineer("a", hours=((12, 0), (18, 0)), breaks=[lunch])],
        [ticket("t", deadline=at(12, 10))],
    )
    assert _late_bound(req) == 50


def test_holding_breaches_to_their_minimum_raises_the_bound_on_minutes_late():
    # A normal 10-minute ticket due now and an urgent hour due 09:05. Fewest minutes late: the
    # short one first (the urgent one 5 minutes late). Fewest breaches by weight: the urgent
    # one first, and the short one waits an hour.
    tickets = [
        ticket("n", minutes=10, deadline=at(9)),
        ticket("u", minutes=60, deadline=at(9, 5), priority="urgent"),
    ]
    req = request([engineer("a")], tickets)
    normal = build_problem(req).options.weights.breach[build_problem(req).job_by_id["n"].priority]
    assert _late_bound(req) == 5
    assert _late_bound(req, {"breaches": normal}) == 60
    assert _late_bound(req, {"breaches": normal - 1}) is None  # no plan: no bound


def test_a_plan_that_meets_the_bound_is_proven_without_a_solve():
    tickets = [ticket(f"t{k}", minutes=60, deadline=at(9, 30)) for k in range(3)]
    plan = solved(request([engineer("a")], tickets))
    late = next(s for s in plan.solver.stages if s.terms == ["late_min"])
    assert late.status == "OPTIMAL"
    assert late.objective == late.best_bound == 120
    assert late.wall_s == 0.0
    assert plan.solver.status == "OPTIMAL"


@pytest.mark.parametrize("seed", range(12))
def test_with_or_without_the_cut_the_proven_optimum_is_the_same(seed):
    req = _random_request(seed)
    with_cut = solved(req)
    without = solved(req, params=NO_RELAXATION)
    assert with_cut.solver.status == without.solver.status == "OPTIMAL"
    assert with_cut.solver.terms == without.solver.terms


def test_the_relaxation_proves_stages_that_would_otherwise_need_a_solve():
    def unsolved(plans) -> int:  # stages proven with no CP-SAT solve
        return sum(1 for p in plans for s in p.solver.stages if s.wall_s == 0.0)

    requests = [_random_request(seed) for seed in range(12)]
    with_cut = [solved(r) for r in requests]
    without = [solved(r, params=NO_RELAXATION) for r in requests]
    assert unsolved(with_cut) > unsolved(without)


def test_the_drive_between_two_visits_pushes_the_bound():
    # From the office at 09:00: site_near (10 min away) due 09:10, site_far (30 min away, 25
    # from site_near) due 09:40; 30 minutes each. Near first: far starts 10:05 (25 late). Far
    # first: near starts 10:10 at best (60 late). Without the drive between them, 0.
    tickets = [
        ticket("near", onsite=True, where="site_near", deadline=at(9, 10)),
        ticket("far", onsite=True, where="site_far", deadline=at(9, 40)),
    ]
    assert _late_bound(request([engineer("a")], tickets)) == 25


def test_the_drive_out_of_the_office_is_paid_once_before_two_visits_at_one_site():
    # Half an hour of remote work and two half-hour visits at site_far (30 min from the
    # office), all due 09:00. Remote work first: the visits start 10:00 and 10:30 (60 + 90
    # late); the visits first: 30 + 60, and the remote work at 10:30 (90). The visits are next to
    # each other, but the drive out to the first of them still takes the engineer's time.
    tickets = [ticket("remote", deadline=at(9))]
    tickets += [ticket(f"v{k}", onsite=True, where="site_far", deadline=at(9)) for k in range(2)]
    assert _late_bound(request([engineer("a")], tickets)) == 150


def test_the_way_back_to_base_takes_time_from_the_end_of_the_day():
    # From 09:00 to 11:00: a half-hour visit at site_far and an hour of remote work, both due
    # 09:00. Driving out and back takes an hour, so one of the two cannot be done by 11:00 (a
    # ticket left out counts as starting at 11:00, 120 minutes late). Without the way back the
    # day would hold both: the visit at 09:30, the remote work at 10:00 (90 minutes late).
    tickets = [
        ticket("visit", onsite=True, where="site_far", deadline=at(9)),
        ticket("remote", minutes=60, deadline=at(9)),
    ]
    bound = _late_bound(request([engineer("a", hours=((9, 0), (11, 0)))], tickets))
    assert bound is not None and 90 < bound <= 120


def test_a_stage_is_settled_by_the_plan_in_hand_not_by_the_first_hint():
    # In this request the greedy hint leaves one ticket out, the fewest possible, but the plan
    # with the fewest minutes late leaves out two. Once minutes late are kept, "one left out"
    # is no longer reachable: the stage must be judged on the plan in hand.
    problem = build_problem(_random_request(194))
    result = solve_optimal(problem, solve_greedy(problem), params=NO_RELAXATION)
    assert result.schedule is not None
    reached = term_values(problem, result.schedule)
    for stage in result.stages:
        assert stage.status in ("OPTIMAL", "FEASIBLE"), stage
        if len(stage.names) == 1:
            assert stage.objective == reached[stage.names[0]], stage
