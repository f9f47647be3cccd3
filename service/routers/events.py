"""Events of the day, each recorded and answered with a proposal to accept or reject:
a new urgent ticket, an engineer off sick, work that overran, a car breakdown."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from service import dispatching
from service.deps import Dispatcher, WriteSession
from service.dispatching import (
    AbsenceEvent,
    Actor,
    EventReport,
    OverrunEvent,
    UrgentTicketEvent,
)

router = APIRouter(prefix="/events", tags=["events"])


def _answer(session: Session, recorded: Any, options: dict[str, Any], actor: Actor) -> EventReport:
    event, as_of, touched, urgent = recorded
    report = dispatching.propose_after_event(session, event, as_of, touched, urgent, options, actor)
    session.commit()
    return report


@router.post("/urgent-ticket", response_model=EventReport, summary="A new (urgent) ticket")
async def urgent_ticket(body: UrgentTicketEvent, session: WriteSession, who: Dispatcher) -> Any:
    def run() -> EventReport:
        actor = Actor.of(who)
        return _answer(
            session, dispatching.record_urgent_ticket(session, body, actor), body.options, actor
        )

    return await run_in_threadpool(run)


@router.post("/sick", response_model=EventReport, summary="An engineer reports sick at a time")
async def sick(body: AbsenceEvent, session: WriteSession, who: Dispatcher) -> Any:
    def run() -> EventReport:
        actor = Actor.of(who)
        recorded = dispatching.record_absence_event(session, body, "sick", actor)
        return _answer(session, recorded, body.options, actor)

    return await run_in_threadpool(run)


@router.post("/overrun", response_model=EventReport, summary="Work under way ends later")
async def overrun(body: OverrunEvent, session: WriteSession, who: Dispatcher) -> Any:
    def run() -> EventReport:
        actor = Actor.of(who)
        return _answer(
            session, dispatching.record_overrun(session, body, actor), body.options, actor
        )

    return await run_in_threadpool(run)


@router.post(
    "/car-breakdown", response_model=EventReport, summary="A car breaks down: no more visits today"
)
async def car_breakdown(body: AbsenceEvent, session: WriteSession, who: Dispatcher) -> Any:
    def run() -> EventReport:
        actor = Actor.of(who)
        recorded = dispatching.record_absence_event(session, body, "car_unavailable", actor)
        return _answer(session, recorded, body.options, actor)

    return await run_in_threadpool(run)
