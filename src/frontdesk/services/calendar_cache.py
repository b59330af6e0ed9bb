"""A per-process cache of resource calendars, checked against the database every search.

Loading a busy salon's appointments costs far more than searching them (rows -> Python
objects). So each process keeps, per resource, the working and busy intervals over the
span that searches have asked for (each search's window plus a margin, rounded out to
whole UTC hours, widened as later windows reach past either end), tagged with
the resource's ``calendar_version``. A search first reads the current versions (one
small query); a resource whose version moved is reloaded for the searched window only,
never for the whole booking horizon, and a window reaching past the cached span loads
only the part it lacks. Every write that changes a calendar bumps the version in the
same transaction (see ``calendars.bump``), and the version is read before the data, so a
cached calendar is never older than what the database had when its version was read:
any number of processes can share one database, each with its own cache.

Bookings never trust this cache: the booking transaction re-reads the calendar under its
lock. A stale read here can at worst offer a slot that the booking then refuses.
"""

from __future__ import annotations

import threading
import uuid
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from frontdesk.scheduling import (
    DateException,
    Interval,
    ResourceCalendar,
    WeeklyRule,
    working_intervals,
)

# Longest blocked range there can be (the API caps a service at 24 hours and each buffer at
# 24 hours); used to find busy intervals that start before a window but reach into it.
MAX_BLOCK = timedelta(hours=72)

# One appointment as the cache needs it: (start_at, blocked_start, blocked_end).
Row = tuple[datetime, datetime, datetime]


@dataclass(frozen=True, slots=True)
class CachedCalendar:
    """One resource's calendar over [lo, hi): what a search of any window inside needs.

    ``busy`` holds every active appointment with ``blocked_start`` in [lo - MAX_BLOCK,
    hi) and ``blocked_end`` > lo, so ``per_day`` is complete for the local days inside
    [lo, hi). ``rules``/``exceptions`` are kept to extend ``working`` without a query.
    """

    version: int
    zone: str
    lo: datetime
    hi: datetime
    rules: tuple[WeeklyRule, ...]
    exceptions: tuple[DateException, ...]
    working: list[Interval]
    busy: list[Interval]  # sorted by start
    busy_starts: list[datetime]
    working_starts: list[datetime]
    per_day: dict[date, int]

    def covers(self, lo: datetime, hi: datetime) -> bool:
        return self.lo <= lo and hi <= self.hi

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

    def grown(
        self,
        lo: datetime,
        hi: datetime,
        left: list[Interval],
        right: list[Interval],
        rows: list[Row],
    ) -> CachedCalendar:
        """This calendar widened to [lo, hi) (which contains [self.lo, self.hi)), given
        the working intervals of [lo, self.lo) and [self.hi, hi) and exactly the
        appointments the wider span adds (``calendars.span_difference``), so nothing is
        counted twice."""
        joined = _glue(_glue(left, self.working), right)
        blocks = [(bs, be) for _, bs, be in rows]
        busy = sorted(self.busy + blocks) if blocks else self.busy
        per_day = dict(self.per_day)
        tz = ZoneInfo(self.zone)
        for start_at, _, _ in rows:
            day = start_at.astimezone(tz).date()
            per_day[day] = per_day.get(day, 0) + 1
        return replace(
            self,
            lo=lo,
            hi=hi,
            working=joined,
            working_starts=[w[0] for w in joined],
            busy=busy,
            busy_starts=[b[0] for b in busy],
            per_day=per_day,
        )


def _glue(first: list[Interval], second: list[Interval]) -> list[Interval]:
    """Consecutive working intervals; one clipped at the seam is whole again (its grid is
    anchored at its true start)."""
    if first and second and first[-1][1] == second[0][0]:
        return [*first[:-1], (first[-1][0], second[0][1]), *second[1:]]
    return [*first, *second]


def build_entry(
    version: int,
    tz: ZoneInfo,
    lo: datetime,
    hi: datetime,
    rules: Sequence[WeeklyRule],
    exceptions: Sequence[DateException],
    rows: Iterable[Row],
) -> CachedCalendar:
    """A cache entry from stored hours and the (start_at, blocked_start, blocked_end) of
    the resource's active appointments loaded for [lo, hi)."""
    working = working_intervals(rules, exceptions, tz, lo, hi)
    per_day: dict[date, int] = {}
    blocks = []
    for start_at, blocked_start, blocked_end in rows:
        blocks.append((blocked_start, blocked_end))
        day = start_at.astimezone(tz).date()
        per_day[day] = per_day.get(day, 0) + 1
    blocks.sort()
    return CachedCalendar(
        version=version,
        zone=tz.key,
        lo=lo,
        hi=hi,
        rules=tuple(rules),
        exceptions=tuple(exceptions),
        working=working,
        busy=blocks,
        busy_starts=[b[0] for b in blocks],
        working_starts=[w[0] for w in working],
        per_day=per_day,
    )


class CalendarCache:
    """Thread-safe LRU of CachedCalendar per resource id."""

    def __init__(self, max_resources: int = 5000) -> None:
        self._entries: OrderedDict[uuid.UUID, CachedCalendar] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_resources
        self.hits = 0
        self.misses = 0

    def get(self, resource_id: uuid.UUID, version: int, zone: ZoneInfo) -> CachedCalendar | None:
        """The entry if it is at least as new as ``version`` (a newer one, put by a
        search that read the version later, is only fresher) and in the same zone."""
        with self._lock:
            entry = self._entries.get(resource_id)
            if entry is None or entry.version < version or entry.zone != zone.key:
                self.misses += 1
                return None
            self._entries.move_to_end(resource_id)
            self.hits += 1
            return entry

    def held(self, resource_id: uuid.UUID, zone: ZoneInfo) -> CachedCalendar | None:
        """Whatever entry is held, stale or not (its span says what to reload)."""
        with self._lock:
            entry = self._entries.get(resource_id)
            return entry if entry is not None and entry.zone == zone.key else None

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
