"""The sample department fitted for the simulation, once per run and shared by its scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from optimizer.calendar import default_calendar
from optimizer.domain.base import DataSet
from optimizer.domain.skills import SkillCatalogue
from optimizer.simulate.demand import fit_ticket_mix, history_skills, site_ticket_weights
from optimizer.simulate.model import SkillBits, TicketMix
from optimizer.staffing.forecast import ArrivalForecast, forecast_arrivals


@dataclass(frozen=True)
class BaseData:
    """The sample department: master data, the ticket history and what is fitted from it
    (the arrival forecast by weekday × hour, the ticket mix per category, how much each site
    calls), and the bits of the skills in use (the data set's catalogue: its own skills such
    as "freepbx" included)."""

    dataset: DataSet
    history: pd.DataFrame
    start: date
    forecast: ArrivalForecast
    mix: TicketMix
    site_weights: np.ndarray
    skills: SkillBits

    @property
    def catalogue(self) -> SkillCatalogue:
        """The department's skills catalogue (the built-in one when the data set has none)."""
        return SkillCatalogue.of(self.dataset.skills)

    @classmethod
    def fit(cls, dataset: DataSet, history: pd.DataFrame, start: date) -> BaseData:
        """Fit the arrival forecast and the ticket mix from ``history``."""
        catalogue = SkillCatalogue.of(dataset.skills)
        forecast = forecast_arrivals(history, default_calendar(), interval_min=60, skills=catalogue)
        skills = skills_in_use(dataset, history)
        return cls(
            dataset=dataset,
            history=history,
            start=start,
            forecast=forecast,
            mix=fit_ticket_mix(history, skills),
            site_weights=site_ticket_weights(history, [s.id for s in dataset.sites]),
            skills=skills,
        )


def skills_in_use(dataset: DataSet, history: pd.DataFrame) -> SkillBits:
    """A bit for each skill of the data set's catalogue that an engineer holds or a ticket (of
    the history or open) requires."""
    catalogue = SkillCatalogue.of(dataset.skills)
    used = history_skills(history, catalogue)
    used.update(s for e in dataset.engineers for s in e.skills)
    used.update(s for t in dataset.tickets for s in t.required_skills)
    return SkillBits.of(catalogue, used, "skills")
