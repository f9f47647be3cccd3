"""The sample department's roster request for a month (``wfm roster --sample``, ``wfm demo``).

Engineers, absences (with the 2027 vacation plan) and shift templates come from the sample
data set. Requirements come from the staffing engine (Erlang C per hour and group on the
forecast of the ticket history), plus a weekend and holiday on-call duty (one engineer ready
for urgent tickets 10:00–16:00); with ``use_staffing=False``, a documented default pattern
instead (:func:`default_requirements`).
"""

from __future__ import annotations

import calendar as _calendar
import random
import re
from datetime import date, datetime, time, timedelta

from optimizer.calendar import TZ
from optimizer.domain.base import Absence, Engineer
from optimizer.domain.common import AbsenceKind, Location
from optimizer.domain.roster import RosterRequest
from optimizer.domain.skills import default_skill_ids
from optimizer.domain.staffing import CoverageRequirement, skill_group
from optimizer.errors import InvalidInput
from optimizer.io.sample import load_sample_dataset, load_ticket_history
from optimizer.staffing.forecast import forecast_arrivals
from optimizer.staffing.requirements import requirements


def month_bounds(month: str) -> tuple[date, date]:
    """First and last date of ``YYYY-MM``."""
    if not re.fullmatch(r"\d{4}-\d{2}", month or ""):
        raise InvalidInput("month", month, "expected YYYY-MM, e.g. 2027-02")
    year, mon = int(month[:4]), int(month[5:])
    if not 1 <= mon <= 12 or not 2000 <= year <= 2100:
        raise InvalidInput("month", month, "no such month")
    return date(year, mon, 1), date(year, mon, _calendar.monthrange(year, mon)[1])


def on_call_requirements() -> list[CoverageRequirement]:
    """One engineer on duty for urgent tickets 10:00–16:00 on weekends and holidays (a holiday
    on a weekday follows the Sunday pattern)."""
    return [
        CoverageRequirement(weekday=wd, start=time(10), end=time(16), group="urgent", required=1)
        for wd in (5, 6)
    ]


def default_requirements() -> list[CoverageRequirement]:
    """The fallback pattern: on working days (Mon–Thu 09–18, Fri 09–17) at least 3 engineers
    and 1 visit-capable, each skill at least 1 in the core hours 10–16; the weekend on-call."""
    rows: list[CoverageRequirement] = []
    for wd in range(5):
        end = time(17) if wd == 4 else time(18)
        rows.append(
            CoverageRequirement(weekday=wd, start=time(9), end=end, group="all", required=3)
        )
        rows.append(
            CoverageRequirement(weekday=wd, start=time(9), end=end, group="visit", required=1)
        )
        rows += [
            CoverageRequirement(
                weekday=wd, start=time(10), end=time(16), group=skill_group(s), required=1
            )
            for s in default_skill_ids()
        ]
    return rows + on_call_requirements()


def staffing_requirements(first: date, last: date) -> list[CoverageRequirement]:
    """Requirements per date from the staffing engine on the sample history."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return requirements(forecast_arrivals(load_ticket_history()), dates=days)


def sample_roster_request(
    month: str,
    time_limit_s: float = 10.0,
    use_staffing: bool = True,
    num_workers: int = 2,
    seed: int = 0,
) -> RosterRequest:
    """The sample department's roster request for ``month`` (``YYYY-MM``)."""
    first, last = month_bounds(month)
    ds = load_sample_dataset()
    if use_staffing:
        reqs = staffing_requirements(first, last) + on_call_requirements()
    else:
        reqs = default_requirements()
    return RosterRequest(
        start=first,
        end=last,
        engineers=ds.engineers,
        absences=ds.absences,
        shift_templates=ds.shift_templates,
        requirements=reqs,
        time_limit_s=time_limit_s,
        num_workers=num_workers,
        seed=seed,
    )


def synthetic_roster_request(
    n_engineers: int = 40,
    start: date = date(2027, 3, 1),
    months: int = 3,
    seed: int = 0,
    time_limit_s: float = 60.0,
    num_workers: int = 2,
) -> RosterRequest:
    """A larger department for benchmarks: ``n_engineers`` with random skills (2–4), half
    with a car, half consenting to weekend duty, each with a 14-day vacation somewhere in the
    period; the sample templates; requirements scaled from :func:`default_requirements`."""
    rng = random.Random(seed)
    year, mon = start.year, start.month + months
    year, mon = year + (mon - 1) // 12, (mon - 1) % 12 + 1
    end = date(year, mon, 1) - timedelta(days=1)
    skills = list(default_skill_ids())
    engineers, absences = [], []
    n_days = (end - start).days + 1
    for i in range(n_engineers):
        car = rng.random() < 0.5
        e = Engineer(
            id=f"s{i:03d}",
            name=f"Инженер {i + 1:02d}",
            skills=rng.sample(skills, rng.randint(2, 4)),
            licence_b=car,
            has_car=car,
            base=Location(
                lat=51.53 + rng.uniform(-0.05, 0.03), lon=46.0 + rng.uniform(-0.03, 0.12)
            ),
            holiday_work_consent=rng.random() < 0.5,
        )
        engineers.append(e)
        first = start + timedelta(days=rng.randrange(0, max(1, n_days - 14)))
        absences.append(
            Absence(
                engineer_id=e.id,
                start=datetime.combine(first, time(0), TZ),
                end=datetime.combine(first + timedelta(days=14), time(0), TZ),
                kind=AbsenceKind.vacation,
            )
        )
    scale = max(1, n_engineers // 8)
    reqs = [
        r.model_copy(
            update={"required": r.required * (scale if r.group == "all" else max(1, scale // 2))}
        )
        for r in default_requirements()
    ]
    return RosterRequest(
        start=start,
        end=end,
        engineers=engineers,
        absences=absences,
        shift_templates=load_sample_dataset().shift_templates,
        requirements=reqs,
        time_limit_s=time_limit_s,
        num_workers=num_workers,
        seed=seed,
    )
