"""The dispatcher's board: the day's data, what a plan would change, rejecting a plan, and
explanations whose suggested fix is verified. Rules in :mod:`service.dispatching`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime
from starlette.concurrency import run_in_threadpool

from service import dispatching
from service.deps import Dispatcher, EngineDep, ReadSession, Viewer, WriteSession

router = APIRouter(prefix="/board", tags=["board"])

JobId = Annotated[str, Path(min_length=1, max_length=32, description="Job id")]


@router.get("", summary="The dispatcher's board for the working day of an as-of time")
def read_board(
    session: ReadSession,
    _: Viewer,
    as_of: Annotated[AwareDatetime | None, Query(description="Default: now")] = None,
) -> Any:
    return dispatching.board(session, as_of)


@router.get(
    "/proposals/{job_id}",
    response_model=dispatching.Proposal,
    summary="What a plan or an event's proposal would change; whether it is stale",
)
def read_proposal(job_id: JobId, session: ReadSession, _: Viewer) -> Any:
    return dispatching.proposal(session, job_id)


@router.post(
    "/proposals/{job_id}/reject",
    response_model=dispatching.Proposal,
    summary="Decline a plan or proposal (it can no longer be accepted)",
)
def reject(job_id: JobId, session: WriteSession, who: Dispatcher) -> Any:
    dispatching.reject_plan(session, job_id, who)
    session.commit()
    return dispatching.proposal(session, job_id)


@router.get(
    "/plans/{job_id}/explanations/{ticket_id}",
    response_model=dispatching.ExplanationChecked,
    summary="Why a ticket is late or left out, with its suggested fix re-solved and checked",
)
async def read_explanation(
    job_id: JobId,
    ticket_id: Annotated[str, Path(min_length=1, max_length=100)],
    engine: EngineDep,
    _: Viewer,
    lang: Annotated[str, Query(pattern="^(ru|en)$")] = "ru",
    time_limit_s: Annotated[float, Query(gt=0, le=30)] = 2.0,
) -> Any:
    return await run_in_threadpool(
        dispatching.explain_ticket, engine, job_id, ticket_id, lang, time_limit_s
    )
