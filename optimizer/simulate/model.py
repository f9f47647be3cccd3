"""The compiled scenario: everything one replication needs, as plain arrays and dataclasses.

:func:`optimizer.simulate.compile.compile_scenario` builds a :class:`SimModel` from a validated
:class:`~optimizer.domain.scenario.Scenario` and the base data; the model is picklable, so the
replications can run in other processes.

Codes used in the arrays: priority 0 urgent, 1 normal, 2 low; mode 0 remote, 1 onsite;
kind 0 maintenance, 1 additional; clock 0 business, 1 24x7.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np

from optimizer.domain.common import Location, Priority
from optimizer.domain.scenario import Policy
from optimizer.domain.skills import SkillCatalogue, SkillEntry, UnknownSkill
from optimizer.errors import InvalidInput
from optimizer.simulate.clock import SimClock

PRIORITIES: tuple[Priority, ...] = (Priority.urgent, Priority.normal, Priority.low)
MODES: tuple[str, ...] = ("remote", "onsite")
KINDS: tuple[str, ...] = ("maintenance", "additional")
URGENT, NORMAL, LOW = 0, 1, 2
REMOTE, ONSITE = 0, 1
MAINTENANCE, ADDITIONAL = 0, 1
BUSINESS, ALWAYS = 0, 1

NORM_HOUR_RATE_RUB = 600.0
"""Price of one norm-hour of additional (paid) work."""

MAX_SIMULATED_SKILLS = 63
"""Skills one simulation tells apart: a ticket's required skills are the bits of a 64-bit
integer (numpy ``int64``, bits 0–62)."""


@dataclass(frozen=True)
class SkillBits:
    """The skills a simulation tells apart, each a bit of an integer mask (bit i =
    ``entries[i]``), with their names from the department's skills catalogue.

    Only the skills in use get a bit (those of the engineers, the history's tickets and the
    scenario's hires), so a catalogue of hundreds of skills still fits a 64-bit mask; a
    department's own skill ("freepbx") is a bit like any built-in one.
    """

    entries: tuple[SkillEntry, ...]

    @classmethod
    def of(cls, catalogue: SkillCatalogue, used: Iterable[str], field: str) -> SkillBits:
        """The skills of ``used`` that ``catalogue`` holds, in catalogue order."""
        wanted = set(used)
        return cls(()).extended(catalogue, [s for s in catalogue.ids if s in wanted], field)

    @cached_property
    def ids(self) -> tuple[str, ...]:
        """The skill of each bit."""
        return tuple(e.id for e in self.entries)

    @cached_property
    def _bit(self) -> dict[str, int]:
        return {s: i for i, s in enumerate(self.ids)}

    @property
    def catalogue(self) -> SkillCatalogue:
        """The skills of the bits as a catalogue (their names)."""
        return SkillCatalogue(self.entries)

    def extended(self, catalogue: SkillCatalogue, skills: Iterable[str], field: str) -> SkillBits:
        """These bits and one more for each skill of ``skills`` that has none yet; a skill
        outside ``catalogue`` names ``field``. Existing masks keep their meaning."""
        entries = list(self.entries)
        have = {e.id for e in entries}
        for j, s in enumerate(skills):
            if s in have:
                continue
            entry = catalogue.get(s)
            if entry is None:
                raise UnknownSkill(f"{field}[{j}]", s, catalogue.unknown_message())
            entries.append(entry)
            have.add(s)
        if len(entries) > MAX_SIMULATED_SKILLS:
            raise InvalidInput(
                field,
                len(entries),
                f"the simulation tells at most {MAX_SIMULATED_SKILLS} skills in use apart",
            )
        return self if len(entries) == len(self.entries) else SkillBits(tuple(entries))

    def mask(self, skills: Iterable[str], field: str = "skills") -> int:
        """Skills as a bit mask; a skill without a bit names ``field``."""
        index = self._bit
        mask = 0
        for j, s in enumerate(skills):
            if s not in index:
                raise UnknownSkill(f"{field}[{j}]", s, self.catalogue.unknown_message())
            mask |= 1 << index[s]
        return mask

    def skills(self, mask: int) -> list[str]:
        """The skill ids of a bit mask, in bit order."""
        return [s for i, s in enumerate(self.ids) if mask >> i & 1]


@dataclass(frozen=True)
class TicketMix:
    """What a new ticket looks like, per category (fitted from the history).

    ``skill_sets`` are the distinct required-skill masks; row ``c`` of each matrix is the
    distribution of category ``c``. Durations are log-normal with ``dur_mu``/``dur_sigma``
    (the synthetic base uses exponential durations instead, see ``exponential_mean``).
    """

    categories: tuple[str, ...]
    category_p: np.ndarray
    priority_p: np.ndarray  # (C, 3)
    kind_p: np.ndarray  # (C, 2)
    onsite_p: np.ndarray  # (C,) probability of a visit when the site can be visited
    skill_sets: tuple[int, ...]
    skill_p: np.ndarray  # (C, S)
    dur_mu: np.ndarray  # (C,)
    dur_sigma: np.ndarray  # (C,)
    exponential_mean: float | None = None
    min_duration: float = 5.0
    max_duration: float = 8 * 60.0


@dataclass(frozen=True)
class SiteTable:
    """Customer sites (existing and added), with their SLA policy and location index."""

    ids: tuple[str, ...]
    city: np.ndarray  # (N,) index into ``cities``
    cities: tuple[str, ...]
    visitable: np.ndarray  # (N,) bool
    policy: np.ndarray  # (N,) index into the policy arrays
    location: np.ndarray  # (N,) index into ``SimModel.locations``
    weight: np.ndarray  # (N,) relative ticket rate of each existing site (0 for added ones)


@dataclass(frozen=True)
class SlaTable:
    """SLA policies after the scenario's changes: clock code and response minutes per priority."""

    ids: tuple[str, ...]
    clock: np.ndarray  # (P,) 0 business, 1 24x7
    response_min: np.ndarray  # (P, 3)


@dataclass(frozen=True)
class ArrivalStream:
    """A Poisson stream with a rate per hour slot; its tickets come from ``sites``.

    ``key`` names the stream's random numbers, so the same stream draws the same tickets in
    every scenario with the same seed (common random numbers): adding clients adds a stream
    and leaves the base tickets as they were.
    """

    key: str
    rate_per_hour: np.ndarray  # (H,) tickets per hour in each hour slot
    sites: np.ndarray  # site indices
    site_p: np.ndarray  # probability of each of ``sites``
    thin: float = 1.0
    """Keep each ticket with this probability (demand multiplier below 1)."""


@dataclass(frozen=True)
class Shift:
    """A planned piece of working time: ``[start, end)`` minutes, lunch already cut out.

    ``shift_end`` is where the day's shift ends (work running past it is overtime), ``day``
    the day index, ``on_call`` marks duty on a day off (paid double, art. 153), and
    ``urgent_only`` restricts on-call duty to urgent tickets.
    """

    start: float
    end: float
    shift_end: float
    day: int
    on_call: bool = False
    urgent_only: bool = False


@dataclass(frozen=True)
class EngineerPlan:
    """An engineer of the scenario: who they are, when they work, when they cannot."""

    id: str
    skills: int
    can_visit: bool
    base: int  # location index
    cost_per_hour: float
    car_cost_per_km: float
    shifts: tuple[Shift, ...]
    away: tuple[tuple[float, float], ...]
    """Planned absences (vacation, training, sick notes) as minute intervals."""
    car_out: tuple[tuple[float, float], ...]
    """Intervals without the car."""
    paid_minutes: float
    """Scheduled paid day-shift minutes within the horizon (the salary basis)."""


@dataclass(frozen=True)
class PhoneSpec:
    """The dispatcher line: operators on duty in office hours (always for the synthetic base)."""

    operators: int
    calls_per_ticket: float
    handle_min: float
    target_min: float
    always_open: bool = False


@dataclass(frozen=True)
class TheorySpec:
    """The M/M/c parameters of a synthetic base."""

    rate_per_hour: float
    mean_duration_min: float
    agents: int
    target_min: float


@dataclass(frozen=True)
class RecordedTickets:
    """Tickets of the history replayed as they arrived (a backtest), arrays of equal length
    sorted by creation; ``thin`` keeps each with that probability (demand multiplier below 1)."""

    created: np.ndarray
    site: np.ndarray
    priority: np.ndarray
    kind: np.ndarray
    mode: np.ndarray
    skills: np.ndarray
    duration: np.ndarray
    category: np.ndarray
    thin: float = 1.0


@dataclass(frozen=True)
class BacktestSummary:
    """The recorded month a backtest replays and the figures the history recorded for it,
    keyed like the replication figures (``sla_attainment``, ``breaches:onsite``, …)."""

    month: str
    first_day: date
    last_day: date
    recorded: dict[str, float]


@dataclass(frozen=True)
class SimModel:
    """One compiled scenario (see the module docstring)."""

    name: str
    description: str
    seed: int
    replications: int
    policy: Policy
    time_limit_s: float
    clock: SimClock
    horizon_min: float
    warmup_min: float
    tail_min: float
    """Simulated after the horizon (arrivals go on) so counted tickets can start."""
    sites: SiteTable
    sla: SlaTable
    mix: TicketMix
    streams: tuple[ArrivalStream, ...]
    engineers: tuple[EngineerPlan, ...]
    locations: tuple[Location, ...]
    phone: PhoneSpec
    skills: SkillBits
    """What the bits of the engineers' and tickets' skill masks are."""
    sick_rate: float
    sick_spell_days: float = 5.0
    theory: TheorySpec | None = None
    travel: bool = True
    """Use the travel model for visits (False: no site is ever visited)."""
    lunch_min: float = 60.0
    recorded: RecordedTickets | None = None
    """The history's own tickets (a backtest); they arrive besides the streams."""
    backtest: BacktestSummary | None = None

    @property
    def end_min(self) -> float:
        """Where the simulation stops: the horizon plus the tail."""
        return self.horizon_min + self.tail_min

    @property
    def hours(self) -> int:
        """Hour slots simulated (horizon plus tail)."""
        return int(np.ceil(self.end_min / 60.0))


@dataclass(frozen=True)
class ScenarioInfo:
    """What the report needs to know of a compiled scenario besides its figures; it travels
    with every replication result, so replications run elsewhere can be combined alone."""

    index: int
    name: str
    description: str
    policy: Policy
    seed: int
    replications: int
    start: date
    horizon_min: float
    warmup_min: float
    operators: int
    theory: TheorySpec | None = None
    backtest: BacktestSummary | None = None
    skills: tuple[SkillEntry, ...] = ()
    """The skills the scenario's shortfall groups may name, with their names."""

    @classmethod
    def of(cls, model: SimModel, index: int = 0) -> ScenarioInfo:
        """The description of scenario ``index``, compiled as ``model``."""
        return cls(
            index=index,
            name=model.name,
            description=model.description,
            policy=model.policy,
            seed=model.seed,
            replications=model.replications,
            start=model.clock.start,
            horizon_min=model.horizon_min,
            warmup_min=model.warmup_min,
            operators=model.phone.operators,
            theory=model.theory,
            backtest=model.backtest,
            skills=model.skills.entries,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (dates as ISO strings)."""
        return {
            "index": self.index,
            "name": self.name,
            "description": self.description,
            "policy": self.policy.value,
            "seed": self.seed,
            "replications": self.replications,
            "start": self.start.isoformat(),
            "horizon_min": self.horizon_min,
            "warmup_min": self.warmup_min,
            "operators": self.operators,
            "theory": None if self.theory is None else asdict(self.theory),
            "backtest": None
            if self.backtest is None
            else {
                "month": self.backtest.month,
                "first_day": self.backtest.first_day.isoformat(),
                "last_day": self.backtest.last_day.isoformat(),
                "recorded": {k: _json_float(v) for k, v in self.backtest.recorded.items()},
            },
            "skills": [e.model_dump(mode="json") for e in self.skills],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScenarioInfo:
        """The inverse of :meth:`to_dict`."""
        bt = data.get("backtest")
        th = data.get("theory")
        return cls(
            index=int(data["index"]),
            name=str(data["name"]),
            description=str(data["description"]),
            policy=Policy(data["policy"]),
            seed=int(data["seed"]),
            replications=int(data["replications"]),
            start=date.fromisoformat(data["start"]),
            horizon_min=float(data["horizon_min"]),
            warmup_min=float(data["warmup_min"]),
            operators=int(data["operators"]),
            theory=None if th is None else TheorySpec(**th),
            backtest=None
            if bt is None
            else BacktestSummary(
                month=bt["month"],
                first_day=date.fromisoformat(bt["first_day"]),
                last_day=date.fromisoformat(bt["last_day"]),
                recorded={k: _from_json_float(v) for k, v in bt["recorded"].items()},
            ),
            skills=tuple(SkillEntry.model_validate(e) for e in data.get("skills", ())),
        )


def _json_float(x: float) -> float | None:
    """A float for JSON: NaN and infinities become ``None``."""
    return float(x) if math.isfinite(x) else None


def _from_json_float(x: float | None) -> float:
    return math.nan if x is None else float(x)
