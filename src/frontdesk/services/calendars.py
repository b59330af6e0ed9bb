"""Build the scheduling core's inputs (ResourceCalendar, policy, spec) from stored rows.

This is the one place that turns ORM rows into the pure engine's value types, so the
availability query and the booking check see exactly the same calendar.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
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
from frontdesk.store.models import ACTIVE_STATUSES, Appointment, Resource, Service, Tenant

# How far around a searched window we load busy time and bookings: enough for any
# buffer and for whole local days at both ends (per-day limits count the whole day).
LOAD_MARGIN = timedelta(days=1, hours=2)


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


def date_exceptions(resource: Resource) -> list[DateException]:
    return [
        DateException(
            start_date=e.start_date,
            end_date=e.end_date,
            kind="off" if e.kind == "off" else "extra",
            start=e.start_time,
            end=e.end_time,
        )
        for e in resource.exceptions
    ]


def load_calendars(
    session: Session,
    tenant: Tenant,
    resources: Sequence[Resource],
    start: datetime,
    end: datetime,
    *,
    exclude_appointment: uuid.UUID | None = None,
) -> list[ResourceCalendar]:
    """Working time, busy time and per-day counts of ``resources`` around [start, end).

    One query for all resources' appointments (only the columns the engine needs), not
    one per resource or per slot. ``exclude_appointment`` leaves one appointment out,
    for a reschedule, which must not collide with itself.
    """
    tz = tenant_zone(tenant)
    lo, hi = start - LOAD_MARGIN, end + LOAD_MARGIN
    ids = [r.id for r in resources]
    busy: dict[uuid.UUID, list[Interval]] = defaultdict(list)
    per_day: dict[uuid.UUID, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    if ids:
        query = select(
            Appointment.resource_id,
            Appointment.start_at,
            Appointment.blocked_start,
            Appointment.blocked_end,
        ).where(
            Appointment.resource_id.in_(ids),
            Appointment.status.in_([s.value for s in ACTIVE_STATUSES]),
            Appointment.blocked_start < hi,
            Appointment.blocked_end > lo,
        )
        if exclude_appointment is not None:
            query = query.where(Appointment.id != exclude_appointment)
        for resource_id, start_at, blocked_start, blocked_end in session.execute(query):
            busy[resource_id].append((blocked_start, blocked_end))
            per_day[resource_id][start_at.astimezone(tz).date()] += 1
    return [
        ResourceCalendar(
            resource_id=r.id,
            working=working_intervals(weekly_rules(r), date_exceptions(r), tz, lo, hi),
            busy=busy[r.id],
            bookings_per_day=per_day[r.id],
        )
        for r in resources
    ]
