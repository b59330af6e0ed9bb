"""The slot search as it was before issue 11, kept as the benchmarks' baseline.

``find_slots_legacy`` is ``services.availability.find_slots`` + the API's ``[:limit]`` as
of commit 4c9f002: a per-process cache holding every resource's whole booking horizon
(reloaded whole when its version moves), and ``find_open_slots`` building every slot of
the window before the limit is applied. Same database, same rows, same engine rules:
only the shape of the work differs.
"""

from __future__ import annotations

import threading
import uuid
from bisect import bisect_left, bisect_right
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.scheduling import (
    DateException,
    Interval,
    ResourceCalendar,
    Slot,
    WeeklyRule,
    find_open_slots,
    working_intervals,
)
from frontdesk.services import calendars
from frontdesk.services.calendar_cache import MAX_BLOCK
from frontdesk.services.calendar_loads import busy_rows
from frontdesk.services.calendars import LOAD_MARGIN, ResourceRef
from frontdesk.store.models import ResourceException, Service, Tenant, WorkingHours


@dataclass(frozen=True, slots=True)
class _Entry:
    version: int
    lo: datetime
    hi: datetime
    working: list[Interval]
    busy: list[Interval]
    busy_starts: list[datetime]
    working_starts: list[datetime]
    per_day: dict[date, int]

    def window(self, resource_id: uuid.UUID, lo: datetime, hi: datetime) -> ResourceCalendar:
        b0 = bisect_left(self.busy_starts, lo - MAX_BLOCK)
        b1 = bisect_right(self.busy_starts, hi)
        w0 = max(bisect_right(self.working_starts, lo) - 1, 0)
        w1 = bisect_right(self.working_starts, hi)
        return ResourceCalendar(resource_id, self.working[w0:w1], self.busy[b0:b1], self.per_day)


class LegacyCache:
    def __init__(self) -> None:
        self._entries: OrderedDict[uuid.UUID, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, rid: uuid.UUID, version: int, lo: datetime, hi: datetime) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(rid)
            if entry is None or entry.version != version or not (entry.lo <= lo and hi <= entry.hi):
                return None
            return entry

    def put(self, rid: uuid.UUID, entry: _Entry) -> None:
        with self._lock:
            self._entries[rid] = entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def find_slots_legacy(
    session: Session,
    tenant: Tenant,
    service_id: uuid.UUID,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    cache: LegacyCache,
    limit: int | None = None,
) -> list[Slot]:
    service = session.get(Service, service_id)
    assert service is not None
    refs = calendars.offering_resources(session, tenant, service.id)
    tz = calendars.tenant_zone(tenant)
    horizon_lo = now - LOAD_MARGIN
    horizon_hi = now + timedelta(days=tenant.max_days_ahead) + LOAD_MARGIN
    entries: dict[uuid.UUID, _Entry] = {}
    missing: list[ResourceRef] = []
    for ref in refs:
        entry = cache.get(ref.id, ref.calendar_version, start, end)
        if entry is None:
            missing.append(ref)
        else:
            entries[ref.id] = entry
    if missing:
        entries.update(_load(session, tz, missing, horizon_lo, horizon_hi))
        for ref in missing:
            cache.put(ref.id, entries[ref.id])
    cals = [entries[ref.id].window(ref.id, start, end) for ref in refs]
    slots = find_open_slots(
        calendars.service_spec(service),
        calendars.booking_policy(tenant),
        cals,
        window_start=start.astimezone(UTC),
        window_end=end.astimezone(UTC),
        now=now,
        tz=tz,
    )
    return slots if limit is None else slots[:limit]


def _load(
    session: Session, tz: ZoneInfo, refs: Sequence[ResourceRef], lo: datetime, hi: datetime
) -> dict[uuid.UUID, _Entry]:
    ids = [ref.id for ref in refs]
    rules: dict[uuid.UUID, list[WeeklyRule]] = defaultdict(list)
    for h in session.scalars(select(WorkingHours).where(WorkingHours.resource_id.in_(ids))):
        rules[h.resource_id].append(WeeklyRule(h.weekday, h.start_time, h.end_time))
    exceptions: dict[uuid.UUID, list[DateException]] = defaultdict(list)
    for e in session.scalars(
        select(ResourceException).where(ResourceException.resource_id.in_(ids))
    ):
        exceptions[e.resource_id].append(calendars._exception(e))
    busy: dict[uuid.UUID, list[Interval]] = defaultdict(list)
    per_day: dict[uuid.UUID, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for rid, start_at, blocked_start, blocked_end in busy_rows(session, ids, lo, hi):
        busy[rid].append((blocked_start, blocked_end))
        per_day[rid][start_at.astimezone(tz).date()] += 1
    out: dict[uuid.UUID, _Entry] = {}
    for ref in refs:
        working = working_intervals(rules[ref.id], exceptions[ref.id], tz, lo, hi)
        blocks = sorted(busy[ref.id])
        out[ref.id] = _Entry(
            ref.calendar_version,
            lo,
            hi,
            working,
            blocks,
            [b[0] for b in blocks],
            [w[0] for w in working],
            dict(per_day[ref.id]),
        )
    return out
