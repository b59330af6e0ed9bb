"""Meeting requests: what an outbound campaign needs booked (issue 12).

A request names who the meeting is with (a staff member or other resource, a service, or
both), how long it lasts, the hard constraints every offered time must satisfy and the
soft preferences that rank them. Constraints are stored in the shape the constraint
parser answers (``POST /api/v1/constraints/parse``): days as lowercase English weekday
names, local times as "HH:MM", the window as aware ISO datetimes, absent parts null.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.errors import Conflict, InvalidInput
from frontdesk.services.lookup import get_scoped
from frontdesk.services.zones import check_timezone
from frontdesk.store.models import (
    MeetingRequest,
    MeetingRequestStatus,
    Resource,
    Service,
    Tenant,
    utcnow,
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PARTS_OF_DAY = ("morning", "afternoon", "evening")
MAX_WINDOW = timedelta(days=366)  # a campaign runs for weeks, not years


@dataclass(frozen=True, slots=True)
class HardConstraints:
    window_start: datetime
    window_end: datetime
    days_of_week: list[str] | None = None
    earliest_time: time | None = None
    latest_time: time | None = None
    exclude_dates: list[date] = field(default_factory=list)

    def check(self) -> None:
        if self.window_end <= self.window_start:
            raise InvalidInput("The window must end after it starts.",
                               field="hard_constraints.window_end")
        if self.window_end - self.window_start > MAX_WINDOW:
            raise InvalidInput(f"A window may span at most {MAX_WINDOW.days} days.",
                               field="hard_constraints.window_end")
        if (self.earliest_time is not None and self.latest_time is not None
                and self.latest_time <= self.earliest_time):
            raise InvalidInput("The latest time must be after the earliest time.",
                               field="hard_constraints.latest_time")
        if self.days_of_week is not None and not self.days_of_week:
            raise InvalidInput("No day of the week is allowed: name at least one, or none "
                               "(null) for every day.", field="hard_constraints.days_of_week")

    def as_json(self) -> dict[str, Any]:
        return {
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "days_of_week": _ordered(self.days_of_week),
            "earliest_time": _hhmm(self.earliest_time),
            "latest_time": _hhmm(self.latest_time),
            "exclude_dates": sorted({d.isoformat() for d in self.exclude_dates}),
        }


@dataclass(frozen=True, slots=True)
class SoftConstraints:
    days_of_week: list[str] | None = None
    parts_of_day: list[str] | None = None

    def as_json(self) -> dict[str, Any]:
        parts = None
        if self.parts_of_day is not None:
            parts = [p for p in PARTS_OF_DAY if p in set(self.parts_of_day)]
        return {"days_of_week": _ordered(self.days_of_week), "parts_of_day": parts}


@dataclass(frozen=True, slots=True)
class MeetingRequestFields:
    """What a caller may set; None means "not given" (on create: the default)."""

    title: str | None = None
    resource_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    duration_minutes: int | None = None
    timezone: str | None = None
    hard: HardConstraints | None = None
    soft: SoftConstraints | None = None
    bookings_wanted: int | None = None
    notes: str | None = None


def create_meeting_request(
    session: Session, tenant: Tenant, fields: MeetingRequestFields
) -> MeetingRequest:
    if fields.resource_id is None and fields.service_id is None:
        raise InvalidInput("Say who the meeting is with: a resource_id, a service_id or both.",
                           field="resource_id")
    if fields.hard is None:
        raise InvalidInput("hard_constraints with a window are required.",
                           field="hard_constraints")
    row = MeetingRequest(tenant_id=tenant.id, status=MeetingRequestStatus.OPEN.value,
                         title=fields.title or "Meeting", bookings_wanted=1,
                         timezone=tenant.timezone, soft_constraints=SoftConstraints().as_json())
    _apply(session, tenant, row, fields)
    if fields.duration_minutes is None:
        if row.service_id is None:
            raise InvalidInput("Give duration_minutes, or a service whose duration it takes.",
                               field="duration_minutes")
        service = get_scoped(session, Service, tenant.id, row.service_id)
        row.duration_minutes = service.duration_minutes
    session.add(row)
    session.flush()
    return row


def update_meeting_request(
    session: Session, tenant: Tenant, request_id: uuid.UUID, fields: MeetingRequestFields
) -> MeetingRequest:
    row = _locked(session, tenant, request_id)
    if row.status != MeetingRequestStatus.OPEN.value:
        raise Conflict(f"This meeting request is {row.status}; only open ones can change.",
                       meeting_request_id=str(row.id))
    _apply(session, tenant, row, fields)
    session.flush()
    return row


def cancel_meeting_request(
    session: Session, tenant: Tenant, request_id: uuid.UUID
) -> MeetingRequest:
    """Cancel an open request; cancelling a cancelled one answers it as it is."""
    row = _locked(session, tenant, request_id)
    if row.status == MeetingRequestStatus.CANCELLED.value:
        return row
    if row.status != MeetingRequestStatus.OPEN.value:
        raise Conflict(f"This meeting request is {row.status}; it can no longer be cancelled.",
                       meeting_request_id=str(row.id))
    row.status = MeetingRequestStatus.CANCELLED.value
    row.cancelled_at = utcnow()
    session.flush()
    return row


def list_meeting_requests(
    session: Session, tenant: Tenant, *, status: str | None, limit: int, offset: int
) -> list[MeetingRequest]:
    query = select(MeetingRequest).where(MeetingRequest.tenant_id == tenant.id)
    if status is not None:
        query = query.where(MeetingRequest.status == status)
    query = query.order_by(MeetingRequest.created_at, MeetingRequest.id)
    return list(session.scalars(query.limit(limit).offset(offset)))


def get_meeting_request(session: Session, tenant: Tenant, request_id: uuid.UUID) -> MeetingRequest:
    return get_scoped(session, MeetingRequest, tenant.id, request_id)


def _locked(session: Session, tenant: Tenant, request_id: uuid.UUID) -> MeetingRequest:
    row = session.scalars(
        select(MeetingRequest)
        .where(MeetingRequest.id == request_id, MeetingRequest.tenant_id == tenant.id)
        .with_for_update()
    ).first()
    return row or get_scoped(session, MeetingRequest, tenant.id, request_id)


def _apply(session: Session, tenant: Tenant, row: MeetingRequest,
           fields: MeetingRequestFields) -> None:
    if fields.resource_id is not None:
        row.resource_id = get_scoped(session, Resource, tenant.id, fields.resource_id).id
    if fields.service_id is not None:
        row.service_id = get_scoped(session, Service, tenant.id, fields.service_id).id
    if fields.timezone is not None:
        row.timezone = check_timezone(fields.timezone)
    if fields.hard is not None:
        fields.hard.check()
        row.hard_constraints = fields.hard.as_json()
    if fields.soft is not None:
        row.soft_constraints = fields.soft.as_json()
    for name in ("title", "duration_minutes", "bookings_wanted", "notes"):
        value = getattr(fields, name)
        if value is not None:
            setattr(row, name, value)


def _ordered(days: list[str] | None) -> list[str] | None:
    if days is None:
        return None
    wanted = set(days)
    unknown = wanted - set(WEEKDAYS)
    if unknown:
        raise InvalidInput(f"Not a weekday: {', '.join(sorted(unknown))}; use lowercase "
                           "English names like 'tuesday'.", field="days_of_week")
    return [d for d in WEEKDAYS if d in wanted]


def _hhmm(value: time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def window_in_utc(hard: dict[str, Any]) -> tuple[datetime, datetime]:
    """A stored request's window as UTC datetimes."""
    return (datetime.fromisoformat(hard["window_start"]).astimezone(UTC),
            datetime.fromisoformat(hard["window_end"]).astimezone(UTC))
