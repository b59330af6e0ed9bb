"""The earliest instant at which a wall clock in some zone reads a time inside a window.

"08:00-21:00 local" is defined by what the lead's wall clock reads: an instant is inside
the window when ``instant.astimezone(zone)`` has an allowed date and a time of day in
[start, end). That one definition settles DST days without special cases:

- Nonexistent wall times (the spring-forward gap) are never read by a clock, so they are
  simply skipped. A window starting at 02:30 in New York on 2026-03-08 opens at the
  instant the clock jumps to 03:00 EDT, the first instant it reads 02:30 or later.
- Ambiguous wall times (the repeated hour on fall-back day) are read twice, so both
  passes are inside a window covering them.
- A window's real length follows the clock: 08:00-21:00 is 13 real hours on every day,
  because DST changes happen outside it in the zones we call (and would shorten or
  lengthen it by the change otherwise).

The search walks UTC in pieces of constant UTC offset, where the wall clock is UTC plus a
fixed offset, so each piece is solved with plain arithmetic; offset changes are found by
bisection on ``utcoffset`` (tzdata changes fall on whole seconds).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from frontdesk.outreach.types import DayWindow

__all__ = ["first_instant_in_window", "wall_clock_in_window"]

_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)

# A window for a local date, or None when no calls are allowed that day.
WindowOn = Callable[[date], DayWindow | None]


def wall_clock_in_window(instant: datetime, zone: ZoneInfo, window_on: WindowOn) -> bool:
    """Whether the wall clock in ``zone`` reads a time inside its date's window."""
    local = instant.astimezone(zone)
    window = window_on(local.date())
    return window is not None and window.contains(local.time())


def first_instant_in_window(
    earliest: datetime, zone: ZoneInfo, window_on: WindowOn, horizon: timedelta
) -> datetime | None:
    """The earliest instant ``>= earliest`` at which ``wall_clock_in_window`` holds, in UTC.

    None when there is none before ``earliest + horizon``.
    """
    if earliest.tzinfo is None:
        raise ValueError("earliest must be timezone-aware")
    piece_start = earliest.astimezone(UTC)
    limit = piece_start + horizon
    while piece_start < limit:
        offset = _offset(zone, piece_start)
        piece_end = _next_offset_change(zone, piece_start, offset)
        found = _first_in_piece(piece_start, min(piece_end, limit), offset, window_on)
        if found is not None:
            return found
        piece_start = piece_end
    return None


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None  # a ZoneInfo always answers for an aware instant
    return offset


def _next_offset_change(zone: ZoneInfo, start: datetime, offset: timedelta) -> datetime:
    """The first instant after ``start`` where the offset differs, or ``start`` + 1 day.

    Assumes at most one change in a day (true of the rules zones follow today: changes are
    months apart), so a day with the same offset at both ends has none inside it.
    """
    low, high = start, start + _DAY
    if _offset(zone, high) == offset:
        return high
    # Invariant: offset at low is the old one, at high the new one.
    while high - low > _SECOND:
        middle = low + (high - low) / 2
        if _offset(zone, middle) == offset:
            low = middle
        else:
            high = middle
    # The change is at the one whole second in (low, high].
    change = low.replace(microsecond=0) + _SECOND
    return change if _offset(zone, change) != offset else high


def _first_in_piece(
    start: datetime, end: datetime, offset: timedelta, window_on: WindowOn
) -> datetime | None:
    """Within [start, end), where the wall clock is UTC + ``offset``, the earliest instant
    inside a window."""
    wall_start = start.replace(tzinfo=None) + offset
    wall_end = end.replace(tzinfo=None) + offset
    day = wall_start.date()
    while day <= wall_end.date():
        window = window_on(day)
        if window is not None:
            opens = max(wall_start, datetime.combine(day, window.start))
            closes = min(wall_end, datetime.combine(day, window.end))
            if opens < closes:
                return (opens - offset).replace(tzinfo=UTC)
        day += _DAY
    return None
