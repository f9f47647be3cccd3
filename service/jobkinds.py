"""What each kind of solve job runs: ``(payload: dict) -> dict`` functions and their
request models.

A job runs in a worker process, so each function imports its engine lazily and talks
only in JSON-shaped dicts. The request model of a kind validates the payload in the API
before the job is queued (422 on bad input); the same model is applied again in the
worker, which is cheap and keeps the worker honest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AwareDatetime, Field

from optimizer.domain.base import SlaPolicy
from optimizer.domain.common import Id, Priority, StrictModel
from optimizer.errors import InvalidInput

Progress = Callable[[float], None]

# -- request models of the service's own job kinds ---------------------------------------


class SlaTicket(StrictModel):
    """A ticket whose SLA deadline is wanted: when it came in and how urgent it is."""

    id: Id
    created_at: AwareDatetime
    priority: Priority = Priority.normal


class SlaDeadlinesRequest(StrictModel):
    """Deadlines of many tickets under one SLA policy (the default one when omitted)."""

    policy: SlaPolicy = Field(default_factory=lambda: SlaPolicy(id="default"))
    tickets: Annotated[list[SlaTicket], Field(min_length=1)]


class StaffingInterval(StrictModel):
    """Demand of one interval: arrivals per hour and mean handling time in minutes."""

    label: Annotated[str, Field(min_length=1, max_length=100)]
    rate_per_hour: Annotated[float, Field(ge=0, le=10_000)]
    aht_min: Annotated[float, Field(gt=0, le=24 * 60)]


class StaffingRequest(StrictModel):
    """Engineers needed per interval for a service-level target (Erlang C, or Erlang A when
    a mean patience is given), then grossed up for shrinkage."""

    intervals: Annotated[list[StaffingInterval], Field(min_length=1, max_length=2000)]
    target_sl: Annotated[float, Field(gt=0, lt=1)] = 0.8
    target_min: Annotated[float, Field(ge=0, le=7 * 24 * 60)] = 120
    patience_min: Annotated[float, Field(gt=0, le=7 * 24 * 60)] | None = None
    max_occupancy: Annotated[float, Field(gt=0, le=1)] | None = None
    shrinkage: Annotated[float, Field(ge=0, lt=1)] = 0.0


# -- job functions -----------------------------------------------------------------------


def run_sla_deadlines(payload: dict[str, Any], progress: Progress | None = None) -> dict[str, Any]:
    """SLA deadline of every ticket, on the department's business calendar."""
    from optimizer.calendar import sla_deadline

    req = SlaDeadlinesRequest.model_validate(payload)
    out = []
    n = len(req.tickets)
    for i, t in enumerate(req.tickets):
        try:
            deadline = sla_deadline(t.created_at, t.priority, req.policy)
        except InvalidInput as err:
            raise InvalidInput(f"tickets[{i}].created_at", err.value, err.message) from None
        out.append({"id": t.id, "priority": t.priority.value, "deadline": deadline.isoformat()})
        if progress is not None and (i + 1) % 100 == 0:
            progress((i + 1) / n)
    return {"policy": req.policy.id, "deadlines": out}


def run_staffing(payload: dict[str, Any], progress: Progress | None = None) -> dict[str, Any]:
    """Required and rostered engineers per interval (Erlang C / A with shrinkage)."""
    from optimizer.staffing import agents_required, with_shrinkage

    req = StaffingRequest.model_validate(payload)
    rows = []
    for i, iv in enumerate(req.intervals):
        r = agents_required(
            iv.rate_per_hour,
            iv.aht_min,
            req.target_sl,
            req.target_min,
            patience_min=req.patience_min,
            max_occupancy=req.max_occupancy,
        )
        rows.append(
            {
                "label": iv.label,
                "required": r.agents,
                "rostered": with_shrinkage(r.agents, req.shrinkage),
                "erlang": r.model_dump(mode="json"),
            }
        )
        if progress is not None:
            progress((i + 1) / len(req.intervals))
    return {
        "target_sl": req.target_sl,
        "target_min": req.target_min,
        "shrinkage": req.shrinkage,
        "intervals": rows,
        "peak_rostered": max(r["rostered"] for r in rows),
    }


def run_dispatch(payload: dict[str, Any]) -> dict[str, Any]:
    """A dispatch plan (CP-SAT, or the greedy policy when the request asks for it)."""
    from optimizer.dispatch.solve import solve
    from optimizer.domain.dispatch import DispatchRequest

    return _dump(solve(DispatchRequest.model_validate(payload)))


def run_roster(payload: dict[str, Any]) -> dict[str, Any]:
    """A shift roster over the requested dates."""
    from optimizer.domain.roster import RosterRequest
    from optimizer.roster.solve import solve

    return _dump(solve(RosterRequest.model_validate(payload)))


def run_whatif(payload: dict[str, Any], progress: Progress | None = None) -> dict[str, Any]:
    """A what-if simulation report comparing the scenarios (replications one after another
    in this worker, so a simulation never takes more than its worker's core)."""
    from optimizer.domain.scenario import ScenarioSet
    from optimizer.simulate import run_scenarios, sample_base

    spec = ScenarioSet.model_validate(payload)
    base = sample_base() if any(not s.base.is_synthetic for s in spec.scenarios) else None

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(done / max(total, 1))

    return _dump(run_scenarios(spec, base, workers=1, progress=report))


def _dump(result: Any) -> dict[str, Any]:
    dumped = result.model_dump(mode="json")
    assert isinstance(dumped, dict)
    return dumped
