"""Leg times between the plan's places by the minute of departure, as the engines use them.

Travel depends on the hour of departure (rush hours, the Volga bridge), and so it does in the
engines. A drive departing at minute ``d`` takes its *level*'s minutes (a level: a run of minutes
of equal — or within two minutes equal — traffic, priced at its slowest); the greedy prices each
drive at its departure, and CP-SAT chooses the level of each drive's departure with a literal.
The plan reports the travel model's own leg at the actual departure, never longer than what was
planned; :func:`~optimizer.dispatch.validate.validate_plan` checks exactly that leg. A matrix or
OSRM travel model does not depend on the hour: one level.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np

from optimizer.domain.common import Location
from optimizer.travel import TravelModel

LEVEL_TOLERANCE_MIN = 2
"""Neighbouring traffic segments whose leg minutes differ by at most this are merged into one
level (priced at the slower of them), to keep the model small."""


class TravelTable:
    """Leg minutes (rounded up) and km between the plan's locations, by departure minute.

    The travel model is sampled at every minute of the horizon; runs of equal traffic are
    *segments* (each priced by its own matrix, exactly as the model prices a departure inside
    it), and neighbouring segments that differ by at most :data:`LEVEL_TOLERANCE_MIN` on every leg
    are merged into *levels* (priced at their slowest). The engines plan with levels; the plan
    reports the exact segment's leg, never longer than what was planned.

    Parameters
    ----------
    model
        The request's travel model.
    locations
        The distinct places of the plan, in node order.
    origin
        Minute 0.
    horizon
        The last minute a drive may start.
    """

    def __init__(
        self,
        model: TravelModel,
        locations: Sequence[Location],
        origin: datetime,
        horizon: int,
        scale: int = 1,
    ) -> None:
        self.model = model
        self.scale = scale
        self.locations = list(locations)
        self.origin = origin
        n = len(self.locations)
        traffic_at = getattr(model, "traffic_at", None)
        samples: list[tuple[int, object]] = [(0, None)]
        if traffic_at is not None and n > 1:
            samples = []
            last: object = object()
            for m in range(0, max(horizon, 0) + 1, scale):
                key = traffic_at(origin + timedelta(minutes=m / scale))
                if key != last:
                    samples.append((m, key))
                    last = key
        keys: dict[object, int] = {}
        mats_min: list[np.ndarray] = []
        mats_km: list[np.ndarray] = []
        seg_matrix: list[int] = []
        self.seg_starts: list[int] = []
        for m, key in samples:
            if key not in keys:
                keys[key] = len(mats_min)
                if n == 0:
                    mats_min.append(np.zeros((0, 0), dtype=np.int64))
                    mats_km.append(np.zeros((0, 0)))
                else:
                    tm = model.matrix(self.locations, origin + timedelta(minutes=m / scale))
                    raw = np.asarray(tm.minutes, dtype=float) * scale
                    mats_min.append(np.maximum(np.ceil(raw - 1e-6), 0).astype(np.int64))
                    mats_km.append(np.asarray(tm.km, dtype=float))
            self.seg_starts.append(m)
            seg_matrix.append(keys[key])
        self.seg_matrix = seg_matrix
        self.seg_minutes = mats_min
        # Levels: runs of segments merged while every leg stays within the tolerance.
        self.level_starts: list[int] = []
        self.level_minutes: list[np.ndarray] = []
        lo_mat: np.ndarray | None = None
        for start, mi in zip(self.seg_starts, seg_matrix, strict=True):
            mat = mats_min[mi]
            if lo_mat is not None:
                hi_mat = np.maximum(self.level_minutes[-1], mat)
                low = np.minimum(lo_mat, mat)
                if n == 0 or int((hi_mat - low).max()) <= LEVEL_TOLERANCE_MIN * scale:
                    self.level_minutes[-1], lo_mat = hi_mat, low
                    continue
            self.level_starts.append(start)
            self.level_minutes.append(mat)
            lo_mat = mat
        self.km = np.max(np.stack(mats_km), axis=0) if n else np.zeros((0, 0))
        self._least = np.min(np.stack(self.level_minutes), axis=0) if n else self.km

    @property
    def level_count(self) -> int:
        return len(self.level_starts)

    def level(self, minute: int) -> int:
        """The level of a departure minute."""
        return max(0, bisect.bisect_right(self.level_starts, minute) - 1)

    def level_range(self, k: int, horizon: int) -> tuple[int, int]:
        """Minutes [a, b) of level k (the last level runs to the horizon)."""
        end = self.level_starts[k + 1] if k + 1 < len(self.level_starts) else horizon + 1
        return self.level_starts[k], end

    def levels_between(self, lo: int, hi: int) -> list[int]:
        """The levels a departure in [lo, hi] can fall in."""
        return list(range(self.level(lo), self.level(max(lo, hi)) + 1))

    def at(self, i: int, j: int, depart: int) -> int:
        """Planned minutes of the leg i → j leaving at minute ``depart`` (its level's)."""
        return int(self.level_minutes[self.level(depart)][i, j])

    def exact(self, i: int, j: int, depart: int) -> int:
        """The model's minutes of the leg i → j leaving at ``depart`` (rounded up)."""
        seg = max(0, bisect.bisect_right(self.seg_starts, depart) - 1)
        return int(self.seg_minutes[self.seg_matrix[seg]][i, j])

    def level_minutes_of(self, k: int, i: int, j: int) -> int:
        return int(self.level_minutes[k][i, j])

    def km_of(self, i: int, j: int) -> float:
        """Km of the leg i → j (the longest over the day, which for road models is the same)."""
        return float(self.km[i, j])

    def least(self, i: int, j: int) -> int:
        """The shortest the leg i → j ever takes (for pruning)."""
        return int(self._least[i, j])
