"""The department head's roster month: plan a month from the store with the head's edits
(a roster job), read it as the page's grid, measure the recommendations (a job that re-solves
the month once per recommendation), download the files.

Accepting the month is the jobs' own ``POST /jobs/{id}/accept``. No ``from __future__ import
annotations``: FastAPI must see the real types of the routes' parameters.
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from service import rostering
from service.auth import Principal, Role
from service.deps import ReadSession, Viewer, require
from service.jobs.kinds import JOB_KINDS
from service.jobs.limits import validate_payload
from service.routers.jobs import JobPublic, QueueingDep, WaitQuery

router = APIRouter(prefix="/rosters", tags=["roster month"])

JobId = Annotated[str, Path(min_length=1, max_length=32, description="Id of a roster job")]
LangQuery = Annotated[Literal["ru", "en"], Query(description="Language of the texts")]
Head = Annotated[Principal, Depends(require(Role.head))]


@router.post(
    "/month",
    status_code=202,
    response_model=JobPublic,
    summary="Plan a month for the stored department, keeping the head's edits (a roster job)",
    responses={200: {"description": "Finished within ?wait=S: the roster"}},
)
async def plan_month(
    body: rostering.RosterMonthRequest,
    principal: Head,
    queue: QueueingDep,
    wait: WaitQuery = 0.0,
) -> Response:
    return await queue.from_store(
        "roster", lambda session: rostering.build_month_payload(session, body), principal, wait
    )


@router.get(
    "/months",
    summary="The months a roster can be planned for (the years of the official calendar)",
)
def supported_months(_: Viewer) -> dict[str, str]:
    years = rostering.supported_years()
    return {"first": f"{years[0]}-01", "last": f"{years[-1]}-12"}


@router.get(
    "/{job_id}/month",
    response_model=rostering.MonthView,
    summary="A finished roster as the month's grid: calendar marks, codes, hours, shortfall",
    responses={404: {"description": "No such job"}, 409: {"description": "Not finished"}},
)
def read_month(job_id: JobId, session: ReadSession, _: Viewer, lang: LangQuery = "ru") -> Any:
    row, roster = rostering.finished_roster(session, job_id)
    return rostering.month_view(row.id, roster, row.payload, row.accepted, lang)


@router.post(
    "/{job_id}/recommendations",
    status_code=202,
    response_model=JobPublic,
    summary="Measure the shortfall's recommendations by re-solving the month (a job)",
    responses={
        200: {"description": "Finished within ?wait=S: the recommendations, measured"},
        404: {"description": "No such job"},
        409: {"description": "The roster is not finished"},
    },
)
async def verify_recommendations(
    job_id: JobId,
    principal: Head,
    queue: QueueingDep,
    wait: WaitQuery = 0.0,
    lang: LangQuery = "ru",
    max_deterministic_time: Annotated[
        float | None, Query(gt=0, le=60, description="CP-SAT work limit of each re-solve")
    ] = None,
) -> Response:
    kind = JOB_KINDS["roster_recommendations"]

    def build() -> dict[str, Any]:
        with Session(queue.engine) as session:
            row, _ = rostering.finished_roster(session, job_id)
            payload = rostering.recommendations_check(row, lang, max_deterministic_time)
        return validate_payload(kind, payload, queue.settings)

    payload = await run_in_threadpool(build)
    return await queue.store_and_answer(kind.name, payload, principal, wait)


@router.get(
    "/{job_id}/export",
    summary="The roster as the command line's files: XLSX, CSV (with a BOM), iCalendar",
    responses={
        200: {
            "content": {rostering.XLSX: {}, "text/csv": {}, "text/calendar": {}},
        },
        404: {"description": "No such job"},
        409: {"description": "Not finished"},
    },
)
def export_month(
    job_id: JobId,
    session: ReadSession,
    _: Viewer,
    format: Annotated[rostering.FileFormat, Query(description="File format")] = "xlsx",
    engineer_id: Annotated[
        str | None, Query(max_length=100, description="iCalendar of one engineer")
    ] = None,
    lang: LangQuery = "ru",
) -> Response:
    _job, roster = rostering.finished_roster(session, job_id)
    data, media, name = rostering.roster_file(roster, format, engineer_id, lang)
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
