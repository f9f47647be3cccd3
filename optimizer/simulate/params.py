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
    at once than ``shortfall_min`` are left out); ``max_workers`` caps the processes of a run;
    ``wait_bins_min`` are the edges of the wait histogram (0 and increasing).
    """

    confidence: float = 0.95
    min_replications: int = 5
    shortfall_rows: int = 40
    shortfall_min: float = 0.01
    max_workers: int = 2
    wait_bins_min: tuple[float, ...] = (0, 15, 30, 60, 90, 120, 180, 240, 480)
    """Lower ends of the wait histogram's bins, minutes (the last bin has no upper end)."""

    def __post_init__(self) -> None:
        if not 0.5 <= self.confidence < 1:
            raise ValueError(f"confidence {self.confidence} must be in [0.5, 1)")
        if self.min_replications < 1:
            raise ValueError(f"min_replications {self.min_replications} must be at least 1")
        edges = self.wait_bins_min
        if (
            not edges
            or edges[0] != 0
            or any(b <= a for a, b in zip(edges, edges[1:], strict=False))
        ):
            raise ValueError(f"wait_bins_min {edges} must start at 0 and increase")
        if self.max_workers < 1:
            raise ValueError(f"max_workers {self.max_workers} must be at least 1")

    @property
    def alpha(self) -> float:
        """One minus the confidence level (the significance level of the comparisons)."""
        return 1.0 - self.confidence


DEFAULT_PARAMS = SimulationParams()
