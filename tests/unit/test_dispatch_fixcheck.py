"""Fixes that hold: a suggested fix is applied to the request and the day re-solved; it is a
fix only when the ticket is then on time, else the check says what it does achieve."""

from __future__ import annotations

from datetime import datetime, timedelta

from optimizer.dispatch import DispatchOptions, DispatchRequest, Fix, FixKind, solve
from optimizer.dispatch.fixcheck import apply_fix, check_fix
from optimizer.domain import TimeWindow

NOW = datetime.fromisoformat("2026-11-30T09:00:00+04:00")
OPTIONS = DispatchOptions(time_limit_s=2, num_workers=1, deterministic=True, work_per_second=2,
                          explain_time_s=2)  # fmt: skip


def _request(tickets: int, shift_end: str = "10:00") -> DispatchRequest:
    """One engineer 09:00–``shift_end``; ``tickets`` remote 45-minute tickets due at 09:30."""
    return DispatchRequest.model_validate(
        {
            "now": NOW.isoformat(),
            "engineers": [
                {"id": "e1", "name": "Иван", "skills": ["sip_trunks"], "licence_b": False,
                 "has_car": False, "base": {"lat": 51.53, "lon": 46.03},
                 "availability": [{"start": NOW.isoformat(),
                                   "end": f"2026-11-30T{shift_end}:00+04:00"}]}
            ],
            "tickets": [
                {"id": f"t{i}", "location": {"lat": 51.53, "lon": 46.03}, "priority": "normal",
                 "created_at": "2026-11-30T08:00:00+04:00", "duration_min": 45,
                 "deadline": f"2026-11-30T{10 + i}:00:00+04:00", "required_skills": ["sip_trunks"]}
                for i in range(tickets)
            ],
            "options": OPTIONS.model_dump(),
        }
    )  # fmt: skip


def test_a_longer_shift_that_lets_the_left_out_ticket_start_in_time_holds() -> None:
    # 09:00–10:00 holds one 45-minute ticket; the second (due 11:00) needs the shift to 10:30.
    request = _request(2)
    plan = solve(request)
    explanation = next(e for e in plan.explanations if e.ticket_id == "t1")
    assert explanation.fix is not None and explanation.fix.kind == FixKind.extend_shift
    check = check_fix(request, plan, explanation, OPTIONS)
    assert check.holds and check.ticket_on_time
    assert (check.unassigned_before, check.unassigned_after) == (1, 0)
    assert "успевает" in check.message


def test_a_fix_that_does_not_bring_the_ticket_in_time_says_what_it_achieves() -> None:
    # Three tickets due 10:00, 11:00, 12:00 in a one-hour shift: 15 more minutes do not make
    # room for a second 45-minute ticket, so nothing changes and the check says so.
    # Only one of the two left-out tickets can take the single place, so for at least one of
    # them the fix does not hold, and the check says what the change achieves instead.
    request = _request(3)
    plan = solve(request)
    too_small = Fix(
        kind=FixKind.extend_shift, engineer_id="e1", minutes=15, message="продлить на 15 мин"
    )
    left_out = [
        e.model_copy(update={"fix": too_small})
        for e in plan.explanations
        if e.status == "unassigned"
    ]
    assert len(left_out) == 2
    checks = [check_fix(request, plan, e, OPTIONS) for e in left_out]
    failed = [c for c in checks if not c.holds]
    assert failed and all(c.unassigned_after == c.unassigned_before == 2 for c in checks)
    assert "всё равно" in failed[0].message and "нарушений не меньше" in failed[0].message
    english = OPTIONS.model_copy(update={"lang": "en"})
    i = checks.index(failed[0])
    assert "still not on time" in check_fix(request, plan, left_out[i], english).message


def test_an_extra_engineer_fix_adds_an_engineer_with_the_skills_working_until_the_day_ends() -> (
    None
):
    request = _request(1)
    fix = Fix(kind=FixKind.add_engineer, skills=["sip_trunks"], visit=False)
    [(name, changed)] = apply_fix(request, fix)
    extra = changed.engineers[-1]
    assert name == "extra" and extra.skills == ["sip_trunks"] and not extra.can_visit
    assert extra.availability == [TimeWindow(start=NOW, end=NOW + timedelta(hours=1))]


def test_a_shift_extension_is_tried_later_and_earlier_but_never_before_now() -> None:
    request = _request(1)
    late_start = request.engineers[0].model_copy(
        update={
            "availability": [
                TimeWindow(start=NOW + timedelta(minutes=30), end=NOW + timedelta(hours=2))
            ]
        }
    )
    request = request.model_copy(update={"engineers": [late_start]})
    variants = dict(
        apply_fix(request, Fix(kind=FixKind.extend_shift, engineer_id="e1", minutes=60))
    )
    assert variants["later"].engineers[0].availability[0].end == NOW + timedelta(hours=3)
    assert variants["earlier"].engineers[0].availability[0].start == NOW
