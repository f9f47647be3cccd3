"""The owner's what-if: the sample scenarios, a scenario built from a form, and the sweep that
answers "how many engineers for at least N % on time".

Every function here returns a :class:`~optimizer.domain.scenario.ScenarioSet` (the what-if
job's request); the job itself is the service's ``whatif`` kind, fanned out by replication.
The first scenario of a set is the baseline the others are compared with.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Self

from pydantic import BaseModel, Field, model_validator

from optimizer.calendar import TZ
from optimizer.domain import Id, StrictModel
from optimizer.domain.common import Day, Flag, Int, Number
from optimizer.domain.scenario import Scenario, ScenarioSet
from optimizer.errors import InvalidInput
from optimizer.io.sample import load_sample_dataset, sample_dir
from optimizer.simulate.spec import format_of, parse_scenario_text

SAMPLE_FILES = (
    "vacation_july.yaml",
    "car_out_month.json",
    "weekend_oncall.json",
    "plus_100_clients.json",
    "base.json",
)
"""The sample scenarios offered on the page, in this order (the M/M/c check is left out: it
tests the simulator, it answers no question of the department)."""

MAX_FORM_REPLICATIONS = 200
MAX_SWEEP_EXTRA = 5


class SampleScenario(BaseModel):
    """A sample scenario set: its id (the file's stem), title and scenarios."""

    id: str
    title: str
    scenarios: list[dict[str, str]]
    replications: int
    horizon_days: float
    start: date | None


def sample_sets() -> dict[str, ScenarioSet]:
    """The sample scenario sets by id, read from the sample data folder."""
    out: dict[str, ScenarioSet] = {}
    folder = sample_dir() / "scenarios"
    for name in SAMPLE_FILES:
        path = folder / name
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            out[path.stem] = parse_scenario_text(text, format_of(name), source=name)
    return out


def sample_summaries(lang: str = "ru") -> list[SampleScenario]:
    """What the page lists of each sample set, in the page's language with engineers'
    names (see :func:`localised`)."""
    names = sample_names()
    out = []
    for ident, spec in sample_sets().items():
        spec = localised(spec, names, lang)
        first = spec.scenarios[0]
        out.append(
            SampleScenario(
                id=ident,
                title=spec.description or first.description or spec.name or ident,
                scenarios=[
                    {"name": s.name, "title": s.description or s.name} for s in spec.scenarios
                ],
                replications=first.replications,
                horizon_days=first.horizon_days,
                start=first.start,
            )
        )
    return out


# -- scenarios in words ------------------------------------------------------------------------

ENGINEER_ID = re.compile(r"\b[a-z]\d{2,3}\b")
"""An engineer's id in a sample file's text (``e06``)."""


class SampleNames(BaseModel):
    """Names to put in place of ids in a scenario's text."""

    engineers: dict[str, str]
    templates: dict[str, str]

    def engineer(self, ident: str) -> str:
        """An engineer's name (the id when the department has no such engineer)."""
        return self.engineers.get(ident, ident)

    def in_text(self, text: str) -> str:
        """A sample file's text with shift templates' ids as their names, in quotes."""
        for tid, name in self.templates.items():
            text = re.sub(rf"\b{re.escape(tid)}\b", f"«{name}»", text)
        return text


def sample_names() -> SampleNames:
    """Engineers' and shift templates' names of the sample department the scenarios run on."""
    data = load_sample_dataset()
    return SampleNames(
        engineers={e.id: e.name for e in data.engineers},
        templates={t.id: t.name for t in data.shift_templates},
    )


def localised(spec: ScenarioSet, names: SampleNames, lang: str = "ru") -> ScenarioSet:
    """The set with its title and each scenario's description for the page. A sample file's
    text is Russian and names engineers by id (``Машина e01 в ремонте``), which no name can
    replace in the right case: a Russian text without an engineer's id is kept (shift
    templates' ids become their names); any other text, and every English one, is the
    scenario's changes described by :func:`describe`, and the title is the period and the
    changes of the scenarios compared with the first."""

    def keeps(text: str) -> bool:
        return lang == "ru" and bool(text) and not ENGINEER_ID.search(text)

    scenarios = [
        s.model_copy(
            update={
                "description": names.in_text(s.description)
                if keeps(s.description)
                else describe(s, names, lang)
            }
        )
        for s in spec.scenarios
    ]
    if keeps(spec.description):
        title = names.in_text(spec.description)
    elif not spec.description and len(spec.scenarios) == 1 and keeps(spec.scenarios[0].description):
        title = scenarios[0].description  # a file of one scenario: its own text
    else:
        changed = [s.description for s in scenarios[1:]] or [scenarios[0].description]
        title = f"{period(spec.scenarios[0], lang)}: {' / '.join(changed)}"
    return spec.model_copy(update={"scenarios": scenarios, "description": title})


def _span(start: datetime, end: datetime) -> str:
    """``12.07–25.07``: the first and the last day of [start, end)."""
    first = start.astimezone(TZ).date()
    last = (end.astimezone(TZ) - timedelta(microseconds=1)).date()
    return f"{first:%d.%m}" if first == last else f"{first:%d.%m}–{last:%d.%m}"


ABSENCE_WORDS = {
    "ru": {"vacation": "в отпуске", "sick": "на больничном", "training": "на обучении",
           "car_unavailable": "без машины"},
    "en": {"vacation": "on vacation", "sick": "off sick", "training": "in training",
           "car_unavailable": "without a car"},
}  # fmt: skip
CITY_WORDS = {"ru": {"Saratov": "Саратове", "Engels": "Энгельсе"}, "en": {}}


def describe(scenario: Scenario, names: SampleNames, lang: str = "ru") -> str:
    """A scenario's changes in words, engineers by name (``Андрей Морозов on vacation
    12.07–25.07``); the base itself is "as is"."""
    ru = lang == "ru"
    c = scenario.changes
    parts: list[str] = []
    for cl in c.add_clients:
        city = CITY_WORDS[lang].get(cl.city, cl.city)
        parts.append(f"+{cl.count} клиентов в {city}" if ru else f"+{cl.count} clients in {city}")
    if c.demand_multiplier != 1:
        parts.append(f"{'заявок' if ru else 'demand'} ×{c.demand_multiplier:g}")
    for e in c.add_engineers:
        who = names.engineer(e.like) if e.like else ""
        if ru:
            parts.append(f"+{e.count} инж." + (f" как {who}" if who else ""))
        else:
            parts.append(
                f"+{e.count} engineer{'s' if e.count > 1 else ''}" + (f" like {who}" if who else "")
            )
    for ident in c.remove_engineers:
        parts.append(("без " if ru else "without ") + names.engineer(ident))
    for a in c.absences:
        what = ABSENCE_WORDS[lang][a.kind.value]
        parts.append(f"{names.engineer(a.engineer_id)} {what} {_span(a.start, a.end)}")
    for car in c.cars_out:
        who = names.engineer(car.engineer_id)
        span = _span(car.start, car.end)
        parts.append(f"{who}: машина в ремонте {span}" if ru else f"{who}: car in repair {span}")
    if c.weekend_on_call is not None and c.weekend_on_call.enabled:
        n = len(c.weekend_on_call.engineers or [])
        if ru:
            parts.append("дежурство в выходные" + (f" ({n} инж.)" if n else ""))
        else:
            parts.append("weekend on-call" + (f" ({n} engineers)" if n else ""))
    if c.sla is not None or c.sla_response_min is not None:
        parts.append("новый SLA" if ru else "a new SLA")
    if c.operators is not None:
        parts.append(f"операторов: {c.operators}" if ru else f"operators: {c.operators}")
    if scenario.policy.value == "optimal":
        parts.append("оптимальный диспетчер" if ru else "the optimal dispatcher")
    if not parts:
        return BASE_NAME[lang]
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


MONTHS = {
    "ru": ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
           "октябрь", "ноябрь", "декабрь"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}  # fmt: skip


def period(scenario: Scenario, lang: str = "ru") -> str:
    """The simulated days: ``Июль 2027``, ``2027 год``, or ``с 01.01.2027, 182 дн.``."""
    ru = lang == "ru"
    days = scenario.horizon_days
    start = scenario.start
    if start is None:
        return f"{days:g} дн." if ru else f"{days:g} days"
    if start.day == 1 and days == calendar.monthrange(start.year, start.month)[1]:
        text = f"{MONTHS[lang][start.month - 1]} {start.year}"
        return text[0].upper() + text[1:]
    if (start.month, start.day) == (1, 1) and days == (date(start.year + 1, 1, 1) - start).days:
        return f"{start.year} год" if ru else f"Year {start.year}"
    return f"С {start:%d.%m.%Y}, {days:g} дн." if ru else f"From {start:%d.%m.%Y}, {days:g} days"


class RunSettings(StrictModel):
    """How many replications and which seed; the number of replications is at least one."""

    replications: Annotated[Int, Field(ge=1, le=MAX_FORM_REPLICATIONS)] = 10
    seed: Annotated[Int, Field(ge=0, le=2**31 - 1)] = 7


def sample_set(ident: str, run: RunSettings, lang: str = "ru") -> ScenarioSet:
    """A sample set with the replications and seed of the page, its texts in the page's
    language (the report shows them)."""
    sets = sample_sets()
    if ident not in sets:
        raise InvalidInput("sample", ident, f"no such sample scenario; known: {', '.join(sets)}")
    spec = localised(sets[ident], sample_names(), lang)
    scenarios = [
        s.model_copy(update={"replications": run.replications, "seed": run.seed})
        for s in spec.scenarios
    ]
    return spec.model_copy(update={"scenarios": scenarios})


class DateSpan(StrictModel):
    """An engineer's dates, first and last day included."""

    engineer_id: Id
    first: Day
    last: Day

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.last < self.first:
            raise ValueError(f"last {self.last.isoformat()} is before first {self.first}")
        return self

    def bounds(self) -> tuple[str, str]:
        """[start, end) as aware datetimes (Saratov midnights)."""
        start = datetime.combine(self.first, time(0), TZ)
        end = datetime.combine(self.last + timedelta(days=1), time(0), TZ)
        return start.isoformat(), end.isoformat()


class NewClients(StrictModel):
    """New client organisations in a city."""

    city: Annotated[str, Field(min_length=1, max_length=100)]
    count: Annotated[Int, Field(ge=1, le=10_000)]


class Hire(StrictModel):
    """One more engineer (or several) with these skills, with or without a car."""

    skills: Annotated[list[str], Field(min_length=1, max_length=20)]
    car: Flag = False
    count: Annotated[Int, Field(ge=1, le=20)] = 1


class WhatIfForm(RunSettings):
    """A what-if built on the page: the sample department over a period, and its changes."""

    start: Day = date(2027, 7, 1)
    horizon_days: Annotated[Int, Field(ge=7, le=366)] = 31
    add_clients: Annotated[list[NewClients], Field(max_length=20)] = Field(default_factory=list)
    away: Annotated[list[DateSpan], Field(max_length=20)] = Field(default_factory=list)
    cars_out: Annotated[list[DateSpan], Field(max_length=20)] = Field(default_factory=list)
    hire: Hire | None = None
    weekend_on_call: Flag = False
    optimal_dispatcher: Flag = False
    title: Annotated[str, Field(max_length=100)] = ""


BASE_NAME = {"ru": "Как есть", "en": "As is"}
CHANGED_NAME = {"ru": "Что если", "en": "What if"}


def form_scenarios(form: WhatIfForm, lang: str = "ru") -> ScenarioSet:
    """The base (the department as it is over the period) and the changed scenario."""
    changes: dict[str, Any] = {}
    if form.add_clients:
        changes["add_clients"] = [c.model_dump() for c in form.add_clients]
    if form.away:
        changes["absences"] = [
            {"engineer_id": a.engineer_id, "start": a.bounds()[0], "end": a.bounds()[1],
             "kind": "vacation"}
            for a in form.away
        ]  # fmt: skip
    if form.cars_out:
        changes["cars_out"] = [
            {"engineer_id": c.engineer_id, "start": c.bounds()[0], "end": c.bounds()[1]}
            for c in form.cars_out
        ]
    if form.hire is not None:
        changes["add_engineers"] = [
            {"skills": form.hire.skills, "car": form.hire.car, "count": form.hire.count}
        ]
    if form.weekend_on_call:
        changes["weekend_on_call"] = {"enabled": True}
    common = {
        "start": form.start.isoformat(),
        "horizon_days": form.horizon_days,
        "replications": form.replications,
        "seed": form.seed,
    }
    changed = {
        "name": CHANGED_NAME[lang],
        "description": form.title,
        "changes": changes,
        "policy": "optimal" if form.optimal_dispatcher else "greedy",
        **common,
    }
    return ScenarioSet.model_validate(
        {
            "name": form.title or CHANGED_NAME[lang],
            "scenarios": [{"name": BASE_NAME[lang], **common}, changed],
        }
    )


class SweepRequest(RunSettings):
    """How many more engineers (like ``like``) the department needs to keep ``target_pct`` of
    tickets on time over the period: the base and +1 … +``max_extra`` engineers."""

    start: Day = date(2027, 7, 1)
    horizon_days: Annotated[Int, Field(ge=7, le=366)] = 31
    target_pct: Annotated[Number, Field(gt=0, lt=100)] = 95
    like: Id = "e01"
    max_extra: Annotated[Int, Field(ge=1, le=MAX_SWEEP_EXTRA)] = 3
    add_clients: Annotated[list[NewClients], Field(max_length=20)] = Field(default_factory=list)


def sweep_name(extra: int, lang: str = "ru") -> str:
    """The scenario name of ``extra`` more engineers."""
    if extra == 0:
        return BASE_NAME[lang]
    return f"+{extra} инж." if lang == "ru" else f"+{extra} eng."


def sweep_scenarios(req: SweepRequest, lang: str = "ru") -> ScenarioSet:
    """The base and one scenario per number of engineers added."""
    common = {
        "start": req.start.isoformat(),
        "horizon_days": req.horizon_days,
        "replications": req.replications,
        "seed": req.seed,
    }
    clients = [c.model_dump() for c in req.add_clients]
    scenarios = []
    for extra in range(req.max_extra + 1):
        changes: dict[str, Any] = {"add_clients": clients} if clients else {}
        if extra:
            changes["add_engineers"] = [{"like": req.like, "count": extra}]
        scenarios.append({"name": sweep_name(extra, lang), "changes": changes, **common})
    return ScenarioSet.model_validate(
        {"name": f"sweep ≥ {req.target_pct:g} %", "scenarios": scenarios}
    )


def sweep_answer(report: dict[str, Any], target_pct: float) -> dict[str, Any]:
    """The fewest engineers added whose on-time share reaches the target: by the mean, and by
    the lower end of its interval (the cautious answer); None when no scenario reaches it."""
    rows = []
    for i, s in enumerate(report.get("scenarios") or []):
        sla = s.get("sla_attainment") or {}
        rows.append({"extra": i, "mean": sla.get("mean"), "ci_low": sla.get("ci_low")})
    goal = target_pct / 100
    by_mean = next((r["extra"] for r in rows if (r["mean"] or 0) >= goal), None)
    by_low = next((r["extra"] for r in rows if (r["ci_low"] or 0) >= goal), None)
    return {"target_pct": target_pct, "by_mean": by_mean, "by_ci_low": by_low, "rows": rows}
