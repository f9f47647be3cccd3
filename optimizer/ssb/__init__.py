"""The Shift Scheduling Benchmark (Curtois & Qu) solved with CP-SAT, column generation and
neighbourhood search.

The benchmark validates the roster engine against published optima; its solver uses nothing
of the department roster (:mod:`optimizer.roster`). Modules, each importing only those
above it in this list:

- :mod:`~optimizer.ssb.instance`: the instance and its reader (:func:`read_ssb`);
- :mod:`~optimizer.ssb.params`: every setting, :class:`SsbParams`;
- :mod:`~optimizer.ssb.score`: the benchmark's penalty and hard rules, re-scored independently;
- :mod:`~optimizer.ssb.model`: the CP-SAT model, one function per rule;
- :mod:`~optimizer.ssb.incumbent`: the best roster and bound shared by racing threads;
- :mod:`~optimizer.ssb.rows`: each employee's legal rows as a layered graph;
- :mod:`~optimizer.ssb.price`: column generation's lower bound and reduced-cost fixing;
- :mod:`~optimizer.ssb.heuristic`: a constructive roster, the first hint;
- :mod:`~optimizer.ssb.lns`: large-neighbourhood search;
- :mod:`~optimizer.ssb.deepen`: proving the optimum from below with restricted models;
- :mod:`~optimizer.ssb.result`: the roster as the project's ``Roster``;
- :mod:`~optimizer.ssb.exact`: the exact model alone (one worker, deterministic limits);
- :mod:`~optimizer.ssb.race`: the threads racing on one instance;
- :mod:`~optimizer.ssb.solve`: :func:`solve`, the entry point.
"""

from optimizer.ssb.instance import Plan, SsbInstance, parse_ssb, read_ssb, ssb_size
from optimizer.ssb.params import SsbParams
from optimizer.ssb.score import SsbScore, score_ssb
from optimizer.ssb.solve import solve

__all__ = [
    "Plan",
    "SsbInstance",
    "SsbParams",
    "SsbScore",
    "parse_ssb",
    "read_ssb",
    "score_ssb",
    "solve",
    "ssb_size",
]
