"""Explanations whose fix holds: the engine's explanation of a late or unassigned ticket,
with its suggested fix applied to the plan's request and re-solved.

An event's proposal searches no fixes (it is wanted within seconds); its explanation is
asked for one ticket at a time, so the fix is searched here, on demand: the proposal's request
is solved again with a budget for the search (its passes are deterministic, so the plan is the
same) and the ticket's explanation taken from that plan.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from optimizer.dispatch import DispatchPlan, DispatchRequest, Explanation, Lang, Policy, solve
from optimizer.dispatch.fixcheck import FixCheck, check_fix
from service.dispatching.replan import CPSAT_PARAMS
from service.jobs.store import get_job
from service.problems import NotFound

# -- explanations whose fix holds -------------------------------------------------------------


class ExplanationChecked(BaseModel):
    """The engine's explanation of a late or unassigned ticket, its fix re-solved and checked."""

    ticket_id: str
    status: str
    reasons: list[str]
    message: str
    fix: dict[str, Any] | None = None
    check: FixCheck | None = None


def explain_ticket(
    engine: Engine, job_id: str, ticket_id: str, lang: str, time_limit_s: float
) -> ExplanationChecked:
    """The plan's explanation of ``ticket_id`` with its fix verified by a re-solve of the
    plan's request within ``time_limit_s`` (404 when the plan does not explain that ticket)."""
    with Session(engine, expire_on_commit=False) as session:
        job = get_job(session, job_id)
    if job.kind != "dispatch" or job.result is None:
        raise NotFound(f"job {job_id!r} has no plan", field="job_id", value=job_id)
    plan = DispatchPlan.model_validate(job.result)
    explanation = next((e for e in plan.explanations if e.ticket_id == ticket_id), None)
    if explanation is None:
        raise NotFound(
            f"the plan has no explanation for ticket {ticket_id!r} (it is on time or not in it)",
            field="ticket_id",
            value=ticket_id,
        )
    request = DispatchRequest.model_validate(job.payload)
    if request.options.explain and request.options.explain_time_s == 0:
        plan, explanation = _with_fix(request, plan, explanation, lang, time_limit_s)
    options = request.options.model_copy(update={"lang": Lang(lang), "time_limit_s": time_limit_s})
    check = check_fix(request, plan, explanation, options) if explanation.fix else None
    return ExplanationChecked(
        ticket_id=ticket_id,
        status=explanation.status,
        reasons=[r.value for r in explanation.reasons],
        message=explanation.message,
        fix=explanation.fix.model_dump(mode="json") if explanation.fix else None,
        check=check,
    )


def _with_fix(
    request: DispatchRequest,
    plan: DispatchPlan,
    explanation: Explanation,
    lang: str,
    budget_s: float,
) -> tuple[DispatchPlan, Explanation]:
    """The plan solved again with ``budget_s`` for the fix search, and the ticket's explanation
    in it; the stored ones when the new plan differs for the ticket (a solve cut short)."""
    options = request.options.model_copy(update={"lang": Lang(lang), "explain_time_s": budget_s})
    again = request.model_copy(update={"options": options})
    params = CPSAT_PARAMS if options.policy == Policy.optimal else None
    fresh = solve(again, params=params) if params is not None else solve(again)
    tid = explanation.ticket_id
    before, after = plan.assignment(tid), fresh.assignment(tid)
    same = (before is None and after is None) or (
        before is not None
        and after is not None
        and (before.engineer_id, before.start) == (after.engineer_id, after.start)
    )
    found = next((e for e in fresh.explanations if e.ticket_id == tid), None)
    if not same or found is None:
        return plan, explanation
    return fresh, found
