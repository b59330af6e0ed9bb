"""The queries that read calendar rows: busy time for a window, cache entries, and what
a wider cache span adds to a narrower one."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from frontdesk.scheduling import DateException, WeeklyRule
from frontdesk.services.calendar_cache import MAX_BLOCK, CachedCalendar, Row, build_entry
from frontdesk.store.models import ACTIVE_STATUSES, Appointment, ResourceException, WorkingHours


def _active_busy(ids: Sequence[uuid.UUID]) -> Select[uuid.UUID, datetime, datetime, datetime]:
    """(resource, start, blocked start, blocked end) of the resources' active appointments."""
    return select(
        Appointment.resource_id,
        Appointment.start_at,
        Appointment.blocked_start,
        Appointment.blocked_end,
    ).where(
        Appointment.resource_id.in_(ids),
        Appointment.status.in_([s.value for s in ACTIVE_STATUSES]),
    )


def busy_rows(
    session: Session,
    ids: Sequence[uuid.UUID],
    lo: datetime,
    hi: datetime,
    exclude_appointment: uuid.UUID | None = None,
) -> Iterable[tuple[uuid.UUID, datetime, datetime, datetime]]:
    query = _active_busy(ids).where(
        # Bounded on both sides so the index range scan does not grow with history.
        Appointment.blocked_start >= lo - MAX_BLOCK,
        Appointment.blocked_start < hi,
        Appointment.blocked_end > lo,
    )
    if exclude_appointment is not None:
        query = query.where(Appointment.id != exclude_appointment)
    return session.execute(query).all()


def load_entries(
    session: Session,
    tz: ZoneInfo,
    versions: Mapping[uuid.UUID, int],
    lo: datetime,
    hi: datetime,
) -> dict[uuid.UUID, CachedCalendar]:
    """Cache entries for [lo, hi) of the resources in ``versions`` (id -> the
    ``calendar_version`` read before this call), in three queries."""
    ids = list(versions)
    # Columns, not ORM objects: building 12 WorkingHours instances per resource cost more
    # than the rest of a cold load of 200 resources.
    rules: dict[uuid.UUID, list[WeeklyRule]] = defaultdict(list)
    hours = select(
        WorkingHours.resource_id,
        WorkingHours.weekday,
        WorkingHours.start_time,
        WorkingHours.end_time,
    ).where(WorkingHours.resource_id.in_(ids))
    for rid, weekday, begin, finish in session.execute(hours):
        rules[rid].append(WeeklyRule(weekday, begin, finish))
    exceptions: dict[uuid.UUID, list[DateException]] = defaultdict(list)
    dated = select(
        ResourceException.resource_id,
        ResourceException.start_date,
        ResourceException.end_date,
        ResourceException.kind,
        ResourceException.start_time,
        ResourceException.end_time,
    ).where(ResourceException.resource_id.in_(ids))
    for rid, first, last, kind, since, until in session.execute(dated):
        exceptions[rid].append(
            DateException(first, last, "off" if kind == "off" else "extra", since, until)
        )
    rows: dict[uuid.UUID, list[Row]] = defaultdict(list)
    for resource_id, start_at, blocked_start, blocked_end in busy_rows(session, ids, lo, hi):
        rows[resource_id].append((start_at, blocked_start, blocked_end))
    return {
        rid: build_entry(version, tz, lo, hi, rules[rid], exceptions[rid], rows[rid])
        for rid, version in versions.items()
    }


def span_difference(
    session: Session,
    ids: Sequence[uuid.UUID],
    lo: datetime,
    hi: datetime,
    new_lo: datetime,
    new_hi: datetime,
) -> dict[uuid.UUID, list[Row]]:
    """The active appointments a cache entry for [new_lo, new_hi) holds and one for
    [lo, hi) (inside it) does not. An entry for [a, b) holds those with ``blocked_start``
    in [a - MAX_BLOCK, b) and ``blocked_end`` > a; the difference is one range scan on
    each side that grew."""
    rows: dict[uuid.UUID, list[Row]] = defaultdict(list)
    base = _active_busy(ids)
    sides = []
    if new_lo < lo:
        sides.append(
            base.where(
                Appointment.blocked_start >= new_lo - MAX_BLOCK,
                Appointment.blocked_start < lo,
                Appointment.blocked_end > new_lo,
                # Not already held: those also have blocked_start >= lo - MAX_BLOCK and
                # blocked_end > lo.
                or_(
                    Appointment.blocked_start < lo - MAX_BLOCK,
                    Appointment.blocked_end <= lo,
                ),
            )
        )
    if new_hi > hi:
        sides.append(
            base.where(Appointment.blocked_start >= hi, Appointment.blocked_start < new_hi)
        )
    for query in sides:
        for resource_id, start_at, blocked_start, blocked_end in session.execute(query):
            rows[resource_id].append((start_at, blocked_start, blocked_end))
    return rows
