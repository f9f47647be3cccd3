"""The sample department fitted for the simulation, once per run and shared by its scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from optimizer.calendar import default_calendar
from optimizer.domain.base import DataSet
from optimizer.simulate.demand import fit_ticket_mix, site_ticket_weights
from optimizer.simulate.model import TicketMix
from optimizer.staffing.forecast import ArrivalForecast, forecast_arrivals


@dataclass(frozen=True)
class BaseData:
    """The sample department: master data, the ticket history and what is fitted from it
    (the arrival forecast by weekday × hour, the ticket mix per category, how much each site
    calls)."""

    dataset: DataSet
    history: pd.DataFrame
    start: date
    forecast: ArrivalForecast
    mix: TicketMix
    site_weights: np.ndarray

    @classmethod
    def fit(cls, dataset: DataSet, history: pd.DataFrame, start: date) -> BaseData:
        """Fit the arrival forecast and the ticket mix from ``history``."""
        forecast = forecast_arrivals(history, default_calendar(), interval_min=60)
        return cls(
            dataset=dataset,
            history=history,
            start=start,
            forecast=forecast,
            mix=fit_ticket_mix(history),
            site_weights=site_ticket_weights(history, [s.id for s in dataset.sites]),
        )
