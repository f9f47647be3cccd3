"""Requests built from what the service stores. A dispatch: open tickets, engineers, their
accepted shifts (or office hours), absences, sites and SLA policies. A roster: engineers,
absences and shift templates.

The dispatcher asks "plan the open tickets from now" without assembling a request by
hand; the built request is stored as the job's payload, so the plan can be reproduced.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from optimizer.calendar import TZ, default_calendar, to_local
from optimizer.dispatch.problem import minute_origin
from optimizer.domain import Absence, Engineer, Id, ShiftTemplate, Site, SlaPolicy, StrictModel
from optimizer.domain.common import Day, Int, Moment, Number
from optimizer.intervals import merge
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
from service.skills import catalogue_payload
from service.tickets import UNDER_WAY, TicketStatus, as_ticket

DEFAULT_HORIZON = timedelta(hours=24)


class StoredDispatchRequest(StrictModel):
    """Plan the stored tickets of the given statuses from ``now`` (the "as of" time).

    Engineers work their accepted roster shifts inside [now, horizon_end]; when no roster
    was accepted for that span, everyone works the office hours of the days in it, with a
    lunch hour. Accepted work is the engineers' commitments: assigned tickets are planned
    again against their accepted assignment (``previous_plan``: a change costs), work en
    route or in progress is not planned again but keeps its engineer busy (``busy_until``)
    at its site.
    """

    now: Moment
    horizon_end: Moment | None = None
    statuses: list[TicketStatus] = Field(
        default_factory=lambda: [TicketStatus.open, TicketStatus.assigned]
    )
    engineer_ids: Annotated[list[Id], Field(max_length=1000)] | None = None
    options: dict[str, Any] = Field(
        default_factory=dict, description="DispatchOptions: policy, time_limit_s, seed, lang…"
    )


LUNCH = (time(12, 0), time(15, 0), 60)
"""Lunch: 60 minutes somewhere between 12:00 and 15:00 (the department's rule)."""

PLANNABLE = (TicketStatus.open, TicketStatus.assigned)


def windows_from_roster(
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
    # overlapping shifts (two accepted rosters) merge into one window
    return {e: [(a, b) for a, b in merge(w) if b > a] for e, w in out.items()}


def office_hours(now: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
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


def lunch_breaks(
    windows: list[tuple[datetime, datetime]], now: datetime, end: datetime
) -> list[dict[str, Any]]:
    """A lunch hour (12:00–15:00) on each day with working time, still possible after now."""
    lo, hi, minutes = LUNCH
    out = []
    for day in sorted({to_local(a).date() for a, _ in windows}):
        earliest = datetime.combine(day, lo, TZ)
        latest = min(datetime.combine(day, hi, TZ), end)
        if latest - max(earliest, now) < timedelta(minutes=minutes):
            continue
        out.append(
            {
                "earliest_start": earliest.isoformat(),
                "latest_end": latest.isoformat(),
                "duration_min": minutes,
            }
        )
    return out


def _window(start: datetime, end: datetime) -> dict[str, str]:
    return {"start": start.isoformat(), "end": end.isoformat()}


def current_commitments(session: Session) -> dict[str, AcceptedAssignmentRow]:
    """The current dispatch assignment of every ticket that has one, by ticket id."""
    rows = session.scalars(
        select(AcceptedAssignmentRow).where(
            AcceptedAssignmentRow.kind == "dispatch", AcceptedAssignmentRow.status == "current"
        )
    )
    return {r.ticket_id: r for r in rows if r.ticket_id is not None}


def expected_end(
    row: TicketRow, commitment: AcceptedAssignmentRow | None, now: datetime
) -> datetime:
    """When work under way will be over: its committed end (moved by an overrun), counted
    from the actual start when it started, never before now."""
    duration = timedelta(minutes=row.duration_min)
    end = commitment.end if commitment is not None else now + duration
    if commitment is not None and commitment.started_at is not None:
        end = max(end, commitment.started_at + duration)
    if row.status == TicketStatus.en_route.value and commitment is not None:
        end = max(end, now + duration) if commitment.start < now else end
    return max(end, now)


def under_way(
    session: Session, now: datetime, commitments: dict[str, AcceptedAssignmentRow]
) -> dict[str, tuple[datetime, TicketRow]]:
    """Per engineer: when their work under way ends and the ticket that ends last."""
    rows = session.scalars(
        select(TicketRow).where(TicketRow.status.in_([s.value for s in UNDER_WAY]))
    )
    out: dict[str, tuple[datetime, TicketRow]] = {}
    for row in rows:
        c = commitments.get(row.id)
        engineer = c.engineer_id if c is not None else row.engineer_id
        if engineer is None:
            continue
        end = expected_end(row, c, now)
        if engineer not in out or end > out[engineer][0]:
            out[engineer] = (end, row)
    return out


def _previous_assignment(t: TicketRow, c: AcceptedAssignmentRow, now: datetime) -> dict[str, Any]:
    """The accepted assignment as the engine's previous plan sees it; a promised start
    already past (the work did not start) counts from the plan's first minute.

    The engine plans in whole minutes from ``now`` rounded up, and takes a previous start
    before that minute as work under way (pinned, never moved). A start moved only to
    ``now`` (09:31:07 when the plan's first minute is 09:32) would make assigned work look
    started, so it could neither make room for an urgent ticket nor move off a later pin.
    """
    shift = max(timedelta(0), minute_origin(now) - c.start)
    start, end = c.start + shift, c.end + shift
    slack = int((t.sla_deadline - start).total_seconds() // 60)
    return {
        "ticket_id": t.id,
        "engineer_id": c.engineer_id,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "deadline": t.sla_deadline.isoformat(),
        "on_time": start <= t.sla_deadline,
        "slack_min": slack,
        "travel_min": c.travel_min or 0.0,
        "travel_km": c.travel_km or 0.0,
    }


def build_dispatch_payload(session: Session, req: StoredDispatchRequest) -> dict[str, Any]:
    """The DispatchRequest (as JSON) for the stored state; 422 when there is nothing to plan."""
    end = req.horizon_end or req.now + DEFAULT_HORIZON
    if end <= req.now:
        raise Unprocessable("horizon_end", end.isoformat(), "must be after now")
    stmt = select(EngineerRow).order_by(EngineerRow.id)
    if req.engineer_ids is not None:
        stmt = stmt.where(EngineerRow.id.in_(req.engineer_ids))
    engineers = [to_model(r, Engineer) for r in session.scalars(stmt)]
    if not engineers:
        raise Unprocessable("engineer_ids", req.engineer_ids, "no stored engineer to plan for")
    ids = {e.id for e in engineers}
    commitments = current_commitments(session)
    rows = [
        r
        for r in session.scalars(
            select(TicketRow)
            .where(TicketRow.status.in_([s.value for s in req.statuses]))
            .order_by(TicketRow.sla_deadline, TicketRow.id)
        )
        # a ticket not yet created at ``now`` is not planned, unless it is already committed
        # (planning "as of" an earlier time must still see that engineer's promised work);
        # work committed to an engineer outside this plan stays theirs
        if (r.created_at <= req.now or r.id in commitments)
        and (r.id not in commitments or commitments[r.id].engineer_id in ids)
    ]
    if not rows:
        raise Unprocessable(
            "statuses", [s.value for s in req.statuses], "no stored ticket has them"
        )
    tickets = [as_ticket(r) for r in rows]
    rostered = windows_from_roster(session, req.now, end)
    office = office_hours(req.now, end)
    busy = under_way(session, req.now, commitments)
    sites_by_id = {
        r.id: r
        for r in session.scalars(
            select(SiteRow).where(
                SiteRow.id.in_(
                    {t.site_id for t in tickets if t.site_id is not None}
                    | {r.site_id for _, r in busy.values() if r.site_id is not None}
                )
            )
        )
    }
    engineer_dicts = []
    for e in engineers:
        windows = rostered.get(e.id, []) if rostered else office
        d: dict[str, Any] = {
            **e.model_dump(mode="json"),
            "availability": [_window(s, t) for s, t in windows],
            "breaks": lunch_breaks(windows, req.now, end),
        }
        if e.id in busy:
            until, work = busy[e.id]
            d["busy_until"] = until.isoformat()
            where = _location_of(work, sites_by_id)
            if work.mode == "onsite" and where is not None and e.can_visit:
                d["current_location"] = where
        engineer_dicts.append(d)
    sites = [to_model(sites_by_id[t.site_id], Site) for t in tickets if t.site_id is not None]
    sites = list({s.id: s for s in sites}.values())
    policy_ids = {s.sla_policy for s in sites}
    policies = [
        to_model(r, SlaPolicy)
        for r in session.scalars(select(SlaPolicyRow).where(SlaPolicyRow.id.in_(policy_ids)))
    ]
    absences = [
        to_model(r, Absence)
        for r in session.scalars(
            select(AbsenceRow)
            .where(
                AbsenceRow.engineer_id.in_(ids), AbsenceRow.start < end, AbsenceRow.end > req.now
            )
            .order_by(AbsenceRow.start, AbsenceRow.id)
        )
    ]
    ticket_dicts = []
    previous = []
    for row, t in zip(rows, tickets, strict=True):
        d = t.model_dump(mode="json", exclude_none=True)
        if t.pinned is not None and t.pinned.engineer_id not in ids:
            d.pop("pinned")  # pinned to someone not planned now: plan it freely
        elif t.pinned is not None and t.pinned.start is not None and t.pinned.start < req.now:
            d["pinned"] = {"engineer_id": t.pinned.engineer_id}  # a promised time now past
        ticket_dicts.append(d)
        c = commitments.get(row.id)
        if c is not None and c.engineer_id in ids:
            previous.append(_previous_assignment(row, c, req.now))
    payload: dict[str, Any] = {
        "now": req.now.isoformat(),
        "horizon_end": end.isoformat(),
        "engineers": engineer_dicts,
        "tickets": ticket_dicts,
        "sites": [s.model_dump(mode="json") for s in sites],
        "sla_policies": [p.model_dump(mode="json") for p in policies],
        "absences": [a.model_dump(mode="json") for a in absences],
        "options": req.options,
        "skills": catalogue_payload(session),
    }
    if previous:
        payload["previous_plan"] = {
            "now": req.now.isoformat(),
            "horizon_end": end.isoformat(),
            "assignments": previous,
            "solver": {"policy": "optimal", "status": "ACCEPTED"},
        }
    return payload


def _location_of(row: TicketRow, sites: dict[str, SiteRow]) -> dict[str, Any] | None:
    """Where a ticket's work happens (its own location, else its site's)."""
    if row.location is not None:
        return row.location
    site = sites.get(row.site_id or "")
    return site.location if site is not None else None


class StoredRosterRequest(StrictModel):
    """Plan shifts for ``start``..``end`` for the stored engineers, absences and templates."""

    start: Day
    end: Day
    engineer_ids: Annotated[list[Id], Field(max_length=1000)] | None = None
    requirements: list[dict[str, Any]] = Field(
        default_factory=list, description="CoverageRequirement rows (group, weekday/date, …)"
    )
    rules: dict[str, Any] = Field(default_factory=dict, description="LabourRules")
    weights: dict[str, Any] = Field(default_factory=dict, description="RosterWeights")
    time_limit_s: Annotated[Number, Field(gt=0, le=3600)] = 10
    seed: Annotated[Int, Field(ge=0, le=2**31 - 1)] = 0


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
        "skills": catalogue_payload(session),
    }
