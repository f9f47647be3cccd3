"""Requests built from what the service stores. A dispatch: open tickets, engineers, their
accepted shifts (or office hours), absences, sites and SLA policies. A roster: engineers,
absences and shift templates.

The dispatcher asks "plan the open tickets from now" without assembling a request by
hand; the built request is stored as the job's payload, so the plan can be reproduced.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from pydantic import AwareDatetime, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from optimizer.calendar import TZ, default_calendar, to_local
from optimizer.domain import Absence, Engineer, Id, ShiftTemplate, Site, SlaPolicy, StrictModel
from service.models import (
    AbsenceRow,
    AcceptedAssignmentRow,
    EngineerRow,
    ShiftTemplateRow,
    SiteRow,
    SlaPolicyRow,
    TicketRow,
)
from service.problems import Unprocessable
from service.repo import to_model
from service.tickets import TicketStatus, as_ticket

DEFAULT_HORIZON = timedelta(hours=24)


class StoredDispatchRequest(StrictModel):
    """Plan the stored tickets of the given statuses from ``now``.

    Engineers work their accepted roster shifts inside [now, horizon_end]; when no roster
    was accepted for that span, everyone works the office hours of the days in it.
    """

    now: AwareDatetime
    horizon_end: AwareDatetime | None = None
    statuses: list[TicketStatus] = Field(default_factory=lambda: [TicketStatus.open])
    engineer_ids: Annotated[list[Id], Field(max_length=1000)] | None = None
    options: dict[str, Any] = Field(
        default_factory=dict, description="DispatchOptions: policy, time_limit_s, seed, lang…"
    )


def _windows_from_roster(
    session: Session, now: datetime, end: datetime
) -> dict[str, list[tuple[datetime, datetime]]]:
    rows = session.scalars(
        select(AcceptedAssignmentRow).where(
            AcceptedAssignmentRow.kind == "roster",
            AcceptedAssignmentRow.start < end,
            AcceptedAssignmentRow.end > now,
        )
    )
    out: dict[str, list[tuple[datetime, datetime]]] = {}
    for r in rows:
        out.setdefault(r.engineer_id, []).append((max(r.start, now), min(r.end, end)))
    return {e: _merged(w) for e, w in out.items()}


def _merged(windows: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping shifts (two accepted rosters) merge into one window."""
    out: list[tuple[datetime, datetime]] = []
    for start, end in sorted(windows):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return [(s, e) for s, e in out if e > s]


def _office_hours(now: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The office's open intervals between ``now`` and ``end``."""
    cal = default_calendar()
    local_now, local_end = to_local(now, "now"), to_local(end, "horizon_end")
    out = []
    day = local_now.date()
    while day <= local_end.date():
        for opens, closes in cal.open_intervals(day):
            start, stop = max(opens, local_now), min(closes, local_end)
            if stop > start:
                out.append((start, stop))
        day += timedelta(days=1)
    return out


def _window(start: datetime, end: datetime) -> dict[str, str]:
    return {"start": start.isoformat(), "end": end.isoformat()}


def build_dispatch_payload(session: Session, req: StoredDispatchRequest) -> dict[str, Any]:
    """The DispatchRequest (as JSON) for the stored state; 422 when there is nothing to plan."""
    end = req.horizon_end or req.now + DEFAULT_HORIZON
    if end <= req.now:
        raise Unprocessable("horizon_end", end.isoformat(), "must be after now")
    tickets = [
        as_ticket(r)
        for r in session.scalars(
            select(TicketRow)
            .where(TicketRow.status.in_([s.value for s in req.statuses]))
            .order_by(TicketRow.sla_deadline, TicketRow.id)
        )
    ]
    if not tickets:
        raise Unprocessable(
            "statuses", [s.value for s in req.statuses], "no stored ticket has them"
        )
    stmt = select(EngineerRow).order_by(EngineerRow.id)
    if req.engineer_ids is not None:
        stmt = stmt.where(EngineerRow.id.in_(req.engineer_ids))
    engineers = [to_model(r, Engineer) for r in session.scalars(stmt)]
    if not engineers:
        raise Unprocessable("engineer_ids", req.engineer_ids, "no stored engineer to plan for")
    rostered = _windows_from_roster(session, req.now, end)
    office = _office_hours(req.now, end)
    engineer_dicts = []
    for e in engineers:
        windows = rostered.get(e.id, []) if rostered else office
        engineer_dicts.append(
            {**e.model_dump(mode="json"), "availability": [_window(s, t) for s, t in windows]}
        )
    ids = {e.id for e in engineers}
    site_ids = {t.site_id for t in tickets if t.site_id is not None}
    sites = [
        to_model(r, Site) for r in session.scalars(select(SiteRow).where(SiteRow.id.in_(site_ids)))
    ]
    policy_ids = {s.sla_policy for s in sites}
    policies = [
        to_model(r, SlaPolicy)
        for r in session.scalars(select(SlaPolicyRow).where(SlaPolicyRow.id.in_(policy_ids)))
    ]
    absences = [
        to_model(r, Absence)
        for r in session.scalars(
            select(AbsenceRow).where(
                AbsenceRow.engineer_id.in_(ids), AbsenceRow.start < end, AbsenceRow.end > req.now
            )
        )
    ]
    ticket_dicts = []
    for t in tickets:
        d = t.model_dump(mode="json", exclude_none=True)
        if t.pinned is not None and t.pinned.engineer_id not in ids:
            d.pop("pinned")  # pinned to someone not planned now: plan it freely
        ticket_dicts.append(d)
    return {
        "now": req.now.isoformat(),
        "horizon_end": end.isoformat(),
        "engineers": engineer_dicts,
        "tickets": ticket_dicts,
        "sites": [s.model_dump(mode="json") for s in sites],
        "sla_policies": [p.model_dump(mode="json") for p in policies],
        "absences": [a.model_dump(mode="json") for a in absences],
        "options": req.options,
    }


class StoredRosterRequest(StrictModel):
    """Plan shifts for ``start``..``end`` for the stored engineers, absences and templates."""

    start: date
    end: date
    engineer_ids: Annotated[list[Id], Field(max_length=1000)] | None = None
    requirements: list[dict[str, Any]] = Field(
        default_factory=list, description="CoverageRequirement rows (group, weekday/date, …)"
    )
    rules: dict[str, Any] = Field(default_factory=dict, description="LabourRules")
    weights: dict[str, Any] = Field(default_factory=dict, description="RosterWeights")
    time_limit_s: Annotated[float, Field(gt=0, le=3600)] = 10
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0


def build_roster_payload(session: Session, req: StoredRosterRequest) -> dict[str, Any]:
    """The RosterRequest (as JSON) for the stored engineers, absences and shift templates."""
    stmt = select(EngineerRow).order_by(EngineerRow.id)
    if req.engineer_ids is not None:
        stmt = stmt.where(EngineerRow.id.in_(req.engineer_ids))
    engineers = [to_model(r, Engineer) for r in session.scalars(stmt)]
    if not engineers:
        raise Unprocessable("engineer_ids", req.engineer_ids, "no stored engineer to plan for")
    templates = [
        to_model(r, ShiftTemplate)
        for r in session.scalars(select(ShiftTemplateRow).order_by(ShiftTemplateRow.id))
    ]
    if not templates:
        raise Unprocessable("shift_templates", [], "no shift template is stored")
    ids = {e.id for e in engineers}
    first = datetime.combine(req.start, time(0), TZ)
    last = datetime.combine(req.end + timedelta(days=1), time(0), TZ)
    absences = [
        to_model(r, Absence)
        for r in session.scalars(
            select(AbsenceRow).where(
                AbsenceRow.engineer_id.in_(ids), AbsenceRow.start < last, AbsenceRow.end > first
            )
        )
    ]
    return {
        "start": req.start.isoformat(),
        "end": req.end.isoformat(),
        "engineers": [e.model_dump(mode="json") for e in engineers],
        "absences": [a.model_dump(mode="json") for a in absences],
        "shift_templates": [t.model_dump(mode="json") for t in templates],
        "requirements": req.requirements,
        "rules": req.rules,
        "weights": req.weights,
        "time_limit_s": req.time_limit_s,
        "seed": req.seed,
    }
