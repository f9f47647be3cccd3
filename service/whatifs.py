"""The owner's what-if: the sample scenarios, a scenario built from a form, and the sweep that
answers "how many engineers for at least N % on time".

Every function here returns a :class:`~optimizer.domain.scenario.ScenarioSet` (the what-if
job's request); the job itself is the service's ``whatif`` kind, fanned out by replication.
The first scenario of a set is the baseline the others are compared with.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Self

from pydantic import BaseModel, Field, model_validator

from optimizer.calendar import TZ
from optimizer.domain import Id, StrictModel
from optimizer.domain.scenario import ScenarioSet
from optimizer.errors import InvalidInput
from optimizer.io.sample import sample_dir
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


def sample_summaries() -> list[SampleScenario]:
    """What the page lists of each sample set."""
    out = []
    for ident, spec in sample_sets().items():
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


class RunSettings(StrictModel):
    """How many replications and which seed; the number of replications is at least one."""

    replications: Annotated[int, Field(ge=1, le=MAX_FORM_REPLICATIONS)] = 10
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 7


def sample_set(ident: str, run: RunSettings) -> ScenarioSet:
    """A sample set with the replications and seed of the page."""
    sets = sample_sets()
    if ident not in sets:
        raise InvalidInput("sample", ident, f"no such sample scenario; known: {', '.join(sets)}")
    spec = sets[ident]
    scenarios = [
        s.model_copy(update={"replications": run.replications, "seed": run.seed})
        for s in spec.scenarios
    ]
    return spec.model_copy(update={"scenarios": scenarios})


class DateSpan(StrictModel):
    """An engineer's dates, first and last day included."""

    engineer_id: Id
    first: date
    last: date

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
    count: Annotated[int, Field(ge=1, le=10_000)]


class Hire(StrictModel):
    """One more engineer (or several) with these skills, with or without a car."""

    skills: Annotated[list[str], Field(min_length=1, max_length=20)]
    car: bool = False
    count: Annotated[int, Field(ge=1, le=20)] = 1


class WhatIfForm(RunSettings):
    """A what-if built on the page: the sample department over a period, and its changes."""

    start: date = date(2027, 7, 1)
    horizon_days: Annotated[int, Field(ge=7, le=366)] = 31
    add_clients: Annotated[list[NewClients], Field(max_length=20)] = Field(default_factory=list)
    away: Annotated[list[DateSpan], Field(max_length=20)] = Field(default_factory=list)
    cars_out: Annotated[list[DateSpan], Field(max_length=20)] = Field(default_factory=list)
    hire: Hire | None = None
    weekend_on_call: bool = False
    optimal_dispatcher: bool = False
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

    start: date = date(2027, 7, 1)
    horizon_days: Annotated[int, Field(ge=7, le=366)] = 31
    target_pct: Annotated[float, Field(gt=0, lt=100)] = 95
    like: Id = "e01"
    max_extra: Annotated[int, Field(ge=1, le=MAX_SWEEP_EXTRA)] = 3
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
