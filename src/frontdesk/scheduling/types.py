"""Value types of the scheduling core.

Everything here is pure data: no I/O, no ORM. Times are timezone-aware datetimes; the
engine works in UTC and converts to the tenant's IANA zone only where wall-clock rules
apply (weekly hours, parts of the day, per-day limits).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal

# A half-open interval [start, end) of aware datetimes. A tuple, not a class, because the
# engine handles tens of thousands of them per search and tuples are cheap.
Interval = tuple[datetime, datetime]

PartOfDay = Literal["morning", "afternoon", "evening"]


@dataclass(frozen=True, slots=True)
class WeeklyRule:
    """Working time on one weekday, in the tenant's wall clock.

    weekday: 0 = Monday ... 6 = Sunday. ``end`` must be after ``start``, except that
    ``end == time(0)`` means midnight at the end of the day (24:00).
    """

    weekday: int
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class DateException:
    """A dated change to the weekly rules, inclusive of both dates.

    kind "off": time off (the whole day when start/end are None, else that time range on
    each day). kind "extra": extra working hours on each day (start/end required).
    Time off wins over both weekly rules and extra hours.
    """

    start_date: date
    end_date: date
    kind: Literal["off", "extra"]
    start: time | None = None
    end: time | None = None


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """What a service needs from a calendar: its duration and the buffers around it."""

    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)


@dataclass(frozen=True, slots=True)
class BookingPolicy:
    """A tenant's booking rules.

    slot_interval: spacing of offered start times, anchored at the start of each working
    interval. min_notice: earliest start is now + min_notice. max_days_ahead: latest start
    is before now + max_days_ahead days. max_per_day: most active appointments one
    resource takes on one local day (None = no limit).
    """

    slot_interval: timedelta = timedelta(minutes=15)
    min_notice: timedelta = timedelta(0)
    max_days_ahead: int = 60
    max_per_day: int | None = None


@dataclass(frozen=True, slots=True)
class ResourceCalendar:
    """One resource's calendar over the searched window.

    working: sorted, non-overlapping UTC intervals when the resource works (weekly rules
    and exceptions already applied, see ``hours.working_intervals``).
    busy: intervals the resource is blocked, each existing appointment already padded by
    its own service's buffers, plus external calendar busy blocks; any order, may overlap.
    bookings_per_day: active appointments per local date, for ``max_per_day``.
    """

    resource_id: Hashable
    working: Sequence[Interval]
    busy: Sequence[Interval]
    bookings_per_day: Mapping[date, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable appointment time: [start, end) for one resource, UTC-aware."""

    start: datetime
    end: datetime
    resource_id: Hashable


@dataclass(frozen=True, slots=True)
class SlotPreferences:
    """Soft preferences used to rank slots; None means "no preference"."""

    weekdays: frozenset[int] | None = None
    parts_of_day: frozenset[PartOfDay] | None = None
    resource_id: Hashable | None = None
    not_before: time | None = None
    not_after: time | None = None


class Refusal(StrEnum):
    """Why a requested time cannot be booked. Values are stable error codes."""

    TOO_SOON = "too_soon"
    TOO_FAR_AHEAD = "too_far_ahead"
    OUTSIDE_HOURS = "outside_hours"
    SLOT_TAKEN = "slot_taken"
    DAY_FULL = "day_full"
