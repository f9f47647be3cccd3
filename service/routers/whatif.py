"""What-if for the owner: the sample scenarios, a scenario built from a form, and the sweep
"how many engineers for at least N % on time". Each run is a ``whatif`` job (202 + Location),
its report read from ``/jobs/{id}/result``.

No ``from __future__ import annotations``: FastAPI must see the real types of the routes.
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from starlette.concurrency import run_in_threadpool

from optimizer.domain.scenario import ScenarioSet
from service import whatifs
from service.auth import Principal, Role
from service.deps import ReadSession, Viewer, require
from service.jobs.kinds import JOB_KINDS
from service.jobs.limits import validate_payload
from service.jobs.store import JobStatus, get_job
from service.problems import Conflict, Unprocessable
from service.routers.jobs import JobPublic, Queueing, QueueingDep, WaitQuery

router = APIRouter(prefix="/whatif", tags=["what-if"])

Head = Annotated[Principal, Depends(require(Role.head))]
LangQuery = Annotated[
    Literal["ru", "en"], Query(description="Language of the scenarios' names and texts")
]


async def _queue(spec: ScenarioSet, queue: Queueing, principal: Principal, wait: float) -> Response:
    kind = JOB_KINDS["whatif"]
    payload = await run_in_threadpool(
        validate_payload, kind, spec.model_dump(mode="json", exclude_unset=True), queue.settings
    )
    return await queue.store_and_answer(kind.name, payload, principal, wait)


@router.get(
    "/samples",
    response_model=list[whatifs.SampleScenario],
    summary="The sample what-if scenarios (vacation in July, a car out, weekend on-call…)",
)
def list_samples(_: Viewer, lang: LangQuery = "ru") -> Any:
    return whatifs.sample_summaries(lang)


@router.post(
    "/samples/{sample}",
    status_code=202,
    response_model=JobPublic,
    summary="Run a sample scenario set with the given replications and seed (a what-if job)",
)
async def run_sample(
    sample: Annotated[str, Path(min_length=1, max_length=60)],
    body: whatifs.RunSettings,
    principal: Head,
    queue: QueueingDep,
    wait: WaitQuery = 0.0,
    lang: LangQuery = "ru",
) -> Response:
    spec = await run_in_threadpool(whatifs.sample_set, sample, body, lang)
    return await _queue(spec, queue, principal, wait)


@router.post(
    "/form",
    status_code=202,
    response_model=JobPublic,
    summary="Run a what-if built from the page's form against the department as it is",
)
async def run_form(
    body: whatifs.WhatIfForm,
    principal: Head,
    queue: QueueingDep,
    wait: WaitQuery = 0.0,
    lang: LangQuery = "ru",
) -> Response:
    spec = whatifs.form_scenarios(body, lang)
    return await _queue(spec, queue, principal, wait)


@router.post(
    "/sweep",
    status_code=202,
    response_model=JobPublic,
    summary="How many more engineers keep the target share on time (the base and +1…+N)",
)
async def run_sweep(
    body: whatifs.SweepRequest,
    principal: Head,
    queue: QueueingDep,
    wait: WaitQuery = 0.0,
    lang: LangQuery = "ru",
) -> Response:
    spec = whatifs.sweep_scenarios(body, lang)
    return await _queue(spec, queue, principal, wait)


@router.get(
    "/{job_id}/sweep",
    summary="The answer of a finished sweep: the fewest engineers added for the target",
    responses={404: {"description": "No such job"}, 409: {"description": "Not finished"}},
)
def sweep_answer(
    job_id: Annotated[str, Path(min_length=1, max_length=32)],
    session: ReadSession,
    _: Viewer,
    target_pct: Annotated[float, Query(gt=0, lt=100)] = 95,
) -> Any:
    row = get_job(session, job_id)
    if row.kind != "whatif":
        raise Unprocessable("job_id", job_id, f"a {row.kind} job, not a what-if")
    if row.status != JobStatus.done.value or row.result is None:
        raise Conflict(f"job {job_id!r} is {row.status}; there is no report yet", job_id=job_id)
    return whatifs.sweep_answer(row.result, target_pct)
