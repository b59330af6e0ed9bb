"""A per-process cache of resource calendars, checked against the database every search.

Loading a busy salon's appointments for a 14-day search costs far more than the search
itself (thousands of rows -> Python objects). So each process keeps, per resource, the
working intervals and busy intervals over the tenant's whole booking horizon, tagged with
the resource's ``calendar_version``. Every search first reads the current versions (one
small query) and reloads only the resources whose version moved. Every write that
changes a calendar bumps the version in the same transaction (see ``calendars.bump``), so
a cached calendar is never older than what the database had when the search began.

Bookings never trust this cache: the booking transaction re-reads the calendar under its
lock. A stale read here can at worst offer a slot that the booking then refuses.
"""

from __future__ import annotations

import threading
import uuid
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from frontdesk.scheduling import Interval, ResourceCalendar

# Longest blocked range there can be (the API caps a service at 24 hours and each buffer at
# 24 hours); used to find busy intervals that start before a window but reach into it.
MAX_BLOCK = timedelta(hours=72)


@dataclass(frozen=True, slots=True)
class CachedCalendar:
    version: int
    zone: str
    lo: datetime
    hi: datetime
    working: list[Interval]
    busy: list[Interval]  # sorted by start
    busy_starts: list[datetime]
    working_starts: list[datetime]
    per_day: dict[date, int]

    def covers(self, version: int, zone: str, lo: datetime, hi: datetime) -> bool:
        return self.version == version and self.zone == zone and self.lo <= lo and hi <= self.hi

    def window(self, resource_id: uuid.UUID, lo: datetime, hi: datetime) -> ResourceCalendar:
        """The calendar restricted to what can matter for [lo, hi)."""
        b0 = bisect_left(self.busy_starts, lo - MAX_BLOCK)
        b1 = bisect_right(self.busy_starts, hi)
        w0 = max(bisect_right(self.working_starts, lo) - 1, 0)
        w1 = bisect_right(self.working_starts, hi)
        return ResourceCalendar(
            resource_id=resource_id,
            working=self.working[w0:w1],
            busy=self.busy[b0:b1],
            bookings_per_day=self.per_day,
        )


class CalendarCache:
    """Thread-safe LRU of CachedCalendar per resource id."""

    def __init__(self, max_resources: int = 5000) -> None:
        self._entries: OrderedDict[uuid.UUID, CachedCalendar] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_resources
        self.hits = 0
        self.misses = 0

    def get(
        self, resource_id: uuid.UUID, version: int, zone: ZoneInfo, lo: datetime, hi: datetime
    ) -> CachedCalendar | None:
        with self._lock:
            entry = self._entries.get(resource_id)
            if entry is None or not entry.covers(version, zone.key, lo, hi):
                self.misses += 1
                return None
            self._entries.move_to_end(resource_id)
            self.hits += 1
            return entry

    def put(self, resource_id: uuid.UUID, entry: CachedCalendar) -> None:
        with self._lock:
            self._entries[resource_id] = entry
            self._entries.move_to_end(resource_id)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


DEFAULT_CACHE = CalendarCache()
