"""The department head's roster month: the request built from the store with the head's
edits, the month as the page shows it, the shortfall with its recommendations, the exports.

- :func:`build_month_payload` — the RosterRequest (JSON) of a month for the stored
  engineers, absences and shift templates (:func:`service.planning.build_roster_payload`),
  plus what the store knows and the engine needs to keep the Labour Code across the month
  boundary: the accepted roster shifts of the 14 days before the month (``history``) and
  the overtime already worked this year (``rules.per_engineer[].overtime_used_h``); the
  requirements of the sample forecast (as ``wfm roster --sample``); the head's edits
  (shifts pinned, days off given) as ``rules.pinned`` and ``rules.required_days_off``.
- :func:`month_view` — the finished roster as the grid the command line prints: days with
  their weekday and the production calendar's marks, engineers with shift codes, absences,
  hours against the month's norm, overtime and day-off work; the legend; the shortfall.
- :func:`roster_file` — the command line's export files (one implementation:
  :mod:`optimizer.io.roster_export`).
- :func:`check_overlap` and :func:`check_absence` — entering an absence: a vacation overlaps
  no other absence; the holidays it does not count (art. 120), the engineer's year against
  28 days and a part of 14 (art. 115, 125), and the weeks whose coverage it leaves short.

A month is accepted only inside the years the official production calendar covers: the norm
of hours and the shading of the grid come from it.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from optimizer.calendar import (
    TZ,
    BusinessCalendar,
    DayKind,
    default_calendar,
    default_production_calendar,
    holiday_name,
)
from optimizer.domain import Absence, AbsenceKind, Engineer, Id, StrictModel
from optimizer.domain.common import Int, Number
from optimizer.domain.roster import (
    EngineerRules,
    EngineerVacation,
    LabourRules,
    PinnedShift,
    Recommendation,
    RequiredDayOff,
    Roster,
    RosterRequest,
    ShortfallReport,
    VacationWeekImpact,
)
from optimizer.errors import InvalidInput
from optimizer.io.roster_export import (
    roster_to_csv_bytes,
    roster_to_ics_bytes,
    roster_to_xlsx_bytes,
)
from optimizer.roster.grid import ABSENCE_CODES, template_codes
from optimizer.roster.report import WEEKDAYS_SHORT, group_label, shortfall_report
from optimizer.roster.sample import (
    default_requirements,
    on_call_requirements,
    staffing_requirements,
)
from optimizer.roster.solve import solve
from optimizer.roster.vacation import engineer_vacation, weekly_impact
from service.jobs.store import JobStatus, get_job
from service.models import AbsenceRow, AcceptedAssignmentRow, EngineerRow, JobRow, ShiftTemplateRow
from service.planning import StoredRosterRequest, build_roster_payload
from service.problems import Conflict, Unprocessable
from service.repo import to_model

HISTORY_DAYS = 14
"""Previous days whose accepted shifts go into the request (two weeks hold the longest run
of days in a row and the weekly rest the Code checks)."""

MAX_OVERTIME_YEAR_H = 120.0
"""Art. 99: overtime at most 120 h a year; what was used is capped there for the request."""

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- the month --------------------------------------------------------------------------------


def supported_years() -> list[int]:
    """The years whose official production calendar the package ships."""
    return default_production_calendar().official_years


def month_bounds(month: str, field: str = "month") -> tuple[date, date]:
    """First and last date of ``YYYY-MM``, a month of a year with an official calendar."""
    if not isinstance(month, str) or not re.fullmatch(r"\d{4}-\d{2}", month):
        raise InvalidInput(field, month, "expected a month YYYY-MM, e.g. 2027-02")
    year, mon = int(month[:4]), int(month[5:])
    years = supported_years()
    if not 1 <= mon <= 12:
        raise InvalidInput(field, month, "no such month")
    if year not in years:
        raise InvalidInput(
            field,
            month,
            f"outside the supported range {years[0]}-01 – {years[-1]}-12 (the years of the "
            "official production calendar)",
        )
    return date(year, mon, 1), date(year, mon, _stdlib_calendar.monthrange(year, mon)[1])


class RosterMonthRequest(StrictModel):
    """Plan a month for the stored department, keeping the head's edits.

    ``pins``: shifts the head fixed by hand; ``days_off``: days the head gave off;
    ``extra_absences``: absences not stored yet, to see their effect before entering them.
    ``start_from_job``: the roster job of the same month this re-plan starts from (the page
    sends the roster on screen): with the edits put in, the answer is never worse than it.
    ``max_deterministic_time`` bounds the solve in CP-SAT's deterministic units (tests).
    """

    month: str = Field(description="YYYY-MM, inside the years of the official calendar")
    engineer_ids: Annotated[list[Id], Field(max_length=1000)] | None = None
    pins: Annotated[list[PinnedShift], Field(max_length=2000)] = Field(default_factory=list)
    days_off: Annotated[list[RequiredDayOff], Field(max_length=2000)] = Field(default_factory=list)
    extra_absences: Annotated[list[Absence], Field(max_length=100)] = Field(default_factory=list)
    start_from_job: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    time_limit_s: Annotated[Number, Field(gt=0, le=600)] = 10
    max_deterministic_time: Annotated[Number, Field(gt=0)] | None = None
    seed: Annotated[Int, Field(ge=0, le=2**31 - 1)] = 0

    @field_validator("month")
    @classmethod
    def _month(cls, value: str) -> str:
        month_bounds(value)
        return value


def build_month_payload(session: Session, req: RosterMonthRequest) -> dict[str, Any]:
    """The RosterRequest (JSON) of the month: the stored department, the requirements of the
    forecast, history and overtime from accepted rosters, the head's edits."""
    first, last = month_bounds(req.month)
    for i, p in enumerate(req.pins):
        if not first <= p.date <= last:
            raise Unprocessable(f"pins[{i}].date", p.date.isoformat(), "outside the month")
    for i, d in enumerate(req.days_off):
        if not first <= d.date <= last:
            raise Unprocessable(f"days_off[{i}].date", d.date.isoformat(), "outside the month")
    _check_edits_agree(req)
    payload = build_roster_payload(
        session,
        StoredRosterRequest(
            start=first,
            end=last,
            engineer_ids=req.engineer_ids,
            time_limit_s=req.time_limit_s,
            seed=req.seed,
        ),
    )
    ids = {e["id"] for e in payload["engineers"]}
    for i, a in enumerate(req.extra_absences):
        if a.engineer_id not in ids:
            raise Unprocessable(
                f"extra_absences[{i}].engineer_id", a.engineer_id, "not an engineer planned"
            )
    payload["absences"] += [a.model_dump(mode="json") for a in req.extra_absences]
    payload["requirements"] = [
        r.model_dump(mode="json", exclude_none=True) for r in month_requirements(first, last)
    ]
    payload["history"] = history_before(session, first, ids)
    used = overtime_used(session, first, ids)
    payload["rules"] = LabourRules(
        pinned=[p for p in req.pins if p.engineer_id in ids],
        required_days_off=[d for d in req.days_off if d.engineer_id in ids],
        per_engineer=[
            EngineerRules(engineer_id=e, overtime_used_h=min(h, MAX_OVERTIME_YEAR_H))
            for e, h in sorted(used.items())
            if h > 0
        ],
    ).model_dump(mode="json", exclude_defaults=True)
    if req.max_deterministic_time is not None:
        payload["max_deterministic_time"] = req.max_deterministic_time
    if req.start_from_job is not None:
        payload["start_from"] = start_from_shifts(session, req.start_from_job, payload)
    RosterRequest.model_validate(payload)  # every reference resolves before a job is queued
    return payload


def start_from_shifts(session: Session, job_id: str, payload: dict[str, Any]) -> list[dict]:
    """The shifts of the finished roster job ``job_id`` of the same period that the engineers
    and templates of ``payload`` can still work (an engineer left out of the re-plan, or a
    template removed since, drops out); 422 naming ``start_from_job`` otherwise."""
    row = session.get(JobRow, job_id)
    if row is None or row.kind != "roster":
        raise Unprocessable("start_from_job", job_id, "no roster job has this id")
    if row.status != JobStatus.done.value or row.result is None:
        raise Unprocessable("start_from_job", job_id, f"the job is {row.status}: no roster yet")
    roster = Roster.model_validate(row.result)
    period = (payload["start"], payload["end"])
    span = tuple(d.isoformat() if d is not None else "?" for d in (roster.start, roster.end))
    if span != period:
        raise Unprocessable(
            "start_from_job",
            job_id,
            f"a roster of {span[0]}..{span[1]}, not of {period[0]}..{period[1]}",
        )
    engineers = {e["id"] for e in payload["engineers"]}
    templates = {t["id"] for t in payload["shift_templates"]}
    return [
        {"engineer_id": a.engineer_id, "date": a.date.isoformat(), "template_id": a.template_id}
        for a in roster.assignments
        if a.date is not None and a.engineer_id in engineers and a.template_id in templates
    ]


def _check_edits_agree(req: RosterMonthRequest) -> None:
    """A day can be pinned or given off, not both; one pin per engineer and day."""
    pinned: set[tuple[str, date]] = set()
    for i, p in enumerate(req.pins):
        if (p.engineer_id, p.date) in pinned:
            raise Unprocessable(f"pins[{i}].date", p.date.isoformat(), "pinned twice that day")
        pinned.add((p.engineer_id, p.date))
    for i, d in enumerate(req.days_off):
        if (d.engineer_id, d.date) in pinned:
            raise Unprocessable(
                f"days_off[{i}].date", d.date.isoformat(), "the same day has a pinned shift"
            )


def month_requirements(first: date, last: date) -> list[Any]:
    """Coverage requirements of the month: the staffing engine on the forecast of the ticket
    history, plus the weekend and holiday on-call duty (as ``wfm roster --sample``)."""
    found = staffing_requirements(first, last)
    return default_requirements() if found is None else found + on_call_requirements()


def history_before(session: Session, first: date, engineer_ids: set[str]) -> list[dict[str, Any]]:
    """Accepted roster shifts of the 14 days before ``first`` (current ones only), so that the
    rest, the days in a row and the week's hours hold across the month boundary."""
    lo = datetime.combine(first - timedelta(days=HISTORY_DAYS), time(0), TZ)
    hi = datetime.combine(first, time(0), TZ)
    rows = session.scalars(
        select(AcceptedAssignmentRow)
        .where(
            AcceptedAssignmentRow.kind == "roster",
            AcceptedAssignmentRow.status == "current",
            AcceptedAssignmentRow.start >= lo,
            AcceptedAssignmentRow.start < hi,
            AcceptedAssignmentRow.engineer_id.in_(engineer_ids),
        )
        .order_by(AcceptedAssignmentRow.start, AcceptedAssignmentRow.id)
    )
    breaks = {
        t.id: t.break_min for t in session.scalars(select(ShiftTemplateRow)) if t.id is not None
    }
    out: list[dict[str, Any]] = []
    last_end: dict[str, datetime] = {}
    for r in rows:
        start, end = r.start.astimezone(TZ), r.end.astimezone(TZ)
        if r.engineer_id in last_end and start < last_end[r.engineer_id]:
            continue  # two accepted rosters of the same days: the first shift stands
        span = int((end - start).total_seconds() // 60)
        paid = max(0, span - breaks.get(r.template_id or "", 0))
        out.append(
            {
                "engineer_id": r.engineer_id,
                "date": start.date().isoformat(),
                "start": start.isoformat(),
                "end": end.isoformat(),
                "paid_minutes": paid,
            }
        )
        last_end[r.engineer_id] = end
    return out


def overtime_used(session: Session, first: date, engineer_ids: set[str]) -> dict[str, float]:
    """Overtime hours of this year before ``first`` from accepted rosters: per engineer and
    week, the figure of the roster accepted last (a month re-planned counts once)."""
    jobs = session.scalars(
        select(JobRow)
        .where(JobRow.kind == "roster", JobRow.accepted.is_not(None))
        .order_by(JobRow.accepted, JobRow.id)
    )
    week: dict[tuple[str, date], float] = {}
    year_start = date(first.year, 1, 1)
    for job in jobs:
        for w in (job.result or {}).get("weekly_hours") or []:
            try:
                start = date.fromisoformat(str(w.get("week_start")))
                hours = float(w.get("overtime_hours") or 0)
            except (TypeError, ValueError):
                continue
            eid = str(w.get("engineer_id"))
            if eid in engineer_ids and year_start <= start < first:
                week[(eid, start)] = hours
    out: dict[str, float] = {}
    for (eid, _), h in week.items():
        out[eid] = round(out.get(eid, 0.0) + h, 2)
    return out


# -- the month as the page shows it ------------------------------------------------------------

DayMark = Literal["working", "weekend", "holiday", "pre_holiday", "working_weekend"]


class MonthDay(BaseModel):
    """A date of the grid's header: its weekday and what the production calendar says."""

    date: date
    label: str
    weekday: str
    mark: DayMark
    note: str = ""
    norm_hours: float


class MonthCell(BaseModel):
    """One engineer's day: the shift (its code and times) or the absence mark."""

    date: date
    code: str = ""
    template_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    absence: str | None = None
    car_out: bool = False
    day_off_work: bool = False
    pinned: bool = False
    day_off_given: bool = False


class MonthEngineer(BaseModel):
    """A row of the grid with the engineer's hours against the month's norm."""

    id: str
    name: str
    cells: list[MonthCell]
    shifts: int = 0
    hours: float = 0
    norm_hours: float = 0
    overtime_hours: float = 0
    day_off_hours: float = 0
    norm_deficit_hours: float = 0
    pay_rub: float = 0


class LegendItem(BaseModel):
    """A code of the grid and what it means."""

    code: str
    text: str
    template_id: str | None = None


class HeatCell(BaseModel):
    """Person-hours missing in one hour of one date, all groups together."""

    date: date
    hour: int
    person_hours: float
    short_by: int
    groups: list[str]


class GroupTotal(BaseModel):
    """Person-hours missing in a group over the month."""

    group: str
    label: str
    kind: Literal["skill", "visit", "other"]
    person_hours: float


class MonthView(BaseModel):
    """A finished roster month as the head's page shows it."""

    job_id: str
    month: str
    first: date
    last: date
    status: str
    accepted: datetime | None = None
    days: list[MonthDay]
    engineers: list[MonthEngineer]
    legend: list[LegendItem]
    norm_hours: float
    heat: list[HeatCell]
    hours: list[int]
    shortfall_total: float
    by_group: list[GroupTotal]
    recommendations: list[dict[str, Any]]
    cost: dict[str, float]
    solver: dict[str, Any]
    pins: list[PinnedShift]
    days_off: list[RequiredDayOff]


def day_mark(cal: BusinessCalendar, d: date, lang: str) -> tuple[DayMark, str]:
    """What the production calendar says of a date, and its note for people."""
    fact = cal.production_year(d.year).facts.get(d)
    if cal.is_public_holiday(d) or (fact is not None and fact.kind == DayKind.day_off):
        note = ""
        if fact is not None and fact.holiday:
            note = holiday_name(fact.holiday, lang)
        elif fact is not None and fact.moved_from is not None:
            note = (
                f"перенесённый выходной (с {fact.moved_from:%d.%m})"
                if lang == "ru"
                else f"day off moved from {fact.moved_from:%d.%m}"
            )
        return ("holiday" if d.weekday() < 5 else "weekend"), note
    if d.weekday() >= 5 and cal.is_working_day(d):
        short = cal.is_pre_holiday(d)
        if lang == "ru":
            note = "рабочая суббота" if d.weekday() == 5 else "рабочее воскресенье"
            note += ", сокращённый день" if short else ""
        else:
            note = "working " + ("Saturday" if d.weekday() == 5 else "Sunday")
            note += ", shortened" if short else ""
        return "working_weekend", note
    if cal.is_non_working(d):
        return "weekend", ""
    if cal.is_pre_holiday(d):
        return "pre_holiday", (
            "предпраздничный день, на час короче" if lang == "ru" else "pre-holiday, 1 h shorter"
        )
    return "working", ""


def _group_kind(group: str) -> Literal["skill", "visit", "other"]:
    if group.startswith("skill:"):
        return "skill"
    return "visit" if group.startswith("visit") else "other"


def _group_label(group: str, lang: str) -> str:
    try:
        return group_label(group, lang)
    except KeyError:  # a skill outside the built-in names
        return group.split(":", 1)[-1]


def month_view(
    job_id: str,
    roster: Roster,
    payload: dict[str, Any],
    accepted: datetime | None,
    lang: str = "ru",
    report: ShortfallReport | None = None,
) -> MonthView:
    """The roster of a month as the page's grid, legend, shortfall heat map and totals."""
    if roster.start is None or roster.end is None:
        raise Unprocessable("job_id", job_id, "not a roster of dates (a benchmark?)")
    cal = default_calendar()
    days = [roster.start + timedelta(days=i) for i in range((roster.end - roster.start).days + 1)]
    wd = WEEKDAYS_SHORT[lang]
    month_days = []
    for d in days:
        mark, note = day_mark(cal, d, lang)
        month_days.append(
            MonthDay(
                date=d,
                label=f"{wd[d.weekday()].lower()} {d:%d.%m}",
                weekday=wd[d.weekday()].lower(),
                mark=mark,
                note=note,
                norm_hours=cal.norm_minutes(d) / 60,
            )
        )
    codes = template_codes(roster.templates)
    rules = LabourRules.model_validate(payload.get("rules") or {})
    pinned = {(p.engineer_id, p.date) for p in rules.pinned}
    given = {(d.engineer_id, d.date) for d in rules.required_days_off}
    shift = {(a.engineer_id, a.date): a for a in roster.assignments}
    away: dict[tuple[str, date], str] = {}
    car_out: set[tuple[str, date]] = set()
    for ab in roster.absence_days:
        if ab.kind == "car_unavailable":
            car_out.add((ab.engineer_id, ab.date))
        else:
            away.setdefault((ab.engineer_id, ab.date), ab.kind)
    fair = {f.engineer_id: f for f in roster.fairness.per_engineer}
    engineers = []
    for eid, name in roster.engineers.items():
        cells = []
        for d in days:
            a = shift.get((eid, d))
            kind = away.get((eid, d))
            cells.append(
                MonthCell(
                    date=d,
                    code=codes.get(a.template_id, a.template_id)
                    if a is not None
                    else ABSENCE_CODES[lang].get(kind or "", ""),
                    template_id=a.template_id if a is not None else None,
                    start=a.start if a is not None else None,
                    end=a.end if a is not None else None,
                    absence=kind if a is None else None,
                    car_out=(eid, d) in car_out,
                    day_off_work=bool(a is not None and a.non_working_day),
                    pinned=(eid, d) in pinned,
                    day_off_given=(eid, d) in given,
                )
            )
        f = fair.get(eid)
        engineers.append(
            MonthEngineer(
                id=eid,
                name=name,
                cells=cells,
                shifts=f.shifts if f else 0,
                hours=f.hours if f else 0,
                norm_hours=f.norm_hours if f else 0,
                overtime_hours=f.overtime_hours if f else 0,
                day_off_hours=f.day_off_hours if f else 0,
                norm_deficit_hours=f.norm_deficit_hours if f else 0,
                pay_rub=f.pay_rub if f else 0,
            )
        )
    legend = [
        LegendItem(code=codes[tid], text=roster.templates[tid], template_id=tid) for tid in codes
    ]
    names = {"vacation": "отпуск", "sick": "больничный", "training": "обучение"}
    if lang != "ru":
        names = {k: k for k in names}
    legend += [LegendItem(code=c, text=names[k]) for k, c in ABSENCE_CODES[lang].items()]
    report = report or shortfall_report(roster, None, lang=lang)
    heat: dict[tuple[date, int], HeatCell] = {}
    for c in report.cells:
        cell = heat.setdefault(
            (c.date, c.hour),
            HeatCell(date=c.date, hour=c.hour, person_hours=0, short_by=0, groups=[]),
        )
        cell.person_hours = round(cell.person_hours + c.person_hours, 3)
        cell.short_by = max(cell.short_by, c.short_by)
        cell.groups.append(f"{_group_label(c.group, lang)} −{c.short_by}")
    hours = sorted({h for _, h in heat} | set(range(8, 19)))
    return MonthView(
        job_id=job_id,
        month=f"{roster.start:%Y-%m}",
        first=roster.start,
        last=roster.end,
        status=roster.status,
        accepted=accepted,
        days=month_days,
        engineers=engineers,
        legend=legend,
        norm_hours=sum(d.norm_hours for d in month_days),
        heat=sorted(heat.values(), key=lambda c: (c.date, c.hour)),
        hours=hours,
        shortfall_total=report.total_person_hours,
        by_group=[
            GroupTotal(group=g, label=_group_label(g, lang), kind=_group_kind(g), person_hours=h)
            for g, h in sorted(report.by_group.items(), key=lambda kv: -kv[1])
        ],
        recommendations=[r.model_dump(mode="json") for r in report.recommendations],
        cost=roster.cost.model_dump(mode="json"),
        solver=roster.solver.model_dump(mode="json"),
        pins=rules.pinned,
        days_off=rules.required_days_off,
    )


VERIFY_TIME_LIMIT_S = 10.0
"""The longest one re-solve of a recommendation's check may take (several are run)."""

VACATION_TRIALS = 6
"""Re-solves the vacation moves may take at most: three vacations, a week earlier and later."""


def verified_report(
    roster: Roster,
    request: RosterRequest,
    lang: str = "ru",
    max_deterministic_time: float | None = None,
    solver: Callable[[RosterRequest], Roster] = solve,
    progress: Callable[[float], None] | None = None,
) -> ShortfallReport:
    """The shortfall report with every recommendation measured by re-solving the month with
    the change: the job's own request, each re-solve cut at :data:`VERIFY_TIME_LIMIT_S` (and at
    ``max_deterministic_time`` CP-SAT units when given, for a repeatable check).

    The same request is solved once (every "add an engineer" check starts from the month as
    it is), and ``progress`` hears the share of the re-solves done, against the most there
    can be: the month, one per engineer to add, :data:`VACATION_TRIALS`."""
    update: dict[str, Any] = {"time_limit_s": min(request.time_limit_s, VERIFY_TIME_LIMIT_S)}
    if max_deterministic_time is not None:
        update["max_deterministic_time"] = max_deterministic_time
    request = request.model_copy(update=update)
    hires = sum(
        r.kind == "add_engineer" for r in shortfall_report(roster, None, lang=lang).recommendations
    )
    solves = RememberingSolver(solver, 1 + hires + VACATION_TRIALS, progress)
    return shortfall_report(roster, request, lang=lang, verify=True, solver=solves)


class RememberingSolver:
    """A roster solver that solves each distinct request once and reports its progress."""

    def __init__(
        self,
        solver: Callable[[RosterRequest], Roster],
        expected: int,
        progress: Callable[[float], None] | None = None,
    ) -> None:
        self.solver = solver
        self.expected = max(1, expected)
        self.progress = progress
        self.solved: dict[str, Roster] = {}

    def __call__(self, request: RosterRequest) -> Roster:
        key = request.model_dump_json()
        if key not in self.solved:
            self.solved[key] = self.solver(request)
            if self.progress is not None:
                self.progress(min(0.99, len(self.solved) / self.expected))
        return self.solved[key]


class RecommendationsCheck(StrictModel):
    """A finished roster's recommendations to measure by re-solving its month (the
    ``roster_recommendations`` job): the roster job's id, request and roster."""

    roster_job_id: Id
    request: RosterRequest
    roster: Roster
    lang: Literal["ru", "en"] = "ru"
    max_deterministic_time: Annotated[Number, Field(gt=0, le=60)] | None = None
    """CP-SAT work limit of each re-solve, for a repeatable check (tests)."""


class VerifiedRecommendations(BaseModel):
    """The recommendations of a roster, each with its effect measured by re-solving."""

    roster_job_id: str
    total_person_hours: float
    recommendations: list[Recommendation]
    solves: int
    """Re-solves run."""


def recommendations_check(
    row: JobRow, lang: str = "ru", max_deterministic_time: float | None = None
) -> dict[str, Any]:
    """The payload of the job measuring the recommendations of the finished roster job
    ``row`` (see :func:`finished_roster`)."""
    payload: dict[str, Any] = {
        "roster_job_id": row.id,
        "request": row.payload,
        "roster": row.result,
        "lang": lang,
    }
    if max_deterministic_time is not None:
        payload["max_deterministic_time"] = max_deterministic_time
    return payload


def run_recommendations(
    payload: dict[str, Any], progress: Callable[[float], None]
) -> dict[str, Any]:
    """The ``roster_recommendations`` job: every recommendation measured by re-solving."""
    check = RecommendationsCheck.model_validate(payload)
    solved: list[RosterRequest] = []

    def counted(request: RosterRequest) -> Roster:
        solved.append(request)
        return solve(request)

    report = verified_report(
        check.roster,
        check.request,
        check.lang,
        check.max_deterministic_time,
        solver=counted,
        progress=progress,
    )
    progress(1.0)
    result = VerifiedRecommendations(
        roster_job_id=check.roster_job_id,
        total_person_hours=report.total_person_hours,
        recommendations=report.recommendations,
        solves=len(solved),
    )
    return result.model_dump(mode="json")


def finished_roster(session: Session, job_id: str) -> tuple[JobRow, Roster]:
    """The job and its roster; 409 unless it is a finished roster job."""
    row = get_job(session, job_id)
    if row.kind != "roster":
        raise Unprocessable("job_id", job_id, f"a {row.kind} job, not a roster")
    if row.status != JobStatus.done.value or row.result is None:
        raise Conflict(f"job {job_id!r} is {row.status}; there is no roster yet", job_id=job_id)
    return row, Roster.model_validate(row.result)


# -- files ---------------------------------------------------------------------------------------

FileFormat = Literal["xlsx", "csv", "ics"]


def roster_file(
    roster: Roster, fmt: FileFormat, engineer_id: str | None = None, lang: str = "ru"
) -> tuple[bytes, str, str]:
    """The bytes, media type and file name of a roster export, as ``wfm roster`` writes them:
    ``roster.xlsx``, ``roster.csv`` (with a byte-order mark for Russian Excel),
    ``department.ics`` or ``<engineer>.ics``."""
    if fmt == "xlsx":
        return roster_to_xlsx_bytes(roster, lang), XLSX, "roster.xlsx"
    if fmt == "csv":
        return roster_to_csv_bytes(roster), "text/csv; charset=utf-8", "roster.csv"
    if engineer_id is not None and engineer_id not in roster.engineers:
        raise Unprocessable("engineer_id", engineer_id, "no such engineer in this roster")
    name = "department.ics"
    if engineer_id is not None:
        name = re.sub(r"[^A-Za-z0-9_.\-]", "_", engineer_id) + ".ics"
    return roster_to_ics_bytes(roster, engineer_id, lang), "text/calendar; charset=utf-8", name


# -- absences and the vacation plan ----------------------------------------------------------


class AbsenceOverlap(Unprocessable):
    """A vacation would overlap another absence of the engineer (or an absence a vacation);
    the problem names the stored one in ``overlaps``."""

    def __init__(self, item: Absence, other: AbsenceRow) -> None:
        super().__init__(
            "start",
            item.start.isoformat(),
            f"overlaps the engineer's {other.kind} {_span_text(other.start, other.end)} "
            f"(absence {other.id})",
        )
        self.extensions["overlaps"] = {
            "id": other.id,
            "kind": other.kind,
            "start": other.start.astimezone(TZ).isoformat(),
            "end": other.end.astimezone(TZ).isoformat(),
        }


def _span_text(start: datetime, end: datetime) -> str:
    first = start.astimezone(TZ).date()
    last = (end.astimezone(TZ) - timedelta(microseconds=1)).date()
    return f"{first:%d.%m.%Y}–{last:%d.%m.%Y}"


def check_overlap(session: Session, item: Absence, exclude_id: int | None = None) -> None:
    """A vacation never overlaps another absence of the same engineer, and no absence is
    entered over a vacation (art. 124 moves a vacation for sickness; that is a change of the
    vacation, not a second record). A car outage may overlap anything: it concerns the car."""
    if item.kind == AbsenceKind.car_unavailable:
        return
    stmt = select(AbsenceRow).where(
        AbsenceRow.engineer_id == item.engineer_id,
        AbsenceRow.kind != AbsenceKind.car_unavailable.value,
        AbsenceRow.start < item.end,
        AbsenceRow.end > item.start,
    )
    if item.kind != AbsenceKind.vacation:
        stmt = stmt.where(AbsenceRow.kind == AbsenceKind.vacation.value)
    if exclude_id is not None:
        stmt = stmt.where(AbsenceRow.id != exclude_id)
    other = session.scalars(stmt.order_by(AbsenceRow.start, AbsenceRow.id)).first()
    if other is not None:
        raise AbsenceOverlap(item, other)


class HolidayInside(BaseModel):
    """A public holiday inside the absence: not counted in a vacation's days (art. 120)."""

    date: date
    name: str


class AbsenceCheck(BaseModel):
    """What entering an absence means: its days, the holidays not counted, the engineer's
    vacation year with it (art. 115, 120, 125), the weeks whose coverage it touches, and the
    months whose shortfall it may change."""

    engineer_id: str
    name: str
    kind: AbsenceKind
    first: date
    last: date
    calendar_days: int
    holidays_inside: list[HolidayInside]
    counted_days: int
    vacation: list[EngineerVacation]
    weeks: list[VacationWeekImpact]
    months: list[str]
    group_labels: dict[str, str] = Field(default_factory=dict)
    """Names of the weeks' groups for people."""


def check_absence(
    session: Session, item: Absence, exclude_id: int | None = None, lang: str = "ru"
) -> AbsenceCheck:
    """The check shown when an absence is entered; overlaps are refused as on storing it."""
    engineer_row = session.get(EngineerRow, item.engineer_id)
    if engineer_row is None:
        raise Unprocessable("engineer_id", item.engineer_id, "no engineer with this id")
    check_overlap(session, item, exclude_id)
    first = item.start.astimezone(TZ).date()
    last = (item.end.astimezone(TZ) - timedelta(microseconds=1)).date()
    for field, d in (("start", first), ("end", last)):
        if d.year not in supported_years():
            years = supported_years()
            raise Unprocessable(
                field,
                d.isoformat(),
                f"outside the supported years {years[0]}–{years[-1]} of the production calendar",
            )
    cal = default_calendar()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    holidays = []
    for d in days:
        fact = cal.production_year(d.year).facts.get(d)
        if cal.is_public_holiday(d):
            key = fact.holiday if fact is not None and fact.holiday else ""
            holidays.append(HolidayInside(date=d, name=holiday_name(key, lang) if key else ""))
    engineers = [to_model(r, Engineer) for r in session.scalars(select(EngineerRow))]
    engineer = next(e for e in engineers if e.id == item.engineer_id)
    years = sorted({first.year, last.year})
    lo = datetime.combine(date(years[0], 1, 1), time(0), TZ)
    hi = datetime.combine(date(years[-1] + 1, 1, 1), time(0), TZ)
    stmt = select(AbsenceRow).where(AbsenceRow.start < hi, AbsenceRow.end > lo)
    if exclude_id is not None:
        stmt = stmt.where(AbsenceRow.id != exclude_id)
    absences = [to_model(r, Absence) for r in session.scalars(stmt)] + [item]
    mine = [a for a in absences if a.engineer_id == item.engineer_id]
    weeks: list[VacationWeekImpact] = []
    for y in years:
        weeks += weekly_impact(engineers, absences, y, default_requirements(), cal)
    touched = {first - timedelta(days=first.weekday()) + timedelta(days=7 * i)
               for i in range((last - first).days // 7 + 2)}  # fmt: skip
    months = sorted({f"{d:%Y-%m}" for d in days})
    weeks = [w for w in weeks if w.week_start in touched and w.week_start <= last]
    groups = {g for w in weeks for g in [*w.short_groups, *w.tight_groups]}
    return AbsenceCheck(
        engineer_id=item.engineer_id,
        name=engineer.name,
        kind=item.kind,
        first=first,
        last=last,
        calendar_days=len(days),
        holidays_inside=holidays,
        counted_days=len(days) - len(holidays),
        vacation=[engineer_vacation(engineer, mine, y, cal, lang) for y in years],
        weeks=weeks,
        months=months,
        group_labels={g: _group_label(g, lang) for g in sorted(groups)},
    )
