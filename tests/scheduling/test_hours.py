"""Weekly rules and exceptions to UTC working time, including DST days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.scheduling.hours import working_intervals
from frontdesk.scheduling.types import DateException, Interval, WeeklyRule

NEW_YORK = ZoneInfo("America/New_York")
MADRID = ZoneInfo("Europe/Madrid")
EVERY_DAY = range(7)


def daily(start: time, end: time) -> list[WeeklyRule]:
    return [WeeklyRule(weekday, start, end) for weekday in EVERY_DAY]


def local_day(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[local midnight, next local midnight) of ``day``."""
    return (
        datetime.combine(day, time(0), tzinfo=tz),
        datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz),
    )


def on_day(
    rules: list[WeeklyRule], day: date, tz: ZoneInfo, exceptions: tuple[DateException, ...] = ()
) -> list[Interval]:
    return working_intervals(rules, exceptions, tz, *local_day(day, tz))


def total(intervals: list[Interval]) -> timedelta:
    return sum((end - start for start, end in intervals), timedelta(0))


def wall(moment: datetime, tz: ZoneInfo) -> tuple[time, timedelta | None]:
    local = moment.astimezone(tz)
    return local.time(), local.utcoffset()


# --- plain weeks ----------------------------------------------------------------------


def test_weekday_rules_in_utc() -> None:
    rules = [WeeklyRule(weekday, time(9), time(17)) for weekday in range(5)]
    monday = datetime(2026, 1, 5, tzinfo=UTC)  # 2026-01-05 is a Monday.
    got = working_intervals(rules, [], ZoneInfo("UTC"), monday, monday + timedelta(days=7))
    expected = [
        (monday + timedelta(days=d, hours=9), monday + timedelta(days=d, hours=17))
        for d in range(5)
    ]
    assert got == expected
    assert all(start.tzinfo is UTC and end.tzinfo is UTC for start, end in got)


def test_two_rules_on_one_day_stay_apart_and_touching_ones_merge() -> None:
    rules = [
        WeeklyRule(0, time(9), time(12)),
        WeeklyRule(0, time(13), time(17)),
        WeeklyRule(0, time(17), time(18)),
    ]
    got = on_day(rules, date(2026, 1, 5), ZoneInfo("UTC"))
    monday = datetime(2026, 1, 5, tzinfo=UTC)
    assert got == [
        (monday + timedelta(hours=9), monday + timedelta(hours=12)),
        (monday + timedelta(hours=13), monday + timedelta(hours=18)),
    ]


def test_midnight_end_means_end_of_day_and_joins_next_day() -> None:
    rules = [WeeklyRule(0, time(20), time(0)), WeeklyRule(1, time(0), time(2))]
    start = datetime(2026, 1, 5, tzinfo=NEW_YORK)  # Monday, EST (UTC-5).
    got = working_intervals(rules, [], NEW_YORK, start, start + timedelta(days=2))
    assert got == [(datetime(2026, 1, 6, 1, tzinfo=UTC), datetime(2026, 1, 6, 7, tzinfo=UTC))]


def test_local_day_that_starts_before_the_utc_window_is_included() -> None:
    # Monday 20:00-24:00 New York is Tuesday 01:00-05:00 UTC. A query for Tuesday in UTC
    # terms must still find it: the margin day catches Monday's local hours.
    rules = [WeeklyRule(0, time(20), time(0))]
    tuesday = datetime(2026, 1, 6, tzinfo=UTC)
    got = working_intervals(rules, [], NEW_YORK, tuesday, tuesday + timedelta(days=1))
    assert got == [(tuesday + timedelta(hours=1), tuesday + timedelta(hours=5))]


def test_local_day_after_the_utc_window_date_is_included() -> None:
    # Tuesday 00:00-02:00 in Madrid (CET, UTC+1) is Monday 23:00 - Tuesday 01:00 UTC.
    rules = [WeeklyRule(1, time(0), time(2))]
    monday = datetime(2026, 1, 5, tzinfo=UTC)
    got = working_intervals(rules, [], MADRID, monday, monday + timedelta(hours=24))
    assert got == [(monday + timedelta(hours=23), monday + timedelta(hours=24))]


def test_result_is_clipped_to_the_query() -> None:
    rules = daily(time(9), time(17))
    start = datetime(2026, 1, 5, 12, tzinfo=UTC)
    got = working_intervals(rules, [], ZoneInfo("UTC"), start, start + timedelta(hours=3))
    assert got == [(start, start + timedelta(hours=3))]


def test_empty_inputs() -> None:
    start = datetime(2026, 1, 5, tzinfo=UTC)
    assert working_intervals([], [], NEW_YORK, start, start + timedelta(days=7)) == []
    assert working_intervals(daily(time(9), time(17)), [], NEW_YORK, start, start) == []


# --- exceptions -----------------------------------------------------------------------

UTC_ZONE = ZoneInfo("UTC")
WEEKDAYS_9_TO_17 = [WeeklyRule(weekday, time(9), time(17)) for weekday in range(5)]
MONDAY = date(2026, 1, 5)


def utc_at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def week(exceptions: list[DateException]) -> list[Interval]:
    start = utc_at(MONDAY, 0)
    return working_intervals(
        WEEKDAYS_9_TO_17, exceptions, UTC_ZONE, start, start + timedelta(days=7)
    )


def test_whole_day_off_removes_only_that_day() -> None:
    tuesday = MONDAY + timedelta(days=1)
    got = week([DateException(tuesday, tuesday, "off")])
    assert [start.date() for start, _ in got] == [
        MONDAY,
        MONDAY + timedelta(days=2),
        MONDAY + timedelta(days=3),
        MONDAY + timedelta(days=4),
    ]


def test_multi_day_off_is_inclusive_of_both_dates() -> None:
    got = week([DateException(MONDAY, MONDAY + timedelta(days=2), "off")])
    assert [start.date() for start, _ in got] == [
        MONDAY + timedelta(days=3),
        MONDAY + timedelta(days=4),
    ]


def test_partial_off_repeats_on_each_day() -> None:
    got = week([DateException(MONDAY, MONDAY + timedelta(days=1), "off", time(12), time(13))])
    tuesday = MONDAY + timedelta(days=1)
    assert got[:4] == [
        (utc_at(MONDAY, 9), utc_at(MONDAY, 12)),
        (utc_at(MONDAY, 13), utc_at(MONDAY, 17)),
        (utc_at(tuesday, 9), utc_at(tuesday, 12)),
        (utc_at(tuesday, 13), utc_at(tuesday, 17)),
    ]
    assert len(got) == 7  # Wednesday to Friday untouched.


def test_off_until_midnight() -> None:
    got = week([DateException(MONDAY, MONDAY, "off", time(15), time(0))])
    assert got[0] == (utc_at(MONDAY, 9), utc_at(MONDAY, 15))


def test_extra_hours_on_a_day_without_rules_and_next_to_rules() -> None:
    saturday = MONDAY + timedelta(days=5)
    got = week(
        [
            DateException(saturday, saturday, "extra", time(10), time(14)),
            DateException(MONDAY, MONDAY, "extra", time(17), time(19)),
        ]
    )
    assert got[0] == (utc_at(MONDAY, 9), utc_at(MONDAY, 19))  # Touching: one interval.
    assert got[-1] == (utc_at(saturday, 10), utc_at(saturday, 14))


def test_time_off_wins_over_extra_hours() -> None:
    saturday = MONDAY + timedelta(days=5)
    got = week(
        [
            DateException(saturday, saturday, "extra", time(10), time(14)),
            DateException(saturday, saturday, "off", time(11), time(12)),
        ]
    )
    assert got[-2:] == [
        (utc_at(saturday, 10), utc_at(saturday, 11)),
        (utc_at(saturday, 12), utc_at(saturday, 14)),
    ]


# --- DST ------------------------------------------------------------------------------

NY_SPRING = date(2026, 3, 8)  # 02:00 EST -> 03:00 EDT
NY_FALL = date(2026, 11, 1)  # 02:00 EDT -> 01:00 EST
MADRID_SPRING = date(2026, 3, 29)  # 02:00 CET -> 03:00 CEST
MADRID_FALL = date(2026, 10, 25)  # 03:00 CEST -> 02:00 CET
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("tz", "day", "start", "end", "real_hours"),
    [
        (NEW_YORK, NY_SPRING, time(9), time(17), 8),
        (NEW_YORK, NY_SPRING, time(0), time(3), 2),
        (NEW_YORK, NY_SPRING, time(1), time(4), 2),  # Spans the 02:00-03:00 gap.
        (NEW_YORK, NY_SPRING, time(0), time(0), 23),
        (NEW_YORK, NY_FALL, time(9), time(17), 8),
        (NEW_YORK, NY_FALL, time(0), time(3), 4),
        (NEW_YORK, NY_FALL, time(1), time(2), 2),  # The repeated hour, both passes.
        (NEW_YORK, NY_FALL, time(0), time(0), 25),
        (MADRID, MADRID_SPRING, time(9), time(17), 8),
        (MADRID, MADRID_SPRING, time(1), time(4), 2),
        (MADRID, MADRID_SPRING, time(0), time(0), 23),
        (MADRID, MADRID_FALL, time(0), time(4), 5),
        (MADRID, MADRID_FALL, time(2), time(3), 2),
        (MADRID, MADRID_FALL, time(0), time(0), 25),
    ],
)
def test_real_length_of_a_rule_on_dst_days(
    tz: ZoneInfo, day: date, start: time, end: time, real_hours: int
) -> None:
    got = on_day(daily(start, end), day, tz)
    assert len(got) == 1
    assert total(got) == real_hours * HOUR
    # The interval starts and ends at the rule's wall-clock times.
    assert got[0][0].astimezone(tz).time() == start
    assert got[0][1].astimezone(tz).time() == end


def test_nine_to_five_keeps_its_wall_clock_across_the_change() -> None:
    before = on_day(daily(time(9), time(17)), NY_SPRING - timedelta(days=1), NEW_YORK)
    after = on_day(daily(time(9), time(17)), NY_SPRING, NEW_YORK)
    assert wall(before[0][0], NEW_YORK) == (time(9), timedelta(hours=-5))
    assert wall(after[0][0], NEW_YORK) == (time(9), timedelta(hours=-4))
    assert after[0][0] - before[0][0] == timedelta(hours=23)  # The day was 23 hours long.
    spring = on_day(daily(time(9), time(17)), MADRID_SPRING, MADRID)
    assert spring[0] == (
        datetime(2026, 3, 29, 7, tzinfo=UTC),
        datetime(2026, 3, 29, 15, tzinfo=UTC),
    )


def test_fall_back_repeated_hour_covers_both_passes() -> None:
    ((start, end),) = on_day(daily(time(1), time(2)), NY_FALL, NEW_YORK)
    assert wall(start, NEW_YORK) == (time(1), timedelta(hours=-4))  # First 01:00 (EDT).
    assert wall(end, NEW_YORK) == (time(2), timedelta(hours=-5))
    assert start == datetime(2026, 11, 1, 5, tzinfo=UTC)


def test_wall_times_inside_the_gap_read_with_fold_zero() -> None:
    # 02:30 does not exist on NY_SPRING; fold=0 reads it with the old offset (EST), which
    # is 07:30 UTC = 03:30 EDT. A rule entirely inside the gap covers nothing.
    ((start, end),) = on_day(daily(time(2, 30), time(4)), NY_SPRING, NEW_YORK)
    assert (start, end) == (
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
        datetime(2026, 3, 8, 8, tzinfo=UTC),
    )
    assert wall(start, NEW_YORK) == (time(3, 30), timedelta(hours=-4))
    assert on_day(daily(time(2), time(3)), NY_SPRING, NEW_YORK) == []


def test_partial_time_off_over_the_repeated_hour() -> None:
    off = DateException(NY_FALL, NY_FALL, "off", time(1), time(2))
    got = on_day(daily(time(0), time(4)), NY_FALL, NEW_YORK, (off,))
    assert total(got) == 3 * HOUR  # 5 real hours minus both passes of 01:00-02:00.
    assert [wall(start, NEW_YORK)[0] for start, _ in got] == [time(0), time(2)]


# --- validation -----------------------------------------------------------------------

START = datetime(2026, 1, 5, tzinfo=UTC)
END = START + timedelta(days=1)


@pytest.mark.parametrize(
    "rule",
    [
        WeeklyRule(0, time(17), time(9)),
        WeeklyRule(0, time(9), time(9)),
        WeeklyRule(7, time(9), time(17)),
        WeeklyRule(-1, time(9), time(17)),
    ],
)
def test_invalid_rules_raise(rule: WeeklyRule) -> None:
    with pytest.raises(ValueError):
        working_intervals([rule], [], UTC_ZONE, START, END)


@pytest.mark.parametrize(
    "exception",
    [
        DateException(MONDAY, MONDAY - timedelta(days=1), "off"),
        DateException(MONDAY, MONDAY, "extra"),
        DateException(MONDAY, MONDAY, "off", time(9), None),
        DateException(MONDAY, MONDAY, "off", time(12), time(11)),
        DateException(MONDAY, MONDAY, "extra", time(12), time(12)),
    ],
)
def test_invalid_exceptions_raise(exception: DateException) -> None:
    with pytest.raises(ValueError):
        working_intervals(WEEKDAYS_9_TO_17, [exception], UTC_ZONE, START, END)


def test_naive_bounds_raise() -> None:
    with pytest.raises(ValueError):
        working_intervals(WEEKDAYS_9_TO_17, [], UTC_ZONE, datetime(2026, 1, 5), END)


def test_midnight_to_midnight_rule_is_valid() -> None:
    got = working_intervals([WeeklyRule(0, time(0), time(0))], [], UTC_ZONE, START, END)
    assert got == [(START, END)]


# --- against a per-quarter-hour reference in zones without DST -------------------------

QUARTER = timedelta(minutes=15)
FIXED_ZONES = [
    ZoneInfo("UTC"),
    ZoneInfo("Etc/GMT-2"),
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("Etc/GMT+7"),
]
quarter_times = st.integers(0, 95).map(lambda q: time(q // 4, q % 4 * 15))


@st.composite
def spans(draw: st.DrawFn) -> tuple[time, time]:
    start = draw(st.integers(0, 95))
    end = draw(st.integers(start + 1, 96))
    as_time = [time(q // 4, q % 4 * 15) for q in (start, end % 96)]
    return as_time[0], as_time[1]


@st.composite
def schedules(draw: st.DrawFn) -> tuple[list[WeeklyRule], list[DateException]]:
    rules = [
        WeeklyRule(draw(st.integers(0, 6)), *draw(spans())) for _ in range(draw(st.integers(0, 6)))
    ]
    exceptions = []
    for _ in range(draw(st.integers(0, 4))):
        first = MONDAY + timedelta(days=draw(st.integers(-2, 6)))
        last = first + timedelta(days=draw(st.integers(0, 2)))
        if draw(st.booleans()):
            exceptions.append(DateException(first, last, "extra", *draw(spans())))
        elif draw(st.booleans()):
            exceptions.append(DateException(first, last, "off"))
        else:
            exceptions.append(DateException(first, last, "off", *draw(spans())))
    return rules, exceptions


def minutes_of_day(value: time) -> int:
    return value.hour * 60 + value.minute


def in_span(minute: int, start: time, end: time | None) -> bool:
    stop = 1440 if end is None or end == time(0) else minutes_of_day(end)
    return minutes_of_day(start) <= minute < stop


def reference_works(
    moment: datetime, tz: ZoneInfo, rules: list[WeeklyRule], exceptions: list[DateException]
) -> bool:
    """Is the resource working at ``moment``, decided on the local wall clock."""
    local = moment.astimezone(tz)
    day, minute = local.date(), local.hour * 60 + local.minute
    covering = [e for e in exceptions if e.start_date <= day <= e.end_date]
    for e in covering:
        if e.kind == "off" and in_span(minute, e.start or time(0), e.end):
            return False
    if any(r.weekday == day.weekday() and in_span(minute, r.start, r.end) for r in rules):
        return True
    return any(
        e.kind == "extra" and e.start is not None and in_span(minute, e.start, e.end)
        for e in covering
    )


@settings(max_examples=100, deadline=None)
@given(schedules(), st.sampled_from(FIXED_ZONES), st.integers(0, 4 * 96), st.integers(0, 4 * 96))
def test_matches_wall_clock_reference_in_fixed_offset_zones(
    schedule: tuple[list[WeeklyRule], list[DateException]],
    tz: ZoneInfo,
    first: int,
    length: int,
) -> None:
    rules, exceptions = schedule
    start = datetime(2026, 1, 5, tzinfo=UTC) + first * QUARTER
    end = start + length * QUARTER
    got = working_intervals(rules, exceptions, tz, start, end)
    # Canonical form: sorted, non-empty, neither overlapping nor touching, UTC, in range.
    for (_, a_end), (b_start, _) in zip(got, got[1:], strict=False):
        assert a_end < b_start
    assert all(start <= s < e <= end and s.tzinfo is UTC for s, e in got)
    quarters = [start + i * QUARTER for i in range(length)]
    expected = {q for q in quarters if reference_works(q, tz, rules, exceptions)}
    covered = {q for q in quarters if any(s <= q < e for s, e in got)}
    assert covered == expected
