"""The state shared by the threads racing on one instance: the best roster and the bound.

:class:`Incumbent` is thread-safe: any thread offers rosters and raises the proven bound; once
the best roster meets the bound, or the time is up, :meth:`Incumbent.halt` stops every solver
that watches it. :class:`SolutionRelay` hands each roster CP-SAT finds to the incumbent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ortools.sat.python import cp_model

from optimizer.ssb.instance import SsbInstance
from optimizer.ssb.model import SsbModel
from optimizer.ssb.score import score_ssb


class Incumbent:
    """The best roster found so far by any of the threads racing on one instance, and the
    best lower bound proven; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.plan: dict[tuple[str, int], str] = {}
        self.objective: int | None = None
        self.bound: float = float("-inf")
        self.stop = threading.Event()
        self._watchers: list[Callable[[], None]] = []
        self._listeners: list[Callable[[float], None]] = []

    def watch(self, halt: Callable[[], None]) -> None:
        """Call ``halt`` (a solver's ``stop_search``) when the race ends; at once if it has."""
        with self._lock:
            self._watchers.append(halt)
        if self.stop.is_set():
            halt()

    def unwatch(self, halt: Callable[[], None]) -> None:
        with self._lock:
            if halt in self._watchers:
                self._watchers.remove(halt)

    def listen(self, raised: Callable[[float], None]) -> None:
        """Call ``raised(bound)`` whenever the proven bound rises."""
        with self._lock:
            self._listeners.append(raised)

    def unlisten(self, raised: Callable[[float], None]) -> None:
        with self._lock:
            if raised in self._listeners:
                self._listeners.remove(raised)

    def halt(self) -> None:
        """End the race: every thread stops (a solver being run stops its search)."""
        self.stop.set()
        with self._lock:
            watchers = list(self._watchers)
        for halt in watchers:
            halt()

    def offer(self, plan: dict[tuple[str, int], str], objective: int) -> bool:
        """Keep ``plan`` if it is the best so far; stop everybody once it meets the bound."""
        with self._lock:
            if self.objective is not None and objective >= self.objective:
                return False
            self.plan, self.objective = dict(plan), objective
        self._check_closed()
        return True

    def best(self) -> tuple[dict[tuple[str, int], str], int | None]:
        with self._lock:
            return self.plan, self.objective

    def raise_bound(self, bound: float) -> None:
        with self._lock:
            rose = bound > self.bound
            self.bound = max(self.bound, bound)
            listeners = list(self._listeners) if rose else []
        for raised in listeners:
            raised(bound)
        self._check_closed()

    @property
    def closed(self) -> bool:
        """The best roster is proven optimal."""
        return self.objective is not None and self.objective <= self.bound + 1e-6

    def _check_closed(self) -> None:
        if self.closed:
            self.halt()


class SolutionRelay(cp_model.CpSolverSolutionCallback):
    """Hands each roster the exact solver finds to the shared incumbent."""

    def __init__(self, inst: SsbInstance, built: SsbModel, shared: Incumbent) -> None:
        super().__init__()
        self._inst, self._built, self._shared = inst, built, shared

    def on_solution_callback(self) -> None:
        plan = {(e, d): s for (e, d, s), v in self._built.x.items() if self.boolean_value(v)}
        self._shared.offer(plan, score_ssb(self._inst, plan).objective)
