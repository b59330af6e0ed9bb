"""Ranking slots by soft preferences, de-duplicating starts, and picking varied options."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontdesk.scheduling.ranking import distinct_starts, part_of_day, rank_slots, spread
from frontdesk.scheduling.types import PartOfDay, Slot, SlotPreferences

NEW_YORK = ZoneInfo("America/New_York")
UTC_ZONE = ZoneInfo("UTC")
MONDAY = date(2026, 1, 5)


def slot(
    day: date, hour: int, minute: int = 0, resource: str = "ann", tz: ZoneInfo = UTC_ZONE
) -> Slot:
    """A 30-minute slot at a wall-clock time in ``tz``, stored in UTC like the engine's."""
    start = datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)
    return Slot(start, start + timedelta(minutes=30), resource)


def on(days: int) -> date:
    return MONDAY + timedelta(days=days)


@pytest.mark.parametrize(
    ("wall", "expected"),
    [
        (time(0), "morning"),
        (time(11, 59, 59), "morning"),
        (time(12), "afternoon"),
        (time(16, 59), "afternoon"),
        (time(17), "evening"),
        (time(23, 59), "evening"),
    ],
)
def test_part_of_day_boundaries(wall: time, expected: PartOfDay) -> None:
    assert part_of_day(wall) == expected


# --- rank_slots -----------------------------------------------------------------------


def test_without_preferences_orders_by_start_and_keeps_ties_in_input_order() -> None:
    slots = [slot(on(1), 9, resource="bob"), slot(on(0), 15), slot(on(1), 9, resource="ann")]
    ranked = rank_slots(slots, SlotPreferences(), UTC_ZONE)
    assert ranked == [slots[1], slots[0], slots[2]]


def test_fewer_unmet_preferences_come_first_then_earlier_starts() -> None:
    prefs = SlotPreferences(weekdays=frozenset({2}), parts_of_day=frozenset({"afternoon"}))
    monday_morning = slot(on(0), 9)  # Misses both.
    monday_afternoon = slot(on(0), 14)  # Misses the weekday.
    wednesday_morning = slot(on(2), 9)  # Misses the part of day.
    wednesday_afternoon = slot(on(2), 15)  # Meets both.
    ranked = rank_slots(
        [monday_morning, wednesday_morning, monday_afternoon, wednesday_afternoon], prefs, UTC_ZONE
    )
    assert ranked == [wednesday_afternoon, monday_afternoon, wednesday_morning, monday_morning]


def test_preferences_read_local_time_not_utc() -> None:
    # 11:00 in New York is 16:00 UTC: morning locally, afternoon in UTC.
    eleven_local = slot(on(0), 11, tz=NEW_YORK)
    fourteen_local = slot(on(0), 14, tz=NEW_YORK)
    prefs = SlotPreferences(parts_of_day=frozenset({"morning"}))
    assert rank_slots([fourteen_local, eleven_local], prefs, NEW_YORK)[0] == eleven_local
    # A Monday 21:00 slot in New York is Tuesday in UTC.
    late = slot(on(0), 21, tz=NEW_YORK)
    tuesday_noon = slot(on(1), 12, tz=NEW_YORK)
    mondays = SlotPreferences(weekdays=frozenset({0}))
    assert rank_slots([tuesday_noon, late], mondays, NEW_YORK)[0] == late


def test_not_before_and_not_after_are_local_wall_times_on_the_start() -> None:
    slots = [slot(on(0), h, tz=NEW_YORK) for h in (8, 10, 13, 17, 18)]
    prefs = SlotPreferences(not_before=time(10), not_after=time(17))
    ranked = rank_slots(slots, prefs, NEW_YORK)
    assert ranked[:3] == [slots[1], slots[2], slots[3]]  # 10:00 and 17:00 are inside.
    assert set(ranked[3:]) == {slots[0], slots[4]}


def test_preferred_resource() -> None:
    ann, bob = slot(on(0), 9, resource="ann"), slot(on(0), 10, resource="bob")
    assert rank_slots([ann, bob], SlotPreferences(resource_id="bob"), UTC_ZONE) == [bob, ann]


slot_lists = st.lists(
    st.builds(
        lambda day, quarter, resource: slot(on(day), quarter // 4, quarter % 4 * 15, resource),
        st.integers(0, 13),
        st.integers(0, 95),
        st.sampled_from(["ann", "bob", "cy"]),
    ),
    max_size=30,
)
preferences = st.builds(
    SlotPreferences,
    weekdays=st.none() | st.frozensets(st.integers(0, 6)),
    parts_of_day=st.none() | st.frozensets(st.sampled_from(["morning", "afternoon", "evening"])),
    resource_id=st.none() | st.sampled_from(["ann", "bob"]),
    not_before=st.none() | st.times(),
    not_after=st.none() | st.times(),
)


def unmet(s: Slot, prefs: SlotPreferences) -> int:
    local = s.start.astimezone(NEW_YORK)
    checks = [
        prefs.weekdays is None or local.weekday() in prefs.weekdays,
        prefs.parts_of_day is None or part_of_day(local.time()) in prefs.parts_of_day,
        prefs.resource_id is None or s.resource_id == prefs.resource_id,
        prefs.not_before is None or local.time() >= prefs.not_before,
        prefs.not_after is None or local.time() <= prefs.not_after,
    ]
    return checks.count(False)


@settings(max_examples=150, deadline=None)
@given(slot_lists, preferences)
def test_rank_is_a_permutation_sorted_by_unmet_then_start(
    slots: list[Slot], prefs: SlotPreferences
) -> None:
    ranked = rank_slots(slots, prefs, NEW_YORK)
    assert sorted(ranked, key=id) == sorted(slots, key=id)
    keys = [(unmet(s, prefs), s.start) for s in ranked]
    assert keys == sorted(keys)


# --- distinct_starts ------------------------------------------------------------------


def test_distinct_starts_keeps_the_first_unless_the_preferred_resource_has_it() -> None:
    a9, b9 = slot(on(0), 9, resource="ann"), slot(on(0), 9, resource="bob")
    a10, c10 = slot(on(0), 10, resource="ann"), slot(on(0), 10, resource="cy")
    b8 = slot(on(0), 8, resource="bob")
    assert distinct_starts([a9, b9, c10, a10, b8]) == [a9, c10, b8]
    assert distinct_starts([a9, b9, c10, a10, b8], prefer_resource="bob") == [b9, c10, b8]
    assert distinct_starts([a9, b9, c10, a10], prefer_resource="ann") == [a9, a10]
    assert distinct_starts([]) == []


@settings(max_examples=150, deadline=None)
@given(slot_lists, st.none() | st.sampled_from(["ann", "bob"]))
def test_distinct_starts_properties(slots: list[Slot], preferred: str | None) -> None:
    got = distinct_starts(slots, preferred)
    assert [s.start for s in got] == list(dict.fromkeys(s.start for s in slots))
    assert all(s in slots for s in got)
    for s in got:
        same_time = [o for o in slots if o.start == s.start]
        preferred_ones = [o for o in same_time if o.resource_id == preferred]
        if preferred is not None and preferred_ones:
            assert s is preferred_ones[0]
        else:
            assert s is same_time[0]


# --- spread ---------------------------------------------------------------------------


def test_spread_prefers_different_days() -> None:
    ranked = [slot(on(0), 9), slot(on(0), 10), slot(on(0), 15), slot(on(1), 9), slot(on(2), 9)]
    assert spread(ranked, 3, UTC_ZONE) == [ranked[0], ranked[3], ranked[4]]


def test_spread_then_different_parts_of_day_then_rank() -> None:
    ranked = [slot(on(0), 9), slot(on(0), 10), slot(on(0), 15), slot(on(0), 18), slot(on(0), 11)]
    assert spread(ranked, 3, UTC_ZONE) == [ranked[0], ranked[2], ranked[3]]
    assert spread(ranked, 4, UTC_ZONE) == [ranked[0], ranked[1], ranked[2], ranked[3]]


def test_spread_uses_local_days() -> None:
    # Monday 18:00 and 20:00 in New York are one local day but two UTC days (23:00 Monday,
    # 01:00 Tuesday), so the second pick must be Tuesday evening, not Monday 20:00.
    ranked = [
        slot(on(0), 18, tz=NEW_YORK),
        slot(on(0), 20, tz=NEW_YORK),
        slot(on(1), 20, tz=NEW_YORK),
    ]
    assert ranked[0].start.date() != ranked[1].start.date()
    assert spread(ranked, 2, NEW_YORK) == [ranked[0], ranked[2]]


def test_spread_edges() -> None:
    ranked = [slot(on(0), 9), slot(on(1), 9)]
    assert spread(ranked, 0, UTC_ZONE) == []
    assert spread(ranked, 5, UTC_ZONE) == ranked
    assert spread([], 3, UTC_ZONE) == []


@settings(max_examples=150, deadline=None)
@given(slot_lists, st.integers(0, 6))
def test_spread_properties(slots: list[Slot], n: int) -> None:
    got = spread(slots, n, NEW_YORK)
    positions = [next(i for i, s in enumerate(slots) if s is g) for g in got]
    assert positions == sorted(set(positions))  # A subsequence, in ranked order.
    assert len(got) == min(n, len(slots))
    days = {s.start.astimezone(NEW_YORK).date() for s in slots}
    assert len({g.start.astimezone(NEW_YORK).date() for g in got}) == min(len(got), len(days))
