"""Interval arithmetic, by example and against a minute-bitmap reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.scheduling.intervals import clip, intersect, merge, overlaps, subtract
from frontdesk.scheduling.types import Interval

BASE = datetime(2026, 1, 5, tzinfo=UTC)


def at(minute: int) -> datetime:
    return BASE + timedelta(minutes=minute)


def iv(start: int, end: int) -> Interval:
    return (at(start), at(end))


def ivs(*pairs: tuple[int, int]) -> list[Interval]:
    return [iv(s, e) for s, e in pairs]


# --- examples -------------------------------------------------------------------------


def test_merge_sorts_and_joins_overlapping_and_touching() -> None:
    got = merge(ivs((50, 60), (0, 10), (10, 20), (15, 30), (40, 45)))
    assert got == ivs((0, 30), (40, 45), (50, 60))


def test_merge_keeps_a_gap_of_one_minute_and_absorbs_contained_intervals() -> None:
    assert merge(ivs((0, 100), (10, 20), (101, 102))) == ivs((0, 100), (101, 102))


def test_merge_drops_empty_and_inverted_intervals() -> None:
    assert merge(ivs((5, 5), (9, 3), (1, 2))) == ivs((1, 2))
    assert merge([]) == []


def test_subtract_cuts_holes_and_edges() -> None:
    base = ivs((0, 100))
    assert subtract(base, ivs((10, 20), (50, 60))) == ivs((0, 10), (20, 50), (60, 100))
    assert subtract(base, ivs((-10, 5), (95, 200))) == ivs((5, 95))
    assert subtract(base, ivs((-10, 200))) == []


def test_subtract_one_cut_spanning_several_base_pieces() -> None:
    got = subtract(ivs((60, 80), (0, 10), (20, 30)), ivs((5, 65)))
    assert got == ivs((0, 5), (65, 80))


def test_subtract_touching_cut_removes_nothing() -> None:
    assert subtract(ivs((10, 20)), ivs((0, 10), (20, 30))) == ivs((10, 20))


def test_subtract_with_empty_sides() -> None:
    assert subtract([], ivs((0, 10))) == []
    assert subtract(ivs((10, 0), (0, 10)), []) == ivs((0, 10))


def test_intersect() -> None:
    a = ivs((0, 10), (20, 30), (40, 50))
    b = ivs((5, 25), (28, 45))
    assert intersect(a, b) == ivs((5, 10), (20, 25), (28, 30), (40, 45))
    assert intersect(a, []) == []
    assert intersect(ivs((0, 10)), ivs((10, 20))) == []


def test_overlaps_is_strict_about_touching_and_empty() -> None:
    assert overlaps(iv(0, 10), iv(9, 20))
    assert overlaps(iv(0, 10), iv(2, 3))
    assert not overlaps(iv(0, 10), iv(10, 20))
    assert not overlaps(iv(10, 20), iv(0, 10))
    assert not overlaps(iv(5, 5), iv(0, 10))  # An empty interval holds no time.


def test_clip() -> None:
    got = clip(ivs((0, 10), (20, 30), (40, 50)), at(5), at(45))
    assert got == ivs((5, 10), (20, 30), (40, 45))
    assert clip(ivs((0, 10)), at(10), at(5)) == []


def test_results_are_utc_when_inputs_are() -> None:
    ((start, end),) = merge(ivs((0, 10)))
    assert start.utcoffset() == timedelta(0) and end.tzinfo is UTC


# --- against a bitmap of minutes ------------------------------------------------------

SPAN = 120
raw_intervals = st.lists(st.tuples(st.integers(0, SPAN), st.integers(0, SPAN)), max_size=8).map(
    lambda pairs: [iv(s, e) for s, e in pairs]
)


def minutes(intervals: list[Interval]) -> set[int]:
    covered: set[int] = set()
    for start, end in intervals:
        covered.update(
            range(
                int((start - BASE) / timedelta(minutes=1)), int((end - BASE) / timedelta(minutes=1))
            )
        )
    return covered


def runs(covered: set[int]) -> list[Interval]:
    """Maximal runs of consecutive minutes: the canonical form, written independently."""
    result: list[Interval] = []
    for minute in sorted(covered):
        if result and result[-1][1] == at(minute):
            result[-1] = (result[-1][0], at(minute + 1))
        else:
            result.append(iv(minute, minute + 1))
    return result


@settings(max_examples=200, deadline=None)
@given(raw_intervals)
def test_merge_matches_bitmap(intervals: list[Interval]) -> None:
    assert merge(intervals) == runs(minutes(intervals))


@settings(max_examples=200, deadline=None)
@given(raw_intervals, raw_intervals)
def test_subtract_matches_bitmap(base: list[Interval], remove: list[Interval]) -> None:
    assert subtract(base, remove) == runs(minutes(base) - minutes(remove))


@settings(max_examples=200, deadline=None)
@given(raw_intervals, raw_intervals)
def test_intersect_matches_bitmap(a: list[Interval], b: list[Interval]) -> None:
    assert intersect(a, b) == runs(minutes(a) & minutes(b))


@settings(max_examples=200, deadline=None)
@given(raw_intervals, st.integers(0, SPAN), st.integers(0, SPAN))
def test_clip_matches_bitmap(intervals: list[Interval], start: int, end: int) -> None:
    assert clip(intervals, at(start), at(end)) == runs(minutes(intervals) & set(range(start, end)))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30), st.integers(0, 30))
def test_overlaps_matches_bitmap(a0: int, a1: int, b0: int, b1: int) -> None:
    shared = minutes([iv(a0, a1)]) & minutes([iv(b0, b1)])
    assert overlaps(iv(a0, a1), iv(b0, b1)) == bool(shared)
