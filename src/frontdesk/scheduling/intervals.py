"""Arithmetic on half-open intervals ``[start, end)`` of aware datetimes.

Every function that returns a list returns it in canonical form: sorted, with no empty
intervals and no two intervals overlapping or touching. Inputs may be in any order and
may overlap; empty intervals (``start >= end``) in the input carry no time and vanish.

Use UTC (or fixed-offset) datetimes, as the engine does: Python compares two datetimes
that share a ZoneInfo by wall clock, ignoring ``fold``, which misorders the hour that
repeats when clocks fall back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from frontdesk.scheduling.types import Interval

__all__ = ["clip", "intersect", "merge", "overlaps", "subtract"]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort and coalesce intervals that overlap or touch (``[1, 2)`` + ``[2, 3)`` = ``[1, 3)``)."""
    result: list[Interval] = []
    for start, end in sorted(intervals):
        if start >= end:
            continue
        if result and start <= result[-1][1]:
            if end > result[-1][1]:
                result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


def subtract(base: Iterable[Interval], remove: Iterable[Interval]) -> list[Interval]:
    """The time in ``base`` that is not in ``remove``; linear after sorting both."""
    pieces = merge(base)
    cuts = merge(remove)
    result: list[Interval] = []
    j = 0
    for start, end in pieces:
        # Cuts that end before this piece cannot touch it or any later piece.
        while j < len(cuts) and cuts[j][1] <= start:
            j += 1
        cursor = start
        k = j
        while k < len(cuts) and cuts[k][0] < end:
            cut_start, cut_end = cuts[k]
            if cut_start > cursor:
                result.append((cursor, cut_start))
            if cut_end > cursor:
                cursor = cut_end
            if cut_end > end:
                # This cut also reaches into the next piece: keep it for that one.
                break
            k += 1
        j = k
        if cursor < end:
            result.append((cursor, end))
    return result


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """The time that is in both ``a`` and ``b``."""
    left = merge(a)
    right = merge(b)
    result: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            result.append((start, end))
        # Advance whichever ends first; the other may still meet the next one.
        if left[i][1] <= right[j][1]:
            i += 1
        else:
            j += 1
    return result


def overlaps(a: Interval, b: Interval) -> bool:
    """Whether two intervals share any time. Touching (``a.end == b.start``) is not overlap,
    and an empty interval overlaps nothing."""
    return a[0] < b[1] and b[0] < a[1] and a[0] < a[1] and b[0] < b[1]


def clip(intervals: Iterable[Interval], start: datetime, end: datetime) -> list[Interval]:
    """The parts of ``intervals`` inside ``[start, end)``."""
    if start >= end:
        return []
    return intersect(intervals, [(start, end)])
