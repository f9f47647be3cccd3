"""Settings of the what-if statistics and runs, as one value object passed in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SimulationParams:
    """How replications are run and summarised.

    ``confidence`` is the level of every interval; a scenario with fewer than
    ``min_replications`` replications gets a warning in its report (its intervals rest on
    too few independent runs to be read as more than a rough range); ``shortfall_rows`` and
    ``shortfall_min`` bound the shortfall table (hours of the week with fewer overdue tickets
    at once than ``shortfall_min`` are left out); ``max_workers`` caps the processes of a run.
    """

    confidence: float = 0.95
    min_replications: int = 5
    shortfall_rows: int = 40
    shortfall_min: float = 0.01
    max_workers: int = 2

    def __post_init__(self) -> None:
        if not 0.5 <= self.confidence < 1:
            raise ValueError(f"confidence {self.confidence} must be in [0.5, 1)")
        if self.min_replications < 1:
            raise ValueError(f"min_replications {self.min_replications} must be at least 1")
        if self.max_workers < 1:
            raise ValueError(f"max_workers {self.max_workers} must be at least 1")

    @property
    def alpha(self) -> float:
        """One minus the confidence level (the significance level of the comparisons)."""
        return 1.0 - self.confidence


DEFAULT_PARAMS = SimulationParams()
