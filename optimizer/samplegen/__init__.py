"""Synthetic, reproducible sample data of the department (pure: no file I/O).

``generate(seed)`` returns the SLA policies, customer sites, engineers, absences, shift
templates, the open tickets of the sample morning and twelve months of ticket history. The
same seed gives the same data; :mod:`optimizer.io.sample` writes and reads the files of
``data/``. Every assumption is in :mod:`optimizer.samplegen.catalog` and ``data/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimizer.domain import (
    Absence,
    DataSet,
    Engineer,
    ShiftTemplate,
    Site,
    SkillEntry,
    SlaPolicy,
    Ticket,
    default_skills,
)
from optimizer.errors import InvalidInput
from optimizer.samplegen.absences import generate_absences
from optimizer.samplegen.catalog import ENGINEERS, SAMPLE_NOW, SHIFT_TEMPLATES, SLA_POLICIES
from optimizer.samplegen.history import generate_history_tickets
from optimizer.samplegen.open_tickets import generate_open_tickets
from optimizer.samplegen.replay import replay
from optimizer.samplegen.sites import generate_sites
from optimizer.samplegen.table import FIRST_EXTERNAL_ID, HISTORY_COLUMNS, history_frame

DEFAULT_SEED = 20261127
"""The seed of the committed files in ``data/``."""

__all__ = [
    "DEFAULT_SEED",
    "HISTORY_COLUMNS",
    "SAMPLE_NOW",
    "SampleData",
    "generate",
]


@dataclass(frozen=True)
class SampleData:
    """The whole sample: master data, the open tickets at ``SAMPLE_NOW`` and the history."""

    seed: int
    sla_policies: list[SlaPolicy]
    sites: list[Site]
    engineers: list[Engineer]
    absences: list[Absence]
    shift_templates: list[ShiftTemplate]
    open_tickets: list[Ticket]
    history: pd.DataFrame
    skills: list[SkillEntry] = field(default_factory=default_skills)
    """The department's skills catalogue: the built-in one."""

    def dataset(self) -> DataSet:
        """The master data with the open tickets as a validated :class:`DataSet`."""
        return DataSet(
            sla_policies=self.sla_policies,
            sites=self.sites,
            engineers=self.engineers,
            absences=self.absences,
            shift_templates=self.shift_templates,
            tickets=self.open_tickets,
            skills=self.skills,
        )


def generate(seed: int = DEFAULT_SEED) -> SampleData:
    """The sample data of a seed; the same seed gives the same data, bit for bit."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidInput("seed", seed, "must be a non-negative integer")
    rng = np.random.default_rng(seed)
    policies = [p.model_copy(deep=True) for p in SLA_POLICIES]
    engineers = [e.model_copy(deep=True) for e in ENGINEERS]
    templates = [t.model_copy(deep=True) for t in SHIFT_TEMPLATES]
    sites = generate_sites(rng)
    absences = generate_absences(rng, engineers)
    tickets = generate_history_tickets(rng, sites, policies)
    replay(tickets, engineers, absences)
    open_tickets = generate_open_tickets(
        rng, sites, policies, engineers, absences, FIRST_EXTERNAL_ID + len(tickets)
    )
    return SampleData(
        seed=seed,
        sla_policies=policies,
        sites=sites,
        engineers=engineers,
        absences=absences,
        shift_templates=templates,
        open_tickets=open_tickets,
        history=history_frame(tickets),
        skills=default_skills(),
    )
