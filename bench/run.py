"""``make bench``: run every area's benchmark and print its table.

Benchmarks never run in ``make test``. Each area's ``bench/<area>.py`` exposes ``main()``,
measures its baseline in the same run, and prints a table. Select areas with
``python -m bench.run dispatch roster`` (default: all). Figures are wall-clock on a shared
2-core machine: quote medians and ratios against the in-run baseline, not absolute times.
"""

from __future__ import annotations

import importlib
import platform
import sys
import time

AREAS = ("staffing", "dispatch", "replan", "vrptw", "roster", "simulate", "service")


def main(argv: list[str] | None = None) -> int:
    chosen = list(argv if argv is not None else sys.argv[1:]) or list(AREAS)
    unknown = [a for a in chosen if a not in AREAS]
    if unknown:
        print(f"unknown benchmark area(s): {', '.join(unknown)}; known: {', '.join(AREAS)}")
        return 2
    print(f"wfm benchmarks — Python {platform.python_version()}, {platform.machine()}")
    failed: list[str] = []
    for area in chosen:
        print(f"\n=== {area} ===", flush=True)
        started = time.perf_counter()
        try:
            importlib.import_module(f"bench.{area}").main()
        except Exception as err:  # noqa: BLE001 — report and continue with the next area
            failed.append(area)
            print(f"[{area}] failed: {type(err).__name__}: {err}")
        print(f"[{area}] {time.perf_counter() - started:.1f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
