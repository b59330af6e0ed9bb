"""Slot search that costs what it returns: slots generated lazily, in time order.

``find_open_slots`` builds every slot of every resource in the window and sorts them; an
API page wants the first few hundred. Here (``slot_keys``) each resource gets a
generator that walks its working intervals and its busy time in start order and yields
grid starts only as they are asked for; ``heapq.merge`` interleaves the resources, so
taking ``n`` slots costs about ``n`` steps plus one short setup per resource, whatever
the window's length.

The rules are exactly ``find_open_slots``' (see its module docstring) and so is the order,
(start, calendar order). A slot is encoded as one int, ``start_us * count + index``, so
the merge compares plain integers; datetimes are built only for slots returned.

A cursor ``after`` resumes right behind a slot: each resource's generator starts at the
cursor's instant (strictly after it for resources at or before the cursor's position),
so page ``k`` costs the same as page 1.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from frontdesk.scheduling.ranking import unmet_preferences
from frontdesk.scheduling.slot_keys import slot_keys as _keys
from frontdesk.scheduling.slots import (
    _EPOCH,
    _us,
)
from frontdesk.scheduling.types import (
    BookingPolicy,
    ResourceCalendar,
    ServiceSpec,
    Slot,
    SlotPreferences,
)

__all__ = ["SlotCursor", "SlotPage", "iter_open_slots", "open_slot_page", "scan_slot_page"]


@dataclass(frozen=True, slots=True)
class SlotCursor:
    """Where a page ended: the last slot's rank (unmet preferences, 0 without
    preferences), start and calendar position. ``index == len(calendars)`` means "past
    every resource at ``start``" (what a distinct page resumes from)."""

    rank: int
    start: datetime
    index: int


def iter_open_slots(
    service: ServiceSpec,
    policy: BookingPolicy,
    calendars: Sequence[ResourceCalendar],
    *,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    tz: ZoneInfo,
    after: tuple[datetime, int] | None = None,
) -> Iterator[Slot]:
    """``find_open_slots``' slots in its order, lazily; only those after ``after``
    ((start, calendar index) of a slot already seen) when given."""
    count = len(calendars)
    ids = [c.resource_id for c in calendars]
    duration = service.duration
    for key in _keys(service, policy, calendars, window_start, window_end, now, tz, after):
        start, index = divmod(key, count)
        begin = _EPOCH + timedelta(microseconds=start)
        yield Slot(begin, begin + duration, ids[index])


def open_slot_page(
    service: ServiceSpec,
    policy: BookingPolicy,
    calendars: Sequence[ResourceCalendar],
    *,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    tz: ZoneInfo,
    limit: int,
    after: SlotCursor | None = None,
    preferences: SlotPreferences | None = None,
    distinct: bool = False,
) -> tuple[list[Slot], SlotCursor | None]:
    """One page of ``find_open_slots`` -> ``rank_slots`` (when ``preferences``) ->
    ``distinct_starts`` (when ``distinct``), and the cursor of the next page (None when
    this page is the last).

    Without preferences the work is proportional to ``limit``. With them, ranking needs
    every slot's rank: the window's starts are scanned once as integers (ranks cached per
    start), at most ``limit + 1`` slots are kept per rank, and the scan stops as soon as
    the best rank still wanted is full.
    """
    page = scan_slot_page(
        service,
        policy,
        calendars,
        window_start=window_start,
        window_end=window_end,
        now=now,
        tz=tz,
        limit=limit,
        after=after,
        preferences=preferences,
        distinct=distinct,
    )
    return page.slots, page.next


@dataclass(frozen=True, slots=True)
class SlotPage:
    """A page, its next cursor, and ``settled``: True when no later ``window_end`` could
    change this page (a page found in part of a window is then the whole window's)."""

    slots: list[Slot]
    next: SlotCursor | None
    settled: bool


def scan_slot_page(
    service: ServiceSpec,
    policy: BookingPolicy,
    calendars: Sequence[ResourceCalendar],
    *,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    tz: ZoneInfo,
    limit: int,
    after: SlotCursor | None = None,
    preferences: SlotPreferences | None = None,
    distinct: bool = False,
) -> SlotPage:
    """``open_slot_page`` telling also whether the page is settled (see ``SlotPage``).

    The caller may then search a short first part of a long window (loading only the
    calendars it needs) and widen it only when the page is not settled. With a cursor,
    a part may start at the cursor's start: what came before is on earlier pages.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    count = len(calendars)
    ids = [c.resource_id for c in calendars]
    args = (service, policy, calendars, window_start, window_end, now, tz)
    if preferences is None:
        resume = None if after is None else (after.start, after.index)
        picked = _first(_keys(*args, resume), count, distinct, limit + 1)
        ranked = [(0, key) for key in picked]
        # Slots come in time order: once limit + 1 are found, a later end adds none before.
        settled = len(ranked) > limit
    else:
        keys = _keys(*args, None)
        ranked, settled = _ranked(keys, count, ids, preferences, tz, after, distinct, limit)
    slots = [_slot(key, count, ids, service.duration) for _, key in ranked[:limit]]
    if len(ranked) <= limit:
        return SlotPage(slots, None, settled)
    rank, key = ranked[limit - 1]
    start, index = divmod(key, count)
    moment = _EPOCH + timedelta(microseconds=start)
    return SlotPage(slots, SlotCursor(rank, moment, count if distinct else index), settled)


def _first(keys: Iterator[int], count: int, distinct: bool, n: int) -> list[int]:
    out: list[int] = []
    previous = -1
    for key in keys:
        if distinct:
            start = key // count
            if start == previous:
                continue  # the first resource at a start is the lowest index: keep it
            previous = start
        out.append(key)
        if len(out) == n:
            break
    return out


def _ranked(
    keys: Iterator[int],
    count: int,
    ids: list[object],
    prefs: SlotPreferences,
    tz: ZoneInfo,
    after: SlotCursor | None,
    distinct: bool,
    limit: int,
) -> tuple[list[tuple[int, int]], bool]:
    """(rank, key) of the next ``limit + 1`` slots in ranked order after ``after``, and
    whether the scan stopped early (the best rank wanted filled: settled)."""
    floor = 0 if after is None else after.rank
    cursor = None if after is None else (after.rank, _us(after.start), after.index)
    by_start: dict[int, int] = {}
    # Ranks read per start (shared by every resource there); the resource part apart.
    timing = replace(prefs, resource_id=None)
    buckets: dict[int, list[int]] = {}
    wanted = limit + 1

    def rank_of(key: int) -> tuple[int, int, int]:
        start, index = divmod(key, count)
        base = by_start.get(start)
        if base is None:
            moment = _EPOCH + timedelta(microseconds=start)
            base = by_start[start] = unmet_preferences(moment, None, timing, tz)
        if prefs.resource_id is not None and ids[index] != prefs.resource_id:
            base += 1
        return base, start, index

    def offer(rank: int, start: int, index: int, key: int) -> bool:
        """Keep the slot if it comes after the cursor; True when the scan may stop."""
        if rank < floor or (cursor is not None and (rank, start, index) <= cursor):
            return False
        bucket = buckets.setdefault(rank, [])
        if len(bucket) < wanted:
            bucket.append(key)
        return rank == floor and len(bucket) == wanted

    group: list[tuple[int, int, int]] = []
    stopped = False
    for key in keys:
        rank, start, index = rank_of(key)
        if not distinct:
            if offer(rank, start, index, key):
                stopped = True
                break
            continue
        # distinct_starts keeps a start's best-ranked slot: choose within the start's
        # group first, then apply the cursor (in distinct pages its index is ``count``).
        if group and group[0][1] != start:
            best = min(group)
            if offer(best[0], best[1], count, best[1] * count + best[2]):
                group = []
                stopped = True
                break
            group = []
        group.append((rank, start, index))
    if group:
        best = min(group)
        offer(best[0], best[1], count, best[1] * count + best[2])
    ranked = [(rank, key) for rank in sorted(buckets) for key in buckets[rank]][:wanted]
    return ranked, stopped


def _slot(key: int, count: int, ids: list[object], duration: timedelta) -> Slot:
    start, index = divmod(key, count)
    begin = _EPOCH + timedelta(microseconds=start)
    return Slot(begin, begin + duration, ids[index])
