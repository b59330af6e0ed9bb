"""The calendar invite (RFC 5545 / iTIP RFC 5546) that rides along with an email confirmation.

One appointment is one VEVENT with a stable UID, so a calendar client updates the entry it
already has when the appointment moves (a REQUEST with a higher SEQUENCE) and removes it
when it is cancelled (a CANCEL with a higher SEQUENCE still).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from icalendar import Calendar, Event, vCalAddress, vText

from frontdesk.store.models import Appointment, Tenant

Method = Literal["REQUEST", "CANCEL"]
PRODID = "-//frontdesk//appointments//EN"


def event_uid(appointment: Appointment) -> str:
    return f"{appointment.id}@frontdesk"


def _address(email: str, name: str | None, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key] = vText(value)
    return address


def appointment_ics(
    appointment: Appointment,
    tenant: Tenant,
    *,
    method: Method = "REQUEST",
    sequence: int,
    stamp: datetime | None = None,
) -> str:
    """The invite text. ``sequence`` must grow with every change sent for this appointment."""
    service, resource, customer = appointment.service, appointment.resource, appointment.customer
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)

    event = Event()
    event.add("uid", event_uid(appointment))
    event.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", appointment.start_at.astimezone(UTC))
    event.add("dtend", appointment.end_at.astimezone(UTC))
    event.add("summary", f"{service.name} at {tenant.name}")
    event.add("location", tenant.name)
    event.add("description", f"{service.name} with {resource.name}")
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if tenant.notify_email:
        event.add("organizer", _address(tenant.notify_email, tenant.name))
    if customer is not None and customer.email:
        event.add(
            "attendee",
            _address(customer.email, customer.name, ROLE="REQ-PARTICIPANT", PARTSTAT="ACCEPTED"),
        )
    calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical.decode("utf-8")
