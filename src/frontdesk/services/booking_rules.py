"""Which resource takes a booking, and why none can: the booking service's rules.

``booking`` runs the transactions (book, reschedule, cancel); this module holds what
they decide inside them: the candidates offering a service, the first one free at a time
(checked, locked, checked again), where an appointment's blocked range falls, and the
refusal a person reads when none can take it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from frontdesk.errors import BookingRefused, InvalidInput, RefusalCode, SlotTaken
from frontdesk.scheduling import Refusal, check_bookable
from frontdesk.services import calendars
from frontdesk.services.lookup import get_scoped
from frontdesk.store.models import Appointment, Resource, Service, Tenant

REFUSAL_TEXT = {
    Refusal.TOO_SOON: "That time is too soon: this business needs at least {notice} notice.",
    Refusal.TOO_FAR_AHEAD: "That time is too far ahead: bookings open {days} days in advance.",
    Refusal.OUTSIDE_HOURS: "Nobody offering this service works at that time.",
    Refusal.SLOT_TAKEN: "That time is already taken.",
    Refusal.DAY_FULL: "That day is fully booked.",
}
# When several resources refuse, the most useful reason wins (taken beats closed).
REFUSAL_PRIORITY = [
    Refusal.TOO_SOON,
    Refusal.TOO_FAR_AHEAD,
    Refusal.SLOT_TAKEN,
    Refusal.DAY_FULL,
    Refusal.OUTSIDE_HOURS,
]

def refuse(tenant: Tenant, refusal: Refusal) -> BookingRefused:
    text = REFUSAL_TEXT[refusal].format(
        notice=humanize(timedelta(minutes=tenant.min_notice_minutes)),
        days=tenant.max_days_ahead,
    )
    if refusal is Refusal.SLOT_TAKEN:
        return SlotTaken(text + " Ask GET /api/v1/availability for free times.")
    return BookingRefused(RefusalCode(refusal.value), text)


def humanize(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % 1440 == 0 and minutes:
        return f"{minutes // 1440} day(s)"
    if minutes % 60 == 0 and minutes:
        return f"{minutes // 60} hour(s)"
    return f"{minutes} minute(s)"


def require_aware(start: datetime) -> datetime:
    if start.tzinfo is None or start.utcoffset() is None:
        raise InvalidInput(
            "The start time needs a UTC offset, e.g. 2026-12-01T10:00:00-05:00.", field="start"
        )
    return start.astimezone(UTC)


def candidate_resources(
    session: Session, tenant: Tenant, service: Service, resource_id: uuid.UUID | None
) -> list[Resource]:
    if resource_id is not None:
        resource = get_scoped(session, Resource, tenant.id, resource_id)
        if not resource.active or service not in resource.services:
            raise BookingRefused(
                RefusalCode.SERVICE_NOT_OFFERED,
                f"{resource.name} does not offer {service.name}.",
                resource_id=str(resource.id),
                service_id=str(service.id),
            )
        return [resource]
    resources = [r for r in service.resources if r.active]
    if not resources:
        raise BookingRefused(
            RefusalCode.SERVICE_NOT_OFFERED, f"Nobody offers {service.name} yet."
        )
    return sorted(resources, key=lambda r: r.name)


def choose_resource(
    session: Session,
    tenant: Tenant,
    service: Service,
    resources: list[Resource],
    start: datetime,
    now: datetime,
    exclude_appointment: uuid.UUID | None = None,
) -> Resource:
    """The first candidate that can take the booking, locked for this transaction.

    Each candidate is checked, then locked (its calendar version bumped), then checked
    again: on PostgreSQL another booking may have committed between the two. On SQLite
    the whole transaction already holds the write lock and the second check is free.
    """
    spec = calendars.service_spec(service)
    policy, tz = calendars.booking_policy(tenant), calendars.tenant_zone(tenant)
    refusals: list[Refusal] = []

    def refusal_for(resource: Resource) -> Refusal | None:
        (cal,) = calendars.load_calendars(
            session,
            tenant,
            [resource],
            start,
            start + spec.duration,
            exclude_appointment=exclude_appointment,
        )
        return check_bookable(spec, policy, cal, start, now=now, tz=tz)

    for resource in resources:
        refusal = refusal_for(resource)
        if refusal is None:
            calendars.bump(session, [resource.id])
            refusal = refusal_for(resource)
        if refusal is None:
            return resource
        refusals.append(refusal)
    raise refuse(tenant, min(refusals, key=REFUSAL_PRIORITY.index))


def place(appointment: Appointment, service: Service, start: datetime) -> None:
    spec = calendars.service_spec(service)
    appointment.start_at = start
    appointment.end_at = start + spec.duration
    appointment.blocked_start = start - spec.buffer_before
    appointment.blocked_end = start + spec.duration + spec.buffer_after
