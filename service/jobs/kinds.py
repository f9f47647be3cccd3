"""The kinds of solve job: what each validates, runs, needs and stores.

A kind is one :class:`JobKind` entry carrying everything the service knows about it: the
request model that validates its payload in the API before the job is queued (422 on bad
input), the function a worker runs, the weakest role that may submit, cancel or re-run it,
what accepting its result stores, and — for a what-if — the sweep that fans its
replications out as parts on the queue. Engines are imported here by plain imports, so a
missing one fails at start-up, not in the first job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field

from optimizer.calendar import sla_deadline
from optimizer.dispatch.solve import solve as solve_dispatch
from optimizer.domain.base import SlaPolicy
from optimizer.domain.common import Id, Number, Priority, StrictModel
from optimizer.domain.dispatch import DispatchRequest
from optimizer.domain.roster import RosterRequest
from optimizer.domain.scenario import ScenarioSet
from optimizer.errors import InvalidInput
from optimizer.roster.solve import solve as solve_roster
from optimizer.staffing import agents_required, with_shrinkage
from service.auth import Role
from service.jobs.sweep import WHATIF_SWEEP, Sweep
from service.rostering import RecommendationsCheck, run_recommendations

Progress = Callable[[float], None]
"""Called by a job with the share done (0..1)."""

JobFunction = Callable[[dict[str, Any], Progress], dict[str, Any]]
"""What a worker runs: the validated payload (JSON) and a progress callback → the result."""


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
    target_sl: Annotated[Number, Field(gt=0, lt=1)] = 0.8
    target_min: Annotated[Number, Field(ge=0, le=7 * 24 * 60)] = 120
    patience_min: Annotated[Number, Field(gt=0, le=7 * 24 * 60)] | None = None
    max_occupancy: Annotated[Number, Field(gt=0, le=1)] | None = None
    shrinkage: Annotated[float, Field(ge=0, lt=1)] = 0.0


# -- job functions -----------------------------------------------------------------------


def run_sla_deadlines(payload: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """SLA deadline of every ticket, on the department's business calendar."""
    req = SlaDeadlinesRequest.model_validate(payload)
    out = []
    n = len(req.tickets)
    for i, t in enumerate(req.tickets):
        try:
            deadline = sla_deadline(t.created_at, t.priority, req.policy)
        except InvalidInput as err:
            raise InvalidInput(f"tickets[{i}].created_at", err.value, err.message) from None
        out.append({"id": t.id, "priority": t.priority.value, "deadline": deadline.isoformat()})
        if (i + 1) % 100 == 0:
            progress((i + 1) / n)
    return {"policy": req.policy.id, "deadlines": out}


def run_staffing(payload: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Required and rostered engineers per interval (Erlang C / A with shrinkage)."""
    req = StaffingRequest.model_validate(payload)
    rows: list[dict[str, Any]] = []
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
        progress((i + 1) / len(req.intervals))
    return {
        "target_sl": req.target_sl,
        "target_min": req.target_min,
        "shrinkage": req.shrinkage,
        "intervals": rows,
        "peak_rostered": max(r["rostered"] for r in rows),
    }


def run_dispatch(payload: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """A dispatch plan (CP-SAT, or the greedy policy when the request asks for it)."""
    return _dump(solve_dispatch(DispatchRequest.model_validate(payload)))


def run_roster(payload: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """A shift roster over the requested dates."""
    return _dump(solve_roster(RosterRequest.model_validate(payload)))


def _dump(result: BaseModel) -> dict[str, Any]:
    dumped = result.model_dump(mode="json")
    assert isinstance(dumped, dict)
    return dumped


# -- the registry ------------------------------------------------------------------------


@dataclass(frozen=True)
class JobKind:
    """A kind of job: its request model, what a worker runs (a function, or a sweep fanned
    out as parts), the weakest role that may submit, cancel or re-run it, and what
    accepting its result stores (``dispatch`` / ``roster`` / nothing)."""

    name: str
    request: type[BaseModel]
    role: Role
    run: JobFunction | None = None
    sweep: Sweep | None = None
    accept: str | None = None

    def __post_init__(self) -> None:
        if (self.run is None) == (self.sweep is None):
            raise ValueError(f"job kind {self.name!r} needs exactly one of run and sweep")

    def check(self, payload: dict[str, Any]) -> None:
        """What the request model cannot see, checked at submit so that the job does not
        fail at once in a worker: a sweep's scenarios are compiled against the sample."""
        if self.sweep is not None:
            self.sweep.check(payload)


JOB_KINDS: Mapping[str, JobKind] = MappingProxyType(
    {
        k.name: k
        for k in (
            JobKind("dispatch", DispatchRequest, Role.dispatcher, run_dispatch, accept="dispatch"),
            JobKind("roster", RosterRequest, Role.head, run_roster, accept="roster"),
            JobKind("roster_recommendations", RecommendationsCheck, Role.head, run_recommendations),
            JobKind("staffing", StaffingRequest, Role.head, run_staffing),
            JobKind("whatif", ScenarioSet, Role.head, sweep=WHATIF_SWEEP),
            JobKind("sla_deadlines", SlaDeadlinesRequest, Role.dispatcher, run_sla_deadlines),
        )
    }
)
"""Every job kind, by name (read-only)."""
