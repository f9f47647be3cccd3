"""Tiny named builders shared by the dispatch tests (no tests here).

Geometry of the explicit travel matrix ``MATRIX`` (minutes; km = minutes / 2):

    office ──10── site_near ──25── site_far
       └──────────30──────────────┘
    depot_b ──10── site_far;  depot_b ──40── site_near;  depot_b ──35── office

Monday 2026-11-30; engineers work 09:00–18:00 unless told otherwise; ``now`` is 09:00.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from optimizer.calendar import TZ
from optimizer.dispatch import DispatchPlan, DispatchRequest, SearchParams, solve
from optimizer.dispatch.validate import validate_plan

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)

PLACES = ["office", "site_near", "site_far", "depot_b"]
_MIN = {
    ("office", "site_near"): 10,
    ("office", "site_far"): 30,
    ("office", "depot_b"): 35,
    ("site_near", "site_far"): 25,
    ("site_near", "depot_b"): 40,
    ("site_far", "depot_b"): 10,
}


def _minutes(a: str, b: str) -> float:
    if a == b:
        return 0.0
    return float(_MIN.get((a, b), _MIN.get((b, a), 0)))


MATRIX: dict[str, Any] = {
    "kind": "matrix",
    "locations": PLACES,
    "minutes": [[_minutes(a, b) for b in PLACES] for a in PLACES],
    "km": [[_minutes(a, b) / 2 for b in PLACES] for a in PLACES],
}

FAST = {
    "time_limit_s": 5,
    "num_workers": 1,
    "deterministic": True,
    "work_per_second": 0.5,
    "explain": False,
}
"""Solver options of the tests: one worker, a deterministic work limit (reproducible)."""


def at(hour: int, minute: int = 0, day: int = 0) -> str:
    """An ISO datetime on the test Monday (``day`` days later)."""
    return (NOW.replace(hour=hour, minute=minute) + timedelta(days=day)).isoformat()


def engineer(
    ident: str,
    skills: tuple[str, ...] = ("asterisk_dialplan",),
    car: bool = True,
    base: str = "office",
    hours: tuple[tuple[int, int], tuple[int, int]] = ((9, 0), (18, 0)),
    **extra: Any,
) -> dict[str, Any]:
    """An engineer of the matrix world, with a licence and a car unless ``car=False``."""
    (h0, m0), (h1, m1) = hours
    data: dict[str, Any] = {
        "id": ident,
        "name": f"Engineer {ident}",
        "skills": list(skills),
        "licence_b": car,
        "has_car": car,
        "base": {"id": base},
        "car_cost_per_km_rub": 10,
        "availability": [{"start": at(h0, m0), "end": at(h1, m1)}],
    }
    data.update(extra)
    return data


def ticket(
    ident: str,
    minutes: int = 30,
    skills: tuple[str, ...] = ("asterisk_dialplan",),
    onsite: bool = False,
    where: str = "site_near",
    created: tuple[int, int] = (9, 0),
    priority: str = "normal",
    **extra: Any,
) -> dict[str, Any]:
    """A ticket at a matrix place, created on the test Monday (deadline from the SLA)."""
    data: dict[str, Any] = {
        "id": ident,
        "location": {"id": where},
        "created_at": at(*created),
        "priority": priority,
        "mode": "onsite" if onsite else "remote",
        "required_skills": list(skills),
        "duration_min": minutes,
    }
    data.update(extra)
    return data


def request(
    engineers: list[dict[str, Any]],
    tickets: list[dict[str, Any]],
    travel: dict[str, Any] | None = None,
    now: str | None = None,
    options: dict[str, Any] | None = None,
    **extra: Any,
) -> DispatchRequest:
    """A validated request in the matrix world (fast deterministic options)."""
    data: dict[str, Any] = {
        "now": now or NOW.isoformat(),
        "engineers": engineers,
        "tickets": tickets,
        "travel": travel if travel is not None else MATRIX,
        "options": {**FAST, **(options or {})},
    }
    data.update(extra)
    return DispatchRequest.model_validate(data)


def solved(
    req: DispatchRequest, policy: str = "optimal", params: SearchParams | None = None
) -> DispatchPlan:
    """Solve with a policy (and search parameters) and check the plan with the independent
    checker."""
    req = req.model_copy(update={"options": req.options.model_copy(update={"policy": policy})})
    plan = solve(req, params=params or SearchParams())
    problems = validate_plan(req, plan)
    assert problems == [], [str(p) for p in problems]
    return plan


def minutes_after(plan_time: datetime, hour: int, minute: int = 0) -> float:
    """Minutes from hour:minute of the test Monday to ``plan_time``."""
    return (plan_time - NOW.replace(hour=hour, minute=minute)).total_seconds() / 60
