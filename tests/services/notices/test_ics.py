"""The calendar invite, built from unsaved models: no database needed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component

from frontdesk.services.notices.ics import PRODID, appointment_ics
from frontdesk.store.models import Appointment, Customer, Resource, Service, Tenant

NY = ZoneInfo("America/New_York")


def _appointment(*, email: str | None = "sam@example.com") -> tuple[Appointment, Tenant]:
    tenant = Tenant(name="Cuts, Colour & Co; Uptown", timezone="America/New_York",
                    languages=["en"], notify_email="desk@cuts.example")  # fmt: skip
    start = datetime(2031, 3, 9, 10, 30, tzinfo=NY)  # the morning DST begins in New York
    appointment = Appointment(
        id=uuid.uuid4(),
        start_at=start,
        end_at=start + timedelta(minutes=45),
        service=Service(name="Beard trim"),
        resource=Resource(name="Ana"),
        customer=Customer(name="Sam Ortiz", email=email),
    )
    return appointment, tenant


def _event(text: str) -> tuple[Calendar, Component]:
    calendar = Calendar.from_ical(text)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_request_carries_the_appointment_in_utc() -> None:
    appointment, tenant = _appointment()
    calendar, event = _event(appointment_ics(appointment, tenant, sequence=0))
    assert str(calendar["PRODID"]) == PRODID and str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"{appointment.id}@frontdesk"
    # 10:30 EDT (UTC-4, DST began at 02:00 that morning) is 14:30 UTC.
    assert event.decoded("DTSTART") == datetime(2031, 3, 9, 14, 30, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2031, 3, 9, 15, 15, tzinfo=UTC)
    assert event["DTSTART"].to_ical() == b"20310309T143000Z"
    assert str(event["SUMMARY"]) == "Beard trim at Cuts, Colour & Co; Uptown"
    assert str(event["LOCATION"]) == tenant.name  # escaping survives the round trip
    assert "Ana" in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "CONFIRMED" and int(str(event["SEQUENCE"])) == 0
    assert str(event["ORGANIZER"]) == "mailto:desk@cuts.example"
    assert event["ORGANIZER"].params["CN"] == tenant.name
    assert str(event["ATTENDEE"]) == "mailto:sam@example.com"
    assert event["ATTENDEE"].params["CN"] == "Sam Ortiz"
    assert "DTSTAMP" in event


def test_cancel_keeps_the_uid_and_raises_the_sequence() -> None:
    appointment, tenant = _appointment()
    _, booked = _event(appointment_ics(appointment, tenant, sequence=0))
    calendar, cancelled = _event(appointment_ics(appointment, tenant, method="CANCEL", sequence=3))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(str(cancelled["SEQUENCE"])) == 3
    assert cancelled["UID"] == booked["UID"]


def test_no_organizer_or_attendee_without_addresses() -> None:
    appointment, tenant = _appointment(email=None)
    tenant.notify_email = None
    _, event = _event(appointment_ics(appointment, tenant, sequence=0))
    assert "ORGANIZER" not in event and "ATTENDEE" not in event


def test_lines_are_crlf_terminated() -> None:
    appointment, tenant = _appointment()
    text = appointment_ics(appointment, tenant, sequence=0)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
