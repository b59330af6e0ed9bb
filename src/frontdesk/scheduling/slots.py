"""Slot search: which start times can a service be booked at, on which resources.

A start ``t`` is offered on a resource when all of these hold:

- ``t`` lies on the grid of one working interval ``[ws, we)``: ``t = ws + k * slot_interval``
  (elapsed time, so the grid stays regular across DST changes), and the appointment
  ``[t, t + duration)`` lies inside that same interval;
- the padded appointment ``[t - buffer_before, t + duration + buffer_after)`` overlaps no
  busy interval (buffers may reach outside working hours, never into busy time);
- ``now + min_notice <= t < now + max_days_ahead`` (days of 24 elapsed hours);
- ``window_start <= t < window_end``;
- the resource's local day of ``t`` is not already full (``max_per_day``).

Apart from sorting, the search is linear in the size of the calendars plus the number of
slots offered; no candidate is ever tested against a busy interval. Each resource's busy
time is swept once in start order, every free gap becomes the range of starts whose padded
appointment fits in it, and the grid points inside each (working interval, range) pair
are produced arithmetically. Busy time is swept as UTC datetimes (cheap to compare); the
ranges, working intervals and grid are integers (microseconds since the epoch); datetimes
are built only for the slots returned.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter
from zoneinfo import ZoneInfo

from frontdesk.scheduling.types import (
    BookingPolicy,
    Interval,
    Refusal,
    ResourceCalendar,
    ServiceSpec,
    Slot,
)

__all__ = ["check_bookable", "find_open_slots"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)
_start_of = itemgetter(0)  # Sort key for intervals; a C callable, faster than a lambda.

# A set of allowed start instants as sorted, disjoint half-open integer ranges.
_Ranges = list[tuple[int, int]]


def find_open_slots(
    service: ServiceSpec,
    policy: BookingPolicy,
    calendars: Sequence[ResourceCalendar],
    *,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    tz: ZoneInfo,
) -> list[Slot]:
    """Every bookable slot in the window, sorted by start and then by calendar order.

    ``tz`` is the tenant's zone, used only to tell which local day a start falls on for
    ``max_per_day``. Raises ValueError for naive datetimes or an invalid service/policy.
    """
    _check_service(service)
    _check_policy(policy)
    for value, name in ((window_start, "window_start"), (window_end, "window_end"), (now, "now")):
        _require_aware(value, name)
    if policy.max_per_day == 0:
        return []

    # Notice and horizon are elapsed time, so add them to ``now`` in UTC: on a ZoneInfo
    # datetime, + timedelta is wall-clock arithmetic.
    now_utc = now.astimezone(UTC)
    lowest = max(window_start.astimezone(UTC), now_utc + policy.min_notice)
    beyond = min(window_end.astimezone(UTC), now_utc + policy.max_days_ahead * _ONE_DAY)
    if lowest >= beyond or not calendars:
        return []

    duration = _to_us(service.duration)
    step = _to_us(policy.slot_interval)
    # Each slot is encoded as one int, start * count + calendar index, so a single integer
    # sort orders all resources' slots by (start, calendar order).
    count = len(calendars)
    keys: list[int] = []
    for index, calendar in enumerate(calendars):
        starts = _fitting_starts(calendar.busy, service, lowest, beyond)
        if policy.max_per_day is not None and starts:
            full = _full_days(calendar.bookings_per_day, policy.max_per_day, tz)
            if full:
                starts = _subtract_ranges(starts, full)
        if starts:
            working = sorted((_us(ws), _us(we)) for ws, we in calendar.working)
            _emit_grid(working, starts, duration, step, count, index, keys)
    keys.sort()
    return _build_slots(keys, count, service.duration, [c.resource_id for c in calendars])


def check_bookable(
    service: ServiceSpec,
    policy: BookingPolicy,
    calendar: ResourceCalendar,
    start: datetime,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> Refusal | None:
    """Why ``start`` cannot be booked on this resource, or None when it can.

    ``start`` need not be on the slot grid (staff may book 10:05). Checks run in the order
    TOO_SOON, TOO_FAR_AHEAD, OUTSIDE_HOURS, DAY_FULL, SLOT_TAKEN and the first that fails
    is returned. For an on-grid start inside the window this agrees with
    ``find_open_slots``: the slot is offered exactly when this returns None.
    """
    _check_service(service)
    _check_policy(policy)
    _require_aware(start, "start")
    _require_aware(now, "now")
    # Compare as integers, not datetimes: Python compares two datetimes that share a
    # ZoneInfo by wall clock, which misorders the repeated hour on fall-back day.
    begin = _us(start)
    now_us = _us(now)
    if begin < now_us + _to_us(policy.min_notice):
        return Refusal.TOO_SOON
    if begin >= now_us + _to_us(policy.max_days_ahead * _ONE_DAY):
        return Refusal.TOO_FAR_AHEAD
    end = begin + _to_us(service.duration)
    if not any(_us(ws) <= begin and end <= _us(we) for ws, we in calendar.working):
        return Refusal.OUTSIDE_HOURS
    if policy.max_per_day is not None:
        booked = calendar.bookings_per_day.get(start.astimezone(tz).date(), 0)
        if booked >= policy.max_per_day:
            return Refusal.DAY_FULL
    padded = (begin - _to_us(service.buffer_before), end + _to_us(service.buffer_after))
    if any(_overlaps(padded, (_us(bs), _us(be))) for bs, be in calendar.busy):
        return Refusal.SLOT_TAKEN
    return None


def _fitting_starts(
    busy: Sequence[Interval], service: ServiceSpec, lowest: datetime, beyond: datetime
) -> _Ranges:
    """Starts ``t`` in ``[lowest, beyond)`` whose padded appointment overlaps no busy time.

    Between busy time ending at ``g0`` and busy time starting at ``g1``, exactly the
    starts with ``g0 + buffer_before <= t <= g1 - duration - buffer_after`` fit, so each
    free gap maps to one range of starts. This loop is the hot path of the search: it
    stays in datetimes (comparison and + timedelta are cheap in C, converting each busy
    interval to an integer is not) and converts only the ranges it finds.
    """
    before = service.buffer_before
    needed = service.duration + service.buffer_after
    room = before + needed
    # ``edge``: end of the busy time seen so far; busy time ending by lowest - before
    # cannot reach any start we may offer, so it starts there.
    edge = lowest - before
    fits_from = edge + room  # A block starting here or later leaves a gap that fits.
    last_edge = beyond - before  # From here on no start before ``beyond`` can fit.
    found: list[Interval] = []  # Inclusive [first start, last start].
    utc = UTC  # A local name: this loop runs once per busy interval.
    for block_start, block_end in sorted(busy, key=_start_of):
        if block_start.tzinfo is not utc or block_end.tzinfo is not utc:
            # Comparing and adding to datetimes is only elapsed-time-correct in UTC.
            normalized = [(bs.astimezone(utc), be.astimezone(utc)) for bs, be in busy]
            return _fitting_starts(normalized, service, lowest, beyond)
        if block_end <= edge or block_end <= block_start:
            continue  # Inside busy time already seen, or empty.
        if block_start >= fits_from:
            found.append((edge + before, block_start - needed))
        if block_end >= last_edge:
            return _to_ranges(found, beyond)
        edge = block_end
        fits_from = block_end + room
    found.append((edge + before, beyond - _MICROSECOND))
    return _to_ranges(found, beyond)


def _to_ranges(found: list[Interval], beyond: datetime) -> _Ranges:
    stop = _us(beyond)
    ranges: _Ranges = []
    for first, last in found:
        first_us = _us(first)
        if first_us >= stop:
            break
        ranges.append((first_us, min(_us(last) + 1, stop)))
    return ranges


def _full_days(bookings_per_day: Mapping[date, int], limit: int, tz: ZoneInfo) -> _Ranges:
    """The local days that already hold ``limit`` bookings, as sorted UTC ranges."""
    full: _Ranges = []
    for day, booked in bookings_per_day.items():
        if booked >= limit:
            begin = datetime.combine(day, time(0), tzinfo=tz)
            finish = datetime.combine(day + _ONE_DAY, time(0), tzinfo=tz)
            full.append((_us(begin), _us(finish)))
    full.sort()
    return full


def _subtract_ranges(ranges: _Ranges, cuts: _Ranges) -> _Ranges:
    """``ranges`` minus ``cuts``; both sorted, ``ranges`` disjoint (``cuts`` may touch)."""
    result: _Ranges = []
    j = 0
    for first, stop in ranges:
        while j < len(cuts) and cuts[j][1] <= first:
            j += 1
        k = j
        while k < len(cuts) and cuts[k][0] < stop:
            if cuts[k][0] > first:
                result.append((first, cuts[k][0]))
            first = max(first, cuts[k][1])
            if cuts[k][1] > stop:
                break
            k += 1
        if first < stop:
            result.append((first, stop))
    return result


def _emit_grid(
    working: _Ranges,
    starts: _Ranges,
    duration: int,
    step: int,
    count: int,
    index: int,
    keys: list[int],
) -> None:
    """Append the encoded grid starts of every working interval that fall in ``starts``."""
    stride = step * count
    j = 0
    total = len(starts)
    for ws, we in working:
        stop = we - duration + 1  # Starts must leave room for the whole appointment.
        if stop <= ws:
            continue
        # Start ranges ending before this interval cannot serve it or any later one.
        while j < total and starts[j][1] <= ws:
            j += 1
        k = j
        while k < total:
            first, last = starts[k]
            if first >= stop:
                break
            if first < ws:
                first = ws
            if last > stop:
                last = stop
            if first < last:
                # Round up to the grid anchored at ws: ceil((first - ws) / step) steps.
                first = ws - ((ws - first) // step) * step
                keys.extend(range(first * count + index, last * count + index, stride))
            k += 1


def _build_slots(
    keys: list[int], count: int, duration: timedelta, resource_ids: list[Hashable]
) -> list[Slot]:
    # Building a datetime from an integer costs ~10x adding a timedelta to one, so walk
    # the sorted starts adding the (cached) step from the previous distinct start.
    slots: list[Slot] = []
    steps: dict[int, timedelta] = {}
    previous_key: int | None = None
    previous = 0
    begin = _EPOCH
    end = begin + duration
    for key in keys:
        if key == previous_key:
            continue  # Only possible when a calendar's working intervals overlap.
        previous_key = key
        start, index = divmod(key, count)
        if start != previous:
            gap = start - previous
            delta = steps.get(gap)
            if delta is None:
                delta = steps[gap] = timedelta(microseconds=gap)
            begin += delta
            end = begin + duration
            previous = start
        slots.append(Slot(begin, end, resource_ids[index]))
    return slots


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[0] < a[1] and b[0] < b[1]


def _us(value: datetime) -> int:
    return (value - _EPOCH) // _MICROSECOND


def _to_us(value: timedelta) -> int:
    return value // _MICROSECOND


def _check_service(service: ServiceSpec) -> None:
    if service.duration <= timedelta(0):
        raise ValueError("service duration must be positive")
    if service.buffer_before < timedelta(0) or service.buffer_after < timedelta(0):
        raise ValueError("service buffers must not be negative")


def _check_policy(policy: BookingPolicy) -> None:
    if policy.slot_interval <= timedelta(0):
        raise ValueError("slot_interval must be positive")
    if policy.max_per_day is not None and policy.max_per_day < 0:
        raise ValueError("max_per_day must not be negative")


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
