"""Meeting requests: what an outbound campaign needs booked (issue 12).

A request names who the meeting is with (a staff member or other resource, a service, or
both), how long it lasts, the hard constraints every offered time must satisfy and the
soft preferences that rank them. Constraints are stored in the shape the constraint
parser answers (``POST /api/v1/constraints/parse``): days as lowercase English weekday
names, local times as "HH:MM", the window as aware ISO datetimes, absent parts null.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.errors import Conflict, InvalidInput
from frontdesk.scheduling.constraints import WEEKDAY_NAMES, HardConstraints, SoftConstraints
from frontdesk.services.lookup import get_scoped, locked_scoped
from frontdesk.services.zones import check_timezone
from frontdesk.store.models import (
    MeetingRequest,
    MeetingRequestStatus,
    Resource,
    Service,
    Tenant,
    utcnow,
)

PARTS_OF_DAY = ("morning", "afternoon", "evening")
MAX_WINDOW = timedelta(days=366)  # a campaign runs for weeks, not years


def check_hard(hard: HardConstraints) -> None:
    """What the core's type does not check itself: a window that makes sense for a
    campaign, a real zone, and at least one allowed day."""
    check_timezone(hard.timezone)
    if hard.window_end <= hard.window_start:
        raise InvalidInput("The window must end after it starts.",
                           field="hard_constraints.window_end")
    if hard.window_end - hard.window_start > MAX_WINDOW:
        raise InvalidInput(f"A window may span at most {MAX_WINDOW.days} days.",
                           field="hard_constraints.window_end")
    if hard.days_of_week is not None and not hard.days_of_week:
        raise InvalidInput("No day of the week is allowed: name at least one, or none "
                           "(null) for every day.", field="hard_constraints.days_of_week")


def hard_json(hard: HardConstraints) -> dict[str, Any]:
    """The parser's JSON shape: weekdays in week order, "HH:MM" times, sorted dates."""
    return {
        "window_start": hard.window_start.isoformat(),
        "window_end": hard.window_end.isoformat(),
        "timezone": hard.timezone,
        "days_of_week": _ordered(hard.days_of_week),
        "earliest_time": _hhmm(hard.earliest_time),
        "latest_time": _hhmm(hard.latest_time),
        "exclude_dates": sorted(d.isoformat() for d in hard.exclude_dates),
    }


def soft_json(soft: SoftConstraints) -> dict[str, Any]:
    parts = None
    if soft.parts_of_day is not None:
        parts = [p for p in PARTS_OF_DAY if p in soft.parts_of_day]
    return {"days_of_week": _ordered(soft.days_of_week), "parts_of_day": parts}


def hard_from_json(data: dict[str, Any]) -> HardConstraints:
    """A stored request's hard constraints as the scheduling core's type."""
    days = data.get("days_of_week")
    return HardConstraints(
        window_start=datetime.fromisoformat(data["window_start"]),
        window_end=datetime.fromisoformat(data["window_end"]),
        timezone=data["timezone"],
        days_of_week=frozenset(days) if days is not None else None,
        earliest_time=_time(data.get("earliest_time")),
        latest_time=_time(data.get("latest_time")),
        exclude_dates=frozenset(date.fromisoformat(d) for d in data.get("exclude_dates", [])),
    )


def soft_from_json(data: dict[str, Any]) -> SoftConstraints:
    days, parts = data.get("days_of_week"), data.get("parts_of_day")
    return SoftConstraints(days_of_week=frozenset(days) if days is not None else None,
                           parts_of_day=frozenset(parts) if parts is not None else None)


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
                         timezone=tenant.timezone, soft_constraints=soft_json(SoftConstraints()))
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
    row = locked_scoped(session, MeetingRequest, tenant.id, request_id)
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
    row = locked_scoped(session, MeetingRequest, tenant.id, request_id)
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


def _apply(session: Session, tenant: Tenant, row: MeetingRequest,
           fields: MeetingRequestFields) -> None:
    if fields.resource_id is not None:
        row.resource_id = get_scoped(session, Resource, tenant.id, fields.resource_id).id
    if fields.service_id is not None:
        row.service_id = get_scoped(session, Service, tenant.id, fields.service_id).id
    if fields.timezone is not None:
        row.timezone = check_timezone(fields.timezone)
    if fields.hard is not None:
        check_hard(fields.hard)
        row.hard_constraints = hard_json(fields.hard)
    if fields.soft is not None:
        row.soft_constraints = soft_json(fields.soft)
    for name in ("title", "duration_minutes", "bookings_wanted", "notes"):
        value = getattr(fields, name)
        if value is not None:
            setattr(row, name, value)


def _ordered(days: frozenset[str] | None) -> list[str] | None:
    return None if days is None else [d for d in WEEKDAY_NAMES if d in days]


def _hhmm(value: time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def _time(value: str | None) -> time | None:
    return None if value is None else time.fromisoformat(value)

