"""The wall-clock window search on DST-change days, against a brute-force minute scan.

Windows here are any wall times (including ones inside DST gaps and overlaps), wider than
a ContactPolicy allows, to exercise the search where the clock jumps.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.outreach.types import DayWindow
from frontdesk.outreach.wallclock import first_instant_in_window, wall_clock_in_window

NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
CHATHAM = ZoneInfo("Pacific/Chatham")
MINUTE = timedelta(minutes=1)

# (zone, a local date on which its clocks change in 2026)
DST_DAYS = [
    ("America/New_York", date(2026, 3, 8)),
    ("America/New_York", date(2026, 11, 1)),
    ("America/Los_Angeles", date(2026, 3, 8)),
    ("America/Los_Angeles", date(2026, 11, 1)),
    ("Europe/Madrid", date(2026, 3, 29)),
    ("Europe/Madrid", date(2026, 10, 25)),
    ("America/Mexico_City", date(2026, 4, 5)),  # no DST since 2022: an ordinary day
    ("Australia/Lord_Howe", date(2026, 4, 5)),  # 02:00 -> 01:30 (30-minute change)
    ("Australia/Lord_Howe", date(2026, 10, 4)),  # 02:00 -> 02:30
    ("Pacific/Chatham", date(2026, 4, 5)),  # 03:45 -> 02:45
    ("Pacific/Chatham", date(2026, 9, 27)),  # 02:45 -> 03:45
]


def every_day(window: DayWindow) -> Callable[[date], DayWindow | None]:
    return lambda _day: window


def test_a_window_opening_in_the_gap_opens_when_the_clock_jumps() -> None:
    # New York, 2026-03-08: 02:00 EST becomes 03:00 EDT at 07:00 UTC.
    window = every_day(DayWindow(time(2, 30), time(3, 30)))
    start = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # 00:00 EST
    found = first_instant_in_window(start, NEW_YORK, window, timedelta(days=2))
    assert found == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert found.astimezone(NEW_YORK).time() == time(3, 0)


def test_a_window_inside_the_gap_does_not_exist_that_day() -> None:
    window = every_day(DayWindow(time(2, 10), time(2, 50)))
    start = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    found = first_instant_in_window(start, NEW_YORK, window, timedelta(days=2))
    # The next day's 02:10 EDT.
    assert found == datetime(2026, 3, 9, 6, 10, tzinfo=UTC)


def test_an_ambiguous_window_is_open_on_both_passes() -> None:
    # New York, 2026-11-01: 01:00-02:00 happens first in EDT (05:00 UTC), then in EST.
    window = every_day(DayWindow(time(1, 30), time(1, 45)))
    first = first_instant_in_window(
        datetime(2026, 11, 1, 4, 0, tzinfo=UTC), NEW_YORK, window, timedelta(days=1)
    )
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    second = first_instant_in_window(
        datetime(2026, 11, 1, 5, 45, tzinfo=UTC), NEW_YORK, window, timedelta(days=1)
    )
    assert second == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_lord_howe_half_hour_change() -> None:
    # 2026-10-04 02:00 LHST (+10:30) becomes 02:30 LHDT (+11:00) at 15:30 UTC on 3 Oct.
    window = every_day(DayWindow(time(2, 0), time(2, 40)))
    found = first_instant_in_window(
        datetime(2026, 10, 3, 15, 0, tzinfo=UTC), LORD_HOWE, window, timedelta(days=1)
    )
    assert found == datetime(2026, 10, 3, 15, 30, tzinfo=UTC)
    assert found.astimezone(LORD_HOWE).time() == time(2, 30)


def test_nothing_within_the_horizon() -> None:
    found = first_instant_in_window(
        datetime(2026, 1, 1, tzinfo=UTC), CHATHAM, lambda _day: None, timedelta(days=9)
    )
    assert found is None


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError):
        first_instant_in_window(
            datetime(2026, 1, 1), CHATHAM, every_day(DayWindow(time(8), time(9))), MINUTE
        )


minutes_of_day = st.integers(0, 24 * 60 - 2)


@st.composite
def windows(draw: st.DrawFn) -> DayWindow:
    start = draw(minutes_of_day)
    end = draw(st.integers(start + 1, 24 * 60 - 1))
    return DayWindow(time(*divmod(start, 60)), time(*divmod(end, 60)))


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(DST_DAYS),
    st.integers(-26 * 60, 26 * 60),
    windows(),
    st.sets(st.integers(0, 6), max_size=4),
)
def test_first_instant_is_the_earliest_on_a_minute_grid(
    zone_day: tuple[str, date], offset_minutes: int, window: DayWindow, closed: set[int]
) -> None:
    """Brute force: no minute between the start and the answer is inside the window, and
    the answer is. Every boundary is on a whole minute here, so the grid is exact."""
    zone = ZoneInfo(zone_day[0])
    start = datetime.combine(zone_day[1], time(12), tzinfo=zone).astimezone(UTC) + (
        offset_minutes * MINUTE
    )

    def window_on(day: date) -> DayWindow | None:
        return None if day.weekday() in closed else window

    found = first_instant_in_window(start, zone, window_on, timedelta(days=9))
    assert found is not None  # some weekday is open, so within a week
    assert found >= start and found.second == 0 and found.microsecond == 0
    assert wall_clock_in_window(found, zone, window_on)
    moment = start
    while moment < found:
        assert not wall_clock_in_window(moment, zone, window_on), moment
        moment += MINUTE
