"""Order and thin out slots for a person: soft preferences first, then variety.

``find_open_slots`` returns every bookable slot; a caller on the phone wants two or three
good ones. ``rank_slots`` puts the slots that meet the caller's soft preferences first,
``distinct_starts`` drops same-time duplicates across resources, and ``spread`` picks a
few options on different days and at different times of day.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from frontdesk.scheduling.types import PartOfDay, Slot, SlotPreferences

__all__ = ["distinct_starts", "part_of_day", "rank_slots", "spread", "unmet_preferences"]

_NOON = time(12)
_FIVE_PM = time(17)


def part_of_day(local_time: time) -> PartOfDay:
    """Morning before 12:00, afternoon before 17:00, evening from 17:00."""
    if local_time < _NOON:
        return "morning"
    if local_time < _FIVE_PM:
        return "afternoon"
    return "evening"


def rank_slots(slots: Sequence[Slot], prefs: SlotPreferences, tz: ZoneInfo) -> list[Slot]:
    """Slots ordered by how many soft preferences they miss, then by start time.

    Preferences are read on the slot's start in the local time of ``tz``: its weekday, its
    part of the day, and its wall time against ``not_before`` (start at or after) and
    ``not_after`` (start at or before). The sort is stable, so slots that tie on both keep
    their input order (for ``find_open_slots`` output: the calendars' order).
    """
    return sorted(slots, key=lambda slot: (_unmet(slot, prefs, tz), slot.start))


def distinct_starts(slots: Sequence[Slot], prefer_resource: Hashable | None = None) -> list[Slot]:
    """One slot per start time, in order of each start's first appearance.

    The kept slot is the first one with that start, unless ``prefer_resource`` has a slot
    at that start, in which case that one is kept.
    """
    chosen: dict[datetime, Slot] = {}
    for slot in slots:
        kept = chosen.get(slot.start)
        if kept is None:
            chosen[slot.start] = slot
        elif (
            prefer_resource is not None
            and slot.resource_id == prefer_resource
            and kept.resource_id != prefer_resource
        ):
            # Replacing a value keeps the key's position, so the order is unchanged.
            chosen[slot.start] = slot
    return list(chosen.values())


def spread(slots: Sequence[Slot], n: int, tz: ZoneInfo) -> list[Slot]:
    """Up to ``n`` varied slots from an already ranked list, kept in ranked order.

    Three passes over the ranked list, each taking slots in order until ``n`` are chosen:
    first the best slot of each local day not yet chosen, then the best slot of each
    (day, part of day) not yet chosen, then whatever ranks highest among the rest. So
    with n=3 a caller hears three different days when there are three, and two times on
    the same day only when they differ in part of the day or nothing else is left.
    """
    if n <= 0:
        return []
    local = [slot.start.astimezone(tz) for slot in slots]
    keys = [(moment.date(), part_of_day(moment.time())) for moment in local]
    picked: set[int] = set()
    days: set[date] = set()
    parts: set[tuple[date, PartOfDay]] = set()
    for pass_number in range(3):
        for position, (day, part) in enumerate(keys):
            if len(picked) == n:
                break
            if position in picked:
                continue
            if pass_number == 0 and day in days:
                continue
            if pass_number == 1 and (day, part) in parts:
                continue
            picked.add(position)
            days.add(day)
            parts.add((day, part))
    return [slots[position] for position in sorted(picked)]


def _unmet(slot: Slot, prefs: SlotPreferences, tz: ZoneInfo) -> int:
    """How many of the given preferences ``slot`` misses."""
    return unmet_preferences(slot.start, slot.resource_id, prefs, tz)


def unmet_preferences(
    start: datetime, resource_id: Hashable, prefs: SlotPreferences, tz: ZoneInfo
) -> int:
    """How many of the given preferences a slot at ``start`` on ``resource_id`` misses."""
    local = start.astimezone(tz)
    wall = local.time()
    misses = 0
    if prefs.weekdays is not None and local.weekday() not in prefs.weekdays:
        misses += 1
    if prefs.parts_of_day is not None and part_of_day(wall) not in prefs.parts_of_day:
        misses += 1
    if prefs.resource_id is not None and resource_id != prefs.resource_id:
        misses += 1
    if prefs.not_before is not None and wall < prefs.not_before:
        misses += 1
    if prefs.not_after is not None and wall > prefs.not_after:
        misses += 1
    return misses
