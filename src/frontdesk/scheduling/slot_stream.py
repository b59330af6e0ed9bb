"""Slot search that costs what it returns: slots generated lazily, in time order.

``find_open_slots`` builds every slot of every resource in the window and sorts them; an
API page wants the first few hundred. Here each resource gets a generator that walks its
working intervals and its busy time in start order and yields grid starts only as they
are asked for; ``heapq.merge`` interleaves the resources, so taking ``n`` slots costs
about ``n`` steps plus one short setup per resource, whatever the window's length.

The rules are exactly ``find_open_slots``' (see its module docstring) and so is the order,
(start, calendar order). A slot is encoded as one int, ``start_us * count + index``, so
the merge compares plain integers; datetimes are built only for slots returned.

A cursor ``after`` resumes right behind a slot: each resource's generator starts at the
cursor's instant (strictly after it for resources at or before the cursor's position),
so page ``k`` costs the same as page 1.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter, itemgetter
from zoneinfo import ZoneInfo

from frontdesk.scheduling.ranking import unmet_preferences
from frontdesk.scheduling.slots import (
    _EPOCH,
    _ONE_DAY,
    _check_policy,
    _check_service,
    _require_aware,
    _to_us,
    _us,
)
from frontdesk.scheduling.types import (
    BookingPolicy,
    Interval,
    ResourceCalendar,
    ServiceSpec,
    Slot,
    SlotPreferences,
)

__all__ = ["SlotCursor", "SlotPage", "iter_open_slots", "open_slot_page", "scan_slot_page"]

_start_of = itemgetter(0)
_end_of = itemgetter(1)
_tz_of = attrgetter("tzinfo")


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


def _keys(
    service: ServiceSpec,
    policy: BookingPolicy,
    calendars: Sequence[ResourceCalendar],
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    tz: ZoneInfo,
    after: tuple[datetime, int] | None,
) -> Iterator[int]:
    """Encoded slots (start_us * count + index) in increasing order."""
    _check_service(service)
    _check_policy(policy)
    for value, name in ((window_start, "window_start"), (window_end, "window_end"), (now, "now")):
        _require_aware(value, name)
    if policy.max_per_day == 0 or not calendars:
        return iter(())
    now_utc = now.astimezone(UTC)
    lowest = max(window_start.astimezone(UTC), now_utc + policy.min_notice)
    beyond = min(window_end.astimezone(UTC), now_utc + policy.max_days_ahead * _ONE_DAY)
    if lowest >= beyond:
        return iter(())
    count = len(calendars)
    streams = []
    for index, calendar in enumerate(calendars):
        first = lowest
        if after is not None:
            # At the cursor's instant only resources after the cursor's one remain.
            resume = after[0].astimezone(UTC)
            if index <= after[1]:
                resume += timedelta(microseconds=1)
            first = max(first, resume)
        if first >= beyond:
            continue
        streams.append(_resource_keys(calendar, service, policy, tz, first, beyond, count, index))
    return heapq.merge(*streams)


def _resource_keys(
    calendar: ResourceCalendar,
    service: ServiceSpec,
    policy: BookingPolicy,
    tz: ZoneInfo,
    lowest: datetime,
    beyond: datetime,
    count: int,
    index: int,
) -> Iterator[int]:
    """One resource's encoded slots in increasing order, computed as they are taken."""
    duration = _to_us(service.duration)
    step = _to_us(policy.slot_interval)
    stride = step * count
    ranges = _fitting(calendar.busy, service, lowest, beyond)
    if policy.max_per_day is not None:
        full = _full_days(calendar.bookings_per_day, policy.max_per_day, tz, lowest, beyond)
        if full:
            ranges = _minus(ranges, full)
    current = next(ranges, None)
    working = sorted(calendar.working, key=_start_of)
    position, total = 0, len(working)
    while position < total and current is not None:
        # A cluster: working intervals that overlap one another (their grids interleave).
        ws, we = _us(working[position][0]), _us(working[position][1])
        members = [(ws, we)]
        position += 1
        while position < total and _us(working[position][0]) < we:
            other = (_us(working[position][0]), _us(working[position][1]))
            members.append(other)
            we = max(we, other[1])
            position += 1
        stop = we - duration + 1  # No start in the cluster at or after this fits.
        while current is not None and current[1] <= ws:
            current = next(ranges, None)
        # The ranges reaching into the cluster; the last may reach the next cluster too.
        used: list[tuple[int, int]] = []
        while current is not None and current[0] < stop:
            used.append(current)
            if current[1] > stop:
                break
            current = next(ranges, None)
        if not used:
            continue
        if len(members) == 1:
            for first, last in used:
                yield from _grid(ws, we - duration + 1, first, last, step, stride, count, index)
            continue
        keys: set[int] = set()
        for mws, mwe in members:
            for first, last in used:
                keys.update(_grid(mws, mwe - duration + 1, first, last, step, stride, count, index))
        yield from sorted(keys)


def _grid(
    ws: int, stop: int, first: int, last: int, step: int, stride: int, count: int, index: int
) -> range:
    """Encoded grid starts (anchored at ``ws``) inside [ws, stop) and [first, last)."""
    first = max(first, ws)
    last = min(last, stop)
    if first >= last:
        return range(0)
    first = ws - ((ws - first) // step) * step  # round up onto the grid
    return range(first * count + index, last * count + index, stride)


def _fitting(
    busy: Sequence[Interval], service: ServiceSpec, lowest: datetime, beyond: datetime
) -> Iterator[tuple[int, int]]:
    """Lazily, ``slots._fitting_starts``: [first, stop) ranges of starts whose padded
    appointment overlaps no busy time, in order. Busy time is compared as UTC datetimes
    (cheap in C); only the ranges produced are converted to integers."""
    # Comparing and adding to datetimes is elapsed-time-correct only in UTC; the check
    # runs in C (map), the conversion only for calendars that need it (rare).
    zones = set(map(_tz_of, map(_start_of, busy)))
    zones.update(map(_tz_of, map(_end_of, busy)))
    if zones - {UTC}:
        busy = [(bs.astimezone(UTC), be.astimezone(UTC)) for bs, be in busy]
    before = service.buffer_before
    needed = service.duration + service.buffer_after
    room = before + needed
    edge = lowest - before
    fits_from = edge + room
    last_edge = beyond - before
    stop = _us(beyond)
    for block_start, block_end in sorted(busy, key=_start_of):
        if block_end <= edge or block_end <= block_start:
            continue
        if block_start >= fits_from:
            first = _us(edge + before)
            if first >= stop:
                return
            yield first, min(_us(block_start - needed) + 1, stop)
        if block_end >= last_edge:
            return
        edge = block_end
        fits_from = block_end + room
    first = _us(edge + before)
    if first < stop:
        yield first, stop


def _full_days(
    per_day: Mapping[date, int], limit: int, tz: ZoneInfo, lowest: datetime, beyond: datetime
) -> list[tuple[int, int]]:
    """Local days in [lowest, beyond] that already hold ``limit`` bookings, as UTC ranges."""
    first = lowest.astimezone(tz).date()
    last = beyond.astimezone(tz).date()
    span = (last - first).days + 1
    if len(per_day) <= span:
        days = sorted(d for d, n in per_day.items() if n >= limit and first <= d <= last)
    else:
        days = [
            d
            for d in (first + timedelta(days=i) for i in range(span))
            if per_day.get(d, 0) >= limit
        ]
    return [
        (
            _us(datetime.combine(d, time(0), tzinfo=tz)),
            _us(datetime.combine(d + _ONE_DAY, time(0), tzinfo=tz)),
        )
        for d in days
    ]


def _minus(
    ranges: Iterator[tuple[int, int]], cuts: list[tuple[int, int]]
) -> Iterator[tuple[int, int]]:
    """``ranges`` (sorted, disjoint) minus ``cuts`` (sorted; may touch), lazily."""
    j, total = 0, len(cuts)
    for first, stop in ranges:
        while j < total and cuts[j][1] <= first:
            j += 1
        k = j
        while k < total and cuts[k][0] < stop:
            if cuts[k][0] > first:
                yield first, cuts[k][0]
            first = max(first, cuts[k][1])
            if cuts[k][1] > stop:
                break
            k += 1
        if first < stop:
            yield first, stop
