"""Half-open intervals ``[start, end)`` of time: merge, subtract, complement.

One home for the interval arithmetic the engines share. The functions work on any ordered
points — whole plan minutes (the dispatch engines), fractional hours (the simulation) or aware
datetimes (the independent plan checker) — and never mutate their arguments.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

T = TypeVar("T", int, float, datetime)


def merge(intervals: list[tuple[T, T]]) -> list[tuple[T, T]]:
    """The intervals sorted, with overlapping or touching ones joined into one."""
    out: list[tuple[T, T]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def subtract(windows: list[tuple[T, T]], cuts: list[tuple[T, T]]) -> list[tuple[T, T]]:
    """The windows with every cut removed (a window split by a cut becomes two)."""
    out = windows
    for ca, cb in cuts:
        nxt: list[tuple[T, T]] = []
        for a, b in out:
            if cb <= a or ca >= b:
                nxt.append((a, b))
                continue
            if ca > a:
                nxt.append((a, ca))
            if cb < b:
                nxt.append((cb, b))
        out = nxt
    return out


def complement(windows: list[tuple[T, T]], lo: T, hi: T) -> list[tuple[T, T]]:
    """The non-empty parts of ``[lo, hi)`` outside the windows (sorted and disjoint)."""
    out: list[tuple[T, T]] = []
    cur = lo
    for a, b in windows:
        if a > cur:
            out.append((cur, min(a, hi)))
        cur = max(cur, b)
    if cur < hi:
        out.append((cur, hi))
    return [(a, b) for a, b in out if b > a]
