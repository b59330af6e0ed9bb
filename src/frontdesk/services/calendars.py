"""Build the scheduling core's inputs (ResourceCalendar, policy, spec) from stored rows.

This is the one place that turns ORM rows into the pure engine's value types, so the
availability query and the booking check see exactly the same calendar.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from frontdesk.scheduling import (
    BookingPolicy,
    DateException,
    Interval,
    ResourceCalendar,
    ServiceSpec,
    WeeklyRule,
    working_intervals,
)
from frontdesk.services.calendar_cache import (
    DEFAULT_CACHE,
    CachedCalendar,
    CalendarCache,
)
from frontdesk.services.calendar_loads import busy_rows, load_entries, span_difference
from frontdesk.services.external_busy import external_busy
from frontdesk.store.models import (
    Resource,
    ResourceException,
    Service,
    Tenant,
    resource_services,
)

# How far around a searched window we load busy time and bookings: enough for any
# buffer and for whole local days at both ends (per-day limits count the whole day).
LOAD_MARGIN = timedelta(days=1, hours=2)
# The longest span one resource's cache entry grows to by extension; past it a search
# loads its own window afresh (memory stays bounded by what searches ask for).
MAX_SPAN = timedelta(days=120)
# A window this close to a cached span widens it over the gap (searches that hop between
# nearby weeks converge on one entry); a farther one replaces it.
MAX_GAP = timedelta(days=31)


def tenant_zone(tenant: Tenant) -> ZoneInfo:
    return ZoneInfo(tenant.timezone)


def booking_policy(tenant: Tenant) -> BookingPolicy:
    return BookingPolicy(
        slot_interval=timedelta(minutes=tenant.slot_interval_minutes),
        min_notice=timedelta(minutes=tenant.min_notice_minutes),
        max_days_ahead=tenant.max_days_ahead,
        max_per_day=tenant.max_per_day,
    )


def service_spec(service: Service) -> ServiceSpec:
    return ServiceSpec(
        duration=timedelta(minutes=service.duration_minutes),
        buffer_before=timedelta(minutes=service.buffer_before_minutes),
        buffer_after=timedelta(minutes=service.buffer_after_minutes),
    )


def weekly_rules(resource: Resource) -> list[WeeklyRule]:
    return [WeeklyRule(h.weekday, h.start_time, h.end_time) for h in resource.hours]


def _exception(e: ResourceException) -> DateException:
    return DateException(
        start_date=e.start_date,
        end_date=e.end_date,
        kind="off" if e.kind == "off" else "extra",
        start=e.start_time,
        end=e.end_time,
    )


def date_exceptions(resource: Resource) -> list[DateException]:
    return [_exception(e) for e in resource.exceptions]


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """What a search needs to know about a resource before touching its calendar."""

    id: uuid.UUID
    name: str
    calendar_version: int
    has_calendar: bool = False


def offering_resources(
    session: Session, tenant: Tenant, service_id: uuid.UUID, resource_id: uuid.UUID | None = None
) -> list[ResourceRef]:
    """Active resources that offer the service, by name; one light query, no ORM objects."""
    query = (
        select(Resource.id, Resource.name, Resource.calendar_version, Resource.has_calendar)
        .join(resource_services, resource_services.c.resource_id == Resource.id)
        .where(
            resource_services.c.service_id == service_id,
            Resource.tenant_id == tenant.id,
            Resource.active.is_(True),
        )
        .order_by(Resource.name, Resource.id)  # a total order: search cursors rely on it
    )
    if resource_id is not None:
        query = query.where(Resource.id == resource_id)
    return [ResourceRef(*row) for row in session.execute(query)]


def bump(session: Session, resource_ids: Iterable[uuid.UUID]) -> None:
    """Mark these calendars changed, in the caller's transaction.

    In sorted id order, so two transactions bumping the same resources lock them in the
    same order. On PostgreSQL the UPDATE holds the row lock until commit, which
    serialises writers of one resource (and so avoids exclusion-constraint deadlocks).
    """
    for rid in sorted(set(resource_ids)):
        session.execute(
            update(Resource)
            .where(Resource.id == rid)
            .values(calendar_version=Resource.calendar_version + 1)
            .execution_options(synchronize_session=False)
        )


def prefetch_external(
    session: Session,
    tenant: Tenant,
    service_id: uuid.UUID,
    resource_id: uuid.UUID | None,
    start: datetime,
    end: datetime,
) -> None:
    """Read connected calendars for a booking *before* its write transaction, so the
    booking's own (fresh) read finds them seconds old and makes no network call while it
    holds the database write lock."""
    refs = offering_resources(session, tenant, service_id, resource_id)
    ids = [ref.id for ref in refs if ref.has_calendar]
    if not ids:
        return
    external_busy(
        session,
        tenant,
        ids,
        start - LOAD_MARGIN,
        end + LOAD_MARGIN,
        fresh=True,
        in_write=False,
        force=True,
    )


def load_calendars(
    session: Session,
    tenant: Tenant,
    resources: Sequence[Resource],
    start: datetime,
    end: datetime,
    *,
    exclude_appointment: uuid.UUID | None = None,
    fresh: bool = True,
) -> list[ResourceCalendar]:
    """Working time, busy time and per-day counts of ``resources`` around [start, end),
    read fresh from the database (the booking path: never cached).

    One query for all resources' appointments (only the columns the engine needs), not
    one per resource or per slot. ``exclude_appointment`` leaves one appointment out,
    for a reschedule, which must not collide with itself.
    """
    tz = tenant_zone(tenant)
    lo, hi = start - LOAD_MARGIN, end + LOAD_MARGIN
    busy: dict[uuid.UUID, list[Interval]] = defaultdict(list)
    per_day: dict[uuid.UUID, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    ids = [r.id for r in resources]
    if ids:
        for resource_id, start_at, blocked_start, blocked_end in busy_rows(
            session, ids, lo, hi, exclude_appointment
        ):
            busy[resource_id].append((blocked_start, blocked_end))
            per_day[resource_id][start_at.astimezone(tz).date()] += 1
        # External calendars, asked afresh (the booking path; ``fresh`` only for search).
        connected = [r.id for r in resources if r.has_calendar]
        if connected:
            external = external_busy(session, tenant, connected, lo, hi, fresh=fresh)
            for resource_id, blocks in external.items():
                busy[resource_id].extend(blocks)
    return [
        ResourceCalendar(
            resource_id=r.id,
            working=working_intervals(weekly_rules(r), date_exceptions(r), tz, lo, hi),
            busy=busy[r.id],
            bookings_per_day=per_day[r.id],
        )
        for r in resources
    ]


def cached_calendars(
    session: Session,
    tenant: Tenant,
    refs: Sequence[ResourceRef],
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    cache: CalendarCache = DEFAULT_CACHE,
) -> list[ResourceCalendar]:
    """Calendars for a search, from the process cache where the version still matches.

    ``refs`` must have been read before this call (versions first, then data: a
    concurrent write can then only make the cache newer than its tag, never older).
    Only [start, end) plus a margin is loaded: a resource missing from the cache, or
    whose version moved, is loaded for this window (and the span it held, when near);
    one cached for a span that overlaps the window (or lies within ``MAX_GAP`` of it)
    loads only the part it lacks. ``now``
    is not needed any more (the cache no longer spans the booking horizon).
    """
    del now
    tz = tenant_zone(tenant)
    lo, hi = _hour_floor(start - LOAD_MARGIN), _hour_ceil(end + LOAD_MARGIN)
    entries: dict[uuid.UUID, CachedCalendar] = {}
    # Resources to load, by span: a stale entry (its version moved) is reloaded over the
    # span it held (what searches keep asking for), so entries do not fragment.
    missing: dict[tuple[datetime, datetime], dict[uuid.UUID, int]] = {}
    # Entries to widen, grouped by their span (usually one group: loaded together).
    narrow: dict[tuple[datetime, datetime], list[tuple[uuid.UUID, CachedCalendar]]] = {}
    for ref in refs:
        entry = cache.get(ref.id, ref.calendar_version, tz)
        if entry is not None and entry.covers(lo, hi):
            entries[ref.id] = entry
            continue
        held = entry or cache.held(ref.id, tz)
        near = held is not None and _near(held, lo, hi)
        if entry is not None and near:
            narrow.setdefault((entry.lo, entry.hi), []).append((ref.id, entry))
            continue
        span = (min(lo, held.lo), max(hi, held.hi)) if held is not None and near else (lo, hi)
        missing.setdefault(span, {})[ref.id] = ref.calendar_version
    for (load_lo, load_hi), versions in missing.items():
        loaded = load_entries(session, tz, versions, load_lo, load_hi)
        for rid, entry in loaded.items():
            cache.put(rid, entry)
        entries.update(loaded)
    for (old_lo, old_hi), group in narrow.items():
        new_lo, new_hi = min(lo, old_lo), max(hi, old_hi)
        rows = span_difference(session, [rid for rid, _ in group], old_lo, old_hi, new_lo, new_hi)
        for rid, entry in group:
            grown = entry.grown(
                new_lo,
                new_hi,
                working_intervals(entry.rules, entry.exceptions, tz, new_lo, old_lo),
                working_intervals(entry.rules, entry.exceptions, tz, old_hi, new_hi),
                rows[rid],
            )
            cache.put(rid, grown)
            entries[rid] = grown
    windows = [entries[ref.id].window(ref.id, start, end) for ref in refs]
    # External calendars are not versioned by us: added on top of the cached entry, from
    # their own short TTL cache (no lookup at all when no resource has one).
    connected = [ref.id for ref in refs if ref.has_calendar]
    if not connected:
        return windows
    extra = external_busy(
        session,
        tenant,
        connected,
        start - LOAD_MARGIN,
        end + LOAD_MARGIN,
        fresh=False,
    )
    if not extra:
        return windows
    return [
        replace(cal, busy=[*cal.busy, *extra[ref.id]]) if ref.id in extra else cal
        for ref, cal in zip(refs, windows, strict=True)
    ]


def _near(entry: CachedCalendar, lo: datetime, hi: datetime) -> bool:
    """Whether [lo, hi) and the entry's span may become one span (see MAX_GAP)."""
    return (
        lo - entry.hi <= MAX_GAP
        and entry.lo - hi <= MAX_GAP
        and max(hi, entry.hi) - min(lo, entry.lo) <= MAX_SPAN
    )


def _hour_floor(moment: datetime) -> datetime:
    """The UTC hour at or before ``moment``: windows that start "now" share an entry."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _hour_ceil(moment: datetime) -> datetime:
    floor = _hour_floor(moment)
    return floor if floor == moment else floor + timedelta(hours=1)
