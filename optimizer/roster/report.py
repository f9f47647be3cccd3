"""The shortfall report a department head can act on.

People short by date × hour × group, totals, and recommendations: which extra engineer
(skills, car) on which weekdays and hours, and which vacation to move by a week. With the
request at hand the gains are measured by re-solving the roster with the change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta

from optimizer.calendar import TZ
from optimizer.domain.base import Absence, Engineer
from optimizer.domain.common import AbsenceKind, Location
from optimizer.domain.roster import (
    Recommendation,
    Roster,
    RosterRequest,
    RosterWeights,
    ShortfallCell,
    ShortfallReport,
)
from optimizer.domain.skills import SkillCatalogue, skill_name
from optimizer.domain.staffing import SKILL_PREFIX
from optimizer.errors import InfeasibleRequest
from optimizer.roster.solve import solve

WEEKDAYS_PLURAL = {
    "ru": ["по понедельникам", "по вторникам", "по средам", "по четвергам", "по пятницам",
           "по субботам", "по воскресеньям"],
    "en": ["Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"],
}  # fmt: skip
WEEKDAYS_SHORT = {
    "ru": ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"],
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
}

Solver = Callable[[RosterRequest], Roster]


def shortfall_cells(roster: Roster) -> list[ShortfallCell]:
    """Shortfall rows cut into clock hours: people short and person-hours per hour and group."""
    acc: dict[tuple[date, int, str], list[float]] = {}
    for row in roster.shortfall:
        if row.start is None or row.end is None:
            continue
        start, end = row.start.astimezone(TZ), row.end.astimezone(TZ)
        t = start
        while t < end:
            hour_end = t.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            piece_end = min(hour_end, end)
            key = (t.date(), t.hour, row.group)
            cell = acc.setdefault(key, [0, 0.0])
            cell[0] = max(cell[0], row.short_by)
            cell[1] += row.short_by * (piece_end - t).total_seconds() / 3600
            t = piece_end
    return [
        ShortfallCell(date=d, hour=h, group=g, short_by=int(v[0]), person_hours=round(v[1], 3))
        for (d, h, g), v in sorted(acc.items())
    ]


def shortfall_report(
    roster: Roster,
    request: RosterRequest | None = None,
    lang: str = "ru",
    verify: bool = False,
    solver: Solver | None = None,
    max_recommendations: int = 5,
    catalogue: SkillCatalogue | None = None,
) -> ShortfallReport:
    """Totals, the hour-by-hour table and recommendations.

    With ``request`` the report also proposes vacation moves; with ``verify`` every
    recommendation is re-solved (``solver``, by default :func:`optimizer.roster.solve` with
    the request's limits) and its measured gain replaces the estimate. Skills are named from
    ``catalogue``, else the request's, else the built-in one.
    """
    if catalogue is None and request is not None:
        catalogue = SkillCatalogue.of(request.skills)
    cells = shortfall_cells(roster)
    by_group: dict[str, float] = defaultdict(float)
    by_weekday: dict[int, float] = defaultdict(float)
    by_date: dict[date, float] = defaultdict(float)
    for c in cells:
        by_group[c.group] += c.person_hours
        by_weekday[c.date.weekday()] += c.person_hours
        by_date[c.date] += c.person_hours
    total = round(sum(c.person_hours for c in cells), 2)
    recs = staffing_recommendations(cells, roster, lang, catalogue)[:max_recommendations]
    if request is not None:
        recs += vacation_recommendations(roster, request, lang, solver)
        if verify:
            recs = [verify_recommendation(r, roster, request, solver) for r in recs]
    recs = [r for r in recs if r.gain_person_hours > 0]
    recs.sort(key=lambda r: -r.gain_person_hours)
    return ShortfallReport(
        total_person_hours=total,
        by_group={k: round(v, 2) for k, v in sorted(by_group.items())},
        by_weekday={k: round(v, 2) for k, v in sorted(by_weekday.items())},
        by_date={k: round(v, 2) for k, v in sorted(by_date.items())},
        cells=cells,
        recommendations=recs[:max_recommendations],
        summary=_summary(total, by_group, lang, catalogue),
    )


def _summary(
    total: float, by_group: dict[str, float], lang: str, catalogue: SkillCatalogue | None
) -> str:
    if total <= 0:
        return "Нехватки нет." if lang == "ru" else "No shortfall."
    parts = ", ".join(
        f"{group_label(g, lang, catalogue)} {h:g}" for g, h in sorted(by_group.items())
    )
    if lang == "ru":
        return f"Нехватка {total:g} чел.-ч: {parts}."
    return f"Shortfall {total:g} person-hours: {parts}."


# ----------------------------------------------------------------------------- add staff


def staffing_recommendations(
    cells: list[ShortfallCell],
    roster: Roster,
    lang: str = "ru",
    catalogue: SkillCatalogue | None = None,
) -> list[Recommendation]:
    """Recurring shortfall (same weekday and hours on two or more dates) becomes "+N engineer
    with … on <weekdays> h1–h2"; one-off shortfall "+N engineer … on <dates> h1–h2"."""
    blocks = _day_blocks(cells)
    by_pattern: dict[tuple[int, int, int, tuple[tuple[str, int], ...]], list[date]] = defaultdict(
        list
    )
    for d, h1, h2, groups in blocks:
        by_pattern[(d.weekday(), h1, h2, groups)].append(d)
    recurring: dict[tuple[int, int, tuple[tuple[str, int], ...]], list[int]] = defaultdict(list)
    gains: dict[tuple[int, int, tuple[tuple[str, int], ...]], float] = defaultdict(float)
    one_off: list[tuple[date, int, int, tuple[tuple[str, int], ...]]] = []
    hours = _BlockHours(cells)
    for (wd, h1, h2, groups), dates in by_pattern.items():
        if len(dates) >= 2:
            recurring[(h1, h2, groups)].append(wd)
            gains[(h1, h2, groups)] += sum(hours[(d, h1, h2)] for d in dates)
        else:
            one_off.append((dates[0], h1, h2, groups))
    out: list[Recommendation] = []
    for (h1, h2, groups), wds in recurring.items():
        when = ", ".join(WEEKDAYS_PLURAL[lang][w] for w in sorted(wds))
        out.append(
            _add_engineer(
                groups, f"{when} {h1:02d}–{h2:02d}", gains[(h1, h2, groups)], lang, catalogue
            )
        )
    for (d1, d2, h1, h2, groups), gain in _date_ranges(one_off, hours).items():
        span = d1.strftime("%d.%m") if d1 == d2 else f"{d1:%d.%m}–{d2:%d.%m}"
        out.append(_add_engineer(groups, f"{span} {h1:02d}–{h2:02d}", gain, lang, catalogue))
    out.sort(key=lambda r: -r.gain_person_hours)
    return out


def _day_blocks(
    cells: list[ShortfallCell],
) -> list[tuple[date, int, int, tuple[tuple[str, int], ...]]]:
    """Consecutive hours of a date with the same groups short by the same numbers."""
    per_hour: dict[tuple[date, int], dict[str, int]] = defaultdict(dict)
    for c in cells:
        per_hour[(c.date, c.hour)][c.group] = c.short_by
    blocks = []
    for d in sorted({k[0] for k in per_hour}):
        hours = sorted(h for (dd, h) in per_hour if dd == d)
        start = prev = hours[0]
        sig = tuple(sorted(per_hour[(d, start)].items()))
        for h in hours[1:] + [None]:
            cur = tuple(sorted(per_hour[(d, h)].items())) if h is not None else None
            if h is not None and h == prev + 1 and cur == sig:
                prev = h
                continue
            blocks.append((d, start, prev + 1, sig))
            if h is not None and cur is not None:
                start = prev = h
                sig = cur
    return blocks


class _BlockHours:
    """Person-hours of the most-short group in a (date, h1, h2) window."""

    def __init__(self, cells: list[ShortfallCell]) -> None:
        self.per_hour: dict[tuple[date, int], dict[str, float]] = defaultdict(dict)
        for c in cells:
            self.per_hour[(c.date, c.hour)][c.group] = c.person_hours

    def __getitem__(self, key: tuple[date, int, int]) -> float:
        d, h1, h2 = key
        per_group: dict[str, float] = defaultdict(float)
        for h in range(h1, h2):
            for g, v in self.per_hour.get((d, h), {}).items():
                per_group[g] += v
        return max(per_group.values(), default=0.0)


def _date_ranges(
    one_off: list[tuple[date, int, int, tuple[tuple[str, int], ...]]],
    hours: _BlockHours,
) -> dict[tuple[date, date, int, int, tuple[tuple[str, int], ...]], float]:
    """One-off blocks on consecutive dates with the same hours and groups, merged."""
    out: dict[tuple[date, date, int, int, tuple[tuple[str, int], ...]], float] = {}
    one_off.sort(key=lambda b: (b[1], b[2], b[3], b[0]))
    run: list[tuple[date, int, int, tuple[tuple[str, int], ...]]] = []
    for b in one_off + [None]:  # type: ignore[list-item]
        if run and (
            b is None or b[1:] != run[-1][1:] or (b[0] - run[-1][0]).days > 3  # across a weekend
        ):
            d1, d2 = run[0][0], run[-1][0]
            _, h1, h2, g = run[0]
            out[(d1, d2, h1, h2, g)] = sum(hours[(x[0], h1, h2)] for x in run)
            run = []
        if b is not None:
            run.append(b)
    return out


def _add_engineer(
    groups: tuple[tuple[str, int], ...],
    when: str,
    gain: float,
    lang: str,
    catalogue: SkillCatalogue | None = None,
) -> Recommendation:
    n = max(k for _, k in groups)
    names = [g for g, _ in groups]
    text = f"+{n} {engineer_description(names, lang, n, catalogue)}, {when}"
    return Recommendation(
        kind="add_engineer", text=text, gain_person_hours=round(gain, 2), groups=names, count=n
    )


def engineer_description(
    groups: list[str], lang: str = "ru", count: int = 1, catalogue: SkillCatalogue | None = None
) -> str:
    """The hire the short groups call for, e.g. "visit-capable engineer with gateways
    skills" (skill names from ``catalogue``, the built-in one by default)."""
    skills = [
        skill_name(g[len(SKILL_PREFIX) :], lang, catalogue)
        for g in groups
        if g.startswith(SKILL_PREFIX)
    ]
    visit = [g for g in groups if g.startswith("visit")]
    bank = {"visit:right": ("Саратов", "Saratov"), "visit:left": ("Энгельс", "Engels")}
    where = [bank[g][0 if lang == "ru" else 1] for g in visit if g in bank]
    if lang == "ru":
        text = _ru_plural(count, "инженер", "инженера", "инженеров")
        if visit:
            text += " с правами B и машиной" + (f" ({', '.join(where)})" if where else "")
        if skills:
            text += ", навыки: " + ", ".join(skills)
        return text
    noun = "engineer" if count == 1 else "engineers"
    text = f"visit-capable {noun}" if visit else noun
    if where:
        text += f" ({', '.join(where)})"
    if skills:
        text += " with " + ", ".join(skills) + " skills"
    return text


def _ru_plural(n: int, one: str, few: str, many: str) -> str:
    """Russian noun form after a number: 1 инженер, 2 инженера, 5 инженеров."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def group_label(group: str, lang: str = "ru", catalogue: SkillCatalogue | None = None) -> str:
    """A group's name for people (a skill's name from ``catalogue``, the built-in one by
    default)."""
    if group.startswith(SKILL_PREFIX):
        return skill_name(group[len(SKILL_PREFIX) :], lang, catalogue)
    ru = {
        "all": "все",
        "visit": "выезды",
        "visit:right": "выезды (Саратов)",
        "visit:left": "выезды (Энгельс)",
        "phone": "телефон",
        "urgent": "срочные",
    }
    return ru.get(group, group) if lang == "ru" else group


# ----------------------------------------------------------------------------- vacations


def vacation_recommendations(
    roster: Roster,
    request: RosterRequest,
    lang: str = "ru",
    solver: Solver | None = None,
    max_vacations: int = 3,
) -> list[Recommendation]:
    """Vacations that overlap the shortfall of the engineer's own groups, moved one week
    earlier or later (staying inside the period); each move re-solved and measured."""
    solve_fn = solver or minimum_shortfall_roster
    if roster.shortfall_person_hours <= 0:
        return []
    short_dates: dict[date, float] = defaultdict(float)
    for row in roster.shortfall:
        if row.date is not None:
            short_dates[row.date] += row.person_hours
    candidates = []
    for i, a in enumerate(request.absences):
        if a.kind != AbsenceKind.vacation:
            continue
        days = _absence_dates(a)
        overlap = sum(short_dates.get(d, 0.0) for d in days)
        if overlap > 0:
            candidates.append((overlap, i))
    candidates.sort(reverse=True)
    if not candidates:
        return []
    base = solve_fn(request).shortfall_person_hours
    names = {e.id: e.name for e in request.engineers}
    out: list[Recommendation] = []
    for _, i in candidates[:max_vacations]:
        a = request.absences[i]
        best: tuple[float, int] | None = None
        for shift in (7, -7):
            moved = a.model_copy(
                update={
                    "start": a.start + timedelta(days=shift),
                    "end": a.end + timedelta(days=shift),
                }
            )
            if not _inside(moved, request) and _inside(a, request):
                continue
            absences = list(request.absences)
            absences[i] = moved
            try:
                trial = solve_fn(request.model_copy(update={"absences": absences}))
            except InfeasibleRequest:
                continue
            gain = base - trial.shortfall_person_hours
            if gain > 0.01 and (best is None or gain > best[0]):
                best = (gain, shift)
        if best is not None:
            out.append(_move_text(a, names.get(a.engineer_id, a.engineer_id), best, lang))
    return out


def _move_text(a: Absence, name: str, best: tuple[float, int], lang: str) -> Recommendation:
    gain, shift = best
    days = _absence_dates(a)
    span = f"{days[0]:%d.%m}–{days[-1]:%d.%m}"
    if lang == "ru":
        way = "на неделю позже" if shift > 0 else "на неделю раньше"
        text = f"перенос отпуска {name} ({span}) {way} убирает {gain:g} ч нехватки"
    else:
        way = "one week later" if shift > 0 else "one week earlier"
        text = f"moving {name}'s vacation ({span}) {way} removes {gain:g} h of shortfall"
    return Recommendation(
        kind="move_vacation",
        text=text,
        gain_person_hours=round(gain, 2),
        verified=True,
        engineer_id=a.engineer_id,
    )


def _absence_dates(a: Absence) -> list[date]:
    first = a.start.astimezone(TZ).date()
    last = (a.end.astimezone(TZ) - timedelta(microseconds=1)).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _inside(a: Absence, request: RosterRequest) -> bool:
    days = _absence_dates(a)
    return request.start <= days[0] and days[-1] <= request.end


# ----------------------------------------------------------------------------- verification


def verify_recommendation(
    rec: Recommendation, roster: Roster, request: RosterRequest, solver: Solver | None = None
) -> Recommendation:
    """Measure an "add engineer" recommendation: re-solve with as many virtual engineers as it
    adds, each with the skills and the car the recommendation names."""
    if rec.kind != "add_engineer" or rec.verified:
        return rec
    solve_fn = solver or minimum_shortfall_roster
    extra = [virtual_engineer(rec.groups, request, k) for k in range(1, rec.count + 1)]
    base = solve_fn(request).shortfall_person_hours
    trial = solve_fn(request.model_copy(update={"engineers": [*request.engineers, *extra]}))
    gain = max(0.0, base - trial.shortfall_person_hours)
    return rec.model_copy(update={"gain_person_hours": round(gain, 2), "verified": True})


def virtual_engineer(groups: list[str], request: RosterRequest, number: int = 1) -> Engineer:
    """A hypothetical hire with the skills and car the groups ask for (``number``: the first,
    second, … of several hires)."""
    skills = [g[len(SKILL_PREFIX) :] for g in groups if g.startswith(SKILL_PREFIX)]
    visit = any(g.startswith("visit") for g in groups)
    base = next((e.base for e in request.engineers), Location(lat=51.533, lon=46.034))
    if "visit:left" in groups:
        base = Location(lat=51.4986, lon=46.1211)
    elif "visit:right" in groups:
        base = Location(lat=51.5331, lon=46.0342)
    return Engineer(
        id="new-hire" if number == 1 else f"new-hire-{number}",
        name="New hire" if number == 1 else f"New hire {number}",
        skills=skills,
        licence_b=visit,
        has_car=visit,
        base=base,
        holiday_work_consent=True,
    )


SHORTFALL_ONLY = RosterWeights(
    overtime_per_hour=0,
    below_norm_per_hour=0,
    preference_unit=0,
    weekend_duty_spread=0,
    hours_spread_per_hour=0,
    day_off_work_per_hour=0,
    over_coverage_per_person_hour=0,
)
"""Weights that keep only the shortfall: what-if comparisons measure it alone, fast."""


def minimum_shortfall_roster(request: RosterRequest, time_limit_s: float = 10.0) -> Roster:
    """A roster with the least shortfall the hard rules allow (other goals ignored), the
    yardstick of every "what if" in the recommendations."""
    limit = min(request.time_limit_s, time_limit_s)
    return solve(request.model_copy(update={"weights": SHORTFALL_ONLY, "time_limit_s": limit}))


def local_hour(dt: datetime) -> int:
    """The local (Europe/Saratov) hour of an aware datetime."""
    return dt.astimezone(TZ).hour
