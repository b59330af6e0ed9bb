"""The lazy slot search returns exactly what the eager reference engine returns.

The reference is ``find_open_slots`` (kept in src, unchanged) followed by ``rank_slots``,
``distinct_starts`` and ``[:limit]``, which is what the availability API did before
paging. Pages are walked to the end by cursor and must concatenate to the reference.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.scheduling import (
    BookingPolicy,
    DateException,
    ResourceCalendar,
    ServiceSpec,
    Slot,
    SlotPreferences,
    WeeklyRule,
    distinct_starts,
    find_open_slots,
    rank_slots,
    working_intervals,
)
from frontdesk.scheduling.slot_stream import (
    SlotCursor,
    iter_open_slots,
    open_slot_page,
    scan_slot_page,
)

TZ = ZoneInfo("America/New_York")
# The week that clocks fall back (2026-11-01) and the one they spring forward (2026-03-08).
FALL_BACK = date(2026, 10, 30)
SPRING = date(2026, 3, 6)
MINUTES = st.integers(min_value=0, max_value=23 * 60 + 45)


def _local(day: date, minute: int) -> datetime:
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=TZ).astimezone(UTC)


@st.composite
def calendars(draw: st.DrawFn, first: date, days: int) -> ResourceCalendar:
    rules = []
    for weekday in draw(st.sets(st.integers(0, 6), min_size=1)):
        begin = draw(st.integers(6 * 60, 14 * 60))
        length = draw(st.integers(30, 10 * 60))
        rules.append(WeeklyRule(weekday, time(begin // 60, begin % 60), _clock(begin + length)))
    offs = [
        DateException(first + timedelta(days=d), first + timedelta(days=d), "off")
        for d in draw(st.sets(st.integers(0, days), max_size=2))
    ]
    lo, hi = _local(first, 0) - timedelta(days=1), _local(first, 0) + timedelta(days=days + 2)
    working = list(working_intervals(rules, offs, TZ, lo, hi))
    if draw(st.booleans()):
        # Overlapping working intervals (a shape the engine accepts though hours never
        # produce it): their grids interleave.
        extra_day = first + timedelta(days=draw(st.integers(0, days)))
        a = draw(MINUTES)
        working.append((_local(extra_day, a), _local(extra_day, a) + timedelta(minutes=200)))
    busy = []
    per_day: dict[date, int] = {}
    for _ in range(draw(st.integers(0, 25))):
        day = first + timedelta(days=draw(st.integers(-1, days + 1)))
        begin = _local(day, draw(MINUTES))
        busy.append((begin, begin + timedelta(minutes=draw(st.integers(0, 240)))))
        local_day = begin.astimezone(TZ).date()
        per_day[local_day] = per_day.get(local_day, 0) + 1
    if draw(st.booleans()) and busy:
        busy[0] = (busy[0][0].astimezone(TZ), busy[0][1].astimezone(TZ))  # a non-UTC block
    return ResourceCalendar(draw(st.uuids()), working, busy, per_day)


def _clock(minute: int) -> time:
    return time(0) if minute >= 24 * 60 else time(minute // 60, minute % 60)


@st.composite
def searches(draw: st.DrawFn) -> dict[str, object]:
    first = draw(st.sampled_from([FALL_BACK, SPRING, date(2026, 6, 1)]))
    days = draw(st.integers(1, 5))
    cals = draw(st.lists(calendars(first, days), min_size=1, max_size=5))
    service = ServiceSpec(
        timedelta(minutes=draw(st.sampled_from([15, 30, 45, 90]))),
        timedelta(minutes=draw(st.sampled_from([0, 5, 10]))),
        timedelta(minutes=draw(st.sampled_from([0, 5, 20]))),
    )
    policy = BookingPolicy(
        slot_interval=timedelta(minutes=draw(st.sampled_from([10, 15, 30]))),
        min_notice=timedelta(minutes=draw(st.sampled_from([0, 90]))),
        max_days_ahead=draw(st.integers(1, 10)),
        max_per_day=draw(st.none() | st.integers(0, 3)),
    )
    start = _local(first, draw(MINUTES))
    return {
        "service": service,
        "policy": policy,
        "calendars": cals,
        "window_start": start,
        "window_end": start + timedelta(hours=draw(st.integers(1, 24 * days + 24))),
        "now": _local(first, 0) - timedelta(hours=draw(st.integers(-30, 30))),
        "tz": TZ,
    }


PREFERENCES = st.none() | st.builds(
    SlotPreferences,
    weekdays=st.none() | st.frozensets(st.integers(0, 6), min_size=1),
    parts_of_day=st.none() | st.frozensets(st.sampled_from(["morning", "afternoon", "evening"])),
)


def _reference(
    search: dict[str, object], prefs: SlotPreferences | None, distinct: bool
) -> list[Slot]:
    slots = find_open_slots(**search)  # type: ignore[arg-type]
    if prefs is not None:
        slots = rank_slots(slots, prefs, TZ)
    return distinct_starts(slots) if distinct else slots


@settings(max_examples=300, deadline=None)
@given(searches())
def test_lazy_stream_equals_the_reference(search: dict[str, object]) -> None:
    assert list(iter_open_slots(**search)) == find_open_slots(**search)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(searches(), PREFERENCES, st.booleans(), st.integers(1, 40), st.data())
def test_pages_by_cursor_equal_the_reference(
    search: dict[str, object],
    prefs: SlotPreferences | None,
    distinct: bool,
    limit: int,
    data: st.DataObject,
) -> None:
    expected = _reference(search, prefs, distinct)
    if data.draw(st.booleans()) and prefs is not None and search["calendars"]:
        cals = search["calendars"]
        prefs = SlotPreferences(prefs.weekdays, prefs.parts_of_day, cals[-1].resource_id)  # type: ignore[index]
        expected = _reference(search, prefs, distinct)
    walked: list[Slot] = []
    cursor: SlotCursor | None = None
    for _ in range(len(expected) + 2):
        page, cursor = open_slot_page(
            **search,
            limit=limit,
            after=cursor,
            preferences=prefs,
            distinct=distinct,  # type: ignore[arg-type]
        )
        assert len(page) <= limit
        assert page[:1] == expected[len(walked) : len(walked) + 1]
        walked.extend(page)
        if cursor is None:
            break
    assert walked == expected
    first, _ = open_slot_page(**search, limit=limit, preferences=prefs, distinct=distinct)  # type: ignore[arg-type]
    assert first == expected[:limit]


def test_a_page_costs_what_it_returns() -> None:
    """200 resources x 30 days: the first page never builds more generators' worth of
    slots than it needs (a shape check, not a timing: the stream stays lazy)."""
    first = date(2026, 6, 1)
    rules = [WeeklyRule(d, time(9), time(18)) for d in range(7)]
    lo, hi = _local(first, 0), _local(first, 0) + timedelta(days=30)
    work = working_intervals(rules, [], TZ, lo, hi)
    cals = [ResourceCalendar(i, work, []) for i in range(200)]
    stream = iter_open_slots(
        ServiceSpec(timedelta(minutes=30)),
        BookingPolicy(max_days_ahead=60),
        cals,
        window_start=lo,
        window_end=hi,
        now=lo,
        tz=TZ,
    )
    taken = [next(stream) for _ in range(1000)]
    assert taken[0].start == _local(first, 9 * 60) and taken[-1].resource_id == 199


def test_bad_limit() -> None:
    with pytest.raises(ValueError):
        open_slot_page(
            ServiceSpec(timedelta(minutes=30)),
            BookingPolicy(),
            [],
            window_start=_local(SPRING, 0),
            window_end=_local(SPRING, 600),
            now=_local(SPRING, 0),
            tz=TZ,
            limit=0,
        )


@settings(max_examples=300, deadline=None)
@given(searches(), PREFERENCES, st.booleans(), st.integers(1, 40), st.data())
def test_a_settled_page_of_a_part_is_the_whole_windows_page(
    search: dict[str, object],
    prefs: SlotPreferences | None,
    distinct: bool,
    limit: int,
    data: st.DataObject,
) -> None:
    """What ``search_slots`` relies on to load only a window's first day or week: a page
    found in [start, part_end) that says it is settled is the page of [start, end); and
    with a cursor the part may start at the cursor's start."""
    whole = scan_slot_page(**search, limit=limit, preferences=prefs, distinct=distinct)  # type: ignore[arg-type]
    cursor = None
    if whole.next is not None and data.draw(st.booleans()):
        cursor = whole.next
        whole = scan_slot_page(
            **search,
            limit=limit,
            after=cursor,
            preferences=prefs,
            distinct=distinct,  # type: ignore[arg-type]
        )
    start, end = search["window_start"], search["window_end"]
    assert isinstance(start, datetime) and isinstance(end, datetime)
    first = start if cursor is None else max(start, cursor.start)
    part_end = first + timedelta(minutes=data.draw(st.integers(1, 3 * 24 * 60)))
    part = scan_slot_page(
        **{**search, "window_start": first, "window_end": min(part_end, end)},  # type: ignore[arg-type]
        limit=limit,
        after=cursor,
        preferences=prefs,
        distinct=distinct,
    )
    if part.settled:
        assert (part.slots, part.next) == (whole.slots, whole.next)
