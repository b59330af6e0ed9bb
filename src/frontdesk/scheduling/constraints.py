"""Hard and soft constraints of a meeting request, and what they mean in real time.

The shapes mirror what the constraint parser answers (``POST /api/v1/constraints/parse``):
weekdays as lowercase English names, wall-clock times as ``datetime.time``, dates as
``datetime.date``. ``nlu`` and ``scheduling`` may not import each other (one layer, two
independent packages), so the service that holds both converts the parser's answer into
these types.

Wall-clock times become instants per local date with ``zoneinfo`` exactly as weekly hours
do (``hours``): a time in the spring-forward gap is read with the offset in force before
the change (PEP 495 ``fold=0``), a repeated time on fall-back day as its first occurrence.
So "09:00-12:00" is 3 real hours every day, and "00:00-06:00" is 5 real hours on the day
clocks spring forward and 7 on the day they fall back.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from frontdesk.scheduling.hours import _local_span
from frontdesk.scheduling.intervals import clip, merge
from frontdesk.scheduling.ranking import unmet_preferences
from frontdesk.scheduling.types import Interval, PartOfDay, Slot, SlotPreferences

__all__ = [
    "WEEKDAY_NAMES",
    "HardConstraints",
    "LocalWindow",
    "SoftConstraints",
    "WeekdayName",
    "allowed_intervals",
    "availability_from_windows",
    "slots_inside",
    "soft_preferences_met",
    "soft_score",
]

WeekdayName = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# Index = ``date.weekday()`` (0 = Monday).
WEEKDAY_NAMES: tuple[WeekdayName, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_PARTS: frozenset[str] = frozenset({"morning", "afternoon", "evening"})
_MIDNIGHT = time(0)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class HardConstraints:
    """Where a meeting may lie; a slot outside them is never chosen.

    The whole meeting ``[start, start + duration)`` must lie in ``[window_start,
    window_end)`` and, on every local date it touches, on an allowed weekday
    (``days_of_week``, None = any), on a date not in ``exclude_dates``, and between
    ``earliest_time`` and ``latest_time`` (None = 00:00 and 24:00; ``latest_time ==
    time(0)`` also means 24:00). Only ``00:00-24:00`` days join across midnight, so a
    meeting crosses midnight only when both days allow all of it.

    ``timezone`` is the IANA zone the wall-clock fields are read in (the parser's echo
    of the request's zone); functions here take the ``ZoneInfo`` and default to it.
    Raises ValueError for naive window bounds, an unknown weekday name, or a
    ``latest_time`` not after ``earliest_time``.
    """

    window_start: datetime
    window_end: datetime
    timezone: str
    days_of_week: frozenset[WeekdayName] | None = None
    earliest_time: time | None = None
    latest_time: time | None = None
    exclude_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        _require_aware(self.window_start, "window_start")
        _require_aware(self.window_end, "window_end")
        _check_weekdays(self.days_of_week)
        first = self.earliest_time or _MIDNIGHT
        last = self.latest_time
        if last is not None and last != _MIDNIGHT and last <= first:
            raise ValueError(f"latest_time {last} must be after earliest_time {first}")

    def zone(self) -> ZoneInfo:
        """The ZoneInfo of ``timezone`` (raises ZoneInfoNotFoundError when unknown)."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class SoftConstraints:
    """Preferences that rank slots inside the hard constraints; None = no preference.

    Read on the meeting's start in local time, as ``ranking.rank_slots`` reads them."""

    days_of_week: frozenset[WeekdayName] | None = None
    parts_of_day: frozenset[PartOfDay] | None = None

    def __post_init__(self) -> None:
        _check_weekdays(self.days_of_week)
        if self.parts_of_day is not None and not self.parts_of_day <= _PARTS:
            raise ValueError(f"unknown parts of day: {sorted(self.parts_of_day - _PARTS)}")


@dataclass(frozen=True, slots=True)
class LocalWindow:
    """A stated availability window on one local date ("Tuesday after 2" is
    ``LocalWindow(tuesday, time(14))``). ``start`` None = 00:00; ``end`` None or
    ``time(0)`` = 24:00 (midnight at the end of ``day``)."""

    day: date
    start: time | None = None
    end: time | None = None


def allowed_intervals(hard: HardConstraints, tz: ZoneInfo | None = None) -> list[Interval]:
    """The time the hard constraints allow, as sorted, disjoint UTC intervals.

    ``tz`` (default: ``hard.zone()``) is the zone the weekdays, dates and times are read
    in. One interval per allowed local date, so the cost is linear in the window's days.
    """
    zone = hard.zone() if tz is None else tz
    if hard.window_end <= hard.window_start:
        return []
    weekdays = _weekday_numbers(hard.days_of_week)
    first = hard.earliest_time or _MIDNIGHT
    last = hard.latest_time or _MIDNIGHT
    # Each date's span lies within its own midnights, so the local dates of the bounds
    # suffice; one more on each side covers zones whose DST change happens at midnight.
    day = hard.window_start.astimezone(zone).date() - _ONE_DAY
    final = hard.window_end.astimezone(zone).date() + _ONE_DAY
    spans: list[Interval] = []
    while day <= final:
        if (weekdays is None or day.weekday() in weekdays) and day not in hard.exclude_dates:
            spans.append(_local_span(day, first, last, zone))
        day += _ONE_DAY
    # merge (inside clip) drops spans that vanished in a DST gap and joins whole days.
    return clip(spans, hard.window_start.astimezone(UTC), hard.window_end.astimezone(UTC))


def slots_inside(
    slots: Iterable[Slot], hard: HardConstraints, tz: ZoneInfo | None = None
) -> list[Slot]:
    """The slots whose whole ``[start, end)`` the hard constraints allow, in input order
    ("any weekday morning except Wednesday": never a Wednesday, never after noon)."""
    allowed = [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in allowed_intervals(hard, tz)]
    starts = [a for a, _ in allowed]
    kept: list[Slot] = []
    for slot in slots:
        # Allowed intervals are disjoint: only the last one starting at or before the
        # slot can hold it.
        at = bisect_right(starts, slot.start.astimezone(UTC)) - 1
        if at >= 0 and slot.end.astimezone(UTC) <= allowed[at][1]:
            kept.append(slot)
    return kept


def availability_from_windows(windows: Iterable[LocalWindow], tz: ZoneInfo) -> list[Interval]:
    """A participant's stated local windows as sorted, disjoint UTC intervals.

    ``tz`` is the participant's zone. Windows that touch or overlap are joined, so
    "Tuesday 9-12" plus "Tuesday 12-14" admit a meeting at 11:30. Raises ValueError for
    a window whose end is not after its start.
    """
    spans: list[Interval] = []
    for window in windows:
        start = window.start or _MIDNIGHT
        end = window.end or _MIDNIGHT
        if end != _MIDNIGHT and end <= start:
            raise ValueError(f"window on {window.day}: end {end} must be after start {start}")
        spans.append(_local_span(window.day, start, end, tz))
    return merge(spans)


def soft_score(start: datetime, soft: SoftConstraints, tz: ZoneInfo) -> int:
    """How many of the given soft preferences a meeting starting at ``start`` meets
    (0 to 2; higher is better). Counted by ``ranking.unmet_preferences``."""
    prefs = _as_preferences(soft)
    given = (soft.days_of_week is not None) + (soft.parts_of_day is not None)
    return given - unmet_preferences(start, None, prefs, tz)


def soft_preferences_met(
    start: datetime, soft: SoftConstraints, tz: ZoneInfo
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(met, missed): the names of the given soft preferences ("days_of_week",
    "parts_of_day") that a meeting starting at ``start`` meets and misses."""
    met: list[str] = []
    missed: list[str] = []
    days = SoftConstraints(days_of_week=soft.days_of_week)
    parts = SoftConstraints(parts_of_day=soft.parts_of_day)
    for name, given, alone in (
        ("days_of_week", soft.days_of_week, days),
        ("parts_of_day", soft.parts_of_day, parts),
    ):
        if given is not None:
            (met if soft_score(start, alone, tz) else missed).append(name)
    return tuple(met), tuple(missed)


def _as_preferences(soft: SoftConstraints) -> SlotPreferences:
    return SlotPreferences(
        weekdays=_weekday_numbers(soft.days_of_week), parts_of_day=soft.parts_of_day
    )


def _weekday_numbers(names: frozenset[WeekdayName] | None) -> frozenset[int] | None:
    if names is None:
        return None
    return frozenset(WEEKDAY_NAMES.index(name) for name in names)


def _check_weekdays(names: frozenset[WeekdayName] | None) -> None:
    if names is not None:
        unknown = sorted(set(names) - set(WEEKDAY_NAMES))
        if unknown:
            raise ValueError(f"unknown weekday names: {unknown}")


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
