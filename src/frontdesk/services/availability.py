"""Availability: which times can a service be booked, as the booking check would see them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from frontdesk.errors import BookingRefused, InvalidInput, RefusalCode
from frontdesk.scheduling import Slot, SlotPreferences, find_open_slots, rank_slots
from frontdesk.services import calendars
from frontdesk.services.lookup import get_scoped
from frontdesk.store.models import Resource, Service, Tenant

MAX_WINDOW = timedelta(days=62)


def find_slots(
    session: Session,
    tenant: Tenant,
    service_id: uuid.UUID,
    start: datetime,
    end: datetime,
    *,
    resource_id: uuid.UUID | None = None,
    preferences: SlotPreferences | None = None,
    now: datetime | None = None,
) -> list[Slot]:
    """Bookable slots for a service in [start, end), across every resource that offers it."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("'from' and 'to' need a UTC offset or a date.")
    if end <= start:
        raise InvalidInput("'to' must be after 'from'.", field="to")
    if end - start > MAX_WINDOW:
        raise InvalidInput(f"Ask for at most {MAX_WINDOW.days} days at a time.", field="to")
    service = get_scoped(session, Service, tenant.id, service_id)
    refs = calendars.offering_resources(session, tenant, service.id, resource_id)
    if resource_id is not None and not refs:
        resource = get_scoped(session, Resource, tenant.id, resource_id)
        raise BookingRefused(
            RefusalCode.SERVICE_NOT_OFFERED, f"{resource.name} does not offer {service.name}."
        )
    if not service.active or not refs:
        return []
    tz = calendars.tenant_zone(tenant)
    now = now or datetime.now(UTC)
    cals = calendars.cached_calendars(session, tenant, refs, start, end, now=now)
    slots = find_open_slots(
        calendars.service_spec(service),
        calendars.booking_policy(tenant),
        cals,
        window_start=start.astimezone(UTC),
        window_end=end.astimezone(UTC),
        now=now,
        tz=tz,
    )
    if preferences is not None:
        slots = rank_slots(slots, preferences, tz)
    return slots
