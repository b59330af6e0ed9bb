"""The lazy half of the slot search: encoded slots of many resources, in time order.

``slot_keys`` yields ``start_us * count + index`` for every bookable slot (the rules of
``slots.find_open_slots``), smallest first, computing each resource's slots only as they
are taken: each resource's busy time is swept in start order as far as needed, its free
gaps become ranges of starts, and grid points inside (working interval, range) pairs
come out of ``range`` objects; ``heapq.merge`` interleaves the resources.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter, itemgetter
from zoneinfo import ZoneInfo

from frontdesk.scheduling.slots import (
    _ONE_DAY,
    _check_policy,
    _check_service,
    _require_aware,
    _to_us,
    _us,
)
from frontdesk.scheduling.types import BookingPolicy, Interval, ResourceCalendar, ServiceSpec

__all__ = ["slot_keys"]

_start_of = itemgetter(0)
_end_of = itemgetter(1)
_tz_of = attrgetter("tzinfo")


def slot_keys(
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
