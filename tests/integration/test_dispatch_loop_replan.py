"""The proposal after a new urgent ticket (``service.dispatching.replan``), on requests built by
hand: the urgent ticket is inserted with the accepted work pinned; only the work in its way on
one engineer moves when nobody has room; nothing moves for a ticket nobody can start in time
unless that starts it sooner; the same request gives the same proposal.

Two engineers, A and B, work 09:00–18:00 on remote tickets; it is 09:00; the urgent ticket
takes 30 minutes and is due 09:30.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from optimizer.dispatch import DispatchRequest, validate_plan
from service.dispatching.replan import propose_plan

DAY = "2026-11-30"
NOW = f"{DAY}T09:00:00+04:00"
HERE = {"lat": 51.5331, "lon": 46.0342}


def _at(hhmm: str) -> str:
    return f"{DAY}T{hhmm}:00+04:00"


def _engineer(eid: str, busy_until: str | None = None) -> dict[str, Any]:
    e: dict[str, Any] = {
        "id": eid,
        "name": f"Инженер {eid}",
        "skills": ["sip_trunks"],
        "base": HERE,
        "availability": [{"start": _at("09:00"), "end": _at("18:00")}],
    }
    if busy_until is not None:
        e["busy_until"] = _at(busy_until)
    return e


def _ticket(tid: str, minutes: int, due: str, priority: str = "normal") -> dict[str, Any]:
    return {
        "id": tid,
        "location": HERE,
        "created_at": _at("08:30") if priority == "normal" else NOW,
        "priority": priority,
        "required_skills": ["sip_trunks"],
        "duration_min": minutes,
        "deadline": _at(due),
    }


def _day(accepted: list[tuple[str, str, str, int]], busy: str | None = None) -> dict[str, Any]:
    """The request with ``accepted`` (ticket, engineer, start, minutes) promised and a new
    urgent ticket ``u`` (30 min, due 09:30)."""
    tickets = [_ticket(t, m, "17:00") for t, _, _, m in accepted]
    tickets.append(_ticket("u", 30, "09:30", priority="urgent"))
    previous = []
    for tid, eid, start, minutes in accepted:
        begin = datetime.fromisoformat(_at(start))
        previous.append(
            {
                "ticket_id": tid,
                "engineer_id": eid,
                "start": begin.isoformat(),
                "end": (begin + timedelta(minutes=minutes)).isoformat(),
                "deadline": _at("17:00"),
                "on_time": True,
                "slack_min": 0,
            }
        )
    return {
        "now": NOW,
        "horizon_end": _at("18:00"),
        "engineers": [_engineer("A", busy), _engineer("B", busy)],
        "tickets": tickets,
        "previous_plan": {
            "now": NOW,
            "horizon_end": _at("18:00"),
            "assignments": previous,
            "solver": {"policy": "optimal", "status": "ACCEPTED"},
        },
        "options": {},
    }


def _slots(plan: Any) -> dict[str, tuple[str, str]]:
    return {a.ticket_id: (a.engineer_id, a.start.strftime("%H:%M")) for a in plan.assignments}


def test_an_urgent_ticket_goes_into_a_free_gap_and_no_promised_start_moves() -> None:
    # B is free until 09:40: the urgent ticket fits there at once.
    payload = _day([("t1", "A", "09:10", 60), ("t2", "A", "10:10", 60), ("t3", "B", "09:40", 60)])
    proposed = propose_plan(payload, set(), {"u"})
    slots = _slots(proposed.plan)
    assert slots["u"] == ("B", "09:00")
    assert [slots[t] for t in ("t1", "t2", "t3")] == [
        ("A", "09:10"),
        ("A", "10:10"),
        ("B", "09:40"),
    ]
    assert proposed.passes == ["greedy"]
    assert validate_plan(DispatchRequest.model_validate(proposed.payload), proposed.plan) == []


def test_when_nobody_has_room_only_the_work_in_the_way_on_one_engineer_moves() -> None:
    # A is busy from 09:10, B from 09:05: neither has 30 minutes before 09:30. One promised
    # ticket (A's t1: the fewest in the way, A before B on a tie) makes room; B keeps its day.
    payload = _day([("t1", "A", "09:10", 60), ("t3", "B", "09:05", 60), ("t4", "B", "10:05", 60)])
    proposed = propose_plan(payload, set(), {"u"})
    slots = _slots(proposed.plan)
    assert proposed.plan.assignment("u").on_time  # type: ignore[union-attr]
    assert slots["u"] == ("A", "09:00")
    assert [slots["t3"], slots["t4"]] == [("B", "09:05"), ("B", "10:05")]
    assert slots["t1"] != ("A", "09:10")
    assert proposed.passes == ["greedy", "in-the-way"]
    assert validate_plan(DispatchRequest.model_validate(proposed.payload), proposed.plan) == []


def test_a_ticket_nobody_can_start_in_time_gets_the_soonest_start_moving_one_engineers_work() -> (
    None
):
    # Both engineers are busy until 09:45 with work under way: the urgent ticket is late for
    # anyone. Its soonest start is 09:45, which needs A's t1 (promised 09:50) out of the way.
    payload = _day([("t1", "A", "09:50", 60), ("t3", "B", "09:50", 60)], busy="09:45")
    proposed = propose_plan(payload, set(), {"u"})
    slots = _slots(proposed.plan)
    assert slots["u"] == ("A", "09:45")
    assert slots["t3"] == ("B", "09:50")
    assert slots["t1"] != ("A", "09:50")
    assert not proposed.plan.assignment("u").on_time  # type: ignore[union-attr]


def test_the_same_request_gives_the_same_proposal() -> None:
    payload = _day([("t1", "A", "09:10", 60), ("t3", "B", "09:05", 60), ("t4", "B", "10:05", 60)])
    first, second = propose_plan(payload, set(), {"u"}), propose_plan(payload, set(), {"u"})
    assert _slots(first.plan) == _slots(second.plan)
    assert first.payload == second.payload and first.passes == second.passes


def test_work_an_event_touched_moves_and_the_rest_stays_without_an_urgent_ticket() -> None:
    # t1 was A's (A is off sick: the event touched it); nothing else moves.
    payload = _day([("t1", "A", "09:10", 60), ("t3", "B", "09:05", 60)])
    payload["tickets"] = [t for t in payload["tickets"] if t["id"] != "u"]
    payload["absences"] = [{"engineer_id": "A", "start": NOW, "end": _at("18:00"), "kind": "sick"}]
    proposed = propose_plan(payload, {"t1"}, set())
    slots = _slots(proposed.plan)
    assert slots["t3"] == ("B", "09:05")
    assert slots["t1"] == ("B", "10:05")
    assert proposed.passes == ["greedy"]


def test_an_urgent_ticket_nobody_has_the_skill_for_stays_out_and_nothing_moves() -> None:
    payload = _day([("t1", "A", "09:10", 60), ("t3", "B", "09:05", 60)])
    urgent = next(t for t in payload["tickets"] if t["id"] == "u")
    urgent["required_skills"] = ["crm_integration"]
    proposed = propose_plan(payload, set(), {"u"})
    assert [u.ticket_id for u in proposed.plan.unassigned] == ["u"]
    assert _slots(proposed.plan) == {"t1": ("A", "09:10"), "t3": ("B", "09:05")}
    assert proposed.passes == ["greedy"]
