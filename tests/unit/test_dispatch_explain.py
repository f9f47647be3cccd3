"""Explanations of late and unassigned tickets: reason codes and the smallest fixing change."""

from __future__ import annotations

from optimizer.dispatch import FixKind, ReasonCode
from tests.unit.test_dispatch_fixtures import at, engineer, request, solved, ticket

EXPLAIN = {"explain": True, "explain_time_s": 5}


def _explanation(plan, ticket_id):
    return next(x for x in plan.explanations if x.ticket_id == ticket_id)


def test_ticket_nobody_on_shift_can_do_is_explained_and_fixed_by_one_more_skilled_engineer():
    req = request([engineer("a")], [ticket("t1", skills=("call_center",))], options=EXPLAIN)
    plan = solved(req)
    x = _explanation(plan, "t1")
    assert x.status == "unassigned"
    assert x.reasons == [ReasonCode.NO_SKILLED_ENGINEER_ON_SHIFT]
    assert x.fix is not None and x.fix.kind == FixKind.add_engineer
    assert x.fix.skills == ["call_center"] and x.fix.visit is False
    assert "колл-центр и очереди" in x.message and "call_center" not in x.message


def test_visit_without_a_driver_is_fixed_by_a_visit_capable_engineer():
    req = request([engineer("a", car=False)], [ticket("v1", onsite=True)], options=EXPLAIN)
    x = _explanation(solved(req), "v1")
    assert x.reasons == [ReasonCode.NO_VISIT_CAPABLE_ENGINEER]
    assert x.fix.kind == FixKind.add_engineer and x.fix.visit is True


def test_ticket_that_does_not_fit_before_the_shift_ends_is_fixed_by_a_shift_extension():
    # a works until 10:00 and has a 100-minute ticket: 40 more minutes -> extend by 60.
    req = request(
        [engineer("a", hours=((9, 0), (10, 0)))], [ticket("t1", minutes=100)], options=EXPLAIN
    )
    x = _explanation(solved(req), "t1")
    assert x.reasons == [ReasonCode.OUTSIDE_HOURS]
    assert x.fix.kind == FixKind.extend_shift and x.fix.engineer_id == "a"
    assert x.fix.minutes == 60


def test_late_ticket_for_lack_of_capacity_says_so_and_feeds_the_staffing_hint():
    # One engineer, two 60-minute tickets both due 09:30: one is late.
    req = request(
        [engineer("a")],
        [
            ticket("t1", minutes=60, deadline=at(9, 30)),
            ticket("t2", minutes=60, deadline=at(9, 30)),
        ],
        options=EXPLAIN,
    )
    plan = solved(req)
    (x,) = plan.explanations
    assert x.status == "late"
    assert x.reasons == [ReasonCode.CAPACITY_BEFORE_DEADLINE]
    assert x.fix.kind == FixKind.add_engineer
    (hint,) = plan.staffing_hint
    assert hint.skills == ["asterisk_dialplan"] and hint.visit is False
    assert hint.short_by == 1 and hint.tickets == [x.ticket_id]


def test_pin_that_cannot_be_kept_is_fixed_by_moving_the_pin():
    pin = {"engineer_id": "a", "start": at(10)}
    req = request(
        [engineer("a")], [ticket("t1", pinned=pin), ticket("t2", pinned=pin)], options=EXPLAIN
    )
    plan = solved(req)
    (u,) = plan.unassigned
    x = _explanation(plan, u.ticket_id)
    assert x.reasons == [ReasonCode.PINNED_CONFLICT]
    assert x.fix.kind == FixKind.move_pin and x.fix.ticket_id == u.ticket_id


def test_ticket_already_overdue_says_the_deadline_has_passed():
    req = request([engineer("a")], [ticket("t1", created=(6, 0), deadline=at(8))], options=EXPLAIN)
    x = _explanation(solved(req), "t1")
    assert x.status == "late" and x.reasons == [ReasonCode.DEADLINE_ALREADY_PASSED]
    assert x.fix is None


def test_explanations_are_in_russian_by_default_and_english_on_request():
    tickets = [ticket("t1", skills=("call_center",))]
    ru = _explanation(solved(request([engineer("a")], tickets, options=EXPLAIN)), "t1")
    en = _explanation(
        solved(request([engineer("a")], tickets, options={**EXPLAIN, "lang": "en"})), "t1"
    )
    assert "не назначена" in ru.message
    assert "not assigned" in en.message and "one more engineer" in en.message


def test_no_explanations_when_everything_is_on_time():
    req = request([engineer("a")], [ticket("t1")], options=EXPLAIN)
    plan = solved(req)
    assert plan.explanations == [] and plan.staffing_hint == []
