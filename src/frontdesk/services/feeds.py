"""A per-resource iCalendar feed: a secret URL any calendar app can subscribe to.

The token is the only credential (like Google Calendar's "secret address"): 256 random
bits, rotated on demand, which makes the old URL stop working at once.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.services.notices.ics import PRODID, event_uid
from frontdesk.store.models import Appointment, AppointmentStatus, Resource, Tenant

HISTORY = timedelta(days=30)  # how far back a subscribed calendar still shows bookings


def rotate_token(resource: Resource) -> str:
    """Give the resource a new feed token (the old URL stops working)."""
    resource.feed_token = secrets.token_urlsafe(32)
    return resource.feed_token


def feed_for_token(session: Session, token: str, *, now: datetime | None = None) -> str | None:
    """The iCalendar text of the resource with this token, or None if no such feed."""
    resource = session.scalars(select(Resource).where(Resource.feed_token == token)).first()
    if resource is None or not token:
        return None
    tenant = session.get_one(Tenant, resource.tenant_id)
    now = now or datetime.now(UTC)
    rows = session.scalars(
        select(Appointment)
        .where(
            Appointment.resource_id == resource.id,
            Appointment.status.in_(
                [AppointmentStatus.BOOKED.value, AppointmentStatus.COMPLETED.value]
            ),
            Appointment.start_at >= now - HISTORY,
            Appointment.start_at < now + timedelta(days=tenant.max_days_ahead + 1),
        )
        .order_by(Appointment.start_at)
    )
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{resource.name} — {tenant.name}")
    calendar.add("x-wr-timezone", tenant.timezone)
    private = tenant.persona == "medical"  # a clinic's feed names no patients
    for appointment in rows:
        event = Event()
        event.add("uid", event_uid(appointment))
        event.add("dtstamp", now)
        event.add("dtstart", appointment.start_at.astimezone(UTC))
        event.add("dtend", appointment.end_at.astimezone(UTC))
        who = appointment.customer.name if appointment.customer and not private else None
        summary = appointment.service.name + (f" — {who}" if who else "")
        event.add("summary", summary)
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    text: bytes = calendar.to_ical()
    return text.decode("utf-8")
