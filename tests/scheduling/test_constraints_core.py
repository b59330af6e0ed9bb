"""Hard and soft meeting constraints as real time: hand-checked cases, DST days, and a
brute-force comparison on random constraints."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.scheduling.constraints import (
    WEEKDAY_NAMES,
    HardConstraints,
    LocalWindow,
    SoftConstraints,
    allowed_intervals,
    availability_from_windows,
    soft_preferences_met,
    soft_score,
)
from tests.scheduling.oracles import STEP, chunk_allowed

NY = ZoneInfo("America/New_York")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def local(day: date, hour: int, minute: int = 0, tz: ZoneInfo = NY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def hard(**fields: object) -> HardConstraints:
    defaults: dict[str, object] = {
        "window_start": local(date(2026, 6, 1), 0),  # a Monday, EDT (UTC-4)
        "window_end": local(date(2026, 6, 8), 0),
        "timezone": "America/New_York",
    }
    defaults.update(fields)
    return HardConstraints(**defaults)  # type: ignore[arg-type]


def test_days_times_and_excluded_dates() -> None:
    constraints = hard(
        days_of_week=frozenset({"tuesday", "thursday"}),
        earliest_time=time(9),
        latest_time=time(12),
        exclude_dates=frozenset({date(2026, 6, 4)}),
    )
    # Thursday 4 June is excluded, so only Tuesday 09:00-12:00 EDT is left.
    assert allowed_intervals(constraints) == [(utc(2026, 6, 2, 13), utc(2026, 6, 2, 16))]


def test_tz_argument_overrides_the_named_zone() -> None:
    constraints = hard(
        days_of_week=frozenset({"tuesday"}), earliest_time=time(9), latest_time=time(10)
    )
    london = ZoneInfo("Europe/London")  # BST, UTC+1 in June
    assert allowed_intervals(constraints, london) == [(utc(2026, 6, 2, 8), utc(2026, 6, 2, 9))]


def test_whole_days_join_across_midnight_and_are_clipped_to_the_window() -> None:
    constraints = hard(
        window_start=utc(2026, 6, 2, 16),
        days_of_week=frozenset({"tuesday", "wednesday"}),
    )
    assert allowed_intervals(constraints) == [(utc(2026, 6, 2, 16), utc(2026, 6, 4, 4))]


def test_latest_midnight_means_end_of_day() -> None:
    constraints = hard(
        days_of_week=frozenset({"friday"}), earliest_time=time(20), latest_time=time(0)
    )
    assert allowed_intervals(constraints) == [(utc(2026, 6, 6, 0), utc(2026, 6, 6, 4))]


def test_empty_or_inverted_window_allows_nothing() -> None:
    assert allowed_intervals(hard(window_end=local(date(2026, 6, 1), 0))) == []
    everything = frozenset(date(2026, 6, day) for day in range(1, 8))
    assert allowed_intervals(hard(exclude_dates=everything)) == []


def test_spring_forward_day_is_23_hours_and_its_early_hours_5() -> None:
    # Sunday 2026-03-08: New York springs forward at 02:00.
    window = {"window_start": local(date(2026, 3, 7), 0), "window_end": local(date(2026, 3, 10), 0)}
    whole = allowed_intervals(hard(**window, days_of_week=frozenset({"sunday"})))
    assert whole == [(utc(2026, 3, 8, 5), utc(2026, 3, 9, 4))]
    early = allowed_intervals(
        hard(**window, days_of_week=frozenset({"sunday"}), latest_time=time(6))
    )
    assert early == [(utc(2026, 3, 8, 5), utc(2026, 3, 8, 10))]
    # 09:00 is EDT that day (13:00 UTC), 09:00 the day before was EST (14:00 UTC).
    mornings = allowed_intervals(hard(**window, earliest_time=time(9), latest_time=time(10)))
    assert mornings[:2] == [
        (utc(2026, 3, 7, 14), utc(2026, 3, 7, 15)),
        (utc(2026, 3, 8, 13), utc(2026, 3, 8, 14)),
    ]
    # A time in the gap reads with the offset before the change: 02:30 EST = 03:30 EDT.
    gap = allowed_intervals(
        hard(
            **window,
            days_of_week=frozenset({"sunday"}),
            earliest_time=time(2, 30),
            latest_time=time(4),
        )
    )
    assert gap == [(utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 8))]


def test_fall_back_day_early_hours_are_4_real_hours() -> None:
    window = {
        "window_start": local(date(2026, 10, 31), 0),
        "window_end": local(date(2026, 11, 2), 0),
    }
    early = allowed_intervals(
        hard(**window, days_of_week=frozenset({"sunday"}), latest_time=time(3))
    )
    assert early == [(utc(2026, 11, 1, 4), utc(2026, 11, 1, 8))]


@pytest.mark.parametrize(
    "fields",
    [
        {"earliest_time": time(12), "latest_time": time(12)},
        {"earliest_time": time(12), "latest_time": time(9)},
        {"days_of_week": frozenset({"funday"})},
        {"window_start": datetime(2026, 6, 1)},
    ],
)
def test_invalid_hard_constraints_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        hard(**fields)


def test_invalid_soft_constraints_are_refused() -> None:
    with pytest.raises(ValueError):
        SoftConstraints(parts_of_day=frozenset({"night"}))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        SoftConstraints(days_of_week=frozenset({"Tuesday"}))  # type: ignore[arg-type]


def test_stated_windows_become_utc_intervals() -> None:
    # "Tuesday after 2 or Thursday morning", already parsed into local dates and times.
    windows = [
        LocalWindow(date(2026, 6, 2), start=time(14)),
        LocalWindow(date(2026, 6, 4), end=time(12)),
    ]
    assert availability_from_windows(windows, NY) == [
        (utc(2026, 6, 2, 18), utc(2026, 6, 3, 4)),
        (utc(2026, 6, 4, 4), utc(2026, 6, 4, 16)),
    ]


def test_touching_windows_join_and_dst_days_keep_local_meaning() -> None:
    joined = availability_from_windows(
        [
            LocalWindow(date(2026, 6, 2), time(12), time(14)),
            LocalWindow(date(2026, 6, 2), time(9), time(12)),
        ],
        NY,
    )
    assert joined == [(utc(2026, 6, 2, 13), utc(2026, 6, 2, 18))]
    fall_back = availability_from_windows([LocalWindow(date(2026, 11, 1), time(0), time(3))], NY)
    assert fall_back == [(utc(2026, 11, 1, 4), utc(2026, 11, 1, 8))]
    # The repeated hour: 01:00 is its first pass, 02:00 comes after the second.
    repeated = availability_from_windows([LocalWindow(date(2026, 11, 1), time(1), time(2))], NY)
    assert repeated == [(utc(2026, 11, 1, 5), utc(2026, 11, 1, 7))]
    spring = availability_from_windows([LocalWindow(date(2026, 3, 8), time(9), time(10))], NY)
    assert spring == [(utc(2026, 3, 8, 13), utc(2026, 3, 8, 14))]


def test_a_window_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError):
        availability_from_windows([LocalWindow(date(2026, 6, 2), time(14), time(9))], NY)


def test_soft_score_counts_met_preferences() -> None:
    soft = SoftConstraints(
        days_of_week=frozenset({"tuesday", "wednesday"}), parts_of_day=frozenset({"morning"})
    )
    tuesday_morning = local(date(2026, 6, 2), 10)
    tuesday_afternoon = local(date(2026, 6, 2), 15)
    friday_evening = local(date(2026, 6, 5), 18)
    assert soft_score(tuesday_morning, soft, NY) == 2
    assert soft_score(tuesday_afternoon, soft, NY) == 1
    assert soft_score(friday_evening, soft, NY) == 0
    assert soft_score(tuesday_morning, SoftConstraints(), NY) == 0
    assert soft_preferences_met(tuesday_afternoon, soft, NY) == (
        ("days_of_week",),
        ("parts_of_day",),
    )
    # Read in local time: 10:00 EDT is 14:00 UTC, an afternoon in UTC.
    assert soft_score(tuesday_morning.astimezone(UTC), soft, NY) == 2


ZONES = [ZoneInfo("UTC"), NY, ZoneInfo("Europe/London")]
# Weeks with a DST change in New York or London, and a plain one.
BASES = [
    date(2026, 3, 6),
    date(2026, 3, 27),
    date(2026, 6, 1),
    date(2026, 10, 23),
    date(2026, 10, 30),
]
# Wall times from 04:00 on 15-minute steps: never in a DST gap or repeated hour here.
WALL_TIMES = st.integers(16, 95).map(lambda q: time(q // 4, q % 4 * 15))


@st.composite
def hard_constraints(
    draw: st.DrawFn, tz: ZoneInfo, base: date, min_days: int = 0, max_excluded: int = 7
) -> HardConstraints:
    origin = datetime.combine(base, time(0), tzinfo=UTC)
    start = origin + draw(st.integers(0, 96 * 2)) * STEP
    end = start + draw(st.integers(0, 96 * 4)) * STEP
    days = draw(st.none() | st.frozensets(st.sampled_from(WEEKDAY_NAMES), min_size=min_days))
    earliest = draw(st.none() | WALL_TIMES)
    latest = draw(st.none() | WALL_TIMES)
    if earliest is not None and latest is not None and latest <= earliest:
        earliest, latest = (None, latest) if draw(st.booleans()) else (earliest, None)
    dates = st.sampled_from([base + timedelta(days=i) for i in range(7)])
    excluded = draw(st.frozensets(dates, max_size=max_excluded))
    return HardConstraints(start, end, str(tz), days, earliest, latest, excluded)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), tz=st.sampled_from(ZONES), base=st.sampled_from(BASES))
def test_allowed_intervals_agree_with_instant_by_instant_reading(
    data: st.DataObject, tz: ZoneInfo, base: date
) -> None:
    constraints = data.draw(hard_constraints(tz, base))
    intervals = allowed_intervals(constraints, tz)
    for (_, end), (start, _) in zip(intervals, intervals[1:], strict=False):
        assert end < start  # sorted, disjoint, never touching
    origin = datetime.combine(base, time(0), tzinfo=UTC) - timedelta(days=1)
    for i in range(96 * 9):
        moment = origin + i * STEP
        inside = any(a <= moment and moment + STEP <= b for a, b in intervals)
        assert inside == chunk_allowed(moment, constraints, tz), moment


@st.composite
def local_windows(draw: st.DrawFn, base: date) -> LocalWindow:
    day = base + timedelta(days=draw(st.integers(0, 6)))
    start = draw(st.none() | WALL_TIMES)
    end = draw(st.none() | WALL_TIMES)
    if start is not None and end is not None and end <= start:
        start, end = end, None if end == start else start
    return LocalWindow(day, start, end)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), tz=st.sampled_from(ZONES), base=st.sampled_from(BASES))
def test_stated_windows_agree_with_instant_by_instant_reading(
    data: st.DataObject, tz: ZoneInfo, base: date
) -> None:
    windows = data.draw(st.lists(local_windows(base), max_size=4))
    intervals = availability_from_windows(windows, tz)
    for (_, end), (start, _) in zip(intervals, intervals[1:], strict=False):
        assert end < start
    origin = datetime.combine(base, time(0), tzinfo=UTC) - timedelta(days=1)
    for i in range(96 * 9):
        moment = origin + i * STEP
        wall = moment.astimezone(tz)
        clock = wall.time().replace(tzinfo=None)
        expected = any(
            wall.date() == w.day
            and (w.start is None or w.start <= clock)
            and (w.end is None or clock < w.end)
            for w in windows
        )
        inside = any(a <= moment and moment + STEP <= b for a, b in intervals)
        assert inside == expected, moment
